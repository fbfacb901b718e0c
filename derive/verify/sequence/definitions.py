"""A post's own name for one of the network's quantities: W = QKᵀ/√d_k names the scores, B = softmax(W)
the weights, C = BV the output. Where a definition's value is one of the world's quantities at the
step in view, the name is that quantity from then on (its gradient ∂L/∂B the weights' gradient), and
the definition is a claim that holds; where it is the scores but for the scale (QKᵀ/d_k, or no
scale), the claim is wrong and says so, and the name is still read as the scores."""

from __future__ import annotations

import itertools

import numpy as np

from .. import syntax as s
from ..values import Verdict
from .evaluate import Evaluator, Unfit
from .functions import FUNCTIONS
from .indices import split_indices
from .names import key_of, spoken
from .own_meaning import of_the_loss
from .post_facts import macro_key

MAX_READINGS = 64


def named_quantity(judge, chain: s.Chain, bind: bool = True) -> Verdict | None:
    """The verdict on a definition that names a quantity of the world's, and (`bind`) the name bound to it.
    A value that is a gradient of the world's (code's dt = dh_hat * (1 - h_hat**2), the candidate's net
    input's) is a step that holds, its name left the post's own: code assigns such names again."""
    key = macro_key(chain.sides[0])
    world = judge.world
    width = world.sizes.get("d_k")
    readings = list(_readings(judge, chain.sides[-1]))
    if any(not isinstance(value, np.ndarray) or value.size < 2 for value in readings):
        return None
    for gradients in (False, True):
        for value in readings:
            for candidate, known in _quantities(world, gradients):
                if known.shape != value.shape and known.T.shape == value.shape:
                    known = known.T                           # written in rows (x W): the same quantity
                if known.shape != value.shape or not np.any(known):
                    continue
                if _same(known, value):
                    if bind and not gradients:
                        judge.post.aliases[key] = candidate
                    if bind and gradients:
                        _name_its_operand(judge, chain.sides[0], candidate)
                    return Verdict("ok", None, f"it names {_described(candidate)}")
                if candidate == "S" and width and width > 1 and _same(known, value * np.sqrt(width)) and bind:
                    judge.post.aliases[key] = candidate
                    return Verdict("wrong", None, "the scores are QKᵀ/√d_k: this scales them by 1/d_k instead")
    return None


def _name_its_operand(judge, left: s.Node, gradient: str) -> None:
    """dho = tanh(c) * dh in code, the loss's gradient by o: code names a gradient d + its operand's name, so
    ho is o where the post gives ho no other meaning (its forward code left out of the excerpt)."""
    operand = gradient[2:]
    if judge.post.line is None or not isinstance(left, s.Sym) or left.font or not left.text.startswith("d") or \
            len(left.text) < 3 or operand.rstrip("<>!~") != operand or "@" in operand:
        return
    name = s.Sym(left.text[1:])
    if macro_key(name) is not None and not judge.known(name) and macro_key(name) not in judge.post.macros:
        judge.post.aliases.setdefault(macro_key(name), operand)


def names_a_vector(judge, left: s.Node, side: s.Node) -> bool:
    """z_u = W_u[h_{t-1}; x_t] + b_u: a name that would read as one number (z's entry u), set to a whole vector,
    is the post's own name for that vector, not a claim about the entry."""
    if split_indices(left) is None or key_of(left, judge.world.kind, lambda family, options: options[0]) is not None:
        return False
    if any(np.size(value) > 1 for value in _readings(judge, left)):      # o_i, row i of O: a vector itself
        return False
    return any(np.size(value) > 1 for value in _readings(judge, side))


def rebound(judge, chain: s.Chain) -> Verdict | None:
    """a = x.dot(Wx) + prev_h.dot(Wh) + b in code: a letter the network has (a, Ng's hidden state) assigned
    another of its quantities, of another shape (the four gates' net inputs, stacked): in this post the letter
    names that one, and the line holds. None where the letter keeps its own meaning; a value of the letter's
    own shape (o = σ of f's net input) is a claim about the letter, and may be wrong."""
    left = chain.sides[0]
    if len(chain.sides) != 2 or not isinstance(left, s.Sym) or not judge.known(left) or \
            any(equal for _, equal in judge.outcomes(chain)):
        return None
    own = {np.shape(value) for value in _readings(judge, left)}
    if any(np.size(value) in {int(np.prod(shape)) for shape in own} for value in _readings(judge, chain.sides[-1])):
        return None
    return named_quantity(judge, chain)


