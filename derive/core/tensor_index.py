"""The index level of the one reverse walk (walk.py) on a graph of typed layers (lower_tensor.py):
every node's entries over several axes (sample, channel, row, column; or sample, unit), each op's
forward and VJP from its row (ops/, `indices`), and every adjoint named, so that each formula is one
step of the backward pass: ∂L/∂node = the sum of its consumers' terms.

The unit form is this form at concrete entries (`at`): the sums written out, the structural zeros
(a padded entry, an index off its axis or between a stride's steps, a window a max-pool did not
route to) dropped, the terms that remain the paths. tests/test_tensor_index.py holds every entry of
it equal to the kernels' numbers.

Letters: the sample n; an image's channel and position axes (c, h, w), the next image's (o, i, j)
where a conv changes the channel ((c, i, j) where a pool keeps it); kernel offsets p, q; a flat
node's units k, then j, alternating. An elementwise op's output shares its input's axes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import sympy as sp
from sympy import Idx, IndexedBase

from .finite_sums import done
from .graph import Kind, Node, TensorGraph
from . import sequence_axes
from .index_level import IndexLevel
from .ops import TENSOR_OPS
from .ops.conv_index import Wins, WindowMax
from .ops.sequence_index import Picks
from .walk import Walk, reverse

_ELEMENTWISE = {"activation", "batch_norm", "layer_norm", "rms_norm", "dropout", "add"}


@dataclass(frozen=True)
class Statistics:
    hat: IndexedBase
    spread: IndexedBase
    epsilon: sp.Symbol


@dataclass(frozen=True)
class TensorIndexLevel(IndexLevel):
    axes: dict = field(default_factory=dict)        # each node's index per axis (the sample's first)
    adjoint_bases: dict = field(default_factory=dict)
    padded_bases: dict = field(default_factory=dict)   # x̃ -> (x, padding)
    samples: int = 1
    sample: Idx = Idx("n")
    per_sample: sp.Expr = sp.S.One                  # a parameter's terms, summed over the samples, times this
    several_epsilons: bool = False                  # normalizations with different ε: each named by its layer
    constants: frozenset = frozenset()              # the input and what is computed from it alone (a time step's slice)

    def entry(self, node: Node, *indices) -> sp.Expr:
        base = self.bases[node]
        if not node.shape:
            return base
        axes = indices or self.axes[node][0 if node.kind == Kind.PARAMETER else 1:]
        return base[axes] if node.kind == Kind.PARAMETER else base[(self.sample,) + tuple(axes)]

    def adjoint(self, node: Node) -> sp.Expr:
        axes = self.axes[node]
        return self.adjoint_bases[node][axes] if node.shape else self.adjoint_bases[node]

    def statistics(self, application) -> "Statistics":
        """A normalization's named x̂, σ² (RMSNorm: r², the mean square) and ε."""
        layer = application.output.layer
        # a transformer block's two norms (gammaA, gammaF) in one layer: each named by its part
        part = application.inputs[1].name[len("gamma"):].rstrip("0123456789")
        tag = rf"\,\mathrm{{{part}}}" if part else ""
        letter = r"\sigma" if application.op != "rms_norm" else "r"
        return Statistics(IndexedBase(rf"\hat{{x}}^{{[{layer}]{tag}}}"), IndexedBase(rf"{letter}^{{2\,[{layer}]{tag}}}"),
                          sp.Symbol(rf"\epsilon^{{[{layer}]}}") if self.several_epsilons else sp.Symbol(r"\epsilon"))

    def offset(self, name: str, size: int) -> Idx:
        return Idx(name, size)

    @staticmethod
    def limits(*indices: Idx) -> tuple:
        return tuple((i, i.lower, i.upper) for i in indices)

    def padded(self, node: Node, padding: int) -> IndexedBase:
        if not padding:
            return self.bases[node]
        base = IndexedBase(rf"\tilde{{{self.bases[node].label}}}")
        self.padded_bases[base] = (node, padding)
        return base

    def is_input(self, node: Node) -> bool:
        """No gradient flows into it: the input, or a node computed from the input alone."""
        return node.kind == Kind.INPUT or node in self.constants

    def summed_over(self, j: Idx) -> Idx:
        return Idx(f"{j.label}'", (j.lower, j.upper))

    def reindexed(self, expr: sp.Expr, source: Node, target: Node) -> sp.Expr:
        """An expression over source's axes, over target's (a residual joins two of one shape)."""
        return expr.xreplace(dict(zip(self.axes[source][1:], self.axes[target][1:])))

    def gather(self, node, terms):
        return self.adjoint(node) if node.kind != Kind.LOSS else self.seed

    def vjp(self, application, upstream):
        return TENSOR_OPS[application.op].indices.vjp(self, application, upstream)

    def fused(self, loss, activation, upstream):
        return TENSOR_OPS[loss.op].indices.fused(self, loss, activation, upstream)

    def forward(self, application) -> sp.Expr:
        return TENSOR_OPS[application.op].indices.forward(self, application)


