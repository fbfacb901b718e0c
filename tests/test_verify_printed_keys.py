"""The printer's names are read a table at a time (vocabulary._keyed_all): every name's key is the
one it has read alone, for every preset's three name tables and for random networks' tables."""

import pytest
from hypothesis import given, settings, strategies as st

import derive
from derive.present.layer_notation import layer_names
from derive.present.unit_notations import index_names, neuron_names
from derive.verify import vocabulary
from derive.verify.document import Checker
from derive.core.matrix_forms import BATCH

from helpers import run
from oracles import random_spec


def _tables(result):
    checker = Checker(result)
    graph = checker.model.graph
    layered = [latex for symbol, latex in layer_names(checker.layered).items()
               if not latex.startswith("\\frac") and symbol != BATCH]
    return [list(neuron_names(graph).values()), list(index_names(graph).values()), layered]


def _read_at_once(names, monkeypatch) -> list[str]:
    """The keys _keyed_all gives, failing if it fell back to reading a name alone."""
    alone = []
    monkeypatch.setattr(vocabulary, "_keyed", lambda latex: alone.append(latex))
    keys = vocabulary._keyed_all(names)
    monkeypatch.undo()
    assert not alone, f"read one by one: {alone[:3]}"
    return keys


@pytest.mark.parametrize("preset", derive.dense_preset_names())
def test_each_preset_names_keys_as_read_alone(preset, monkeypatch):
    for names in _tables(derive.derive(derive.load(preset))):
        assert _read_at_once(names, monkeypatch) == [vocabulary._keyed(latex) for latex in names]


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000))
def test_random_networks_names_keys_as_read_alone(seed):
    with pytest.MonkeyPatch.context() as monkeypatch:
        for names in _tables(run(random_spec(seed))):
            assert _read_at_once(names, monkeypatch) == [vocabulary._keyed(latex) for latex in names]


def test_a_name_that_does_not_read_falls_back_to_its_own_error():
    with pytest.raises(vocabulary.ReadError):
        vocabulary._keyed_all(["w_{1}", "\\frac{"])
