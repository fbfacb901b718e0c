"""A term kept whole through a chain of elementwise ops, until the walk reaches a named adjoint:
upstream times each op's local derivative, in the walk's order (a dropout's mask before its
activation's slope). Both symbolic levels use it: a person writes δ = dE/da ⊙ (m/(1-p) ⊙ g'),
grouping the local derivative, not ((dE/da ⊙ m/(1-p)) ⊙ g')."""

from __future__ import annotations

from dataclasses import dataclass

from .graph import Application


@dataclass(frozen=True)
class Elementwise:
    upstream: object                                         # the named adjoint it starts from
    factors: tuple[tuple[Application, object], ...]          # (the application, its local derivative)

    def factor(self, op: str):
        return next((f for application, f in self.factors if application.op == op), None)


def times(upstream, application: Application, factor) -> Elementwise:
    """upstream times one more elementwise op's local derivative."""
    if isinstance(upstream, Elementwise):
        return Elementwise(upstream.upstream, upstream.factors + ((application, factor),))
    return Elementwise(upstream, ((application, factor),))
