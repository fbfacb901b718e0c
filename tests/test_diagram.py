"""The network diagram: labels that never overlap (SVG, TikZ), blocks past eight units, Mermaid for GitHub.

The label boxes are recomputed from what was rendered — the SVG's text positions, Chromium's measured
boxes, TeX's typeset node boxes — not taken from the layout.
"""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import derive
from derive.present import diagram
from derive.output import documents
from derive.core.units import build
from derive.present.notation import format_number
from derive.numeric.evaluator import initial_parameters
from derive.present.unit_notations import SCHEMES
from renderers import need

SVG = "{http://www.w3.org/2000/svg}"
MAGNITUDES = (1.0, 0.01, 1e-5, 123.0)     # 0.5123, -0.005123, -5.123e-06, 63.12: every width of value


def _spec(widths: list[int], rng: np.random.Generator, shared: bool = True, layout: str = "column",
          names: dict | None = None) -> dict:
    """A network of the given widths with random weights of mixed magnitudes, in the layout's orientation."""
    layers = []
    for l, (n_in, n_out) in enumerate(zip(widths, widths[1:])):
        w = rng.normal(size=(n_out, n_in)) * rng.choice(MAGNITUDES, size=(n_out, n_in))
        b = rng.normal(size=n_out) * rng.choice(MAGNITUDES, size=n_out)
        layers.append({"units": n_out, "activation": "sigmoid",
                       "weights": (w if layout == "column" else w.T).tolist(),
                       "bias": float(b[0]) if shared else b.tolist(), **({"names": names[l + 1]} if names else {})})
    return {"layout": layout, "input": {"values": [[0.1] * widths[0]], **({"names": names[0]} if names else {})},
            "target": {"values": [[0.5] * widths[-1]]}, "layers": layers, "loss": {"function": "half_sse"},
            "training": {"learning_rate": 0.1}}


def _layout(spec_dict: dict, notation: str = "neuron") -> dict:
    spec = derive.from_dict(spec_dict)
    graph = build(spec)
    names = SCHEMES["index" if notation == "layer" else notation](graph)
    return diagram.layout(graph, names, initial_parameters(spec), lambda v: format_number(v, 9), notation)


def _svg(d: dict) -> str:
    return documents.render_template("markdown", "diagram.svg.j2", {"diagram": d, "flavor": "mathjax"})


def _tikz(d: dict) -> str:
    return documents.render_template("latex", "diagram.tex.j2", {"diagram": d})


def _svg_boxes(svg: str) -> tuple[list, list, list]:
    """Each label's box from its text as rendered: position, anchor, font size and the runs' widths;
    the units' circles; the boxes of the units' names."""
    root = ET.fromstring(svg)
    boxes, unit_names = [], []
    for text in root.iter(f"{SVG}text"):
        if text.get("class") not in ("weight", "bias"):
            size, x, y = float(root.get("font-size")), float(text.get("x")), float(text.get("y"))
            width = diagram.text_width([{"text": text.text, "script": ""}], size)
            unit_names.append((x - width / 2, y - diagram.ASCENT * size, x + width / 2, y + diagram.DESCENT * size))
            continue
        size = float(text.get("font-size"))
        assert text.get("text-anchor") == "middle"
        runs = [{"text": t.text or "", "script": "sub" if t.get("font-size") else ""} for t in text.iter(f"{SVG}tspan")]
        width = diagram.text_width(runs, size)
        x, y = float(text.get("x")), float(text.get("y"))
        boxes.append((x - width / 2, y - diagram.ASCENT * size, x + width / 2, y + diagram.DESCENT * size))
    circles = [(float(c.get("cx")), float(c.get("cy")), float(c.get("r"))) for c in root.iter(f"{SVG}circle")]
    return boxes, circles, unit_names


def _apart(a: tuple, b: tuple) -> bool:
    return a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]


