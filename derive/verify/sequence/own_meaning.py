"""A wrong-looking claim that gives a letter a meaning of the post's own rather than stating a value: y_t =
softmax(z_t) where y is the network's target (the post's y is its prediction on that line), f'(z) = σ(z)(1 − σ(z))
of a bare z (the derivative of the activation the line names, one case of the post's list, not the cell's), and
any claim of a post whose attention has no scale (S = QKᵀ and no √ anywhere, as FlashAttention's notes write it)."""

from __future__ import annotations

from .. import syntax as s
from .applied import STAND_INS
from .indices import split_indices
from .names import key_of


def own_meaning(judge, chain: s.Chain) -> str | None:
    """Why the claim is read as the post's own meaning for its letter (unchecked, not wrong); None: it is not."""
    left = chain.sides[0]
    whole = (split_indices(left) or (left,))[0]            # y_i^t: the entry of y^t
    key = key_of(whole, judge.world.kind, lambda family, options: options[0], judge.post.aliases)
    if key == "y" and len(chain.sides) == 2:
        return ("the post sets the letter of the target to a value it computes: its own meaning on this line "
                "(the prediction), which is not read")
    if judge.fixed.get("S") == ("QK",) and judge.post.unscaled and not _before_the_scores(judge, chain):
        # S = QKᵀ and no scale anywhere: another network, from the scores on
        return ("the post's scores are QKᵀ, without the scale 1/√d_k that derive's attention has: its claims "
                "through them are about another network")
    if _state_without_its_input(judge, chain, key):
        return ("the post writes its state again from the recurrence alone, without the input's term: a simpler "
                "network of its own (an analysis of the recurrence), not the spec's")
    if _stand_in_of_a_letter(left):
        return "the activation written by a letter, at a letter: the post names one case of it on this line"
    return None


def of_the_loss(left: s.Node, kind: str) -> bool:
    """L_t = -Σ ŷ_i log y_i: only the loss's own equation says which of y and ŷ is the target (y_t = softmax(z_t)
    may be the one line where a post calls its prediction y)."""
    return (key_of(left, kind, lambda family, options: options[0]) or "").startswith("loss")


def _stand_in_of_a_letter(node: s.Node) -> bool:
    """f'(z), g(x): a stand-in letter applied to a bare letter, no step's quantity (z, not z_t)."""
    if not (isinstance(node, s.Juxt) and len(node.items) == 2 and isinstance(node.items[1], s.Paren)):
        return False
    function, argument = node.items[0], node.items[1].inner
    if isinstance(function, s.Scripted) and function.sub is None and function.sup is None:
        function = function.base
    return isinstance(function, s.Sym) and function.text in STAND_INS and isinstance(argument, s.Sym) and \
        len(argument.text) == 1


def _state_without_its_input(judge, chain: s.Chain, key: str | None) -> bool:
    """h^{(1)} = tanh(W h^{(0)}), h^{(t)} = W^t h^{(0)}: a later state (or its net input) from the initial state
    h^{(0)} by a weight alone, in a post whose forward equation above read the input. A state from the step
    before (h_t = tanh(W h_{t-1})) stays a claim on the spec's network: a slip there is one."""
    if key is None or key.split("@")[0].split("#")[0] not in ("h", "net:") or key.endswith("#0") or \
            len(chain.sides) != 2 or "x" not in judge.confirmed:
        return False
    keys = {key_of(node, judge.world.kind, lambda family, options: options[0], judge.post.aliases)
            for node in _names(chain.sides[1])}
    keys.discard(None)
    states = {k for k in keys if k.split("@")[0].split("#")[0] == "h"}
    weights = keys - states
    return states == {"h#0"} and bool(weights) and all(k.startswith(("W:", "U:")) for k in weights)


def _names(node: s.Node) -> list[s.Node]:
    """The names a side writes, glued ones apart (Wh^{(0)}: W, then h^{(0)})."""
    found = []
    for each in s.nodes(node):
        if isinstance(each, s.Scripted) and isinstance(each.base, s.Sym) and not each.base.font and \
                len(each.base.text) > 1 and each.base.text.isalpha():
            found += [s.Sym(letter) for letter in each.base.text[:-1]]
            found.append(s.Scripted(s.Sym(each.base.text[-1]), each.sub, each.sup, each.primes))
        elif isinstance(each, s.Scripted) or isinstance(each, s.Sym) and not _a_base(node, each):
            found.append(each)
    return found


def _a_base(node: s.Node, sym: s.Sym) -> bool:
    return any(isinstance(n, s.Scripted) and n.base is sym for n in s.nodes(node))


PROJECTIONS = {"Q", "K", "V", "X", "W:q", "W:k", "W:v"}       # what the scores do not reach, forward


def _before_the_scores(judge, chain: s.Chain) -> bool:
    """Q = X W_q: a claim whose names are all the attention's input, projections and their weights."""
    keys = {key_of(node, judge.world.kind, lambda family, options: options[0], judge.post.aliases)
            for node in s.nodes(chain) if isinstance(node, (s.Sym, s.Scripted, s.Frac))}
    keys.discard(None)
    return bool(keys) and keys <= PROJECTIONS
