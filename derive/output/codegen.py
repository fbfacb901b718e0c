"""`derive code`: a standalone NumPy module generated from the layer-level closed forms.

Every backward line is the printed form of a derived matrix expression (δ, ∂J/∂W, ∂J/∂b);
its comment is the same expression in LaTeX. The output delta is the layer derivation's last
step, so the fusions of the rule table (σ + BCE and softmax + CE give A − Y) reach the code as
derived; a reciprocal left in an elementwise product (σ + CE: −(Y ⊘ A) ⊙ A ⊙ (1 − A)) is
cancelled before printing, since it is 0/0 where A underflows to 0. The module's structure
lives in a template.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import sympy as sp
from sympy import HadamardPower, HadamardProduct, MatAdd, MatMul, MatrixSymbol, OneMatrix, Transpose
from sympy.printing.numpy import NumPyPrinter

from ..core.layers import LayerDerivation, derive_layers
from ..core.matrix_forms import BATCH
from ..core.matrix_level import MatrixLevel
from ..core.ops import OPS
from ..core.ops.dense import layer_bias_cancels
from ..present.layer_notation import layer_printer
from ..rules.activations import ACTIVATIONS
from ..rules.fusions import CANCELLATIONS
from ..rules.losses import LOSSES
from ..rules.optimizers import OPTIMIZERS
from ..spec.load import NetworkSpec


class EntryCodePrinter(NumPyPrinter):
    """NumPy source for an expression over entries (g'(z) applied to each entry of Z)."""

    def __init__(self):
        super().__init__({"fully_qualified_modules": True})

    def _print_erf(self, expr: sp.erf) -> str:
        return f"erf({self._print(expr.args[0])})"      # SciPy's, imported where a row's code_imports say


class MatrixCodePrinter(EntryCodePrinter):
    """NumPy source for matrix expressions: `@`, `.T`, elementwise `*`, sums for ones-vectors."""

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        return expr.name

    def _print_MatrixSymbol(self, expr: MatrixSymbol) -> str:
        return expr.name

    def _print_Transpose(self, expr: Transpose) -> str:
        return f"{self._wrap(expr.arg)}.T"

    def _print_OneMatrix(self, expr: OneMatrix) -> str:
        return "1"  # only reached inside elementwise sums and products, where 1 broadcasts

    def _print_HadamardProduct(self, expr: HadamardProduct) -> str:
        factors = []
        for arg in expr.args:
            if isinstance(arg, HadamardPower) and arg.exp == -1:
                factors.append(f"/ {self._wrap(arg.base)}")
            else:
                factors.append(f"* {self._wrap(arg)}")
        return " ".join(factors)[2:]

    def _print_HadamardPower(self, expr: HadamardPower) -> str:
        if expr.exp == -1:
            return f"1 / {self._wrap(expr.base)}"
        return f"{self._wrap(expr.base)} ** {self._print(expr.exp)}"

    def _print_MatAdd(self, expr: MatAdd) -> str:
        text = ""
        for i, term in enumerate(expr.args):
            negative = isinstance(term, MatMul) and term.args[0] == -1
            body = MatMul(*term.args[1:], evaluate=False) if negative and len(term.args) > 2 else (
                term.args[1] if negative else term)
            printed = self._wrap(body) if negative else self._print(body)
            text += ("-" if i == 0 else " - ") + printed if negative else (" + " if i else "") + printed
        return text

    def _print_MatMul(self, expr: MatMul) -> str:
        scalars = [a for a in expr.args if not getattr(a, "is_Matrix", False)]
        matrices = [a for a in expr.args if getattr(a, "is_Matrix", False)]
        if all(isinstance(m, OneMatrix) for m in matrices) and scalars:
            return " * ".join(self._wrap_scalar(s) for s in scalars)  # a shared bias broadcasts
        code = self._product(matrices)
        if scalars == [-1]:
            return f"-{code}"
        if scalars == [1 / BATCH]:
            return f"{code} / m"  # scale the (usually smaller) result, as hand-written code does
        if scalars:
            prefix = " * ".join(self._wrap_scalar(s) for s in scalars)
            return f"{prefix} * {code}" if code else prefix
        return code

    def _product(self, matrices: list) -> str:
        """A product, where a ones-matrix beside a factor means a sum over that axis (or a broadcast)."""
        core = [m for m in matrices if not isinstance(m, OneMatrix)]
        if not core:
            return "1"
        if len(core) == 1 and not core[0].is_Matrix or (len(core) == 1 and _is_bias(core[0])):
            return self._wrap(core[0])  # b 1ᵀ or 1 b: the bias broadcasts
        text = " @ ".join(self._wrap(m) for m in core)
        sums = isinstance(matrices[0], OneMatrix) or isinstance(matrices[-1], OneMatrix)
        if len(core) > 1 and sums:
            text = f"({text})"
        if isinstance(matrices[0], OneMatrix):
            text = f"{text}.sum(axis=0, keepdims=True)"
        if isinstance(matrices[-1], OneMatrix):
            text = f"{text}.sum(axis=1, keepdims=True)"
        return text

    def _print_ElementwiseApplyFunction(self, expr) -> str:
        (variable,), body = expr.function.args
        return EntryCodePrinter().doprint(
            body.xreplace({variable: sp.Symbol(self._print(expr.expr))}))

    def _wrap(self, expr) -> str:
        text = self._print(expr)
        simple = isinstance(expr, (MatrixSymbol, sp.Symbol, Transpose)) or text.isidentifier() or \
            isinstance(expr, OneMatrix) or isinstance(expr, (sp.Integer, sp.Float)) and expr >= 0   # 2 * D1, not (2) * D1
        return text if simple else f"({text})"

    def _wrap_scalar(self, expr) -> str:
        if expr == 1 / BATCH:
            return "(1 / m)"
        return self._wrap(expr)


def _is_bias(expr) -> bool:
    return getattr(expr, "name", "").startswith("b")


def cancel_reciprocals(expr):
    """`expr` with every pair X ⊙ X^{∘−1} of an elementwise product removed (X ⊘ X = 1).

    The printed code then has no X / X, which is 0/0 (NaN) where X is 0, and the cancelled form
    is the continuous value there. An expression with no such pair is returned unchanged.
    """
    negative, factors = _hadamard_factors(expr)
    kept = list(factors)
    for factor in factors:
        if isinstance(factor, HadamardPower) and factor.exp == -1 and factor in kept and factor.base in kept:
            kept.remove(factor)
            kept.remove(factor.base)
    if len(kept) == len(factors):
        return expr
    body = (OneMatrix(*expr.shape) if not kept else kept[0] if len(kept) == 1
            else HadamardProduct(*kept, evaluate=False))
    return MatMul(sp.S.NegativeOne, body, evaluate=False) if negative else body


def _hadamard_factors(expr) -> tuple[bool, list]:
    """An elementwise product as (is it negated, its factors), nested products and signs flattened."""
    if isinstance(expr, MatMul) and len(expr.args) == 2 and expr.args[0] == -1:
        negative, factors = _hadamard_factors(expr.args[1])
        return not negative, factors
    if isinstance(expr, HadamardProduct):
        negative, factors = False, []
        for arg in expr.args:
            sign, inner = _hadamard_factors(arg)
            negative ^= sign
            factors += inner
        return negative, factors
    return False, [expr]


def context(spec: NetworkSpec, layered: LayerDerivation | None = None) -> dict[str, Any]:
    layered = layered or derive_layers(spec)
    code, latex = MatrixCodePrinter(), layer_printer(spec, layered)
    column = spec.layout == "column"
    axis = 0 if column else 1

    def line(target: str, expr, lhs_latex: str) -> dict[str, str]:
        return {"target": target, "code": code.doprint(expr), "comment": f"{lhs_latex} = {latex.doprint(expr)}"}

    layers = []
    for record, layer_spec in zip(layered.layers, spec.layers):
        z = record.Z.name
        layers.append({
            "index": record.index,
            "shared_bias": isinstance(record.b, sp.Symbol),
            "net": line(z, record.forward, latex.doprint(record.Z)),
            "out": _output(layered, record, _Printers(code.doprint, latex.doprint, axis, layered.level)),
            "mask": None if record.mask is None else {
                "name": record.mask.name, "constant": f"MASK{record.index}", "rows": [list(layer_spec.kept(s)) for s in range(len(layer_spec.mask))],
                "p": repr(layer_spec.dropout)},
            "delta": line(record.delta.name, cancel_reciprocals(record.delta_expr),
                          latex.doprint(record.delta)),
            "grad_W": line(f"dW{record.index}", record.grad_W,
                           rf"\frac{{\partial J}}{{\partial {latex.doprint(record.W)}}}"),
            "has_bias": record.b is not None,
            "grad_b": None if record.b is None else line(f"db{record.index}", record.grad_b,
                                                         rf"\frac{{\partial J}}{{\partial {latex.doprint(record.b)}}}"),
            # a bias shared by a shift-invariant layer (softmax) does not change the loss
            "zero_grad_b": record.b is not None and layer_bias_cancels(layered.graph, record.index),
        })
    fusion = CANCELLATIONS.get((spec.layers[-1].activation, spec.loss.function))
    return {"title": spec.title, "layout": spec.layout, "column": column, "layers": layers,
            "depth": len(layers), "softmax": spec.layers[-1].activation == "softmax",
            "imports": sorted({line for layer in spec.layers for line in ACTIVATIONS[layer.activation].code_imports}),
            "loss": spec.loss.function, "reduction": spec.loss.reduction, "l2": spec.loss.l2 and repr(spec.loss.l2),
            "errors": _errors(spec, len(layers), axis),
            "inputs": len(spec.input_names), "outputs": spec.layers[-1].units,
            # what the fused output delta assumes of Y ('' when nothing), for the docstring
            "condition": fusion.condition if fusion else "",
            "optimizer": _optimizer(spec) if spec.training else None}


@dataclass(frozen=True)
class _Printers:
    """What an op row's printing rule reads: the code and LaTeX printers, the unit axis, the level."""
    code: Callable[[sp.Basic], str]
    latex: Callable[[sp.Basic], str]
    axis: int
    level: MatrixLevel


def _output(layered: LayerDerivation, record, printers: _Printers) -> dict[str, str]:
    """A from Z: the op rows' printing rules composed along the layer's applications after its
    dense one (g(Z), then dropout's scaled mask, then a skip's sum), with its LaTeX for a comment."""
    graph, symbols = layered.graph, layered.level.symbols
    net = next(a.output for a in graph.applications if a.op == "dense" and a.output.layer == record.index)
    code, latex, node = record.Z.name, printers.latex(record.Z), net
    for application in graph.applications:
        if node not in application.inputs or application.output.layer != record.index:
            continue
        rule, others = OPS[application.op].printing, [symbols[n] for n in application.inputs[1:]]
        code = rule.code(printers, application, [code] + [s.name for s in others])
        latex = rule.latex(printers, application, [latex] + [printers.latex(s) for s in others])
        node = application.output
    return {"target": record.A.name, "code": code, "comment": f"{printers.latex(record.A)} = {latex}"}


def _errors(spec: NetworkSpec, depth: int, axis: int) -> str:
    """The loss's errors E_k as NumPy source; a logarithm of the outputs is taken from the net input where
    the output activation's row gives a stable form (an output that rounds to 0 keeps a finite log)."""
    A, Z = f"A{depth}", f"Z{depth}"
    log_out, log_one_minus = ACTIVATIONS[spec.layers[-1].activation].log_code
    return LOSSES[spec.loss.function].over(spec.layers[-1].units).code.format(
        t="Y", a=A, log_a=log_out.format(z=Z, axis=axis) if log_out else f"numpy.log({A})",
        log_1m=log_one_minus.format(z=Z, axis=axis) if log_one_minus else f"numpy.log(1 - {A})")


def _optimizer(spec: NetworkSpec) -> dict[str, Any]:
    """The step of the spec's optimizer: its row's assignments printed as NumPy lines, each with the
    update as the documents write it for a comment."""
    row = OPTIMIZERS[spec.training.optimizer]
    printer = NumPyPrinter({"fully_qualified_modules": True, "order": "none"})
    lines = [{"target": target.name, "code": printer.doprint(value), "comment": comment}
             for (target, value), comment in zip(row.assignments, row.update)]
    biases = [f"b{l}" for l, layer in enumerate(spec.layers, start=1) if layer.has_bias]
    return {"title": row.title, "learning_rate": repr(spec.training.learning_rate),
            "hyperparameters": [(name, repr(value)) for name, value in spec.training.hyperparameters],
            "state": [slot.symbol.name for slot in row.state], "lines": lines,
            "kept": [] if spec.training.update_bias else biases}
