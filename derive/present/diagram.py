"""Geometry of the network figure, shared by the SVG, TikZ and Mermaid templates.

Coordinates are in layout units, x to the right by layer and y downward by unit. The SVG draws
SVG_SCALE pixels per unit and TikZ one centimetre, with the same font sizes in units, so a label's
box is the same in both. Up to MAX_UNITS units per layer every unit is drawn and every weight is
printed on its edge, where it overlaps no other label, bias or unit: labels stand in strips between
two layers, and the gap widens by a strip until they fit. A wider network draws each layer as a
block, with its weight matrix named on the arrow between blocks.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..core.units import Connection, Graph, GraphLayer
from ..numeric.evaluator import Parameters
from .unit_notations import TRAILING_DIGITS

MAX_UNITS = 8
SVG_SCALE = 48                      # pixels per unit
NODE_R, ROW_GAP = 0.4, 1.6
NAME_SIZE, LABEL_SIZE = 0.3, 0.22   # font sizes (one em) in units
SCRIPT, SUP_SHIFT, SUB_SHIFT = 0.7, 0.33, 0.2   # a script's size and baseline shift, in ems
ASCENT, DESCENT = 1.0, 0.4          # a label's extent about its baseline in ems, scripts included
PAD = 0.04                          # clear space around a label
MIN_GAP, MAX_GAP = 2.0, 16.0
PAGE_WIDTH = 16.0                   # units (cm in TikZ) the figure may span before it drops weights' names
BLOCK_HEIGHT, ARROW_MIN = 1.2, 1.6

# Advance widths in ems, upper bounds over DejaVu Sans and Verdana (the SVG's fonts; most sans
# faces are narrower) and Computer Modern math for the TikZ labels; anything else counts as 1.
_SANS = {**dict.fromkeys("0123456789", 0.64), **dict.fromkeys(" .,:;'|!il", 0.32), "-": 0.37,
         **dict.fromkeys("=+×<>~", 0.84), **dict.fromkeys("[]()", 0.4), "_": 0.5, "…": 1.0,
         **dict.fromkeys("abcdeghknopqsuvxyz", 0.65), **dict.fromkeys("fjrt", 0.45)}
_MATH = {**dict.fromkeys("0123456789", 0.5), **dict.fromkeys(".,[]()", 0.39), "-": 0.78, "=": 1.34,
         "×": 1.23, " ": 0.0, "…": 1.2, **dict.fromkeys("abcdeghknopqrsuvxyz", 0.6), "w": 0.72}
_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


# --- labels: runs of text, each plain or a script -------------------------------------------

def text_width(runs: list[dict], size: float) -> float:
    """The SVG's width of `runs` at font size `size`: scripts follow one another."""
    return sum(sum(_SANS.get(ch, 1.0) for ch in r["text"]) * (SCRIPT if r["script"] else 1) for r in runs) * size


def tex_width(runs: list[dict], size: float) -> float:
    """TeX's width: a subscript right after a superscript stacks under it, as wide as the wider."""
    total, previous, last = 0.0, "", 0.0
    for r in runs:
        width = sum(_MATH.get(ch, 1.0) for ch in r["text"]) * (SCRIPT if r["script"] else 1)
        stacked = {previous, r["script"]} == {"sup", "sub"}
        total += max(0.0, width - last) if stacked else width
        last, previous = (max(width, last) if stacked else width), r["script"]
    return total * size


def _runs(*parts: tuple[str, str]) -> list[dict]:
    return [{"text": text, "script": script, "shift": {"sup": SUP_SHIFT, "sub": -SUB_SHIFT, "": 0}[script]}
            for text, script in parts if text]


def plain(runs: list[dict]) -> str:
    """One line of plain text (Mermaid): digit scripts as Unicode, others after ^ or _."""
    out = []
    for r in runs:
        text, script = r["text"], r["script"]
        if script == "sup":
            out.append(text.translate(_SUPERSCRIPT) if all(c in "0123456789-" for c in text) else f"^{text}")
        elif script == "sub":
            out.append(text.translate(_SUBSCRIPT) if text.isdigit() else f"_{text}")
        else:
            out.append(text)
    return "".join(out)


