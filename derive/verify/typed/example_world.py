"""A conv post's own worked example, judged in its own network. A post that writes its input out at its own
sizes (x_{11} … x_{33} where the spec's input is 6×6), and its kernel (k_{11} … k_{22}) or its output (z_{11} …
z_{22}, which with the input fixes the kernel at stride 1), works the layer at those sizes: the same convolution
(stride and padding as the spec's, one map in and one out) on an input and a kernel of the sizes the post writes,
its output the convolution's own, no activation after it (an example writes x * k = z, and δ is ∂L/∂z). Its
entry-by-entry claims that do not hold at the spec's sizes are judged there, at random values. A written output
must have the example's size; without one, only a plain example (stride 1, no padding) is built."""

from __future__ import annotations

from dataclasses import replace
import numpy as np

from ...spec.model import LossSpec, TensorLayer, TensorSpec
from ..claims import Claim
from .examples import OTHER_SIZES
from .names import Names

IN_EXAMPLE = "in the post's own example ({}): "


def example_spec(spec: TensorSpec, model, written: list[tuple[str, int, tuple[int, int]]],
                 names: Names) -> tuple[TensorSpec, str] | None:
    """The spec of the post's example and its sizes in words, or None where the written matrices do not
    make one convolution."""
    if model.kind != "conv2d" or model.layer is None:
        return None
    shapes = {}
    for letter, _, shape in written:
        role = names.role(letter)
        if role in ("input", "kernel", "output") and shapes.setdefault(role, shape) != shape:
            return None                       # two examples at two sizes: not one network
    if "input" not in shapes:
        return None
    layer = spec.layers[model.layer - 1]
    out_channels, channels = 1, 1             # an example written x_{ij}, k_{ij}: one map in, one out
    stride, padding = layer.attribute("stride"), layer.attribute("padding")
    height, width = shapes["input"]
    kernel = shapes.get("kernel")
    if kernel is None and "output" in shapes and stride == 1:     # x 3×3 and z 2×2: a 2×2 kernel
        kernel = tuple(side + 2 * padding - out + 1 for side, out in zip(shapes["input"], shapes["output"]))
    if kernel is None or kernel[0] != kernel[1] or not 0 < kernel[0] <= min(height, width) + 2 * padding:
        return None                       # the post's kernel unknown: its size is not the spec's to assume
    output = ((height + 2 * padding - kernel[0]) // stride + 1, (width + 2 * padding - kernel[1]) // stride + 1)
    if shapes.get("output", output) != output or "output" not in shapes and (stride, padding) != (1, 0):
        return None
    rng = np.random.default_rng(0)
    conv = replace(layer, parameters=(("W", rng.uniform(-1, 1, (out_channels, channels) + tuple(kernel))),) +
                   tuple((name, value[:out_channels]) for name, value in layer.parameters if name != "W"),
                   activation=None, shape=(out_channels,) + output, drawn=True)
    size = out_channels * output[0] * output[1]
    flat = TensorLayer("flatten", (), (), None, (size,))
    example = TensorSpec(f"{spec.title}: the post's example", (channels, height, width),
                         rng.uniform(-1, 1, (1, channels, height, width)), rng.uniform(0, 1, (1, size)),
                         (conv, flat), LossSpec("half_sse", "sum"), spec.training)
    words = f"an input of {height}×{width}, a kernel of {kernel[0]}×{kernel[1]}"
    return example, words


def in_example(claims: list[Claim], spec: TensorSpec, model, written, names: Names, judged) -> list[Claim]:
    """The claims left unchecked for the example's other sizes, judged in the example's network (`judged`
    verifies the document in the network of a spec)."""
    if not any(c.reason == OTHER_SIZES for c in claims):
        return claims
    found = example_spec(spec, model, written, names)
    if found is None:
        return claims
    example, words = found
    there = {(c.line, c.text): c for c in judged(example)}
    result = []
    for claim in claims:
        again = there.get((claim.line, claim.text)) if claim.reason == OTHER_SIZES else None
        if again is not None and again.verdict in ("ok", "wrong"):
            claim = replace(claim, verdict=again.verdict, expected=again.expected, link=again.link,
                            reason=IN_EXAMPLE.format(words) + (again.reason or "it holds"))
        result.append(claim)
    return result
