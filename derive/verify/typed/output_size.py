"""A conv's or pool's output size as a post writes it: H_out = (H - HH + 2P)/S + 1, Hh = 1 + (H + 2P - HH)/S,
⌊(n + 2p - k)/s⌋ + 1, then the same with the layer's numbers, then the size.

A side that is arithmetic over the layer's size names (the input's height or width, the kernel's, the stride,
the padding) and at least the input's and the kernel's, is the output's size along the axis its names measure;
its numbers-only sides and the figure that ends the chain are that size too. The first side names it, whatever
its letter (C, Hh, H_1): its meaning comes from the formula it is set to."""

from __future__ import annotations

import math
from fractions import Fraction

from .. import syntax as s
from ..values import Verdict

# written name -> (what it measures, along which axis: "height", "width", or None for either)
NAMES = {
    "H": ("input", "height"), "H_in": ("input", "height"), "H_{in}": ("input", "height"),
    "W": ("input", "width"), "W_in": ("input", "width"), "W_{in}": ("input", "width"),
    "n": ("input", None), "N_in": ("input", None),
    "HH": ("kernel", "height"), "WW": ("kernel", "width"), "H_p": ("kernel", "height"), "W_p": ("kernel", "width"),
    "K_h": ("kernel", "height"), "K_w": ("kernel", "width"), "k_h": ("kernel", "height"), "k_w": ("kernel", "width"),
    "F_h": ("kernel", "height"), "F_w": ("kernel", "width"), "H_f": ("kernel", "height"), "W_f": ("kernel", "width"),
    "K": ("kernel", None), "F": ("kernel", None), "k": ("kernel", None), "f": ("kernel", None),
    "S": ("stride", None), "s": ("stride", None), "S_h": ("stride", "height"), "S_w": ("stride", "width"),
    "s_h": ("stride", "height"), "s_w": ("stride", "width"), "stride": ("stride", None),
    "P": ("padding", None), "p": ("padding", None), "pad": ("padding", None), "padding": ("padding", None),
}
AXES = {"height": 0, "width": 1}


class NotSizes(Exception):
    """The side is not arithmetic over the layer's sizes."""


def _written(node: s.Node) -> str | None:
    if isinstance(node, s.Sym) and node.font in ("", "mathrm", "text", "operatorname"):
        return node.text
    if isinstance(node, s.Scripted) and isinstance(node.base, s.Sym) and not node.base.font and node.sub is not None \
            and node.sup is None and not node.primes:
        return f"{node.base.text}_{node.sub.text}"
    return None


def _pair(value) -> tuple[int, int]:
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)


def _measure(model, measure: str, axis: int) -> int:
    if measure == "input":
        return model.tensors["input"].shape[2 + axis]
    if measure == "kernel":
        kernel = model.tensors.get("kernel")
        return kernel.shape[2 + axis] if kernel is not None else _pair(model.attributes["kernel"])[axis]
    if measure == "stride":
        return _pair(model.attributes.get("stride", 1))[axis]
    return _pair(model.attributes.get("padding", 0))[axis]


