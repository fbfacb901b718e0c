"""Optimizers as rows: each is written once, as SymPy assignments (the update as people write it),
and everything else is made from that: the NumPy step kernel (lambdified), the update's LaTeX for
the documents, and the numbers of one step for documents and verify.

The conventions are PyTorch's (torch.optim), so that it can serve as the oracle: the state starts
at zero (so the momentum buffer's first value is the first gradient), ε is added after the square
root, and AdamW decays the weights before its step.

An assignment's value reads the parameter before the step (`PARAMETER`), its gradient
(`GRADIENT`), the step count `STEP` (1 at the first step), the learning rate `RATE`, the row's
hyperparameters, its state as it was before the step, and the targets of earlier assignments.
The last assignment gives the parameter after the step.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, cached_property

import mpmath
import numpy as np
import sympy as sp

from .algebra import _add, _mul, _neg, _one_minus
from .kernels import NUMPY

PARAMETER, GRADIENT = sp.Symbol("w"), sp.Symbol("g")
STEP = sp.Symbol("t", positive=True, integer=True)
RATE = sp.Symbol("eta", positive=True)


@dataclass(frozen=True)
class Hyperparameter:
    name: str                                    # as the spec names it
    symbol: sp.Symbol
    latex: str
    default: float
    low: float                                   # the allowed range, as the spec checks it
    high: float | None                           # None: no upper bound (high itself is never allowed)
    open_low: bool = False                       # low itself is not allowed

    def allows(self, value: float) -> bool:
        above_low = value > self.low if self.open_low else value >= self.low
        return above_low and (self.high is None or value < self.high)

    @property
    def allowed(self) -> str:
        if self.high is not None:
            return f"in {'(' if self.open_low else '['}{self.low:g}, {self.high:g})"
        return f"above {self.low:g}" if self.open_low else f"at least {self.low:g}"


@dataclass(frozen=True)
class Slot:
    """A value the row keeps per parameter (state) or makes within one step (temporary)."""
    symbol: sp.Symbol
    latex: str                                   # its letter: m, \hat{m}
    state: bool


@dataclass(frozen=True)
class Optimizer:
    name: str
    title: str                                   # as prose names it
    hyperparameters: tuple[Hyperparameter, ...]
    slots: tuple[Slot, ...]
    assignments: tuple[tuple[sp.Symbol, sp.Expr], ...]

    @property
    def state(self) -> tuple[Slot, ...]:
        return tuple(slot for slot in self.slots if slot.state)

    def hyper(self, given: dict[str, float] | None = None) -> dict[str, float]:
        found = {h.name: h.default for h in self.hyperparameters} | (given or {})
        unknown = set(found) - {h.name for h in self.hyperparameters}
        if unknown:
            raise ValueError(f"{self.name} has no hyperparameter {', '.join(sorted(unknown))}")
        return found

    def initial(self, param: np.ndarray) -> tuple[np.ndarray, ...]:
        return tuple(np.zeros_like(param) for _ in self.state)

    @cached_property
    def _targets(self) -> dict[sp.Symbol, sp.Expr]:
        """Each assignment's target in closed form, from the values before the step."""
        known: dict[sp.Symbol, sp.Expr] = {}
        for target, value in self.assignments:
            known[target] = value.xreplace(known)
        return known

    @property
    def closed_forms(self) -> tuple[sp.Expr, ...]:
        """The parameter after one step, then each state slot after it, from the values before."""
        return (self._targets[PARAMETER],) + tuple(self._targets[slot.symbol] for slot in self.state)

    @cached_property
    def _kernel(self):
        arguments = [PARAMETER, GRADIENT, STEP, RATE] + [slot.symbol for slot in self.state] + \
            [h.symbol for h in self.hyperparameters]
        return sp.lambdify(arguments, self.closed_forms, modules=NUMPY, cse=True)

    def step(self, param, grad, state, t, rate, **hyper):
        """(the parameter after one step, the state after it); t counts steps from 1."""
        return self.stepper(rate, hyper)(param, grad, state, t)

    def stepper(self, rate: float, hyper: dict[str, float] | None = None):
        """step(param, grad, state, t) with the rate and hyperparameters bound once, for a loop."""
        values = self.hyper(hyper)
        constants = tuple(values[h.name] for h in self.hyperparameters)
        kernel = self._kernel

        def step(param, grad, state, t):
            found = kernel(param, grad, t, rate, *state, *constants)
            return found[0], tuple(found[1:])
        return step

    @cached_property
    def _first_kernel(self):
        """Every target at step 1 from a zero state, as one NumPy function of (w, g, eta, hyper...)."""
        start = {STEP: sp.S.One} | {slot.symbol: sp.S.Zero for slot in self.state}
        arguments = [PARAMETER, GRADIENT, RATE] + [h.symbol for h in self.hyperparameters]
        return sp.lambdify(arguments, [form.xreplace(start) for form in self._targets.values()], modules=NUMPY)

    def first_step(self, param, grad, rate: float, hyper: dict[str, float] | None = None) -> dict[sp.Symbol, object]:
        """Every assignment's value at step 1 from a zero state, by its target (numbers or arrays)."""
        values = self.hyper(hyper)
        found = self._first_kernel(param, grad, rate, *(values[h.name] for h in self.hyperparameters))
        return dict(zip(self._targets, found))

    def after_first_step(self, param: sp.Expr, grad: sp.Expr, rate: sp.Expr, hyper: dict[str, float]) -> sp.Expr:
        """The parameter after step 1 from a zero state, in SymPy's numbers (verify's 30 digits), or
        as an expression where the rate is a symbol (a spec without training: plain gradient descent)."""
        values = self.hyper(hyper)
        constants = [_exact(values[h.name]) for h in self.hyperparameters]
        if isinstance(param, sp.Float) and isinstance(grad, sp.Float) and rate.is_Number:
            # numbers: the closed form evaluated by mpmath at their precision (verify asks it of every
            # parameter at every point; substituting into the SymPy expression is a hundred times slower)
            precision = max(param._prec, grad._prec)
            with mpmath.workprec(precision):
                found = self._first_parameter(*(_mpf(x) for x in (param, grad, rate, *constants)))
            return sp.Float(found, precision=precision)
        point = {PARAMETER: param, GRADIENT: grad, RATE: rate, STEP: sp.S.One} | \
            {slot.symbol: sp.S.Zero for slot in self.state} | dict(zip((h.symbol for h in self.hyperparameters), constants))
        return self._targets[PARAMETER].xreplace(point)

    @cached_property
    def _first_parameter(self):
        """The parameter after step 1 from a zero state, as one mpmath function of (w, g, eta, hyper...)."""
        start = {STEP: sp.S.One} | {slot.symbol: sp.S.Zero for slot in self.state}
        arguments = [PARAMETER, GRADIENT, RATE] + [h.symbol for h in self.hyperparameters]
        return sp.lambdify(arguments, self._targets[PARAMETER].xreplace(start), modules="mpmath")

    @cached_property
    def update(self) -> tuple[str, ...]:
        """The update as people write it, one line per assignment, with steps as subscripts."""
        return tuple(_line(self, i) for i in range(len(self.assignments)))