def _assert_apart(boxes: list, circles: list, unit_names: list = ()) -> None:
    for (a, b) in itertools.combinations(boxes, 2):
        assert _apart(a, b), f"labels overlap: {a} and {b}"
    for a, b in itertools.product(boxes, unit_names):
        assert _apart(a, b), f"label {a} covers a unit's name {b}"
    for box, (cx, cy, r) in itertools.product(boxes, circles):
        dx, dy = min(max(cx, box[0]), box[2]) - cx, min(max(cy, box[1]), box[3]) - cy
        assert dx * dx + dy * dy >= r * r, f"label {box} sits on the unit at ({cx}, {cy})"


def _assert_every_edge_labelled_on_itself(d: dict) -> None:
    assert d["mode"] == "units" and d["labelled"]
    for e in d["edges"]:
        label = e["label"]
        assert label is not None
        # the label's centre lies on its own edge (the line through both ends)
        cross = (e["x2"] - e["x1"]) * (label["y"] - e["y1"]) - (e["y2"] - e["y1"]) * (label["x"] - e["x1"])
        assert abs(cross) < 1e-6
        assert min(e["x1"], e["x2"]) < label["x"] < max(e["x1"], e["x2"])


@pytest.mark.parametrize("inputs,hidden", list(itertools.product(range(1, 9), repeat=2)))
def test_every_pair_of_widths_up_to_eight_is_labelled_without_overlap(inputs, hidden):
    rng = np.random.default_rng(inputs * 10 + hidden)
    outputs = (inputs * hidden) % 8 + 1
    layout = "column" if (inputs + hidden) % 2 else "row"
    notation = ("neuron", "index", "layer")[(inputs + hidden) % 3]
    d = _layout(_spec([inputs, hidden, outputs], rng, shared=hidden % 2 == 0, layout=layout), notation)
    _assert_every_edge_labelled_on_itself(d)
    assert len(d["edges"]) == inputs * hidden + hidden * outputs
    svg = _svg(d)
    _assert_apart(*_svg_boxes(svg))