def tensor_index_level(graph: TensorGraph, samples: int, mean: bool = True) -> TensorIndexLevel:
    axes: dict[Node, tuple[Idx, ...]] = {}
    n = Idx("n", samples)
    x = graph.of_kind(Kind.INPUT)[0]
    axes[x] = (n,) + _image_axes(x.shape, "c", ("h", "w")) if len(x.shape) == 3 else \
        sequence_axes.input_axes(x, graph, n) if len(x.shape) == 2 or sequence_axes.reads_tokens(x, graph) else \
        (n, Idx("k", x.shape[0]))
    for application in graph.applications:
        source, out = application.inputs[0], application.output
        if application.op in ("loss", "sequence_ce"):
            axes[application.inputs[1]] = axes[source][:2] if application.op == "sequence_ce" else axes[source]
            continue
        if application.op in sequence_axes.SEQUENCE_OPS:
            axes[out] = sequence_axes.output_axes(application, axes, n, graph)
        elif application.op in _ELEMENTWISE:
            axes[out] = axes[source][:1] + tuple(Idx(a.label, out.shape[k]) for k, a in enumerate(axes[source][1:]))
        elif len(out.shape) == 3:
            channel = str(axes[source][1].label)
            if application.op == "conv2d":
                channel = "o" if channel == "c" else "c"
            positions = ("i", "j") if str(axes[source][2].label) == "h" else ("h", "w")
            axes[out] = (n,) + _image_axes(out.shape, channel, positions)
        else:
            flat = "j" if str(axes[source][-1].label) == "k" else "k"
            axes[out] = (n, Idx(flat, out.shape[0]))
        for parameter in application.inputs[1:]:
            if parameter.kind == Kind.PARAMETER and parameter not in axes:
                axes[parameter] = sequence_axes.parameter_axes(application, parameter, axes) \
                    if application.op in sequence_axes.SEQUENCE_OPS else _parameter_axes(application, parameter, axes)
    bases, adjoints, indices = {}, {}, {}
    for node in graph.nodes:
        name = _letter(node, graph.producer(node), graph)
        bases[node] = IndexedBase(name) if node.shape else sp.Symbol(name)
        adjoints[node] = IndexedBase(f"d{name}") if node.shape else sp.Symbol(f"d{name}")
        if node in axes and len(node.shape) == 1:
            indices[node] = axes[node][-1]
    per_sample = sp.Rational(1, samples) if mean else sp.S.One
    epsilons = {a.attribute("epsilon") for a in graph.applications if "epsilon" in dict(a.attributes)}
    constants = {x}
    for application in graph.applications:
        if all(node in constants for node in application.inputs):
            constants.add(application.output)
    return TensorIndexLevel(graph, bases, indices, {}, {}, axes, adjoints, {}, samples, n, per_sample,
                            len(epsilons) > 1, frozenset(constants))