def own_weight_letter(judge, chain: s.Chain) -> None:
    """Q = A X, q_i = A x_i: a letter the network has for something else (A, its attention weights) written as
    a projection's weight is the post's own name for that weight, and is read as neither from its line on."""
    right = chain.sides[-1]
    items = right.items if isinstance(right, s.Juxt) else \
        (right.left, right.right) if isinstance(right, s.BinOp) and right.op in ("*", "@") else ()
    if judge.world.kind != "attention" or len(chain.sides) != 2 or len(items) != 2 or \
            _base_key(judge, chain.sides[0]) not in ("Q", "K", "V"):
        return
    for letter, other in (items, items[::-1]):
        key = _base_key(judge, letter)
        if isinstance(letter, s.Sym) and key not in (None, "X") and not key.startswith("W:") and \
                _base_key(judge, other) == "X":
            judge.post.aliases[macro_key(letter)] = f"own:{letter.text}"


def _base_key(judge, node: s.Node) -> str | None:
    """The key of a name, or of the array an entry of it (q_i, x_i) is taken from."""
    split = split_indices(node)
    return key_of(split[0] if split else node, judge.world.kind, lambda family, options: options[0],
                  judge.post.aliases)


def named_net_input(judge, chain: s.Chain) -> None:
    """o_t = σ(a_o), h_t = tanh(z_t): the unknown name inside the activation names the gate's net input (also
    in a longer chain, f^t = σ(f̂^t) = σ(W_f x^t + U_f h^{t-1}))."""
    if len(chain.sides) < 2 or not isinstance(chain.sides[1], s.Juxt) or len(chain.sides[1].items) != 2:
        return
    function, argument = chain.sides[1].items
    name = function.name if isinstance(function, s.Func) else function.text if isinstance(function, s.Sym) else None
    if name not in FUNCTIONS or name in ("exp", "sqrt", "softmax", "diag") or not isinstance(argument, s.Paren):
        return
    key = macro_key(argument.inner)
    gate = key_of(chain.sides[0], judge.world.kind, lambda f, o: o[0])
    # h_t = tanh(s_t): s, elsewhere a state's letter, cannot be the state it makes; here it is its net input
    itself = gate is not None and key_of(argument.inner, judge.world.kind, lambda f, o: o[0]) == gate
    if key is None or gate is None or judge.known(argument.inner) and not itself or key in judge.post.macros:
        return
    net = "net:" if gate == "h" and judge.world.kind == "rnn" else f"net:{gate}"
    if not judge.world.lookup(net):      # a^t = tanh(â^t): not an LSTM's state (it has no net), its candidate
        gate = key_of(chain.sides[0], judge.world.kind, lambda f, o: o[-1])
        net = f"net:{gate}"
    if judge.world.lookup(net):
        judge.post.aliases[key] = net


def _readings(judge, side: s.Node):
    """The side's value under each convention its names leave open (at most MAX_READINGS)."""
    first = Evaluator(judge.world, judge.post, {})
    try:
        first.value(side)
    except (Unfit, FloatingPointError, ValueError, KeyError, IndexError):
        if not first.consulted:           # W_f [h, x] reads under another convention than the first
            return
    families = {f: judge.fixed.get(f, o) for f, o in first.consulted.items()}
    for choice in itertools.islice(itertools.product(*families.values()), MAX_READINGS):
        evaluator = Evaluator(judge.world, judge.post, dict(zip(families, choice)))
        try:
            yield evaluator.value(side)
        except (Unfit, FloatingPointError, ValueError, KeyError, IndexError):
            continue


def _quantities(world, gradients: bool = False):
    """(key, value) of every quantity at the step in view, the step's own, then every step's: the forward
    ones, or (`gradients`) the loss's gradients."""
    own = world.steps[world.at] if world.steps else {}
    for key, arrays in list(own.items()) + list(world.values.items()):
        if key.startswith("d:") == gradients and "/" not in key:    # a stack's order is the post's convention
            for array in arrays:
                yield key, array


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    scale = max(float(np.max(np.abs(a))), 1e-12)
    return bool(np.max(np.abs(a - b)) <= 1e-6 * scale)