@pytest.mark.parametrize("seed", range(12))
def test_random_deeper_networks_are_labelled_without_overlap(seed):
    rng = np.random.default_rng(100 + seed)
    widths = [int(w) for w in rng.integers(1, 9, size=int(rng.integers(4, 7)))]
    d = _layout(_spec(widths, rng, shared=bool(seed % 2), layout=("column", "row")[seed // 2 % 2]),
                ("neuron", "index", "layer")[seed % 3])
    _assert_every_edge_labelled_on_itself(d)
    _assert_apart(*_svg_boxes(_svg(d)))


@pytest.mark.parametrize("value", [-1.2345e-100, -0.00012345, 123456789.0])
def test_the_widest_values_still_label_eight_by_eight_layers(value):
    spec = _spec([8, 8, 8, 8], np.random.default_rng(0), shared=False)
    for layer in spec["layers"]:
        layer["weights"] = [[value] * len(row) for row in layer["weights"]]
        layer["bias"] = [value] * len(layer["bias"])
    for notation in ("neuron", "index"):
        d = _layout(spec, notation)
        _assert_every_edge_labelled_on_itself(d)
        _assert_apart(*_svg_boxes(_svg(d)))


def test_long_unit_names_keep_the_labels_away():
    names = [["inputnumber1", "inputnumber2"], ["hiddenunit01", "hiddenunit02", "hiddenunit03"], ["outputunit01"]]
    d = _layout(_spec([2, 3, 1], np.random.default_rng(12), shared=False, names=names))
    _assert_every_edge_labelled_on_itself(d)
    boxes, circles, unit_names = _svg_boxes(_svg(d))
    assert len(unit_names) == 6
    _assert_apart(boxes, circles, unit_names)


def test_the_gap_widens_with_the_layers_and_names_give_way_to_values_past_a_page():
    narrow = _layout(_spec([2, 2, 2], np.random.default_rng(1)))
    wide = _layout(_spec([2, 8, 8, 3], np.random.default_rng(1)))
    gaps = lambda d: np.diff(sorted({n["x"] for n in d["nodes"]}))  # noqa: E731
    assert max(gaps(narrow)) < max(gaps(wide))
    assert narrow["edges"][0]["label"]["tex"].startswith("w_{1} = ")
    assert max(n["x"] for n in wide["nodes"]) <= diagram.PAGE_WIDTH
    assert all(" = " not in e["label"]["tex"] for e in wide["edges"])  # the parameter table names them


def test_index_notation_names_weights_as_the_document_does():
    d = _layout(_spec([2, 3, 1], np.random.default_rng(2), shared=False), "index")
    first = d["edges"][0]["label"]
    assert first["tex"].startswith("w^{1}_{11} = ")
    assert [(r["text"], r["script"]) for r in first["runs"][:3]] == [("w", ""), ("1", "sup"), ("11", "sub")]
    assert d["biases"][0]["tex"].startswith("b^{1}_{1} = ")


def test_value_labels_keep_four_digits_and_write_exponents_as_powers_of_ten():
    spec = _spec([1, 1], np.random.default_rng(0))
    spec["layers"][0]["weights"] = [[-0.000012345678]]
    label = _layout(spec)["edges"][0]["label"]
    assert label["tex"] == r"w_{1} = -1.235 \times 10^{-5}"
    assert label["plain"] == "w₁ = -1.235×10⁻⁵"
    assert ET.fromstring(_svg(_layout(spec)))  # the superscript is a tspan of valid SVG


@pytest.mark.parametrize("notation,names", [("layer", [r"W^{[1]}", r"W^{[2]}"]), ("index", ["w^{1}", "w^{2}"]),
                                            ("neuron", [r"w_{1} \ldots w_{40}", r"w_{41} \ldots w_{100}"])])
def test_past_eight_units_layers_are_blocks_with_their_weight_matrices_named(notation, names):
    d = _layout(_spec([2, 20, 3], np.random.default_rng(3)), notation)
    assert d["mode"] == "blocks"
    assert [b["text"] for b in d["blocks"]] == ["x: 2 units", "h: 20 units", "o: 3 units"]
    assert [a["label"]["tex"] for a in d["arrows"]] == names
    svg = _svg(d)
    root = ET.fromstring(svg)
    assert len(list(root.iter(f"{SVG}rect"))) >= 3 and not list(root.iter(f"{SVG}circle"))
    assert "h: 20 units" in svg
    tikz = _tikz(d)
    assert "rounded corners" in tikz and f"{{${names[0]}$}}" in tikz


def test_blocks_fall_back_to_input_and_layer_names_when_the_units_share_no_stem():
    names = [["a", "b"], [f"u{k}" if k % 2 else f"v{k}" for k in range(9)], ["out"]]
    d = _layout(_spec([2, 9, 1], np.random.default_rng(4), names=names), "layer")
    assert [b["text"] for b in d["blocks"]] == ["input: 2 units", "layer 1: 9 units", "layer 2: 1 unit"]


# --- GitHub: Mermaid, escaped --------------------------------------------------------------------

MERMAID_NODE = re.compile(r'^  n\d+_\d+\(\("(?:[^"`|\[\]<>{}]|<br/>)*"\)\)$')
MERMAID_EDGE = re.compile(r'^  n\d+_\d+ (-->|--- w\d+\["[^"`|\[\]<>{}]*"\]:::weight -->) n\d+_\d+$')
MERMAID_STYLE = "  classDef weight fill:#fff,stroke:#fff,font-size:12px"


def _mermaid(d: dict) -> list[str]:
    text = documents.render_template("markdown", "diagram.svg.j2", {"diagram": d, "flavor": "github"})
    assert "<svg" not in text
    lines = text.strip().splitlines()
    assert lines[0] == "```mermaid" and lines[1] == "flowchart LR" and lines[-1] == "```"
    return lines[2:-1]


def test_github_flavor_draws_mermaid_with_every_weight():
    d = _layout(_spec([2, 2, 2], np.random.default_rng(5)))
    body = _mermaid(d)
    assert sum(bool(MERMAID_NODE.match(l)) for l in body) == 6
    assert sum(bool(MERMAID_EDGE.match(l)) for l in body) == 8
    assert '  n0_0 --- w1["w₁ = ' in "\n".join(body)   # a weight is a node on its edge: Mermaid keeps nodes apart
    assert body[-1] == MERMAID_STYLE


@pytest.mark.parametrize("name,escaped", [
    ('a"b', "a#34;b"), ("c]d", "c#93;d"), ("x|y", "x#124;y"), ("`z`", "#96;z#96;"), ("<o>", "#60;o#62;"),
    ("p#1;q", "p#35;1#59;q"), ("a\u200bb\u202ec", "a#8203;b#8238;c"), ("x\ny", "x#10;y"),
    ("w₁ = 1.2×10⁻⁵", "w₁ = 1.2×10⁻⁵"), ("h1 = -0.5", "h1 = -0.5"),
])
def test_mermaid_text_escapes_what_could_end_or_mark_up_a_label(name, escaped):
    assert diagram.mermaid_text(name) == escaped


def test_mermaid_lines_stay_quoted_whatever_the_labels_hold():
    body = _mermaid(_layout(_spec([3, 2, 2], np.random.default_rng(6), shared=False), "index"))
    for line in body:
        assert MERMAID_NODE.match(line) or MERMAID_EDGE.match(line) or line == MERMAID_STYLE, line


def test_mermaid_without_numbers_draws_bare_edges():
    spec = derive.from_dict(_spec([2, 3, 1], np.random.default_rng(8)))
    graph = build(spec)
    d = diagram.layout(graph, SCHEMES["index"](graph), None, str, "layer")
    assert not d["labelled"] and not d["biases"]
    body = _mermaid(d)
    assert body.count("  n0_0 --> n1_0") == 1 and len(body) == 6 + 2 * 3 + 3 * 1
    assert all(MERMAID_NODE.match(l) or MERMAID_EDGE.match(l) for l in body)


def test_the_svg_is_one_line_for_a_markdown_html_block():
    svg = _svg(_layout(_spec([3, 4, 2], np.random.default_rng(9))))
    assert svg.startswith("<svg") and svg.rstrip("\n").count("\n") == 0


def test_mermaid_blocks_past_eight_units():
    text = documents.render_template("markdown", "diagram.svg.j2",
                                     {"diagram": _layout(_spec([2, 20, 3], np.random.default_rng(7)), "layer"),
                                      "flavor": "github"})
    assert '  l0["x: 2 units"]' in text and '  l0 -->|"W#94;#91;1#93;"| l1' in text


def test_github_report_has_a_mermaid_diagram_and_no_inline_network_svg():
    text = derive.render(derive.derive(derive.load("mazur")), "markdown", "neuron", flavor="github")
    assert "```mermaid\nflowchart LR\n" in text
    assert 'aria-label="network diagram"' not in text


# --- real renderers: Chromium's text boxes, TeX's node boxes ------------------------------------

MEASURE = """<script>
window.onload = () => {
  const out = [...document.querySelectorAll('svg')].map(svg => ({
    boxes: [...svg.querySelectorAll('text.weight, text.bias')].map(t => {
      const b = t.getBBox(); return [b.x, b.y, b.x + b.width, b.y + b.height]; }),
    circles: [...svg.querySelectorAll('circle')].map(c => [c.cx.baseVal.value, c.cy.baseVal.value, c.r.baseVal.value]),
  }));
  document.body.innerHTML = '<pre id="out">' + JSON.stringify(out) + '</pre>';
};
</script>"""


def test_chromium_measures_no_overlap(tmp_path):
    need("chromium")
    cases = [(_spec([2, 8, 8, 3], np.random.default_rng(8)), "neuron"),
             (_spec([4, 4, 3], np.random.default_rng(9), shared=False), "index"),
             (_spec([3, 5, 2], np.random.default_rng(10), layout="row"), "neuron")]
    page = tmp_path / "figures.html"
    drawn = [_layout(s, n) for s, n in cases]
    page.write_text("<html><body>" + "".join(_svg(d) for d in drawn) + MEASURE + "</body></html>")
    dom = subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=5000",
                          "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120).stdout
    measured = json.loads(re.search(r'<pre id="out">(.*?)</pre>', dom, re.S).group(1))
    assert len(measured) == len(cases)
    for figure, d in zip(measured, drawn):
        assert len(figure["boxes"]) == len(d["edges"]) + len(d["biases"]) and len(figure["circles"]) == len(d["nodes"])
        _assert_apart(figure["boxes"], figure["circles"])


TYPEOUT = r"""
\typeout{FIGURE}
\foreach \n in {%s} {
  \path (\n.south west); \pgfgetlastxy{\xa}{\ya}
  \path (\n.north east); \pgfgetlastxy{\xb}{\yb}
  \typeout{BOX \n\space\xa\space\ya\space\xb\space\yb}
}
\end{tikzpicture}"""


def _tex_boxes(log: str) -> tuple[list, list]:
    boxes, circles = [], []
    for name, *corners in re.findall(r"^BOX (\S+) ([-\d.]+)pt ([-\d.]+)pt ([-\d.]+)pt ([-\d.]+)pt$", log, re.M):
        x0, y0, x1, y1 = map(float, corners)
        if name.startswith("n"):      # a unit: its circle
            circles.append(((x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2))
        else:
            boxes.append((x0, y0, x1, y1))
    return boxes, circles


@pytest.mark.parametrize("family", ["latex", "beamer"])
def test_tex_typesets_no_overlap(family, tmp_path):
    need("latexmk", "pdflatex")
    from test_latex import assert_clean, compile_tex
    cases = [(_spec([2, 8, 8, 3], np.random.default_rng(8)), "neuron"),
             (_spec([4, 4, 3], np.random.default_rng(9), shared=False), "index"),
             (_spec([2, 2, 2], np.random.default_rng(11)), "neuron")]
    pictures, drawn = [], []
    for spec, notation in cases:
        d = _layout(spec, notation)
        drawn.append(d)
        tikz = documents.render_template(family, "diagram.tex.j2", {"diagram": d})
        names = [f"w{k}" for k in range(1, len(d["edges"]) + 1)] + [f"b{k}" for k in range(1, len(d["biases"]) + 1)]
        names += [n["id"] for n in d["nodes"]]
        pictures.append(tikz.replace(r"\end{tikzpicture}", TYPEOUT % ",".join(names)))
    if family == "beamer":
        frame = "\\begin{{frame}}\n\\resizebox{{\\linewidth}}{{!}}{{%\n{}}}\n\\end{{frame}}\n"
        body = "".join(frame.format(p) for p in pictures)
        doc = ("\\documentclass{beamer}\n\\usepackage[T1]{fontenc}\n\\usepackage{lmodern}\n\\usepackage{tikz}\n"
               f"\\begin{{document}}\n{body}\\end{{document}}\n")
    else:
        body = "".join(f"\\begin{{center}}\n{p}\\end{{center}}\n" for p in pictures)
        doc = documents.render_template("latex", "article.tex.j2", {"title": "diagrams", "body": body})
    log = compile_tex(doc, tmp_path)
    assert_clean(log)
    figures = log.split("\nFIGURE\n")[1:]
    assert len(figures) == len(cases)
    for figure, d in zip(figures, drawn):
        boxes, circles = _tex_boxes(figure)
        assert len(boxes) == len(d["edges"]) + len(d["biases"]) and len(circles) == len(d["nodes"])
        _assert_apart(boxes, circles)
