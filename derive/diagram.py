"""Geometry of the network figure (units, connections, biases), shared by the TikZ and SVG templates.

Coordinates are in centimetres, x to the right by layer and y downward by unit. A layer wider
than MAX_SHOWN units shows its first and last units around an ellipsis.
"""

from __future__ import annotations

from typing import Any

from .graph import Graph
from .numeric import Parameters

MAX_SHOWN = 8
LABEL_LIMIT = 4          # weights' values are printed on the edges while every layer is this narrow
COLUMN_GAP, ROW_GAP = 3.2, 1.4


def _slots(count: int) -> list[int | None]:
    """Unit indices to draw, None for the ellipsis."""
    if count <= MAX_SHOWN:
        return list(range(count))
    return list(range(4)) + [None] + list(range(count - 3, count))


def layout(graph: Graph, names: dict, params: Parameters | None, format_value) -> dict[str, Any]:
    columns = [graph.inputs] + [layer.units for layer in graph.layers]
    tallest = max(len(_slots(len(c))) for c in columns)
    position: dict[tuple[int, int], tuple[float, float]] = {}
    nodes, ellipses = [], []
    for l, units in enumerate(columns):
        slots = _slots(len(units))
        top = (tallest - len(slots)) * ROW_GAP / 2 + ROW_GAP
        for row, index in enumerate(slots):
            x, y = l * COLUMN_GAP, top + row * ROW_GAP
            if index is None:
                ellipses.append({"x": x, "y": y})
                continue
            unit = units[index]
            position[(l, index)] = (x, y)
            nodes.append({"id": f"n{l}_{index}", "x": x, "y": y, "name": unit.name,
                          "kind": "input" if l == 0 else ("output" if l == len(columns) - 1 else "hidden")})
    labelled = params is not None and all(len(c) <= LABEL_LIMIT for c in columns)
    edges, biases = [], []
    for layer in graph.layers:
        l = layer.index
        for row in layer.connections:
            for c in row:
                start, end = position.get((l - 1, c.source.index)), position.get((l, c.dest.index))
                if start is None or end is None:
                    continue
                value = params.weights[l - 1][c.dest.index, c.source.index] if labelled else None
                edges.append({"x1": start[0], "y1": start[1], "x2": end[0], "y2": end[1],
                              "lx": start[0] + 0.3 * (end[0] - start[0]), "ly": start[1] + 0.3 * (end[1] - start[1]),
                              "tex": names[c.weight], "text": f"w{c.number}",
                              "value": format_value(value) if value is not None else None,
                              "plain": f"{value:.4g}" if value is not None else None})
        bx, by = (l - 0.5) * COLUMN_GAP, 0.2
        for k, bias in enumerate(layer.biases):
            targets = [position[(l, u.index)] for u in bias.units if (l, u.index) in position]
            value = params.biases[l - 1][k] if labelled else None
            biases.append({"x": bx, "y": by + k * 0.5, "tex": names[bias.symbol], "text": bias.symbol.name,
                           "value": format_value(value) if value is not None else None,
                           "plain": f"{value:.4g}" if value is not None else None,
                           "targets": [{"x": x, "y": y} for x, y in targets]})
    height = (tallest + 1) * ROW_GAP
    return {"nodes": nodes, "edges": edges, "biases": biases, "ellipses": ellipses, "labelled": labelled,
            "width": (len(columns) - 1) * COLUMN_GAP, "height": height}
