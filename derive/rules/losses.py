"""Losses as rows: the error of one output unit in SymPy, its derivative as people write it, the
NumPy errors and their code."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

import numpy as np
import sympy as sp

from .activations import ACTIVATIONS
from .algebra import Expr, _add, _mul, _neg, _one_minus, _times


@dataclass(frozen=True)
class Loss:
    name: str
    description: str
    output_activations: tuple[str, ...]
    # unit(t, o): the error of one output unit, E_k
    unit: Callable[[Expr, Expr], Expr]
    # derivative(t, o): d E_k / d o, written the way people do
    derivative: Callable[[Expr, Expr], Expr]
    # numpy(t, out, log_out, log_one_minus_out): per-unit errors, (m, units)
    numpy: Callable[..., np.ndarray]
    # squared(k): c in dE/dout = -c (t - out), for the squared-error losses over k outputs; None otherwise
    squared: Callable[[int], Expr] | None = None
    # NumPy source of the errors E_k, entry by entry: {t} the targets, {a} the outputs, {log_a} and {log_1m}
    # their log(out) and log(1 - out)
    code: str = ""

    def over(self, outputs: int) -> "Loss":
        """The row for a layer of `outputs` units (the mean over outputs divides by their number)."""
        if self.name != "mse":
            return self
        k = sp.Integer(outputs)
        return replace(self, unit=lambda t, o: _mul(sp.Pow(k, -1), self.unit(t, o)),
                       derivative=lambda t, o: _times(sp.Pow(k, -1), self.derivative(t, o)) if outputs > 1 else
                       _mul(sp.Pow(k, -1), self.derivative(t, o)),
                       numpy=lambda t, out, log_out, log_1m: self.numpy(t, out, log_out, log_1m) / outputs,
                       code=f"{self.code} / {outputs}")


LOSSES: dict[str, Loss] = {
    "half_sse": Loss(
        "half_sse", "half the sum of squared errors over the outputs", tuple(ACTIVATIONS),
        unit=lambda t, o: _mul(sp.S.Half, sp.Pow(_add(t, _neg(o)), 2)),
        derivative=lambda t, o: _neg(_add(t, _neg(o))),
        numpy=lambda t, out, log_out, log_1m: 0.5 * (t - out) ** 2,
        squared=lambda k: sp.S.One,
        code="0.5 * ({t} - {a}) ** 2"),
    "sse": Loss(
        "sse", "the sum of squared errors over the outputs", tuple(ACTIVATIONS),
        unit=lambda t, o: sp.Pow(_add(t, _neg(o)), 2),
        derivative=lambda t, o: _mul(sp.Integer(-2), _add(t, _neg(o))),
        numpy=lambda t, out, log_out, log_1m: (t - out) ** 2,
        squared=lambda k: sp.Integer(2),
        code="({t} - {a}) ** 2"),
    # the unit forms are the sse ones: Loss.over(k) divides them by the number of outputs
    "mse": Loss(
        "mse", "the mean of squared errors over the outputs", tuple(ACTIVATIONS),
        unit=lambda t, o: sp.Pow(_add(t, _neg(o)), 2),
        derivative=lambda t, o: _mul(sp.Integer(-2), _add(t, _neg(o))),
        numpy=lambda t, out, log_out, log_1m: (t - out) ** 2,
        squared=lambda k: sp.Integer(2) / k,
        code="({t} - {a}) ** 2"),
    "cross_entropy": Loss(
        "cross_entropy", "the cross-entropy of the outputs against the targets (natural log)", ("sigmoid", "softmax"),
        unit=lambda t, o: _neg(_mul(t, sp.log(o))),
        derivative=lambda t, o: _neg(_mul(t, sp.Pow(o, -1))),
        numpy=lambda t, out, log_out, log_1m: -t * log_out,
        code="-{t} * {log_a}"),
    "binary_cross_entropy": Loss(
        "binary_cross_entropy", "the binary cross-entropy of each output against its target (natural log)",
        ("sigmoid",),
        unit=lambda t, o: _neg(_add(_mul(t, sp.log(o)), _mul(_one_minus(t), sp.log(_one_minus(o))))),
        derivative=lambda t, o: _neg(_add(_mul(t, sp.Pow(o, -1)),
                                          _neg(_mul(_one_minus(t), sp.Pow(_one_minus(o), -1))))),
        numpy=lambda t, out, log_out, log_1m: -(t * log_out + (1 - t) * log_1m),
        code="-({t} * {log_a} + (1 - {t}) * {log_1m})"),
}