def _mpf(number: sp.Expr) -> mpmath.mpf:
    """A SymPy number as mpmath's, at the working precision (a Rational exactly as a quotient)."""
    if isinstance(number, sp.Float):
        return mpmath.mpf(number._mpf_)
    return mpmath.mpf(int(number.p)) / int(number.q)


def _line(row: Optimizer, i: int) -> str:
    target, value = row.assignments[i]
    assigned = {t for t, _ in row.assignments[:i]}
    names = {h.symbol: h.latex for h in row.hyperparameters} | {GRADIENT: "g_t", RATE: r"\eta",
                                                                 PARAMETER: "w_{t-1}", STEP: "t"}
    for slot in row.slots:
        names[slot.symbol] = slot.latex + ("_t" if slot.symbol in assigned or not slot.state else "_{t-1}")
    left = "w_t" if target == PARAMETER else next(s.latex for s in row.slots if s.symbol == target) + "_t"
    return f"{left} = {sp.latex(value, order='none', symbol_names=names)}"


def _hyper(name, latex, default, low, high, open_low=False) -> Hyperparameter:
    return Hyperparameter(name, sp.Symbol(name, positive=True), latex, default, low, high, open_low)


def _slot(name, latex, state=True) -> Slot:
    return Slot(sp.Symbol(name), latex, state)


