"""The functions a sequence post applies, from the rule table (rules/activations.py, rules/kernels.py)
and the attention rows: σ, tanh, ReLU, exp, softmax by rows, and an activation's derivative read in its
argument (σ'(z)) or, as posts also write it, in the activation's output (σ'(a) for a(1 − a))."""

from __future__ import annotations

import numpy as np

from ...core.ops.attention import softmax_rows
from ...rules import kernels
from ...rules.activations import ACTIVATIONS

ACTIVATION_NAMES = {"tanh": "tanh", "sigma": "sigmoid", "\\sigma": "sigmoid", "sigmoid": "sigmoid", "sigm": "sigmoid",
                    "relu": "relu", "ReLU": "relu"}
def softmax(value: np.ndarray) -> np.ndarray:
    """By rows, as attention's; a vector, either way round, over its entries."""
    value = np.asarray(value, dtype=float)
    if value.ndim == 2 and value.shape[1] == 1:
        return softmax_rows(value.T).T
    return softmax_rows(value)


def _log(value: np.ndarray) -> np.ndarray:
    """The natural logarithm; of 0 (log y, y one-hot) a FloatingPointError: not read, never -inf."""
    with np.errstate(divide="raise", invalid="raise"):
        return np.log(value)


FUNCTIONS = {name: ACTIVATIONS[act].numpy for name, act in ACTIVATION_NAMES.items()} | \
    {"exp": np.exp, "log": _log, "ln": _log, "sqrt": np.sqrt, "softmax": softmax, "diag": lambda v: np.diagflat(v),
     "sech": lambda v: 1.0 / np.cosh(v), "cosh": np.cosh, "sinh": np.sinh}      # tanh'(z) = sech²(z)
WRITTEN_IN_OUTPUT = ("tanh", "sigmoid")        # whose derivative a post may write in the output


def slope(name: str, value: np.ndarray, in_output: bool) -> np.ndarray:
    """f'(value): at the argument, or (in_output) at the output the value is."""
    activation = ACTIVATION_NAMES.get(name)
    if activation is None or (in_output and activation not in WRITTEN_IN_OUTPUT):
        raise KeyError(name)
    value = np.asarray(value, dtype=float)
    found = kernels.slope(activation)(value, value if in_output else ACTIVATIONS[activation].numpy(value))
    return np.broadcast_to(found, value.shape).astype(float)