def _label(name_runs: list[dict], tex: str, value: float | None, format_value) -> dict:
    """A name, a value or both (the value to 4 significant digits at most: the parameter table has all)."""
    runs, tex = list(name_runs), tex
    if value is not None:
        short, equals = f"{value:.4g}", " = " if name_runs else ""
        mantissa, _, exponent = short.partition("e")
        runs += (_runs((f"{equals}{mantissa}×10", ""), (str(int(exponent)), "sup")) if exponent
                 else _runs((f"{equals}{short}", "")))
        tex += equals + format_value(float(short))
    width = max(text_width(runs, LABEL_SIZE), tex_width(runs, LABEL_SIZE)) + 2 * PAD
    return {"runs": runs, "tex": tex, "plain": plain(runs), "w": width, "h": (ASCENT + DESCENT) * LABEL_SIZE + 2 * PAD}


def _put(label: dict, x: float, y: float) -> dict:
    """The label centred at (x, y); `baseline` is where the SVG writes its text."""
    return label | {"x": x, "y": y, "baseline": y + (ASCENT - DESCENT) / 2 * LABEL_SIZE,
                    "box": [x - label["w"] / 2, y - label["h"] / 2, x + label["w"] / 2, y + label["h"] / 2]}


def _weight_runs(c: Connection, notation: str) -> list[dict]:
    if notation == "neuron":
        return _runs(("w", ""), (str(c.number), "sub"))
    return _runs(("w", ""), (str(c.dest.layer), "sup"), (f"{c.dest.index + 1}{c.source.index + 1}", "sub"))


def _bias_runs(layer: GraphLayer, k: int, notation: str) -> list[dict]:
    unit = layer.biases[k].units[0]
    if notation == "neuron":
        return _runs(("b", ""), (str(layer.index) if layer.shared_bias else unit.name, "sub"))
    return _runs(("b", ""), (str(layer.index), "sup"), ("" if layer.shared_bias else str(unit.index + 1), "sub"))


def _matrix(layer: GraphLayer, names: dict, notation: str) -> dict:
    """A layer's weight matrix named as the document names it: W^{[l]}, Nielsen's w^{l}, or w_1 … w_k."""
    l = layer.index
    if notation == "layer":
        return _label(_runs(("W", ""), (f"[{l}]", "sup")), f"W^{{[{l}]}}", None, str)
    if notation == "index":
        return _label(_runs(("w", ""), (str(l), "sup")), f"w^{{{l}}}", None, str)
    first, last = layer.connections[0][0], layer.connections[-1][-1]
    return _label(_weight_runs(first, notation) + _runs((" … ", "")) + _weight_runs(last, notation),
                  rf"{names[first.weight]} \ldots {names[last.weight]}", None, str)


# --- placement ------------------------------------------------------------------------------

def _place_gap(edges: list[dict], strips: np.ndarray) -> list[dict] | None:
    """Each edge's label centred on its edge in one of the strips (x = each of `strips`, spaced
    at least a label's width, so only labels in one strip can meet), or None when they do not fit.

    Map labelling's greedy: the edge with the fewest places left is placed next, at the place that
    takes the fewest away from the others; ties go to its staggered preference, so the labels of
    edges leaving one unit stand in different strips."""
    boxes, owner, preference = [], [], []
    spread = np.linspace(0, 1, len(strips))
    for n, e in enumerate(edges):
        w, h = e["label"]["w"], e["label"]["h"]
        ys = e["y1"] + (strips - e["x1"]) / (e["x2"] - e["x1"]) * (e["y2"] - e["y1"])
        boxes.append(np.stack([strips - w / 2, ys - h / 2, strips + w / 2, ys + h / 2], axis=1))
        owner += [n] * len(strips)
        preference.append(np.abs(spread - (e["label"]["slot"] + 0.5) / e["label"]["fan"]))
    boxes, owner, preference = np.concatenate(boxes), np.array(owner), np.concatenate(preference)
    b, o = boxes[:, None, :], boxes[None, :, :]
    clash = (b[..., 0] < o[..., 2]) & (o[..., 0] < b[..., 2]) & (b[..., 1] < o[..., 3]) & (o[..., 1] < b[..., 3])
    clash &= owner[:, None] != owner[None, :]
    alive = np.ones(len(boxes), bool)
    chosen: dict[int, int] = {}
    while len(chosen) < len(edges):
        left = np.bincount(owner[alive], minlength=len(edges)).astype(float)
        left[list(chosen)] = np.inf
        n = int(np.argmin(left))
        if left[n] == 0:
            return None
        options = np.flatnonzero(alive & (owner == n))
        pick = int(options[np.argmin((clash[options] & alive).sum(axis=1) + preference[options])])
        chosen[n] = pick
        alive &= ~clash[pick]
        alive[owner == n] = False
    return [_put(e["label"], float(boxes[chosen[n], [0, 2]].mean()), float(boxes[chosen[n], [1, 3]].mean()))
            for n, e in enumerate(edges)]


