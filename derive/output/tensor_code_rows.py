"""How each op of a typed-layer network is written in its generated module (output/tensor_code.py):
one row of CODE per op, its forward and backward lines, the helpers they call and their imports.

Activations and the loss take their derivatives from the rule rows, through the same matrix forms
and printers as the dense module (output/codegen.py): g'(Z) from rules/activations.py, the loss's
slope from rules/losses.py, and the output delta ending in the fusion row's cancellation
(softmax + CE and sigmoid + BCE give A - Y). The backward's deltas are those of the summed errors,
as the documents' δ; a parameter's gradient takes the mean's 1/m, as the tape's terms do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import sympy as sp
from sympy import HadamardProduct, MatrixSymbol, OneMatrix

from ..core.graph import Application, Node, TensorGraph
from ..core.matrix_forms import BATCH, activation_derivative, hadamard, loss_derivative, output_delta
from ..core.walk import fusion
from ..rules.activations import ACTIVATIONS
from ..rules.fusions import CANCELLATIONS
from ..rules.losses import LOSSES
from .codegen import EntryCodePrinter, MatrixCodePrinter, cancel_reciprocals
from .tensor_code_helpers import (_AVG_POOL, _AVG_POOL_BACKWARD, _COL2IM, _IM2COL, _MAX_POOL, _MAX_POOL_BACKWARD,
                                  _OFFSET, _SLIDING)


# -- printing the rule rows' facts -------------------------------------------------------------------
class _EntryPrinter(EntryCodePrinter):
    """The dense module's entry printer, with a piecewise slope as NumPy reads it fastest: ReLU' as the
    test Z > 0 itself (True is 1, False 0 in a product), LeakyReLU' as numpy.where."""

    def _print_Relational(self, expr) -> str:
        return f"{self._print(expr.lhs)} {expr.rel_op} {self._print(expr.rhs)}"

    def _print_Piecewise(self, expr) -> str:
        (value, condition), *rest = expr.args
        if len(rest) != 1 or rest[0][1] != sp.true:
            return super()._print_Piecewise(expr)
        otherwise = rest[0][0]
        if value == 1 and otherwise == 0:
            return self._print(condition)
        return f"numpy.where({self._print(condition)}, {self._print(value)}, {self._print(otherwise)})"


class _Printer(MatrixCodePrinter):
    """The dense module's matrix printer (codegen.py), entry by entry through _EntryPrinter, and a
    factor of ones (the identity's slope) left out of an elementwise product."""

    def _print_ElementwiseApplyFunction(self, expr) -> str:
        (variable,), body = expr.function.args
        return _EntryPrinter().doprint(body.xreplace({variable: sp.Symbol(self._print(expr.expr))}))

    def _print_HadamardProduct(self, expr) -> str:
        kept = [arg for arg in expr.args if not isinstance(arg, OneMatrix)]
        if len(kept) == 1:
            return self._print(kept[0])
        return super()._print_HadamardProduct(HadamardProduct(*kept, evaluate=False) if kept else expr)


_PRINTER = _Printer()


def _matrix(name: str, width: int = 1) -> MatrixSymbol:
    """A name as a matrix symbol for the rule rows' matrix forms, one row per sample: its width is the
    loss's number of outputs (MSE's 2/k, softmax's sum over them); elsewhere only the ones' shape."""
    return MatrixSymbol(name, BATCH, width)


def _ones(width: int = 1) -> OneMatrix:
    return OneMatrix(BATCH, width)


# -- one application, where its code is written -----------------------------------------------------
@dataclass(frozen=True)
class Line:
    code: str
    comment: str = ""


@dataclass(frozen=True)
class Site:
    """One application of the lowered graph, as its op's code form reads it."""
    application: Application
    graph: TensorGraph
    into: bool              # whether its first input wants a gradient (a parameter is upstream of it)
    per_sample: str         # " / m" for a mean over the samples, "" for a sum

    @property
    def x(self) -> str:
        return self.application.inputs[0].name

    @property
    def out(self) -> str:
        return self.application.output.name

    @property
    def index(self) -> int:
        return self.application.output.layer

    def parameter(self, role: str) -> Node | None:
        """The application's parameter of this role (W, b, gamma, beta), or None."""
        return next((n for n in self.application.inputs[1:] if n.name == f"{role}{self.index}"), None)

    def attribute(self, name: str):
        return self.application.attribute(name)

    def grad(self, node: Node, code: str, comment: str = "") -> Line:
        return Line(f'grads["{node.name}"] = {code}{self.per_sample}', comment)


