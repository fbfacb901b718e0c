"""Index notation (Nielsen): the same derivation as the neuron notation, under other names, with BP1-BP4."""

import re

import pytest

import derive
from helpers import one_line, MAZUR, run
from oracles import random_spec

NUMBER = re.compile(r"-?\d+\.\d+(?: \\times 10\^\{-?\d+\})?|-?\d+(?= ?\$\$)")


def _figures(text: str) -> list[str]:
    """Every number printed in display math, in order."""
    return [n for line in text.splitlines() if line.startswith("$$") for n in NUMBER.findall(line)]


@pytest.mark.parametrize("spec", [MAZUR] + [random_spec(5000 + s) for s in range(6)],
                         ids=["mazur"] + [f"random-{s}" for s in range(6)])
def test_index_document_prints_the_neuron_documents_figures(spec):
    result = run(spec)
    neuron = derive.render(result, "markdown", "neuron")
    index = derive.render(result, "markdown", "index")
    assert _figures(index) == _figures(neuron)
    assert "E_{total}" not in index and "out_{" not in index and "net_{" not in index


def test_index_names_follow_nielsen():
    text = one_line(derive.render(run(MAZUR), "markdown", "index"))
    # w^{2}_{jk}: from unit k of layer 1 to unit j of layer 2; seed 003's w_7 is h1 -> o2
    assert r"$$\frac{\partial C}{\partial w^{2}_{21}} = \delta^{2}_{2} \cdot a^{1}_{1}" in text
    assert r"$$z^{1}_{1} = w^{1}_{11} \cdot x_{1} + w^{1}_{12} \cdot x_{2} + b^{1} \cdot 1" in text
    for name in ("BP1", "BP2", "BP3", "BP4"):
        assert rf"\tag{{{name}}}$$" in text
    assert r"$$\delta^{1}_{1} = \left(\delta^{2}_{1} \cdot w^{2}_{11} + \delta^{2}_{2} \cdot w^{2}_{21}\right)" in text


def test_every_document_states_its_notation_once():
    result = run(MAZUR)
    for notation in ("neuron", "index", "layer"):
        text = derive.render(result, "markdown", notation)
        assert text.count("## Notation") == 1, notation