# --- the two drawings -------------------------------------------------------------------------

def layout(graph: Graph, names: dict, params: Parameters | None, format_value,
           notation: str = "neuron") -> dict[str, Any]:
    """The figure's geometry; `notation` (neuron, index or layer) names the weights as the document does."""
    columns = [graph.inputs] + [layer.units for layer in graph.layers]
    if max(len(c) for c in columns) > MAX_UNITS:
        return _blocks(graph, columns, names, notation)
    return _units(graph, columns, names, params, format_value, "neuron" if notation == "neuron" else "index")


def _units(graph: Graph, columns: list, names: dict, params: Parameters | None, format_value,
           scheme: str) -> dict[str, Any]:
    middle = (max(len(c) for c in columns) - 1) * ROW_GAP / 2
    ys = [[middle + (i - (len(c) - 1) / 2) * ROW_GAP for i in range(len(c))] for c in columns]
    # half the width of each layer's column: its units and their names (a name may be wider than its unit)
    named_units = [max([NODE_R] + [text_width(_runs((u.name, "")), NAME_SIZE) / 2 for u in units]) + PAD
                   for units in columns]
    step = max(MIN_GAP, 2 * max(named_units) + PAD)
    bare = _drawing(graph, columns, [l * step for l in range(len(columns))], ys, [None] * len(graph.layers), [])
    if params is None:
        return bare
    biases = [_bias(layer, k, names, params, format_value, scheme) for layer in graph.layers
              for k in range(len(layer.biases))]
    # labels keep clear of each layer's column: its units, their names and the bias labels written there
    bands = [max([named_units[l]] + [b["label"]["w"] / 2 + PAD for b in biases if b["layer"] == l])
             for l in range(len(columns))]
    # weights named while the figure fits a page's width, else their values alone (the parameter
    # table beside the figure names them), rather than a smaller font
    fits = None
    for named in (True, False):
        xs, placed = [0.0], []
        for layer in graph.layers:
            labels = _weight_labels(layer, names, params, format_value, scheme, named)
            found, gap = _fit(layer, labels, xs[-1], ys, bands[layer.index - 1], bands[layer.index])
            if found is None:
                break
            placed.append(found)
            xs.append(xs[-1] + gap)
        if len(placed) == len(graph.layers):
            fits = _drawing(graph, columns, xs, ys, placed, [_at(b, xs, ys) for b in biases])
            if xs[-1] <= PAGE_WIDTH:
                break
    return fits or bare     # none fits: unlabelled, and the document's parameter table has the values


def _fit(layer: GraphLayer, labels: list[dict], xa: float, ys: list, left: float, right: float):
    """The narrowest gap after the layer at xa whose strips hold every label, with the labels placed.
    k strips stand at 1/(k+1), …, k/(k+1) of the way, where crossing edges meet in a lattice."""
    width = max(l["w"] for l in labels)
    for k in range(1, MAX_UNITS * MAX_UNITS + 1):
        gap = max(MIN_GAP, (k + 1) * max(width, left + width / 2, right + width / 2))
        if gap > MAX_GAP:
            break
        lines = [line | {"label": label} for line, label in zip(_lines(layer, xa, xa + gap, ys), labels)]
        found = _place_gap(lines, xa + gap * np.arange(1, k + 1) / (k + 1))
        if found is not None:
            return found, gap
    return None, MIN_GAP


def _weight_labels(layer: GraphLayer, names: dict, params: Parameters, format_value, scheme: str,
                   named: bool) -> list[dict]:
    weights = params.weights[layer.index - 1]
    return [_label(_weight_runs(c, scheme) if named else [], names[c.weight] if named else "",
                   weights[c.dest.index, c.source.index], format_value)
            | {"slot": c.dest.index, "fan": len(layer.units)} for row in layer.connections for c in row]