def d(name: str) -> str:
    """The name of a node's adjoint in the module: Z1's is dZ1."""
    return f"d{name}"


def _dims(shape: tuple[int, ...]) -> str:
    return "(samples, " + ", ".join(map(str, shape)) + ")"



@dataclass(frozen=True)
class OpCode:
    """How one op is written: forward(site) and backward(site) give its lines (the backward from the
    output's adjoint to the parameters' gradients and, when wanted, the input's adjoint); helpers are
    the module functions they call, imports the lines those need."""
    forward: Callable[[Site], list[Line]]
    backward: Callable[[Site], list[Line]]
    helpers: tuple[str, ...] = ()
    imports: tuple[str, ...] = ()
    describe: Callable[[Site], str] = lambda site: site.application.op


def _conv2d_forward(s: Site) -> list[Line]:
    w, b = s.parameter("W"), s.parameter("b")
    out, channels, kernel, _ = w.shape
    _, out_h, out_w = s.application.output.shape
    cols = f"cols{s.index}"
    bias = f" + {b.name}[:, None]" if b else ""
    return [Line(f"{cols} = _im2col({s.x}, {kernel}, {s.attribute('stride')}, {s.attribute('padding')})",
                 f"(samples, {channels}*{kernel}*{kernel}, {out_h}*{out_w}): the window under each position"),
            Line(f"{s.out} = ({w.name}.reshape({out}, -1) @ {cols}{bias}).reshape(-1, {out}, {out_h}, {out_w})",
                 f"each filter against each window{', plus its bias' if b else ''}")]


def _conv2d_backward(s: Site) -> list[Line]:
    w, b = s.parameter("W"), s.parameter("b")
    out, _, kernel, _ = w.shape
    columns = f"{d(s.out)}_cols"
    lines = [Line(f"{columns} = {d(s.out)}.reshape(len({d(s.out)}), {out}, -1)", "(samples, filters, positions)"),
             s.grad(w, f"({columns} @ cols{s.index}.transpose(0, 2, 1)).sum(axis=0).reshape({w.shape})",
                    "each filter's delta against the windows it read")]
    if b:
        lines.append(s.grad(b, f"{columns}.sum(axis=(0, 2))", "each filter's deltas summed over positions"))
    if s.into:
        lines.append(Line(f"{d(s.x)} = _col2im({w.name}.reshape({out}, -1).T @ {columns}, {s.x}.shape, {kernel}, "
                          f"{s.attribute('stride')}, {s.attribute('padding')})",
                          "the deltas back through the filters, onto the windows they came from"))
    return lines


def _conv2d_describe(s: Site) -> str:
    w = s.parameter("W")
    return (f"conv2d, {w.shape[0]} filters of {w.shape[1]}x{w.shape[2]}x{w.shape[3]}, stride {s.attribute('stride')}, "
            f"padding {s.attribute('padding')}")


def _pool_describe(s: Site) -> str:
    return f"{s.application.op}, {s.attribute('kernel')}x{s.attribute('kernel')} windows, stride {s.attribute('stride')}"


def _pool_forward(helper: str) -> Callable[[Site], list[Line]]:
    return lambda s: [Line(f"{s.out} = {helper}({s.x}, {s.attribute('kernel')}, {s.attribute('stride')})")]


def _max_pool_backward(s: Site) -> list[Line]:
    return [Line(f"{d(s.x)} = _max_pool_backward({s.x}, {s.out}, {d(s.out)}, {s.attribute('kernel')}, "
                 f"{s.attribute('stride')})", "to each window's largest entry")]


def _avg_pool_backward(s: Site) -> list[Line]:
    return [Line(f"{d(s.x)} = _avg_pool_backward({d(s.out)}, {s.x}.shape, {s.attribute('kernel')}, "
                 f"{s.attribute('stride')})", "spread evenly over each window")]


def _flatten_forward(s: Site) -> list[Line]:
    return [Line(f"{s.out} = {s.x}.reshape(len({s.x}), -1)", "channel by channel, row by row, as PyTorch's")]


def _flatten_backward(s: Site) -> list[Line]:
    return [Line(f"{d(s.x)} = {d(s.out)}.reshape({s.x}.shape)")]


def _dense_forward(s: Site) -> list[Line]:
    w, b = s.parameter("W"), s.parameter("b")
    return [Line(f"{s.out} = {s.x} @ {w.name}.T" + (f" + {b.name}" if b else ""))]


