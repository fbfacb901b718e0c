"""The names a formula writes, as look-up keys (vocabulary.key): every one, or in order."""

from __future__ import annotations

from . import syntax as s
from .vocabulary import key


def every_name(node) -> set[str]:
    """The keys of every name in a formula, a scripted name's letter too (a_j gives a_j and a)."""
    return {name for item in s.nodes(node) if isinstance(item, (s.Sym, s.Scripted)) and (name := key(item))}


def written_names(node, scripts: bool = True) -> list[str]:
    """The keys of the names a formula writes, in order (a_j is one name); without `scripts`, not
    the names inside a name's scripts (y_{target} is then y_target alone)."""
    found = []
    if isinstance(node, (s.Sym, s.Scripted)):
        name = key(node)
        if name:
            found.append(name)
    if isinstance(node, (list, tuple)):
        for item in node:
            found.extend(written_names(item, scripts))
    elif scripts or not (found and isinstance(node, s.Scripted)):
        for field in s.node_fields(node):
            if not (isinstance(node, s.Scripted) and field == "base" and found):   # a_j is one name, not a
                found.extend(written_names(getattr(node, field), scripts))
    return found
