"""Layer-level (matrix) derivation: each operation's vector-Jacobian rule, composed in reverse.

SymPy's own matrix `diff` cannot differentiate through elementwise activations, so every
operation carries its own rule here, as data:

    affine      column: Z = W A + b 1ᵀ      row: Z = A W + 1 b
                dA = Wᵀ G, dW = G Aᵀ, db = G 1   dA = G Wᵀ, dW = Aᵀ G, db = 1ᵀ G
    activation  dZ = dA ⊙ g'(Z), with g' written over A where people do (σ' = A ⊙ (1 − A)),
                and ReLU', LeakyReLU' taken piecewise from the rule table (their value at 0 with it)
    loss        dℒ/dA per sample, named ∂ℒ/∂A^{[L]} in the first output step; softmax couples a
                sample's outputs through diag(a) − a aᵀ; the last step substitutes or cancels it

δ^{[l]} = ∂ℒ/∂Z^{[l]} where ℒ is the sum of the per-sample losses; the reduction's 1/m is applied
in the parameter gradients, as in the seeds: ∂J/∂W^{[l]} = (1/m) δ^{[l]} A^{[l−1]ᵀ}.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import sympy as sp
from sympy import HadamardPower, HadamardProduct, MatAdd, MatMul, MatrixSymbol, OneMatrix, Transpose
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from ..rules.activations import ACTIVATIONS
from ..rules.fusions import CANCELLATIONS
from ..rules.losses import LOSSES
from ..rules.penalty import weight_term
from ..spec.load import NetworkSpec
from .units import exact_probability as _exact

BATCH = sp.Symbol("m", integer=True, positive=True)
_x, _y, _t = sp.Dummy("x", real=True), sp.Dummy("y", real=True), sp.Dummy("t", real=True)


def _had(*factors):
    return HadamardProduct(*factors, evaluate=False)


def _sub(a, b):
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


def _loss_derivative(loss: str, Y, A, ones, outputs: int):
    """dℓ/dA for one sample, from the loss row's unit derivative entry by entry; the squared-error
    losses as -c (Y - A), c from their row."""
    squared = LOSSES[loss].squared
    if squared is not None:
        return MatMul(-squared(outputs), _sub(Y, A), evaluate=False)
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
        return _had(*[_entrywise(arg, matrices, ones) for arg in expr.args])
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
class LayerRecord:
    index: int
    activation: str
    W: MatrixSymbol
    b: sp.Basic | None           # MatrixSymbol per unit, a Symbol when shared, None without bias
    Z: MatrixSymbol
    A: MatrixSymbol
    A_prev: MatrixSymbol
    delta: MatrixSymbol
    d_out: MatrixSymbol          # dℒ/dA^{[l]}, the gradient that reaches the layer's output
    forward: sp.MatrixExpr       # W A_prev + b (the affine map)
    d_act: sp.MatrixExpr | None  # g'(Z) as written (None for softmax)
    steps: tuple[Step, ...]      # how δ^{[l]} is obtained
    delta_expr: sp.MatrixExpr    # δ^{[l]} over δ^{[l+1]}, W, A, Y
    grad_W: sp.MatrixExpr
    grad_b: sp.Basic | None      # None without bias
    # under dropout, A = kept D ⊙ g(Z): the fixed mask D (1 kept, 0 dropped) and kept = 1/(1 - p)
    mask: MatrixSymbol | None = None
    kept: sp.Rational | None = None
    skip: MatrixSymbol | None = None      # the output a skip connection adds, A = g(Z) + A^{[k]}


@dataclass(frozen=True)
class LayerDerivation:
    layout: str
    reduction: str
    X: MatrixSymbol
    Y: MatrixSymbol
    scale: sp.Expr               # 1/m for a mean, 1 for a sum
    layers: tuple[LayerRecord, ...]
    softmax_steps: tuple[Step, ...]   # one sample's Jacobian product, when the output is softmax
    softmax_symbols: tuple[MatrixSymbol, ...] = ()   # its a, y and dℒ/dz, when there is one
    l2: bool = False                  # the cost adds lambda/2 * sum of squared weights (penalty.py)


def derive_layers(spec: NetworkSpec) -> LayerDerivation:
    column = spec.layout == "column"
    m = BATCH
    widths = [len(spec.input_names)] + [layer.units for layer in spec.layers]

    def shape(n):  # a layer's activations: units x samples (column) or samples x units (row)
        return (n, m) if column else (m, n)

    X = MatrixSymbol("A0", *shape(widths[0]))
    Y = MatrixSymbol("Y", *shape(widths[-1]))
    scale = 1 / m if spec.loss.reduction == "mean" else sp.S.One
    symbols = []
    for l, layer in enumerate(spec.layers, start=1):
        n_in, n = widths[l - 1], widths[l]
        W = MatrixSymbol(f"W{l}", n, n_in) if column else MatrixSymbol(f"W{l}", n_in, n)
        b = None if not layer.has_bias else sp.Symbol(f"b{l}", real=True) if layer.shared_bias else (
            MatrixSymbol(f"b{l}", n, 1) if column else MatrixSymbol(f"b{l}", 1, n))
        symbols.append((W, b, MatrixSymbol(f"Z{l}", *shape(n)), MatrixSymbol(f"A{l}", *shape(n)),
                        MatrixSymbol(f"delta{l}", *shape(n)), MatrixSymbol(f"dA{l}", *shape(n)),
                        MatrixSymbol(f"D{l}", *shape(n)) if layer.dropout else None))

    records: list[LayerRecord] = []
    backs: dict[int, sp.MatrixExpr] = {}      # each hidden layer's dℒ/dA, over the δs and Ws only
    for l in reversed(range(1, len(spec.layers) + 1)):
        layer = spec.layers[l - 1]
        W, b, Z, A, delta, d_out, mask = symbols[l - 1]
        kept = 1 / (1 - _exact(layer.dropout)) if mask is not None else None
        A_prev = X if l == 1 else symbols[l - 2][3]
        ones = OneMatrix(*A.shape)
        if l == len(spec.layers):
            d_act, steps, delta_expr = _output_delta(layer.activation, spec.loss.function, Z, A, Y, ones, delta,
                                                      d_out, column)
        else:
            W_next, delta_next = symbols[l][0], symbols[l][4]
            plain = mask is None and layer.skip is None        # A = g(Z): g' may be written over A
            d_act = activation_derivative(layer.activation, Z, A if plain else applied(layer.activation, Z), ones)
            back = MatMul(Transpose(W_next), delta_next) if column else MatMul(delta_next, Transpose(W_next))
            readers = [t for t in range(l + 1, len(spec.layers) + 1) if spec.layers[t - 1].skip == l]
            through = MatAdd(back, *[symbols[t - 1][5] for t in readers], evaluate=False) if readers else back
            backs[l] = MatAdd(back, *[backs[t] for t in readers], evaluate=False) if readers else back
            local = d_act if mask is None else _had(MatMul(kept, mask, evaluate=False), d_act)   # dA/dZ
            delta_expr = _had(backs[l], local)
            steps = (Step(d_out, through, Reason.SKIP if readers else Reason.AFFINE),
                     Step(delta, _had(d_out, local), Reason.ACTIVATION if mask is None else Reason.DROPOUT),
                     Step(delta, delta_expr, Reason.RECURSION))
        product = MatMul(W, A_prev) if column else MatMul(A_prev, W)
        forward = product if b is None else MatAdd(product, _bias_term(b, Z, m, column), evaluate=False)
        grad_W = _scaled(scale, delta, Transpose(A_prev)) if column else _scaled(scale, Transpose(A_prev), delta)
        if spec.loss.l2:
            grad_W = MatAdd(grad_W, weight_term(W), evaluate=False)
        grad_b = None if b is None else _bias_gradient(b, delta, scale, column)
        skip = None if layer.skip is None else X if layer.skip == 0 else symbols[layer.skip - 1][3]
        records.insert(0, LayerRecord(l, layer.activation, W, b, Z, A, A_prev, delta, d_out, forward, d_act, steps,
                                      delta_expr, grad_W, grad_b, mask, kept, skip))
    softmax_symbols, softmax_steps = _softmax_steps(spec) if spec.layers[-1].activation == "softmax" else ((), ())
    return LayerDerivation(spec.layout, spec.loss.reduction, X, Y, scale, tuple(records), softmax_steps,
                           softmax_symbols, spec.loss.l2 > 0)


def _bias_term(b, Z, m, column):
    rows, cols = Z.shape
    if isinstance(b, sp.Symbol):
        return MatMul(b, OneMatrix(rows, cols), evaluate=False)
    return MatMul(b, OneMatrix(1, m)) if column else MatMul(OneMatrix(m, 1), b)


def _bias_gradient(b, delta, scale, column):
    rows, cols = delta.shape
    if isinstance(b, sp.Symbol):  # one bias feeds every unit: sum over units and samples
        return _scaled(scale, OneMatrix(1, rows), delta, OneMatrix(cols, 1))
    return _scaled(scale, delta, OneMatrix(cols, 1)) if column else _scaled(scale, OneMatrix(1, rows), delta)


def _scaled(scale, *factors):
    """scale · factors, leaving out a scale of 1 (a sum over samples)."""
    return MatMul(*factors) if scale == 1 else MatMul(scale, *factors)


def _output_delta(activation, loss, Z, A, Y, ones, delta, d_out, column):
    """δ^{[L]}: the loss's derivative by the outputs, through the output activation, then the known
    cancellation (or the derivative substituted). The last step's form is the one the code uses."""
    outputs = A.shape[0] if column else A.shape[1]
    d_loss = _loss_derivative(loss, Y, A, ones, outputs)
    steps = [Step(d_out, d_loss, Reason.LOSS)]
    fusion = CANCELLATIONS.get((activation, loss))      # the row's unit form, entry by entry: A - Y
    fused = None if fusion is None else \
        Step(delta, _entrywise(fusion.delta(_t, _x), {_t: Y, _x: A}, ones), Reason(fusion.name))
    if activation == "softmax":
        steps.append(Step(delta, _softmax_vjp(A, d_out, column), Reason.SOFTMAX_VJP))
        steps.append(fused or Step(delta, _softmax_vjp(A, d_loss, column), Reason.SUBSTITUTE))
        return None, tuple(steps), steps[-1].rhs
    d_act = activation_derivative(activation, Z, A, ones)
    steps.append(Step(delta, _had(d_out, d_act), Reason.CHAIN))
    if fused is not None:
        steps.append(fused)
    elif LOSSES[loss].squared is not None:
        c = LOSSES[loss].squared(outputs)
        moved = _had(_sub(A, Y), d_act)
        steps.append(Step(delta, moved if c == 1 else MatMul(c, moved, evaluate=False), Reason.SIGN))
    else:
        steps.append(Step(delta, _had(d_loss, d_act), Reason.SUBSTITUTE))
    return d_act, tuple(steps), steps[-1].rhs


