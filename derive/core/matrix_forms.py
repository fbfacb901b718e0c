"""The rule rows' facts in matrix form: a unit form entry by entry (products are ⊙), g'(Z) and
dℓ/dA from the rows, and the output layer's δ as the lines a person writes, ending in the fusion
row's cancellation. The matrix level of the walk (matrix_level.py) composes these.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import sympy as sp
from sympy import HadamardPower, HadamardProduct, MatAdd, MatMul, OneMatrix
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from ..rules.activations import ACTIVATIONS
from ..rules.fusions import CANCELLATIONS
from ..rules.losses import LOSSES

BATCH = sp.Symbol("m", integer=True, positive=True)
_x, _y, _t = sp.Dummy("x", real=True), sp.Dummy("y", real=True), sp.Dummy("t", real=True)


def hadamard(*factors):
    return HadamardProduct(*factors, evaluate=False)


def subtract(a, b):
    return MatAdd(a, MatMul(sp.S.NegativeOne, b, evaluate=False), evaluate=False)


def activation_derivative(activation: str, Z, A, ones) -> sp.MatrixExpr:
    """g'(Z) at matrix level, from the rule row's unit derivative: over A entry by entry where the
    row writes it over the output (σ' = o(1 − o) gives A ⊙ (1 − A)), else the row's derivative
    applied to each entry of Z (ReLU', piecewise, with derive's value at 0; g'). Under dropout A
    is not g(Z): the caller passes applied(activation, Z) for it."""
    unit = ACTIVATIONS[activation].derivative([_x], [_y], 0, 0)          # _x the output, _y the net input
    if _y in unit.free_symbols or isinstance(unit, sp.Derivative):
        return ElementwiseApplyFunction(sp.Lambda(_y, unit), Z)
    return _entrywise(unit, {_x: A}, ones)


def applied(activation: str, Z) -> ElementwiseApplyFunction:
    """g(Z), entry by entry: a layer's output before dropout's mask."""
    return ElementwiseApplyFunction(sp.Lambda(_y, ACTIVATIONS[activation].forward([_y], 0)), Z)


def loss_derivative(loss: str, Y, A, ones, outputs: int):
    """dℓ/dA for one sample, from the loss row's unit derivative entry by entry; the squared-error
    losses as -c (Y - A), c from their row."""
    squared = LOSSES[loss].squared
    if squared is not None:
        return MatMul(-squared(outputs), subtract(Y, A), evaluate=False)
    return _entrywise(LOSSES[loss].derivative(_t, _x), {_t: Y, _x: A}, ones)


def _entrywise(expr, matrices: dict, ones) -> sp.MatrixExpr:
    """A unit form over scalars, entry by entry over their matrices: products are ⊙, powers ⊙-powers,
    1 is 𝟏, and -x is -1 times the matrix of x."""
    if expr in matrices:
        return matrices[expr]
    if expr == sp.S.One:
        return ones
    if isinstance(expr, sp.Mul) and len(expr.args) == 2 and expr.args[0] == sp.S.NegativeOne:
        return MatMul(sp.S.NegativeOne, _entrywise(expr.args[1], matrices, ones), evaluate=False)
    if isinstance(expr, sp.Mul):
        return hadamard(*[_entrywise(arg, matrices, ones) for arg in expr.args])
    if isinstance(expr, sp.Add):
        return MatAdd(*[_entrywise(arg, matrices, ones) for arg in expr.args], evaluate=False)
    if isinstance(expr, sp.Pow) and expr.exp.is_Integer:
        return HadamardPower(_entrywise(expr.base, matrices, ones), expr.exp)
    raise ValueError(f"no matrix form for the unit form {expr}")


class Reason(StrEnum):
    """Why a line of a matrix derivation holds; the documents give each its sentence, the proof
    its unit-level counterpart. The values name the line in the proof's checks."""
    LOSS = "loss"
    CHAIN = "chain"
    SIGN = "sign"
    SUBSTITUTE = "substitute"
    SIGMOID_BCE = "sigmoid-binary-cross-entropy"
    SOFTMAX_VJP = "softmax-vjp"
    SOFTMAX_CE = "softmax-cross-entropy"
    AFFINE = "affine"
    ACTIVATION = "activation"
    DROPOUT = "dropout"              # through the fixed mask, then the activation
    SKIP = "skip"                    # through the next layer's weights and the skip connections reading A
    RECURSION = "recursion"
    SOFTMAX_JACOBIAN = "softmax-jacobian"
    EXPAND = "expand"
    TARGETS_SUM_TO_ONE = "targets-sum-to-one"


@dataclass(frozen=True)
class Step:
    """One line of a matrix derivation: lhs = rhs, and why."""
    lhs: sp.Basic
    rhs: sp.Basic
    reason: Reason


@dataclass(frozen=True)
class OutputDelta:
    """The output layer's δ: g'(Z) as written (None for softmax), the lines, and the last form."""
    d_act: sp.MatrixExpr | None
    steps: tuple[Step, ...]
    delta: sp.MatrixExpr


def output_delta(activation, loss, Z, A, Y, ones, delta, d_out, column) -> OutputDelta:
    """δ^{[L]}: the loss's derivative by the outputs, through the output activation, then the known
    cancellation (or the derivative substituted). The last step's form is the one the code uses."""
    outputs = A.shape[0] if column else A.shape[1]
    d_loss = loss_derivative(loss, Y, A, ones, outputs)
    steps = [Step(d_out, d_loss, Reason.LOSS)]
    fusion = CANCELLATIONS.get((activation, loss))      # the row's unit form, entry by entry: A - Y
    fused = None if fusion is None else \
        Step(delta, _entrywise(fusion.delta(_t, _x), {_t: Y, _x: A}, ones), Reason(fusion.name))
    if activation == "softmax":
        steps.append(Step(delta, softmax_vjp(A, d_out, column), Reason.SOFTMAX_VJP))
        steps.append(fused or Step(delta, softmax_vjp(A, d_loss, column), Reason.SUBSTITUTE))
        return OutputDelta(None, tuple(steps), steps[-1].rhs)
    d_act = activation_derivative(activation, Z, A, ones)
    steps.append(Step(delta, hadamard(d_out, d_act), Reason.CHAIN))
    if fused is not None:
        steps.append(fused)
    elif LOSSES[loss].squared is not None:
        c = LOSSES[loss].squared(outputs)
        moved = hadamard(subtract(A, Y), d_act)
        steps.append(Step(delta, moved if c == 1 else MatMul(c, moved, evaluate=False), Reason.SIGN))
    else:
        steps.append(Step(delta, hadamard(d_loss, d_act), Reason.SUBSTITUTE))
    return OutputDelta(d_act, tuple(steps), steps[-1].rhs)


def softmax_vjp(A, gradient, column):
    """Per sample (diag(a) − a aᵀ) g = a ⊙ g − a (1ᵀ (a ⊙ g)); for the batch, 1 1ᵀ sums each sample."""
    weighted = hadamard(A, gradient)
    n = A.shape[0] if column else A.shape[1]
    sums = MatMul(OneMatrix(n, n), weighted) if column else MatMul(weighted, OneMatrix(n, n))
    return subtract(weighted, hadamard(A, sums))


