"""A weight's update written as code writes it: W -= η ∂J/∂W, or W += α ∂J/∂W (gradient ascent, a classic
slip). Read as the weight after the step, W⁺ = W ∓ (…), which the judge checks as any W⁺ = … claim: against
one step of plain gradient descent on the whole loss, η (or α) the spec's learning rate."""

from __future__ import annotations

from .. import syntax as s
from .names import key_of

RATES = ("\\eta", "\\alpha", "lr")        # the learning rate's letters, where they name nothing else
WEIGHTS = ("W", "U", "V", "b")


def as_update(chain: s.Chain, kind: str) -> s.Chain | None:
    """W -= η dW as W⁺ = W - (η dW); None where the chain is no update of a weight."""
    if len(chain.sides) != 2 or chain.relations[0] not in ("+=", "-="):
        return None
    left = chain.sides[0]
    key = key_of(left, kind, lambda family, options: options[0])
    if key is None or key.split(":")[0] not in WEIGHTS:
        return None                               # dW += …: a gradient's accumulation, judged as it is
    after = s.Script("+", None)
    if isinstance(left, s.Scripted) and left.sup is None and not left.primes:
        updated = s.Scripted(left.base, left.sub, after)
    elif isinstance(left, s.Sym):
        updated = s.Scripted(left, None, after)
    else:
        return None
    step = s.BinOp(chain.relations[0][0], left, s.Paren(chain.sides[1], "("))
    return s.Chain((updated, step), ("=",), chain.continued, chain.text, chain.offset, chain.lines)