def _described(key: str) -> str:
    if key.startswith("d:"):
        inner = key[2:].rstrip("<>!~")
        return "the loss's gradient by " + ("the state's net input" if inner == "net:" else _described(inner))
    if key.startswith("net:"):
        return spoken(key)
    return {"S": "the scores QKᵀ/√d_k", "QK": "QKᵀ, the scores before their scale 1/√d_k", "A": "the attention weights softmax(S)", "O": "the attention's output AV",
            "Q": "the queries", "K": "the keys", "V": "the values", "Y": "the projected output",
            "net:stack": "the four gates' net inputs, stacked i, f, g, o", "h": "the hidden state", "c": "the cell state",
            "x": "the step's input", "logit": "the read-out's logits", "yhat": "the softmax output ŷ"}.get(key, spoken(key))


def corrected_definitions(judge, found, defined: set, named: dict) -> None:
    """u^t = W_in x^t + W x^{t-1} + b, and below it u^t = W_in x^t + W z^{t-1} + b: a name the post defines
    twice, the first time by a value that names nothing of the network's and again by one of its quantities, is
    that quantity from the later line on. Where the first value is of the same weights, reads and has the
    quantity's shape, the later line restates it: the first definition is a claim, and wrong. Any other first
    one (u^t = f(x^t, z^{t-1}), u = W_in x + b of a feed-forward net, u^t = 0 at the start) says nothing."""
    first = {}
    for region, chain, line in found:
        key = macro_key(chain.sides[0])
        if (line, chain.text) in defined and named.get((line, chain.text)) is None and key is not None \
                and not region.code:
            first.setdefault(key, (line, chain))
    for region, chain, line in found:
        key = macro_key(chain.sides[0])
        if key not in first or (line, chain.text) in defined or len(chain.sides) != 2 or line <= first[key][0]:
            continue
        earlier, wrote = first[key]
        if judge.post.macros.get(key) is not wrote.sides[-1]:
            continue
        del judge.post.macros[key]
        verdict = named_quantity(judge, chain)
        if verdict is None or verdict.verdict != "ok":
            judge.post.macros[key] = wrote.sides[-1]
            continue
        del first[key]
        readings, later = list(_readings(judge, wrote.sides[-1])), list(_readings(judge, chain.sides[-1]))
        if _weights(judge, wrote) == _weights(judge, chain) and readings and \
                all(isinstance(value, np.ndarray) for value in readings) and \
                {np.shape(value) for value in readings} & {np.shape(value) for value in later}:
            named[(earlier, wrote.text)] = Verdict("wrong", None, f"line {line} writes {verdict.reason[9:]} "
                                                   "under this name; this value is not it")


def _weights(judge, chain: s.Chain) -> set[str]:
    """The names of the weights and biases a definition's right side writes (W_{(in)}, W, b), as written."""
    found, nodes = set(), list(s.nodes(chain.sides[-1]))
    bases = {id(node.base) for node in nodes if isinstance(node, s.Scripted)}      # W of W_{(in)}: not a name
    for node in nodes:
        if isinstance(node, (s.Sym, s.Scripted)) and id(node) not in bases:
            key = key_of(node, judge.world.kind, lambda family, options: options[0], judge.post.aliases)
            if key is not None and key[:2] in ("W:", "U:", "b:", "V:"):
                found.add(macro_key(node))
    return found


def named_target(judge, chain: s.Chain) -> None:
    """E = ½ Σ_t (y_t − d_t)²: in the loss's own equation, a name the network lacks, subtracted from or by the
    read-out's output written with the same scripts, names the target (d for desired, t for target); where
    that output is written y, the post's y is its prediction (ŷ)."""
    if len(chain.sides) < 2 or not of_the_loss(chain.sides[0], judge.world.kind) or not judge.world.lookup("y"):
        return
    first = lambda family, options: options[0]        # noqa: E731
    for node in s.nodes(chain.sides[1:]):
        if not isinstance(node, s.BinOp) or node.op != "-":
            continue
        for target, prediction in ((node.left, node.right), (node.right, node.left)):
            key = macro_key(target)
            if key is None or key in judge.post.aliases or key in judge.post.macros or judge.known(target) or \
                    _scripts(target) != _scripts(prediction):
                continue
            read_as = key_of(prediction, judge.world.kind, first, judge.post.aliases)
            if read_as not in ("y", "yhat"):
                continue
            judge.post.aliases[key] = "y"
            if read_as == "y":                       # y_t the prediction: the target has a name of its own
                judge.post.aliases[macro_key(prediction)] = "yhat"
            return


def _scripts(node: s.Node) -> tuple | None:
    return (node.sub, node.sup) if isinstance(node, s.Scripted) else None
