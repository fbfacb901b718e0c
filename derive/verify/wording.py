"""A diagnosis in the post's own words.

The judge names what it finds by derive's symbols (w6, out_h1, o2). Where the post calls a
quantity by a name of its own (a binding), the diagnosis uses that name instead: "w_{2,3} where
w_{1,3} belongs", "the path through y_2", so that the reader finds it in the post.
"""

from __future__ import annotations

import re

import sympy as sp

from .binding import Binding, written_as
from .reader import ReadError
from .vocabulary import Vocabulary, _keyed


def post_names(bindings: tuple[Binding, ...], vocabulary: Vocabulary) -> dict[str, str]:
    """derive's symbol name -> the post's name for it, from the bindings (a unit by its output's name)."""
    names: dict[str, str] = {}
    for binding in bindings:
        try:
            symbol = vocabulary.lookup(_keyed(binding.meant))
        except ReadError:
            continue
        if isinstance(symbol, sp.Symbol):
            names.setdefault(symbol.name, written_as(binding.written))
            if symbol.name.startswith("out_"):
                names.setdefault(symbol.name[len("out_"):], written_as(binding.written))
    return names


def in_post_words(reason: str | None, names: dict[str, str]) -> str | None:
    if not reason or not names:
        return reason
    pattern = re.compile(r"(?<![A-Za-z0-9_\\{])(" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
                         + r")(?![A-Za-z0-9_}])")
    return pattern.sub(lambda m: names[m.group(1)], reason)
