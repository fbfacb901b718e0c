"""Specs mutated at random, for the hypothesis fuzz tests of both spec readers: any field set to
any TOML-like value (nested lists and tables, huge integers, NaN, text), or deleted."""

from __future__ import annotations

import copy

from hypothesis import strategies as st

VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-10 ** 30, 10 ** 30) | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=12)


def mutations(fields: list[tuple], most: int):
    """Up to `most` changes: (field, value, delete), a field a (section, key) or (layer index, key)."""
    return st.lists(st.tuples(st.sampled_from(fields), VALUES, st.booleans()), min_size=1, max_size=most)


def mutated(mapping: dict, changes) -> dict:
    found = copy.deepcopy(mapping)
    for (where, key), value, delete in changes:
        table = found["layers"][where] if isinstance(where, int) else found.setdefault(where, {})
        if delete:
            table.pop(key, None)
        else:
            table[key] = value
    return found
