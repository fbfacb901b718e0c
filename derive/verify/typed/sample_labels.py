"""x^{(i)}_j: the i-th example's entry j, as a normalization post in Ng's notation writes a sample (the
label in parentheses above, the feature below), read as x_{i,j}; the bold row \\mathbf{x}^{(i)} as x_i."""

from __future__ import annotations

import re

from .. import syntax as s
from .sums import sum_letter

_SAMPLE = re.compile(r"^\(([a-zA-Z])\)$")


def _sample_letter(node) -> str | None:
    if isinstance(node, s.Scripted) and isinstance(node.base, s.Sym) and node.sup is not None:
        found = _SAMPLE.match(node.sup.text)
        return found.group(1) if found else None
    return None


def sample_labels(chains: list[s.Chain]) -> list[s.Chain]:
    """The chains with x^{(k)}_j written x_{k,j} wherever the post sums over one of those letters (Σ_k):
    then the label counts examples, not layers."""
    letters = {_sample_letter(node) for chain in chains for node in s.nodes(chain)} - {None, "l", "L"}
    summed = {sum_letter(node) for chain in chains for node in s.nodes(chain) if isinstance(node, s.BigSum)}
    if not letters & summed:
        return chains

    def as_indices(node):
        letter = _sample_letter(node)
        if letter not in letters:
            return node
        if node.sub is None:                  # \mathbf{y}^{(k)}: example k's row, each feature in turn
            return s.Scripted(node.base, s.Script(letter, s.Sym(letter)), None, node.primes)
        return s.Scripted(node.base, s.Script(f"{letter},{node.sub.text}", None), None, node.primes)
    return [s.rebuilt(chain, as_indices) for chain in chains]