class _Sizes:
    """One side's value along one axis, and what it read: the measures and the axes its names take."""

    def __init__(self, model, axis: int, bumped: str | None = None, rounding: bool = True):
        self.model, self.axis = model, axis
        self.bumped, self.rounding = bumped, rounding      # a measure taken one larger; ⌊x⌋ read as x
        self.measures: set[str] = set()
        self.axes: set[str] = set()
        self.names: dict[str, int] = {}

    def value(self, node: s.Node) -> Fraction:
        if isinstance(node, s.Num):
            return Fraction(node.text)
        if isinstance(node, s.Paren) and node.kind in ("(", "{", "["):
            return self.value(node.inner)
        if isinstance(node, s.Neg):
            return -self.value(node.arg)
        if isinstance(node, s.Frac):
            return self._divided(self.value(node.num), self.value(node.den))
        if isinstance(node, s.Rounded):
            inner = self.value(node.arg)
            if not self.rounding:
                return inner
            return Fraction(math.floor(inner) if node.down else math.ceil(inner))
        if isinstance(node, s.Juxt):
            product = Fraction(1)
            for item in node.items:
                product *= self.value(item)
            return product
        if isinstance(node, s.BinOp) and node.op in ("+", "-", "*", "/"):
            left, right = self.value(node.left), self.value(node.right)
            return {"+": left + right, "-": left - right, "*": left * right}.get(node.op) \
                if node.op != "/" else self._divided(left, right)
        written = _written(node)
        if written in NAMES:
            measure, axis = NAMES[written]
            self.measures.add(measure)
            if axis is not None:
                self.axes.add(axis)
            found = _measure(self.model, measure, AXES[axis] if axis is not None else self.axis)
            self.names[written] = found
            return Fraction(found + (measure == self.bumped))
        raise NotSizes(type(node).__name__)

    @staticmethod
    def _divided(top: Fraction, bottom: Fraction) -> Fraction:
        if bottom == 0:
            raise NotSizes("a division by 0")
        return top / bottom


def _formula(side: s.Node) -> bool:
    return not isinstance(side, s.Num) and _written(side) is None


def _read(model, side: s.Node, axis: int) -> tuple[Fraction, _Sizes]:
    sizes = _Sizes(model, axis)
    return sizes.value(side), sizes


def _sized(model, side: s.Node, axis: int) -> bool:
    """An output size's formula grows with the input and shrinks with the kernel: m' = k - 1 - m, which
    reads the same names, is an index's substitution instead."""
    base = _Sizes(model, axis, rounding=False).value(side)
    return _Sizes(model, axis, "input", False).value(side) > base > _Sizes(model, axis, "kernel", False).value(side)


def output_size_claim(chain: s.Chain, model) -> Verdict | None:
    """The verdict on H_out = (H - HH + 2P)/S + 1 = ... = 5, or None: not such a claim."""
    if model.normalizing or model.kind not in ("conv2d", "max_pool", "avg_pool") or len(chain.sides) < 2 or \
            any(r != "=" for r in chain.relations) or not _formula(chain.sides[1]):
        return None
    head = chain.sides[0]
    if not isinstance(head.base if isinstance(head, s.Scripted) else head, s.Sym):
        return None                # the size's name: H_out, Hh, ñ, H^{[l]}
    try:
        value, first = _read(model, chain.sides[1], 0)
    except NotSizes:
        return None
    if not {"input", "kernel"} <= first.measures or len(first.axes) > 1 or not _sized(model, chain.sides[1], 0):
        return None                # a formula over other names, over both axes at once, or no size's
    output = model.tensors["output"].shape[2:]
    axes = [AXES[a] for a in first.axes] or ([0] if output[0] == output[1] and
                                             _read(model, chain.sides[1], 1)[0] == value else [])
    if not axes:
        return Verdict("unchecked", None, "the formula does not say whether it gives the output's height or width, "
                                          "which differ here")
    axis = axes[0]
    size, along = output[axis], ("height", "width")[axis]
    floored = False
    for link, side in enumerate(chain.sides[1:], start=1):
        try:
            value, found = _read(model, side, axis)
        except NotSizes:
            return Verdict("unchecked", None, f"side {link + 1} of the output size is not read")
        if value == size or math.floor(value) == size and not isinstance(side, s.Num):
            floored = floored or value != size
            continue
        shown = ", ".join(f"{name} = {number}" for name, number in found.names.items())
        return Verdict("wrong", str(size), f"the layer's output {along} is {size}; this side gives "
                                           f"{_shown(value)}" + (f" with {shown}" if shown else ""), link=link)
    return Verdict("ok", None, f"the layer's output {along}" + (", the division rounded down as the layer does"
                                                               if floored else ""))


def _shown(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{float(value):g}"
