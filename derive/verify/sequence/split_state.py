"""A post that names by ∂J/∂c^t a part of the cell state's gradient: Andrew Ng's LSTM (the course's dc_next)
writes the gate's gradient as (∂J/∂c^t + ∂J/∂a^t ⊙ Γ_o ⊙ (1 - tanh²(c^t))) ⊙ c̃^t, adding the path through
a^t to ∂J/∂c^t. Read as the whole gradient, that counts the path twice; the post means by ∂J/∂c^t what the
later steps send back, and its lines that state ∂J/∂c^t = (the path through a^t) give this step's own part.

Such a post opts in by writing the sum (or by adding the path through h^t into δc^t with +=); then ∂J/∂c^t at the step in view reads as the whole gradient, the
later steps' part or this step's own. A post that never writes it reads ∂J/∂c^t as the whole, so that a
∂J/∂c^t missing the later steps' term stays wrong.

Likewise a post that names by dh_{t+1} what code names dh_next (dh_t = Vᵀ dy_t + dh_{t+1}, then dh_{t+1} =
U_zᵀ dz_t + … for what step t sends back): it opts in by stating dh_{t+1}, a code-style name, from the step's
own gradients (dh_t among them), which no later step's gradient is, and adding it as a term of its own; then
dh_{t+1} reads as the whole gradient at the next step, what the later steps send back to h_t, or what step t
sends back to h_{t-1}."""

from __future__ import annotations

from .. import syntax as s
from .derivatives import adjoint_of
from .names import key_of

FAMILY = "cell gradient"
OPTIONS = ("whole", "parts")
NEXT_FAMILY = "next state gradient"
NEXT_OPTIONS = ("whole", "sent back")


def splits_cell_gradient(kind: str, chains: list[s.Chain], aliases: dict[str, str]) -> bool:
    """Whether a chain adds to ∂J/∂c^t a term through the same step's a^t (or h_t), or accumulates into it."""
    if kind != "lstm":
        return False
    first = lambda family, options: options[0]        # noqa: E731
    key = lambda node: key_of(node, kind, first, aliases)      # noqa: E731
    for chain in chains:
        if chain.relations == ("+=",) and adjoint_of(chain.sides[0]) is not None and key(chain.sides[0]) == "d:c":
            return True                                # δc^t += (the path through h^t): parts, added up
        for side in chain.sides[1:]:
            for node in s.nodes(side):
                terms = _terms(node) if isinstance(node, s.BinOp) and node.op == "+" else []
                cell = [t for t in terms if adjoint_of(t) is not None and key(t) == "d:c"]
                through = [t for t in terms if t not in cell and
                           any(adjoint_of(n) is not None and key(n) == "d:h" for n in s.nodes(t))]
                if cell and through:
                    return True
    return False


def _terms(node: s.Node) -> list[s.Node]:
    if isinstance(node, s.BinOp) and node.op == "+":
        return _terms(node.left) + _terms(node.right)
    return [node]


def names_next_state_gradient(kind: str, chains: list[s.Chain], aliases: dict[str, str]) -> bool:
    """Whether the post states code's dh_{t+1} (a d-name, never a fraction) from this step's dh_t, and adds it
    as a term of its own elsewhere (dh_t = Vᵀ dy_t + dh_{t+1})."""
    first = lambda family, options: options[0]        # noqa: E731
    key = lambda node: key_of(node, kind, first, aliases)      # noqa: E731
    stated = any(len(chain.sides) == 2 and not isinstance(chain.sides[0], s.Frac) and
                 adjoint_of(chain.sides[0]) is not None and key(chain.sides[0]) == "d:h@+1" and
                 any(adjoint_of(n) is not None and key(n) == "d:h" for n in s.nodes(chain.sides[1]))
                 for chain in chains)
    added = any(isinstance(node, s.BinOp) and node.op == "+" and
                any(adjoint_of(term) is not None and key(term) == "d:h@+1" for term in _terms(node))
                for chain in chains for side in chain.sides[1:] for node in s.nodes(side))
    return stated and added
