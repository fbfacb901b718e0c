"""The network diagram and the training curve: geometry, elision, scales, and well-formed SVG."""

import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import derive
from derive.present import curve, diagram
from derive.present.unit_notations import neuron_names
from helpers import MAZUR, run


def _wide(units: int) -> dict:
    return {"input": {"values": [[0.1, 0.2]]}, "target": {"values": [[0.5]]}, "init": {"seed": 2},
            "layers": [{"units": units, "activation": "tanh"}, {"units": 1, "activation": "sigmoid"}],
            "loss": {"function": "half_sse"}, "training": {"learning_rate": 0.1}}


def _layout(spec):
    result = run(spec)
    graph = result.derivation.graph
    return diagram.layout(graph, neuron_names(graph), result.values.parameters, str)


def test_mazur_diagram_labels_every_edge_with_its_weight():
    d = _layout(MAZUR)
    assert d["mode"] == "units" and d["labelled"]
    assert len(d["nodes"]) == 6 and len(d["edges"]) == 8
    assert [e["label"]["tex"] for e in d["edges"]][:2] == ["w_{1} = 0.15", "w_{2} = 0.2"]
    assert d["edges"][4]["label"]["plain"] == "w₅ = 0.4"
    assert [b["plain"] for b in d["biases"]] == ["b₁ = 0.35", "b₂ = 0.6"]


def test_a_layer_wider_than_eight_units_is_drawn_as_blocks():
    d = _layout(_wide(12))
    assert d["mode"] == "blocks" and not d["nodes"] and not d["edges"]
    assert [b["text"] for b in d["blocks"]] == ["x: 2 units", "h: 12 units", "o: 1 unit"]
    assert [a["label"]["tex"] for a in d["arrows"]] == [r"w_{1} \ldots w_{24}", r"w_{25} \ldots w_{36}"]


def test_eight_units_are_all_drawn_and_labelled():
    d = _layout(_wide(8))
    assert len([n for n in d["nodes"] if n["kind"] == "hidden"]) == 8 and d["mode"] == "units"
    assert all(e["label"] is not None for e in d["edges"]) and len(d["edges"]) == 2 * 8 + 8


def test_curve_uses_a_log_axis_when_the_loss_spans_decades():
    history = np.geomspace(0.3, 3e-5, 10001)
    c = curve.layout(history, lambda v: f"{v:.3g}")
    assert c["log"] is True
    assert [p["step"] for p in c["checkpoints"]] == [0, 1, 10, 100, 1000, 10000]
    assert len(c["points"]) <= curve.MAX_POINTS
    assert [t["label"] for t in c["svg"]["yticks"]] == ["0.0001", "0.001", "0.01", "0.1"]


def test_curve_is_linear_when_the_loss_stays_within_a_decade():
    c = curve.layout(np.linspace(0.5, 0.2, 51), str)
    assert c["log"] is False and [p["step"] for p in c["checkpoints"]] == [0, 1, 10, 50]


def test_no_curve_for_a_diverged_run():
    assert curve.layout(np.array([1.0, np.inf]), str) is None


@pytest.mark.parametrize("notation", ["neuron", "layer"])
def test_markdown_svg_is_well_formed(notation):
    text = derive.render(derive.derive(derive.load("mazur")), "markdown", notation)
    svgs = re.findall(r"<svg.*?</svg>", text, re.S)
    assert len(svgs) == 2       # the network and the training curve
    for svg in svgs:
        ET.fromstring(svg)
        assert "\n\n" not in svg  # a blank line would end the Markdown HTML block