MOMENTUM = _hyper("momentum", r"\mu", 0.9, 0.0, 1.0)
ALPHA = _hyper("alpha", r"\alpha", 0.99, 0.0, 1.0)
BETA1, BETA2 = _hyper("beta1", r"\beta_1", 0.9, 0.0, 1.0), _hyper("beta2", r"\beta_2", 0.999, 0.0, 1.0)
EPSILON = _hyper("epsilon", r"\epsilon", 1e-8, 0.0, None, open_low=True)
DECAY = _hyper("weight_decay", r"\lambda", 0.01, 0.0, None)
BUFFER, SQUARES = _slot("b", "b"), _slot("s", "s")
FIRST, SECOND = _slot("m", "m"), _slot("v", "v")
FIRST_HAT, SECOND_HAT = _slot("m_hat", r"\hat{m}", False), _slot("v_hat", r"\hat{v}", False)
DECAYED = _slot("w_decayed", r"\tilde{w}", False)
mu, alpha, beta1, beta2, epsilon, decay = (h.symbol for h in (MOMENTUM, ALPHA, BETA1, BETA2, EPSILON, DECAY))
b, s, m, v, m_hat, v_hat, decayed = (slot.symbol for slot in (BUFFER, SQUARES, FIRST, SECOND, FIRST_HAT,
                                                              SECOND_HAT, DECAYED))


# The values are built unevaluated, in the order people write them, so that they print so.
def _minus(a, b_):
    return _add(a, _neg(b_))


def _over(a, b_):
    return _mul(a, sp.Pow(b_, -1, evaluate=False))


def _average(weight, old, new):
    """weight * old + (1 - weight) * new: a running average."""
    return _add(_mul(weight, old), _mul(_one_minus(weight), new))


_ADAM_MOMENTS = ((m, _average(beta1, m, GRADIENT)),
                 (v, _average(beta2, v, sp.Pow(GRADIENT, 2, evaluate=False))),
                 (m_hat, _over(m, _one_minus(sp.Pow(beta1, STEP, evaluate=False)))),
                 (v_hat, _over(v, _one_minus(sp.Pow(beta2, STEP, evaluate=False)))))


def _adam_step(param):
    return _minus(param, _mul(RATE, _over(m_hat, _add(sp.sqrt(v_hat, evaluate=False), epsilon))))


OPTIMIZERS: dict[str, Optimizer] = {row.name: row for row in (
    Optimizer("sgd", "gradient descent", (), (), ((PARAMETER, _minus(PARAMETER, _mul(RATE, GRADIENT))),)),
    Optimizer("momentum", "gradient descent with momentum", (MOMENTUM,), (BUFFER,),
              ((b, _add(_mul(mu, b), GRADIENT)), (PARAMETER, _minus(PARAMETER, _mul(RATE, b))))),
    Optimizer("nesterov", "gradient descent with Nesterov momentum", (MOMENTUM,), (BUFFER,),
              ((b, _add(_mul(mu, b), GRADIENT)),
               (PARAMETER, _minus(PARAMETER, _mul(RATE, _add(GRADIENT, _mul(mu, b))))))),
    Optimizer("rmsprop", "RMSProp", (ALPHA, EPSILON), (SQUARES,),
              ((s, _average(alpha, s, sp.Pow(GRADIENT, 2, evaluate=False))),
               (PARAMETER, _minus(PARAMETER, _mul(RATE, _over(GRADIENT, _add(sp.sqrt(s, evaluate=False), epsilon))))))),
    Optimizer("adam", "Adam", (BETA1, BETA2, EPSILON), (FIRST, SECOND, FIRST_HAT, SECOND_HAT),
              _ADAM_MOMENTS + ((PARAMETER, _adam_step(PARAMETER)),)),
    Optimizer("adamw", "AdamW", (BETA1, BETA2, EPSILON, DECAY), (DECAYED, FIRST, SECOND, FIRST_HAT, SECOND_HAT),
              ((decayed, _mul(PARAMETER, _one_minus(_mul(RATE, decay)))),) + _ADAM_MOMENTS +
              ((PARAMETER, _adam_step(decayed)),)),
)}


@cache
def _exact(value: float) -> sp.Expr:
    """A hyperparameter as the exact number it is written as (0.9 is 9/10): nsimplify takes tens of
    milliseconds, and verify asks it of every parameter at every point."""
    return sp.nsimplify(value)
