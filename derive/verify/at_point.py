"""A derivative's evaluation bar, read as what it abbreviates: \\frac{dC}{dy}\\Big|_{y_N} is ∂C/∂y_N,
\\frac{d\\sigma}{dz}\\Big|_{z^2_N} is σ'(z^2_N), \\frac{\\partial L}{\\partial z}\\Big|_{z=z_1} is ∂L/∂z_1. A point
`v = a` puts a for v in the fraction; a point alone, for the derivative's variable. A bar after anything
else names no point this reading can place: the body stays as written (see_through drops such bars). The other
bars, |x| and \\|v\\|, are paired here too (paired_bars)."""

from __future__ import annotations

import dataclasses
import re

from . import syntax as s

_AFTER_FRACTION = re.compile(r"(?<=\})\s*\\[Bb]igg?r?\s*\|(?=\s*_)")      # \frac{dC}{dy} \Big|_{y_N}

# a function written by a letter or a command, whose derivative at a point is its primed form there
FUNCTION_LETTERS = ("f", "g", "\\sigma", "\\phi", "\\varphi")


def at_point(body: s.Node, point: s.Node) -> s.Node:
    if not isinstance(body, s.Frac):
        return body
    if isinstance(point, s.Chain) and point.relations == ("=",) and len(point.sides) == 2:
        return replaced(body, point.sides[0], point.sides[1])
    top, variable = _after_d(body.num), _after_d(body.den)
    if variable is not None and top is not None and _function(top):
        return s.Juxt((s.Scripted(top, None, None, 1), s.Paren(point, "(")))      # dσ/dz at a: σ'(a)
    return body if variable is None else replaced(body, variable, point)          # dC/dy at y_N: dC/dy_N


def _function(node: s.Node) -> bool:
    return isinstance(node, s.Func) and node.name in ("sigma", "tanh") or \
        isinstance(node, s.Sym) and not node.font and node.text in FUNCTION_LETTERS


def _after_d(node: s.Node) -> s.Node | None:
    """What a differential (∂v, dv, d v) is of; None: not a differential."""
    if isinstance(node, s.Juxt) and len(node.items) == 2 and (
            isinstance(node.items[0], s.Partial) or node.items[0] == s.Sym("d")):
        return node.items[1]
    if isinstance(node, s.Sym) and not node.font and len(node.text) == 2 and node.text[0] == "d":
        return s.Sym(node.text[1])
    if isinstance(node, s.Scripted) and isinstance(node.base, s.Sym) and len(node.base.text) == 2 and \
            node.base.text[0] == "d" and not node.base.font:
        return dataclasses.replace(node, base=s.Sym(node.base.text[1]))
    return None


def replaced(item, old: s.Node, new: s.Node):
    """`item` with every node equal to `old` (and every differential of it, dold) written as `new`."""
    if item == old:
        return new
    if isinstance(item, s.Sym) and isinstance(old, s.Sym) and item.text == "d" + old.text and not item.font:
        return s.Juxt((s.Sym("d"), new))
    if isinstance(item, tuple):
        return tuple(replaced(part, old, new) for part in item)
    if isinstance(item, s.Script):
        return item if item.node is None else s.Script(item.text, replaced(item.node, old, new))
    if isinstance(item, s.Node) and hasattr(item, "__dataclass_fields__"):
        return dataclasses.replace(item, **{name: replaced(getattr(item, name), old, new)
                                            for name in s.node_fields(item)})
    return item


def kept_bars(text: str, rest) -> str:
    """`rest` applied to the text with each sized bar right after a fraction kept out of its way (the
    grammar's EVALBAR reads it), where `rest` pairs and drops the other bars."""
    kept = _AFTER_FRACTION.findall(text)
    text = rest(_AFTER_FRACTION.sub("\x00", text))
    for bar in kept:
        text = text.replace("\x00", bar, 1)
    return text


def paired_bars(text: str) -> str:
    """|x| and \\|v\\| as \\lvert x \\rvert: bars paired left to right, on each line of the region
    (\\left| ... \\right| by their marks). A line of an odd count of bare bars keeps them."""
    if "|" not in text:          # no bar of any kind: nothing below changes the text
        return text
    text = re.sub(r"(?<![\\|])\|\|(?!\|)", r"\\|", text)       # ||v||: the norm's double bar, as \| v \|
    text = re.sub(r"\\left\s*\\\|", r"\\lVert ", text)
    text = re.sub(r"\\right\s*\\\|", r"\\rVert ", text)
    text = re.sub(r"\\left\s*\|", r"\\lvert ", text)
    out, depth, last = [], 0, 0
    for mark in re.finditer(r"\\lvert|\\right\s*\|", text):      # \right| closes a \left|; else it is "at"
        if mark.group().startswith("\\lvert"):
            depth += 1
        elif depth:
            depth -= 1
            out.append(text[last:mark.start()] + r"\rvert ")
            last = mark.end()
    text = "".join(out) + text[last:]
    lines = re.split(r"(\\\\)", text)
    for k, line in enumerate(lines):
        for bar in (r"\\\|", r"(?<!\\)\|"):
            marks = list(re.finditer(bar, line))
            if marks and len(marks) % 2 == 0:
                pieces, last = [], 0
                for n, mark in enumerate(marks):
                    pieces.append(line[last:mark.start()] + (r" \lvert " if n % 2 == 0 else r" \rvert "))
                    last = mark.end()
                line = "".join(pieces) + line[last:]
        lines[k] = line
    return "".join(lines)
