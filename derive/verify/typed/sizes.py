"""A conv or pool post's statements of its sizes: H = W = 5, HH = WW = 3, S = 2, P = 1. Each name is
a size of the layer (the input's height or width, the kernel's, the stride, the padding, the
channels), whatever else its letter names elsewhere (W the weights, S an output): a claim whose
sides are such names and one whole number is checked against the spec's layer."""

from __future__ import annotations

from .. import syntax as s
from ..values import Verdict

# written name -> (what it measures, how the model gives it)
SIZES = {
    "H": "height", "H_in": "height", "H_{in}": "height", "W": "width", "W_in": "width", "W_{in}": "width",
    "HH": "kernel", "WW": "kernel", "K": "kernel", "F": "kernel", "k": "kernel", "f": "kernel",
    "S": "stride", "s": "stride", "P": "padding", "p": "padding", "pad": "padding",
    "C": "channels", "C_in": "channels", "C_{in}": "channels",
}


def _written(node: s.Node) -> str | None:
    while isinstance(node, s.Paren) and node.kind == "{":
        node = node.inner
    if isinstance(node, s.Sym) and not node.font:
        return node.text
    if isinstance(node, s.Scripted) and isinstance(node.base, s.Sym) and node.sub is not None and node.sup is None:
        return f"{node.base.text}_{node.sub.text}"
    return None


def _size(model, measure: str) -> int | None:
    attributes = model.attributes
    shape = model.tensors["input"].shape          # (samples, channels, height, width)
    if measure == "height":
        return shape[2]
    if measure == "width":
        return shape[3]
    if measure == "channels":
        return shape[1]
    if measure == "kernel":
        kernel = model.tensors.get("kernel")
        return kernel.shape[2] if kernel is not None else attributes.get("kernel")
    if measure == "stride":
        return attributes.get("stride", 1)
    return attributes.get("padding", 0)


def named_size(model, text: str, sub: str | None) -> int | None:
    """A conv's or pool's size by its written name (HH, H_in, P), or None: not a size's name."""
    written = text if sub is None else f"{text}_{sub}"
    if model.normalizing or written not in SIZES:
        return None
    return _size(model, SIZES[written])


def size_claim(chain: s.Chain, model) -> Verdict | None:
    """The verdict on H = W = 5 (each name's size against the number), or None: not such a claim."""
    if model.normalizing or any(r != "=" for r in chain.relations):
        return None
    *names, number = chain.sides
    if not (isinstance(number, s.Num) and number.text.isdigit()) or not names:
        return None
    written = [_written(n) for n in names]
    if any(w not in SIZES for w in written):
        return None
    for name in written:
        found = _size(model, SIZES[name])
        if found is None:
            return None
        if found != int(number.text):
            return Verdict("wrong", str(found), f"the layer's {SIZES[name]} is {found}; the post writes {name} = "
                                                f"{number.text}")
    return Verdict("ok", None, "the layer's sizes")
