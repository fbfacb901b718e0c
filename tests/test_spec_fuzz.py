"""A dense spec with any field set to anything (or deleted) is read, derived and written, or it
fails with a one-line SpecError or DeriveError naming what is wrong; never another exception."""

from __future__ import annotations

import copy

from helpers import MAZUR
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import derive
from derive.errors import DeriveError, SpecError

VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-10 ** 30, 10 ** 30) | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=12)
FIELDS = [("input", "values"), ("input", "names"), ("target", "values"), ("loss", "function"),
          ("loss", "reduction"), ("loss", "l2"), ("training", "learning_rate"), ("training", "iterations"),
          ("training", "optimizer"), ("training", "update_bias"), ("init", "seed")] + \
    [(layer, key) for layer in range(2)
     for key in ("units", "activation", "names", "weights", "bias", "dropout", "mask", "skip", "extra")]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(FIELDS), VALUES, st.booleans()), min_size=1, max_size=3))
def test_any_mutation_of_a_dense_spec_is_derived_or_named_in_one_line(mutations):
    mapping = copy.deepcopy(MAZUR) | {"training": dict(MAZUR["training"], iterations=3)}
    for (where, key), value, delete in mutations:
        table = mapping["layers"][where] if isinstance(where, int) else mapping.setdefault(where, {})
        if delete:
            table.pop(key, None)
        else:
            table[key] = value
    try:
        derive.derive(derive.from_dict(mapping)).render("markdown")
    except (SpecError, DeriveError) as error:
        assert "\n" not in str(error) and str(error).strip()
