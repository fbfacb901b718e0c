"""An up-front estimate of the seconds a spec takes, so that a spec too large to finish is refused
at the door with the figure, not left running.

The rates were measured on the project's 2-core machines and doubled, so the estimate errs on the
slow side (a busy machine runs up to twice as slow); tests/benchmarks/bench_cost.py prints it
beside the measured time.
"""

from __future__ import annotations

import math

from ..errors import DeriveError
from .load import NetworkSpec
from .sequence import applications, document_units, flops
from .tensor import TensorSpec

DEFAULT_LIMIT = 120.0            # seconds; --time-limit overrides it
DERIVE_PER_PARAMETER = 5e-4      # the symbolic chain and its compiled kernels
PER_LAYER = 0.04                 # each layer's kernels and its sections of the document
STEP_OVERHEAD = 1e-4             # one training step of a tiny network
STEP_PER_PARAMETER_SAMPLE = 2e-6
WRITE_PER_PARAMETER = 2e-4       # a compact document: tables of every parameter
WRITE_PER_EQUATION = 4e-3        # a fully expanded document: an equation per parameter and sample
TENSOR_PER_LAYER = 0.5           # a typed layer: its index form, its worked entries and their proof
TENSOR_STEP_PER_ENTRY = 2e-8     # one training step, per entry of every layer's output and sample
STEP_PER_APPLICATION = 2e-5      # one training step, per application of the lowered graph (an unrolled cell)
STEP_PER_FLOP = 1e-9             # a sequence layer's matrix products, per multiply-add and sample
DOCUMENT_PER_UNIT = 0.08         # an unrolled step's part, per unit of its width: index form, worked entries, proof


def parameters(spec: NetworkSpec | TensorSpec) -> int:
    if isinstance(spec, TensorSpec):
        return sum(array.size for layer in spec.layers for _, array in layer.parameters)
    widths = [len(spec.input_names)] + [layer.units for layer in spec.layers]
    return sum((inputs + 1) * units for inputs, units in zip(widths, widths[1:]))


def estimate(spec: NetworkSpec | TensorSpec, samples: str = "first", document: bool = True) -> float:
    """Seconds to derive, train and write the spec's document (an upper estimate); `document` False:
    its numbers or its code alone."""
    if isinstance(spec, TensorSpec):
        # the worked entries and the proof are bounded per layer (present/tensor_context.py, numeric/tensor_proof.py)
        seconds = len(spec.layers) * TENSOR_PER_LAYER + document * document_units(spec.layers) * DOCUMENT_PER_UNIT
        if spec.training is not None and spec.training.iterations:
            entries = sum(math.prod(layer.shape) for layer in spec.layers) + parameters(spec)
            per_sample = entries * TENSOR_STEP_PER_ENTRY + flops(spec.layers) * STEP_PER_FLOP
            seconds += spec.training.iterations * (STEP_OVERHEAD + applications(spec.layers) * STEP_PER_APPLICATION
                                                   + per_sample * max(spec.samples, 1))
        return seconds
    n = parameters(spec)
    seconds = n * DERIVE_PER_PARAMETER + len(spec.layers) * PER_LAYER
    if spec.training is not None and spec.training.iterations:
        steps = spec.training.iterations
        seconds += steps * (STEP_OVERHEAD + n * max(spec.samples, 1) * STEP_PER_PARAMETER_SAMPLE)
    per_sample = max(spec.samples, 1) if samples == "all" else 1
    seconds += n * (WRITE_PER_EQUATION * per_sample if samples == "all" else WRITE_PER_PARAMETER)
    return seconds


def check(spec: NetworkSpec | TensorSpec, limit: float | None, samples: str = "first", document: bool = True) -> None:
    """Refuse a spec whose estimate is over `limit` seconds (None: no limit)."""
    if limit is None:
        return
    seconds = estimate(spec, samples, document)
    if seconds > limit:
        steps = spec.training.iterations if spec.training is not None and spec.training.iterations else 0
        raise DeriveError(f"this spec would take about {seconds:,.0f} s ({parameters(spec):,} parameters, "
                          f"{max(spec.samples, 1)} sample(s), {steps:,} training iterations); expected at most "
                          f"{limit:,.0f} s: pass --time-limit {max(seconds * 2, limit):,.0f} to go ahead, "
                          "or make the network or training.iterations smaller")