def _dense_backward(s: Site) -> list[Line]:
    w, b = s.parameter("W"), s.parameter("b")
    lines = [s.grad(w, f"{d(s.out)}.T @ {s.x}")]
    if b:
        lines.append(s.grad(b, f"{d(s.out)}.sum(axis=0)"))
    if s.into:
        lines.append(Line(f"{d(s.x)} = {d(s.out)} @ {w.name}"))
    return lines


def _dense_describe(s: Site) -> str:
    return f"dense, {s.parameter('W').shape[0]} units"


# The normalizations: the statistics over `axes`; γ and β broadcast per channel for batchnorm of an image
def _norm_axes(s: Site) -> tuple[tuple[int, ...], tuple[int, ...], str]:
    """(the statistics' axes, the parameters' summed axes, how γ and β index to broadcast)."""
    image = len(s.application.inputs[0].shape) == 3
    if dict(s.application.attributes).get("last_axis"):        # each position's features of a sequence
        return (2,), (0, 1), ""
    if s.application.op == "batch_norm":
        return ((0, 2, 3), (0, 2, 3), "[:, None, None]") if image else ((0,), (0,), "")
    return tuple(range(1, 2 + 2 * image)), (0,), ""


def _axes(axes: tuple[int, ...]) -> str:
    return str(axes[0]) if len(axes) == 1 else str(axes)


def _norm_parameters(s: Site):
    """γ, β (or None) and the tag of the temporaries: the layer, and the part of a transformer block
    whose γ it is (gammaA3: A, the attention's), as a block has two."""
    gamma, *beta = s.application.inputs[1:]
    part = gamma.name[len("gamma"):].rstrip("0123456789")
    return gamma, (beta[0] if beta else None), f"{s.index}{part}"


def _norm_forward(s: Site) -> list[Line]:
    axes, _, spread = _norm_axes(s)
    x, eps = s.x, s.attribute("epsilon")
    gamma, beta, l = _norm_parameters(s)
    over = f"axis={_axes(axes)}, keepdims=True"
    if s.application.op == "rms_norm":
        lines = [Line(f"inv_rms{l} = 1.0 / numpy.sqrt(({x} * {x}).mean({over}) + {eps!r})", "1 / sqrt(mean(x^2) + eps)"),
                 Line(f"xhat{l} = {x} * inv_rms{l}")]
    else:
        lines = [Line(f"centred{l} = {x} - {x}.mean({over})", "x - mean"),
                 Line(f"inv_std{l} = 1.0 / numpy.sqrt((centred{l} * centred{l}).mean({over}) + {eps!r})",
                      "1 / sqrt(variance + eps), the biased variance"),
                 Line(f"xhat{l} = centred{l} * inv_std{l}")]
    scaled = f"{gamma.name}{spread} * xhat{l}" + (f" + {beta.name}{spread}" if beta else "")
    return lines + [Line(f"{s.out} = {scaled}")]


def _norm_backward(s: Site) -> list[Line]:
    axes, summed, spread = _norm_axes(s)
    gamma, beta, l = _norm_parameters(s)
    g, up = f"g{l}", d(s.out)
    over = f"axis={_axes(axes)}, keepdims=True"
    lines = [s.grad(gamma, f"({up} * xhat{l}).sum(axis={_axes(summed)})")]
    if beta:
        lines.append(s.grad(beta, f"{up}.sum(axis={_axes(summed)})"))
    if s.into:
        lines.append(Line(f"{g} = {up} * {gamma.name}{spread}", "dE/dxhat"))
        if s.application.op == "rms_norm":
            lines.append(Line(f"{d(s.x)} = inv_rms{l} * ({g} - xhat{l} * ({g} * xhat{l}).mean({over}))",
                              "through the scale: the part along xhat removed"))
        else:
            lines.append(Line(f"{d(s.x)} = inv_std{l} * ({g} - {g}.mean({over}) - xhat{l} * ({g} * xhat{l}).mean({over}))",
                              "through the mean and the variance"))
    return lines


def _norm_describe(s: Site) -> str:
    axes, _, _ = _norm_axes(s)
    where = {"batch_norm": "over the batch" + (" and positions, per channel" if len(axes) > 1 else ", per feature"),
             "layer_norm": "over each sample's features", "rms_norm": "over each sample's features"}
    if dict(s.application.attributes).get("last_axis"):
        where = dict.fromkeys(where, "over each position's features")
    return f"{s.application.op} {where[s.application.op]} (epsilon {s.attribute('epsilon')!r})"


