"""Fusions as rows: the known simplifications of dE/dnet for an output activation and its loss
(softmax + cross-entropy and sigmoid + binary cross-entropy give A - Y)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .algebra import Expr, _add, _neg


@dataclass(frozen=True)
class Cancellation:
    """A known simplification of dE/dnet for an output activation and loss pair."""
    name: str                              # how a derivation names the step that uses it
    delta: Callable[[Expr, Expr], Expr]   # (t_j, o_j) -> dE/dnet_j
    condition: str                         # what must hold, in words ('' when always)


CANCELLATIONS: dict[tuple[str, str], Cancellation] = {
    ("softmax", "cross_entropy"): Cancellation("softmax-cross-entropy", lambda t, o: _add(o, _neg(t)),
                                               "the targets sum to 1"),
    ("sigmoid", "binary_cross_entropy"): Cancellation("sigmoid-binary-cross-entropy",
                                                      lambda t, o: _add(o, _neg(t)), ""),
}