def _softmax_vjp(A, gradient, column):
    """Per sample (diag(a) − a aᵀ) g = a ⊙ g − a (1ᵀ (a ⊙ g)); for the batch, 1 1ᵀ sums each sample."""
    weighted = _had(A, gradient)
    n = A.shape[0] if column else A.shape[1]
    sums = MatMul(OneMatrix(n, n), weighted) if column else MatMul(weighted, OneMatrix(n, n))
    return _sub(weighted, _had(A, sums))


def _softmax_steps(spec: NetworkSpec) -> tuple[tuple[MatrixSymbol, ...], tuple[Step, ...]]:
    """One sample: (diag(a) − a aᵀ) dℓ/da, and its cancellation to a − y for cross-entropy; with
    the sample's vectors a, y and dℓ/dz that it is written in."""
    n = spec.layers[-1].units
    a, y = MatrixSymbol("a", n, 1), MatrixSymbol("y", n, 1)
    d = MatrixSymbol("dz", n, 1)
    jacobian = _sub(sp.DiagMatrix(a), MatMul(a, Transpose(a)))
    d_loss = _loss_derivative(spec.loss.function, y, a, OneMatrix(n, 1), n)
    steps = [Step(d, MatMul(jacobian, d_loss), Reason.SOFTMAX_JACOBIAN)]
    if spec.loss.function == "cross_entropy":
        steps.append(Step(d, _sub(MatMul(a, OneMatrix(1, n), y), y), Reason.EXPAND))
        steps.append(Step(d, _sub(a, y), Reason.TARGETS_SUM_TO_ONE))
    return (a, y, d), tuple(steps)
