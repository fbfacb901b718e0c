"""A dense spec with any field set to anything (or deleted) is read, derived and written, or it
fails with a one-line SpecError or DeriveError naming what is wrong; never another exception."""

from __future__ import annotations

from helpers import MAZUR
from hypothesis import HealthCheck, given, settings
from spec_mutations import mutated, mutations

import derive
from derive.errors import DeriveError, SpecError

FIELDS = [("input", "values"), ("input", "names"), ("target", "values"), ("loss", "function"),
          ("loss", "reduction"), ("loss", "l2"), ("training", "learning_rate"), ("training", "iterations"),
          ("training", "optimizer"), ("training", "update_bias"), ("init", "seed")] + \
    [(layer, key) for layer in range(2)
     for key in ("units", "activation", "names", "weights", "bias", "dropout", "mask", "skip", "extra")]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutations(FIELDS, 3))
def test_any_mutation_of_a_dense_spec_is_derived_or_named_in_one_line(changes):
    mapping = mutated(MAZUR | {"training": dict(MAZUR["training"], iterations=3)}, changes)
    try:
        derive.derive(derive.from_dict(mapping)).render("markdown")
    except (SpecError, DeriveError) as error:
        assert "\n" not in str(error) and str(error).strip()
