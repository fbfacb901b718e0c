"""Optimizers as rows: each has its hyperparameters with defaults, its state, its step as a NumPy
kernel, and its update as people write it (LaTeX, one line per assignment). The conventions are
PyTorch's (torch.optim), so that it can serve as the oracle: the momentum buffer starts at the
first gradient, ε is added after the square root, and AdamW decays the weights before its step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class Optimizer:
    name: str
    defaults: tuple[tuple[str, float], ...]
    slots: int                                  # arrays of state per parameter, each of its shape
    # step(param, grad, state, t, rate, **hyper) -> (new param, new state); t counts steps from 1
    step: Callable[..., tuple[np.ndarray, tuple[np.ndarray, ...]]]
    update: tuple[str, ...]                     # the update as people write it, for the documents

    def hyper(self, given: dict[str, float] | None = None) -> dict[str, float]:
        found = dict(self.defaults) | (given or {})
        unknown = set(found) - {name for name, _ in self.defaults}
        if unknown:
            raise ValueError(f"{self.name} has no hyperparameter {', '.join(sorted(unknown))}")
        return found

    def initial(self, param: np.ndarray) -> tuple[np.ndarray, ...]:
        return tuple(np.zeros_like(param) for _ in range(self.slots))


def _sgd(w, g, state, t, rate):
    return w - rate * g, state


def _momentum(w, g, state, t, rate, momentum, nesterov):
    (buffer,) = state
    buffer = g.copy() if t == 1 else momentum * buffer + g
    direction = g + momentum * buffer if nesterov else buffer
    return w - rate * direction, (buffer,)


def _rmsprop(w, g, state, t, rate, alpha, epsilon):
    (square,) = state
    square = alpha * square + (1 - alpha) * g * g
    return w - rate * g / (np.sqrt(square) + epsilon), (square,)


def _adam(w, g, state, t, rate, beta1, beta2, epsilon, weight_decay=0.0):
    first, second = state
    w = w * (1 - rate * weight_decay) if weight_decay else w        # AdamW: decoupled decay, first
    first = beta1 * first + (1 - beta1) * g
    second = beta2 * second + (1 - beta2) * g * g
    corrected_first, corrected_second = first / (1 - beta1 ** t), second / (1 - beta2 ** t)
    return w - rate * corrected_first / (np.sqrt(corrected_second) + epsilon), (first, second)


ADAM_UPDATE = (r"m_t = \beta_1 m_{t-1} + (1 - \beta_1) g_t",
               r"v_t = \beta_2 v_{t-1} + (1 - \beta_2) g_t^2",
               r"\hat{m}_t = \frac{m_t}{1 - \beta_1^t}, \quad \hat{v}_t = \frac{v_t}{1 - \beta_2^t}",
               r"w_t = w_{t-1} - \eta \frac{\hat{m}_t}{\sqrt{\hat{v}_t} + \epsilon}")

OPTIMIZERS: dict[str, Optimizer] = {
    "sgd": Optimizer("sgd", (), 0, _sgd, (r"w_t = w_{t-1} - \eta g_t",)),
    "momentum": Optimizer("momentum", (("momentum", 0.9), ("nesterov", 0.0)), 1, _momentum,
                          (r"b_t = \mu b_{t-1} + g_t", r"w_t = w_{t-1} - \eta b_t")),
    "nesterov": Optimizer("nesterov", (("momentum", 0.9), ("nesterov", 1.0)), 1, _momentum,
                          (r"b_t = \mu b_{t-1} + g_t", r"w_t = w_{t-1} - \eta \left(g_t + \mu b_t\right)")),
    "rmsprop": Optimizer("rmsprop", (("alpha", 0.99), ("epsilon", 1e-8)), 1, _rmsprop,
                         (r"s_t = \alpha s_{t-1} + (1 - \alpha) g_t^2",
                          r"w_t = w_{t-1} - \eta \frac{g_t}{\sqrt{s_t} + \epsilon}")),
    "adam": Optimizer("adam", (("beta1", 0.9), ("beta2", 0.999), ("epsilon", 1e-8)), 2, _adam, ADAM_UPDATE),
    "adamw": Optimizer("adamw", (("beta1", 0.9), ("beta2", 0.999), ("epsilon", 1e-8), ("weight_decay", 0.01)),
                       2, _adam, (r"w_{t-1} \leftarrow w_{t-1} (1 - \eta \lambda)",) + ADAM_UPDATE),
}