def _image_axes(shape, channel: str, positions: tuple[str, str]) -> tuple[Idx, Idx, Idx]:
    return Idx(channel, shape[0]), Idx(positions[0], shape[1]), Idx(positions[1], shape[2])


def _parameter_axes(application, parameter: Node, axes) -> tuple[Idx, ...]:
    out, source = axes[application.output], axes[application.inputs[0]]
    if application.op == "conv2d":
        return (out[1], source[1], Idx("p", parameter.shape[2]), Idx("q", parameter.shape[3])) \
            if len(parameter.shape) == 4 else (out[1],)
    if application.op == "dense":
        return (out[1], source[1]) if len(parameter.shape) == 2 else (out[1],)
    # a normalization's γ, β: per channel (batchnorm on images), per feature entry, or per feature of
    # every position of a sequence
    if dict(application.attributes).get("last_axis"):
        return out[-1:]
    return out[1:1 + len(parameter.shape)]


_OUTPUT_LETTERS = {"conv2d": "z", "dense": "z", "activation": "a", "max_pool": "m", "avg_pool": "m",
                   "flatten": "f", "batch_norm": "u", "layer_norm": "u", "rms_norm": "u"}


def _letter(node: Node, producer, graph) -> str:
    """x, y, L; a parameter's role and layer (w^{[1]}, b^{[1]}, \\gamma^{[2]}); an intermediate's by
    its op and layer: z (a net input), a (activated), m (pooled), f (flattened), u (normalized)."""
    if node.kind == Kind.INPUT:
        return "x"
    if node.kind == Kind.TARGET:
        return "y"
    if node.kind == Kind.LOSS:
        return "L"
    if any(a.op in sequence_axes.SEQUENCE_OPS for a in graph.consumers(node)) and node.kind == Kind.PARAMETER or \
            producer is not None and (producer.op in sequence_axes.SEQUENCE_OPS or node.name.rstrip("0123456789")
                                      in sequence_axes.BLOCK_LETTERS):
        return sequence_axes.letter(node, producer)
    if node.kind == Kind.PARAMETER:
        role = node.name.rstrip("0123456789")
        return {"W": "w", "gamma": r"\gamma", "beta": r"\beta"}.get(role, role.lower()) + f"^{{[{node.layer}]}}"
    return f"{_OUTPUT_LETTERS[producer.op]}^{{[{node.layer}]}}"


# -- the index form, and its expansion at concrete entries -----------------------------------------
@dataclass(frozen=True)
class TensorIndexForm:
    walk: Walk
    level: TensorIndexLevel

    def forward(self, application) -> sp.Expr:
        return self.level.forward(application)

    def formula(self, node: Node) -> sp.Expr:
        """∂L/∂node's entry: its consumers' terms summed (a parameter's: over the samples, their mean)."""
        total = sp.Add(*[t.value for t in self.walk.terms[node]], evaluate=False) \
            if len(self.walk.terms[node]) > 1 else self.walk.terms[node][0].value
        if node.kind == Kind.PARAMETER:
            n = self.level.sample
            summed = sp.Sum(total, (n, n.lower, n.upper))
            return summed if self.level.per_sample == 1 else sp.Mul(self.level.per_sample, summed, evaluate=False)
        return total


def written(graph: TensorGraph) -> bool:
    """Whether every application has its index form."""
    return all(TENSOR_OPS[a.op].indices.forward for a in graph.applications)


def tensor_index_form(graph: TensorGraph, samples: int, mean: bool = True) -> TensorIndexForm:
    """`mean`: the cost is the errors' mean (else their sum)."""
    level = tensor_index_level(graph, samples, mean)
    return TensorIndexForm(reverse(graph, level), level)


