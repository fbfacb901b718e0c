"""The optimizer's first step as the documents show it: the row's assignments (optimizers.py),
written for one parameter with its own names, then with numbers.

For plain gradient descent that is the one line w^+ = w - eta dE/dw. For the others, each state
slot and temporary of the row gets the parameter's name as a subscript (m_{w_5}), the state
before the step is zero (m^{(0)}), and the step count t is 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from ..rules.optimizers import GRADIENT, OPTIMIZERS, PARAMETER, RATE, STEP, Optimizer, Slot
from ..spec.load import NetworkSpec
from .unit_notations import ETA


@dataclass(frozen=True)
class Assignment:
    target: sp.Symbol                      # the parameter's own symbol for the row's target
    value: sp.Expr                         # in the parameter's names, unevaluated
    figure: object                         # its value at step 1: a number, or an array for a matrix


@dataclass(frozen=True)
class ParameterStep:
    assignments: tuple[Assignment, ...]    # the last gives the parameter after the step
    names: dict[sp.Basic, str]             # LaTeX for the symbols this step adds
    numbers: dict[sp.Basic, float]         # the values they stand for (state before the step, t, ...)


def optimizer_of(spec: NetworkSpec) -> Optimizer:
    return OPTIMIZERS[spec.training.optimizer]


def slot_name(slot: Slot, parameter: str, before: bool = False) -> str:
    """A state slot or temporary of one parameter, named after the parameter's LaTeX: m^{(1)}_{w_5}
    after the first step, m^{(0)}_{w_5} before it, \\hat{m}_{w_5} for a temporary."""
    if not slot.state:
        return f"{slot.latex}_{{{parameter}}}"
    return f"{slot.latex}^{{({0 if before else 1})}}_{{{parameter}}}"


def hyperparameter_names(row: Optimizer) -> dict[sp.Basic, str]:
    return {h.symbol: h.latex for h in row.hyperparameters} | {STEP: "t"}


def optimizer_context(spec: NetworkSpec, num) -> dict:
    """What a document says of its optimizer: its name, settings, and update as rows of an aligned
    display (lhs, parts); `plain` for gradient descent, whose documents say it in words."""
    row = optimizer_of(spec)
    hyper = dict(spec.training.hyperparameters)
    rule = []
    for line in row.update:
        lhs, rest = line.split(" = ", 1)
        rule.append({"lhs": lhs, "parts": [[rest]], "broken": False, "tagged": False})
    return {"name": row.name, "title": row.title, "plain": not row.state and len(row.assignments) == 1,
            "hyperparameters": [{"symbol": h.latex, "value": num(hyper[h.name])} for h in row.hyperparameters],
            "rule": rule, "state": [slot.latex for slot in row.state]}


def parameter_step(spec: NetworkSpec, parameter: sp.Symbol, name: str, gradient: sp.Expr, value,
                   gradient_value, after: sp.Symbol) -> ParameterStep:
    """The row's assignments for one parameter (a number, or a matrix entry by entry), named after
    `name` (its LaTeX); `after` is the symbol of its value after the step, as the document names it."""
    row = optimizer_of(spec)
    hyper = dict(spec.training.hyperparameters)
    own: dict[sp.Basic, sp.Basic] = {PARAMETER: parameter, GRADIENT: gradient, RATE: ETA}
    names = hyperparameter_names(row)
    numbers: dict[sp.Basic, float] = {h.symbol: hyper[h.name] for h in row.hyperparameters} | {STEP: 1}
    for slot in row.state:                 # the state before the first step: zero
        before = sp.Dummy(f"{slot.symbol.name}0")
        own[slot.symbol] = before
        names[before] = slot_name(slot, name, before=True)
        numbers[before] = 0.0
    figures = row.first_step(value, gradient_value, spec.training.learning_rate, hyper)
    assignments = []
    for target, formula in row.assignments:
        with sp.evaluate(False):               # as the row writes it; reads earlier targets by their new symbols
            value_here = formula.xreplace(own)
        if target == PARAMETER:
            symbol = after
        else:
            slot = next(s for s in row.slots if s.symbol == target)
            symbol = sp.Dummy(target.name)
            names[symbol] = slot_name(slot, name)
            own[target] = symbol
        numbers[symbol] = figures[target]
        assignments.append(Assignment(symbol, value_here, figures[target]))
    return ParameterStep(tuple(assignments), names, numbers)
