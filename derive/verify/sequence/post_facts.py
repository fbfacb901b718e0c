"""What a sequence post says about its own names and its own way of writing: the names it defines, the
code names it assigns again, and the conventions it keeps (through time, over m samples, unscaled scores,
its σ), most gathered over the whole post before a claim is judged; `line` and the names a claim defines
change as the claims are judged in the post's order."""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import syntax as s


@dataclass
class PostNames:
    """The post's own names: those it defines by an expression (δ3 = δ1 + δ2), and those of them that
    name one of the world's quantities (B = softmax(W): the weights), by their macro_key."""
    macros: dict[str, s.Node] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    # a world quantity written in the post's own names (B = B_1 ⊙ B_4, a claim that held): the sides, in order
    anchors: dict[str, list[s.Node]] = field(default_factory=dict)
    # a gradient the post stated wrongly: (its line, its value), and the one standing in for the true one
    slips: dict[str, tuple[int | None, s.Node]] = field(default_factory=dict)
    standing: dict[str, s.Node] = field(default_factory=dict)
    stated: set[str] = field(default_factory=set)       # the gradients a claim that held has stated
    # the post's code's own functions (def dtanh(x): return 1 - np.tanh(x)**2): parameters and returned value
    functions: dict[str, tuple[tuple[str, ...], s.Node]] = field(default_factory=dict)
    # the post runs through time (Σ_t, a loop over the steps): its ∂L/∂W is every step's term summed;
    # a post about one step means that step's term by it
    through_time: bool = False
    # ∂J/∂W = Σ_t ∂J/∂W^t at this line, or else the first that goes through time (BPTT, Σ_t): the post's ∂J/∂W
    # above it may be one step's term
    one_step_above: int | None = None
    linear_state: bool = False         # the post's RNN is linear, without biases (other_network.py)
    batched: bool = False              # the post works over m samples (Σ_m, 1/m): derive's world holds one
    einstein: bool = False             # the post says an index repeated in a product is summed
    unscaled: bool = False             # the post writes no scale anywhere (no √, ** 0.5, "scale"): S = QKᵀ is all
    # a line of the post says its σ is an activation that may be tanh or ReLU (σ can be tanh or ReLU): an
    # RNN's σ is then its state's activation
    sigma_is_activation: bool = False
    # y = softmax(…) and no ŷ computed: the post's y may be its prediction, so its loss's equation may make ŷ the target
    computes_y: bool = False
    first_index: int = 1               # a fixed entry's first index: v_{11} (1), or v_{00} where it writes 0
    # code's names assigned again (dt = dh_hat * (1 - h_hat**2), then dt = dz * z * (1-z)): each later value
    # with its line, taken by the lines below it; `line` is the line being judged
    reassigned: dict[str, list[tuple[int, s.Node]]] = field(default_factory=dict)
    defined_at: dict[str, int] = field(default_factory=dict)     # a code name's first assignment's line
    line: int | None = None

    def about_one_step(self) -> bool:
        return self.one_step_above is not None and self.line is not None and self.line < self.one_step_above

    def assigned_again(self, key: str | None) -> bool:
        """Whether code assigned the name again above the line being judged."""
        return self.line is not None and any(at < self.line for at, _ in self.reassigned.get(key, ()))

    def macro(self, key: str | None) -> tuple[int | None, s.Node] | None:
        """(the line it was assigned at, the value) a post's own name has at the line being judged."""
        later = [(at, node) for at, node in self.reassigned.get(key, ()) if self.line is not None and at < self.line]
        if later:
            return later[-1]
        # dhr = np.dot(dt, Wh.T): its dt is the one assigned above it, whatever dt is assigned later
        return (self.defined_at.get(key), self.macros[key]) if key in self.macros else None


def macro_key(node: s.Node) -> str | None:
    """A post's own name (δ3, gates, B_4) as a key: its letters and scripts."""
    if isinstance(node, s.Sym):
        return node.text + (f"/{node.font}" if node.font else "")
    if isinstance(node, s.Scripted) and not node.primes:
        base = macro_key(node.base)
        return None if base is None else f"{base}_{node.sub.text if node.sub else ''}^{node.sup.text if node.sup else ''}"
    if isinstance(node, s.Juxt) and len(node.items) == 2 and isinstance(node.items[0], s.Sym) and \
            isinstance(node.items[1], s.Num):
        return node.items[0].text + node.items[1].text          # δ 3
    return None