def terms(expr: sp.Expr) -> int:
    """How many terms the expression has once its sums are written out (before any is dropped)."""
    if isinstance(expr, sp.Sum):
        count = terms(expr.function)
        for _, lower, upper in expr.limits:
            count *= int(upper - lower) + 1
        return count
    if isinstance(expr, sp.Add):
        return sum(terms(a) for a in expr.args)
    if isinstance(expr, sp.Mul):
        count = 1
        for a in expr.args:
            count *= terms(a)
        return count
    return 1


def at(level: TensorIndexLevel, expr: sp.Expr, node: Node, where: tuple[int, ...], values: dict) -> sp.Expr:
    """The expression at the node's entry `where` (the sample's index first, unless a parameter):
    its sums written out, the structural zeros dropped. `values` (base -> array) decide the
    max-pool's routing."""
    mapping = dict(zip(level.axes[node], map(sp.Integer, where)))
    # a sum over an index letter that is also the node's (a one-unit layer's bias: Σ_j over j = 0 alone) keeps
    # its own, renamed, letter: the entry's number goes to the free indices only
    expr = expr.replace(lambda e: isinstance(e, sp.Sum) and any(limit[0] in mapping for limit in e.limits),
                        lambda e: e.xreplace({limit[0]: level.summed_over(limit[0]) for limit in e.limits
                                              if limit[0] in mapping}))
    concrete = expr.xreplace(mapping)
    return _dropping_zeros(level, _routed(level, done(concrete), values))


def _routed(level, expr, values):
    if not expr.has(Wins, Picks, WindowMax):
        return expr
    def decided(found):
        entry, i, j, kernel, stride = found.args
        a = values[entry.base]
        n, c, h, w = (int(k) for k in entry.indices)
        window = a[n, c, int(i) * stride:int(i) * stride + kernel, int(j) * stride:int(j) * stride + kernel]
        p, q = divmod(int(np.argmax(window)), kernel)
        return sp.S.One if (h, w) == (int(i) * stride + p, int(j) * stride + q) else sp.S.Zero

    def written_out(found):
        entry, p, q = found.args
        return sp.Max(*[entry.xreplace({p: a, q: b}) for a in range(p.upper + 1) for b in range(q.upper + 1)],
                      evaluate=False)
    def picked(found):
        entry, v = found.args
        return sp.S.One if int(values[entry.base][tuple(int(k) for k in entry.indices)]) == int(v) else sp.S.Zero
    expr = expr.replace(lambda e: isinstance(e, Wins) and all(a.is_Integer for a in e.args[1:])
                        and all(k.is_Integer for k in e.args[0].indices), decided)
    expr = expr.replace(lambda e: isinstance(e, Picks) and e.args[1].is_Integer
                        and all(k.is_Integer for k in e.args[0].indices), picked)
    return expr.replace(lambda e: isinstance(e, WindowMax), written_out)


def _dropping_zeros(level, expr):
    """Entries off their axis, or between a stride's steps, are 0; a padded entry is its input's, shifted."""
    def resolved(entry):
        if entry.base in level.padded_bases:
            node, padding = level.padded_bases[entry.base]
            shifted = entry.indices[:2] + tuple(k - padding for k in entry.indices[2:])
            return resolved(level.bases[node][shifted])
        return entry
    shapes = {base: _shape(level, node) for node, base in level.bases.items() if isinstance(base, IndexedBase)}
    shapes |= {level.adjoint_bases[node]: _shape(level, node) for node in level.bases
               if isinstance(level.adjoint_bases[node], IndexedBase)}

    def zero_or_entry(entry):
        found = resolved(entry)
        shape = shapes.get(found.base)
        if shape is None or not all(k.is_Integer for k in found.indices):
            return sp.S.Zero if any(k.is_Rational and not k.is_Integer for k in found.indices) else found
        inside = all(0 <= int(k) < size for k, size in zip(found.indices, shape))
        return found if inside else sp.S.Zero
    return expr.replace(lambda e: isinstance(e, sp.Indexed), zero_or_entry)


def _shape(level, node: Node) -> tuple[int, ...]:
    return node.shape if node.kind == Kind.PARAMETER else (level.samples,) + node.shape
