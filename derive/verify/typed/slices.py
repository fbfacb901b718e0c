"""A name the post defines as a whole column of a matrix (y_i = Y_{:i}, Y_{:,i}, as a post in matrix form writes
a feature's column over the batch): y_i there is a vector, never the entry y_i of the layer's tensor, so a formula
with it (∂L/∂y_i = ∂L/∂ŷ_i ∂ŷ_i/∂y_i, a vector times a Jacobian) is not read entry by entry. A row (x_i = X_{i,:},
an example) is left alone: its entries are read one by one as they are."""

from __future__ import annotations

import re

from .. import syntax as s
from .names import index_pieces

_SLICE = re.compile(r"(?<![A-Za-z\\])([A-Za-z])_\{?\s*([a-z])\s*\}?\s*(?:\^\s*\{?\s*(?:\\top|T|\\intercal)\s*\}?)?\s*=\s*"
                    r"([A-Z])_\{\s*:\s*,?\s*\2\s*\}")


def sliced_letters(document: str) -> dict[str, str]:
    """Each letter the post sets to a matrix's column, and that slice as written."""
    return {found.group(1): found.group(0) for found in _SLICE.finditer(document)}


def sliced_claim(chain: s.Chain, sliced: dict[str, str]) -> str | None:
    """Why the claim is not read, where it indexes a letter the post made a column by one index; else None."""
    for node in s.nodes(chain):
        if isinstance(node, s.Scripted) and node.sub is not None and isinstance(node.base, s.Sym) and \
                node.base.text in sliced and len(index_pieces(node.sub.text) or ()) == 1:
            return f"{node.base.text}_{{{node.sub.text}}} is a whole column ({sliced[node.base.text]}), " \
                   "not read entry by entry"
    return None