def _bias(layer: GraphLayer, k: int, names: dict, params: Parameters, format_value, scheme: str) -> dict:
    bias = layer.biases[k]
    label = _label(_bias_runs(layer, k, scheme), names[bias.symbol], params.biases[layer.index - 1][k], format_value)
    # a shared bias is written above its layer, a unit's own bias below the unit
    return {"layer": layer.index, "row": 0 if layer.shared_bias else k, "side": -1 if layer.shared_bias else 1,
            "units": [u.index for u in bias.units], "label": label}


def _at(bias: dict, xs: list, ys: list) -> dict:
    label, side = bias["label"], bias["side"]
    y = ys[bias["layer"]][bias["row"]] + side * (NODE_R + PAD + label["h"] / 2)
    return _put(label, xs[bias["layer"]], y) | {k: bias[k] for k in ("layer", "units")}


def _lines(layer: GraphLayer, xa: float, xb: float, ys: list) -> list[dict]:
    """Each connection of `layer` centre to centre, in the order of layer.connections."""
    return [{"x1": xa, "y1": ys[layer.index - 1][c.source.index], "x2": xb, "y2": ys[layer.index][c.dest.index],
             "connection": c} for row in layer.connections for c in row]


def _drawing(graph: Graph, columns: list, xs: list, ys: list, placed: list, biases: list) -> dict[str, Any]:
    last = len(columns) - 1
    nodes = [{"id": f"n{l}_{i}", "x": xs[l], "y": ys[l][i], "name": u.name,
              "kind": "input" if l == 0 else ("output" if l == last else "hidden"),
              "mermaid": "<br/>".join([mermaid_text(u.name)] + [mermaid_text(b["plain"]) for b in biases
                                                                 if b["layer"] == l and i in b["units"]])}
             for l, units in enumerate(columns) for i, u in enumerate(units)]
    edges = []
    for layer, labels in zip(graph.layers, placed):
        for n, line in enumerate(_lines(layer, xs[layer.index - 1], xs[layer.index], ys)):
            label = labels[n] if labels is not None else None
            c = line.pop("connection")
            edges.append(_trimmed(line) | {"label": label, "source": f"n{layer.index - 1}_{c.source.index}",
                                           "dest": f"n{layer.index}_{c.dest.index}",
                                           "mermaid": mermaid_text(label["plain"]) if label else ""})
    boxes = [b["box"] for b in biases] + [e["label"]["box"] for e in edges if e["label"]]
    boxes += [(n["x"] - NODE_R, n["y"] - NODE_R, n["x"] + NODE_R, n["y"] + NODE_R) for n in nodes]
    skips = [_arc(xs[k], ys[k][j], xs[layer.index], ys[layer.index][j], ys[k][j] - NODE_R, NODE_R)
             | {"source": f"n{k}_{j}", "dest": f"n{layer.index}_{j}"}
             for layer in graph.layers if layer.skip for k in [layer.skip[0].layer] for j in range(len(layer.units))]
    boxes += [s["box"] for s in skips]
    return _framed({"mode": "units", "nodes": nodes, "edges": edges, "biases": biases, "skips": skips,
                    "labelled": any(labels is not None for labels in placed), "blocks": [], "arrows": []}, boxes)


def _arc(x1: float, y1: float, x2: float, y2: float, top: float, trim: float) -> dict:
    """A skip connection as a quadratic curve over the layers it jumps, from border to border:
    its control point stands above `top` by a quarter of its span, so longer skips arc higher."""
    cx, cy = (x1 + x2) / 2, top - (x2 - x1) / 4
    ends = []
    for x, y in ((x1, y1), (x2, y2)):         # trimmed toward the control point, where the curve leaves
        k = trim / math.hypot(cx - x, cy - y)
        ends += [x + k * (cx - x), y + k * (cy - y)]
    peak = (ends[1] + 2 * cy + ends[3]) / 4       # the curve's highest point (t = 1/2)
    # the same curve as a cubic, for TikZ: control points two thirds of the way to (cx, cy)
    cubic = [ends[0] + 2 / 3 * (cx - ends[0]), ends[1] + 2 / 3 * (cy - ends[1]),
             ends[2] + 2 / 3 * (cx - ends[2]), ends[3] + 2 / 3 * (cy - ends[3])]
    return {"x1": ends[0], "y1": ends[1], "cx": cx, "cy": cy, "x2": ends[2], "y2": ends[3], "cubic": cubic,
            "box": (x1, peak - PAD, x2, max(y1, y2))}