# The activation and the loss: their facts from the rule rows, printed as the dense module prints them
def _activation_forward(s: Site) -> list[Line]:
    function = s.attribute("function")
    return [Line(f"{s.out} = {ACTIVATIONS[function].code.format(z=s.x, axis=1)}", function)]


def _activation_backward(s: Site) -> list[Line]:
    function = s.attribute("function")
    slope = activation_derivative(function, _matrix(s.x), _matrix(s.out), _ones())
    return [Line(f"{d(s.x)} = {_PRINTER.doprint(hadamard(_matrix(d(s.out)), slope))}", f"through {function}'")]


def _loss_forward(s: Site) -> list[Line]:
    """The errors E_k of every output and sample; a logarithm of the outputs from the net input where
    the output activation's row gives a stable form (as the dense module's)."""
    a, y = s.application.inputs
    row = LOSSES[s.attribute("function")].over(a.shape[-1])
    fused = fusion(s.graph, s.application)
    log_out, log_one_minus = ACTIVATIONS[fused.attribute("function")].log_code if fused else (None, None)
    z = fused.inputs[0].name if fused else None
    code = row.code.format(t=y.name, a=a.name,
                           log_a=log_out.format(z=z, axis=1) if log_out else f"numpy.log({a.name})",
                           log_1m=log_one_minus.format(z=z, axis=1) if log_one_minus else f"numpy.log(1 - {a.name})")
    if dict(s.application.attributes).get("positions") == "mean":
        return [Line(f"errors = ({code}) / {a.shape[0]}", "E_k of every output, position and sample, over the positions")]
    return [Line(f"errors = {code}", "E_k of every output and sample")]


def _loss_backward(s: Site) -> list[Line]:
    """The seed: the output delta through the activation the loss reads alone (the rows' product,
    ending in the fusion row's cancellation), or the loss's slope at the outputs."""
    a, y = s.application.inputs
    k = a.shape[-1]
    fused = fusion(s.graph, s.application)
    averaged = dict(s.application.attributes).get("positions") == "mean"
    if fused is None:
        slope = loss_derivative(s.attribute("function"), _matrix(y.name, k), _matrix(a.name, k), _ones(k), k)
        return [Line(f"{d(a.name)} = {_PRINTER.doprint(slope)}", "dE/d" + a.name)] + _over_positions(d(a.name), a, averaged)
    z = fused.inputs[0].name
    found = output_delta(fused.attribute("function"), s.attribute("function"), _matrix(z, k), _matrix(a.name, k),
                         _matrix(y.name, k), _ones(k), _matrix(d(z), k), _matrix(d(a.name), k), False)
    rule = CANCELLATIONS.get((fused.attribute("function"), s.attribute("function")))
    comment = f"dE/d{z}: {rule.name}" if rule else f"dE/d{z}, through {fused.attribute('function')}"
    return [Line(f"{d(z)} = {_PRINTER.doprint(cancel_reciprocals(found.delta))}", comment)] + \
        _over_positions(d(z), a, averaged)


def _over_positions(name: str, a, averaged: bool) -> list[Line]:
    return [Line(f"{name} /= {a.shape[0]}", "the mean over positions")] if averaged else []


CODE: dict[str, OpCode] = {
    "conv2d": OpCode(_conv2d_forward, _conv2d_backward, (_OFFSET, _IM2COL, _COL2IM), (_SLIDING,), _conv2d_describe),
    "max_pool": OpCode(_pool_forward("_max_pool"), _max_pool_backward, (_OFFSET, _MAX_POOL, _MAX_POOL_BACKWARD),
                       describe=_pool_describe),
    "avg_pool": OpCode(_pool_forward("_avg_pool"), _avg_pool_backward, (_OFFSET, _AVG_POOL, _AVG_POOL_BACKWARD),
                       describe=_pool_describe),
    "flatten": OpCode(_flatten_forward, _flatten_backward),
    "dense": OpCode(_dense_forward, _dense_backward, describe=_dense_describe),
    "batch_norm": OpCode(_norm_forward, _norm_backward, describe=_norm_describe),
    "layer_norm": OpCode(_norm_forward, _norm_backward, describe=_norm_describe),
    "rms_norm": OpCode(_norm_forward, _norm_backward, describe=_norm_describe),
    "activation": OpCode(_activation_forward, _activation_backward, describe=lambda s: s.attribute("function")),
    "loss": OpCode(_loss_forward, _loss_backward),
}
