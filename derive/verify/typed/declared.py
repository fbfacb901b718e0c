"""Sizes a post declares with a tensor's shape: `X \\in \\mathbb{R}^{N_1 \\times N_2}`, `w \\in \\mathbb{R}^{k_1
\\times k_2}` name the input's two axes N_1, N_2 and the kernel's k_1, k_2, which the post's sums then run up
to (\\sum_{a=0}^{k_1 - 1}). Each name takes the size of the layer's tensor along the axis it is written at,
counted from the last (a post leaves out the batch and a single channel)."""

from __future__ import annotations

import re

from .names import Names

_SHAPE = re.compile(r"(?:\\math[a-z]+\{([A-Za-z])\}|(?<![\\A-Za-z])([A-Za-z]))\s*\\in\s*\\mathbb\{R\}\^\{")
_AXIS = re.compile(r"\s*([A-Za-z])(?:_\{?([A-Za-z0-9]+)\}?)?\s*")
_TIMES = re.compile(r"\\times|×")


def declared_sizes(text: str, names: Names, model) -> dict[tuple[str, str | None], int]:
    """(letter, subscript) -> size for each axis name the text declares; a name declared at two sizes is left
    out, as is a shape with more axes than its tensor."""
    found: dict[tuple[str, str | None], set[int]] = {}
    for match in _SHAPE.finditer(text):
        tensor = model.tensors.get(names.role(match.group(1) or match.group(2)))
        inner = _braced(text, match.end())
        if tensor is None or inner is None:
            continue
        axes = _TIMES.split(inner)
        if len(axes) > len(tensor.shape):
            continue
        for axis, size in zip(axes, tensor.shape[len(tensor.shape) - len(axes):]):
            written = _AXIS.fullmatch(axis)
            if written is not None:
                found.setdefault((written.group(1), written.group(2)), set()).add(int(size))
    return {name: sizes.pop() for name, sizes in found.items() if len(sizes) == 1}


def _braced(text: str, start: int) -> str | None:
    """The text up to the brace that closes the one opened just before `start`."""
    depth = 1
    for k in range(start, min(len(text), start + 200)):
        depth += {"{": 1, "}": -1}.get(text[k], 0)
        if depth == 0:
            return text[start:k]
    return None