def _trimmed(line: dict) -> dict:
    """The line from circle border to circle border, where the arrow's tip touches the unit."""
    dx, dy = line["x2"] - line["x1"], line["y2"] - line["y1"]
    k = NODE_R / math.hypot(dx, dy)
    return {"x1": line["x1"] + k * dx, "y1": line["y1"] + k * dy, "x2": line["x2"] - k * dx, "y2": line["y2"] - k * dy}


def _blocks(graph: Graph, columns: list, names: dict, notation: str) -> dict[str, Any]:
    blocks, arrows, x = [], [], 0.0
    for l, units in enumerate(columns):
        text = f"{_stem(units, l)}: {len(units)} unit{'s' if len(units) > 1 else ''}"
        width = text_width(_runs((text, "")), NAME_SIZE) + 0.6
        if l:
            label = _matrix(graph.layers[l - 1], names, notation)
            span = max(ARROW_MIN, label["w"] + 0.4)
            start = x
            x += span
            arrows.append({"x1": start, "x2": x, "y": 0.0, "source": f"l{l - 1}", "dest": f"l{l}",
                           "label": _put(label, (start + x) / 2, -label["h"] / 2 - PAD),
                           "mermaid": mermaid_text(label["plain"])})
        blocks.append({"id": f"l{l}", "x": x + width / 2, "y": 0.0, "w": width, "h": BLOCK_HEIGHT, "text": text,
                       "kind": "input" if l == 0 else ("output" if l == len(columns) - 1 else "hidden"),
                       "mermaid": mermaid_text(text)})
        x += width
    boxes = [(b["x"] - b["w"] / 2, -BLOCK_HEIGHT / 2, b["x"] + b["w"] / 2, BLOCK_HEIGHT / 2) for b in blocks]
    boxes += [a["label"]["box"] for a in arrows]
    top = min(box[1] for box in boxes)                  # above the matrices' names too
    skips = [_arc(blocks[k]["x"], -BLOCK_HEIGHT / 2, blocks[layer.index]["x"], -BLOCK_HEIGHT / 2, top, 0.0)
             | {"source": f"l{k}", "dest": f"l{layer.index}"}
             for layer in graph.layers if layer.skip for k in [layer.skip[0].layer]]
    boxes += [s["box"] for s in skips]
    return _framed({"mode": "blocks", "nodes": [], "edges": [], "biases": [], "labelled": False, "skips": skips,
                    "blocks": blocks, "arrows": arrows}, boxes)


def _stem(units: tuple, l: int) -> str:
    """What the units' names share (h for h1 … h20), else input or layer l."""
    stems = {m.group(1) if (m := TRAILING_DIGITS.fullmatch(u.name)) else None for u in units}
    if len(stems) == 1 and None not in stems:
        return stems.pop()
    return "input" if l == 0 else f"layer {l}"


def _framed(drawing: dict, boxes: list) -> dict[str, Any]:
    """The drawing with its bounding box (left, top, width, height), a margin included."""
    b = np.array(boxes)
    left, top = float(b[:, 0].min()) - 0.2, float(b[:, 1].min()) - 0.2
    return drawing | {"left": left, "top": top, "width": float(b[:, 2].max()) + 0.2 - left,
                      "height": float(b[:, 3].max()) + 0.2 - top, "scale": SVG_SCALE, "node_r": NODE_R,
                      "name_size": NAME_SIZE, "label_size": LABEL_SIZE, "script": SCRIPT}


def mermaid_text(text: str) -> str:
    """Text for inside a quoted Mermaid label: letters, digits (₁ and ² too) and plain punctuation stay,
    anything else becomes an entity code (#35; for #), so a quote, bracket, pipe or backtick cannot end
    the label and no markup or invisible character gets through."""
    return "".join(ch if ch.isprintable() and (ch.isalnum() or ch in " .,:=+-_…×⁻") else f"#{ord(ch)};"
                   for ch in text)
