"""A normalization's backward step by step, its collapsed form, and the proof that they are equal.

One feature (batchnorm: N samples; layernorm, RMSNorm: one sample's N features) is a small graph
over x_1..x_N: the statistics (means over j), x̂_i, y_i = γ x̂_i + β. Each edge's local partial is
SymPy's derivative of its consumer's definition; the reverse walk over the edges makes each adjoint
the sum of its consumers' terms (∂L/∂x_i: through x̂_i, σ², μ). The steps are written over i with
sums over j, so one formula serves every N: printed, evaluated at numbers (`at`), and instantiated at
the given N by `proof`: staged = collapsed = SymPy's own ∂(Σ g_k y_k)/∂x_i with y written out in x,
and staged = ops/norm.py's kernels at numbers. With ε = s² − σ²(x) for a positive symbol s, every
√(σ² + ε) is s: both sides are polynomials over powers of s, and `expand` decides their equality.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field, replace
from functools import partial, reduce
from typing import Callable

import numpy as np
import sympy as sp

from .notation import NotationPrinter
from ..core.ops.norm import batch_norm_vjp, layer_norm_vjp, rms_norm_vjp

KINDS = ("batch_norm", "layer_norm", "rms_norm")
N = sp.Symbol("N", integer=True, positive=True)
i, j = sp.symbols("i j", integer=True, positive=True)
x, g, xhat, y = (sp.IndexedBase(name) for name in ("x", "g", "xhat", "y"))
gamma, beta = sp.symbols("gamma beta", real=True)
eps = sp.Symbol("epsilon", positive=True)
mu, var, ms = sp.Symbol("mu", real=True), sp.Symbol("sigma2", positive=True), sp.Symbol("ms", positive=True)
_s = sp.Symbol("s", positive=True)      # √(statistic + ε), in the proof


@dataclass(frozen=True)
class Vertex:
    name: str
    symbol: sp.Symbol | sp.IndexedBase   # an IndexedBase: one entry per i
    latex: str                           # "@" stands for an entry's index
    definition: sp.Expr | None = None    # None: an input; indexed: its entry at i; else the summand (at j) of a mean
    adjoint: sp.Symbol | sp.IndexedBase | None = None     # ∂L/∂(it), indexed as it is

    @property
    def indexed(self) -> bool:
        return isinstance(self.symbol, sp.IndexedBase)

    def at(self, index, adjoint=False):
        base = self.adjoint if adjoint else self.symbol
        return base[index] if self.indexed else base


@dataclass(frozen=True)
class Edge:
    consumer: str
    producer: str
    local: sp.Expr        # ∂consumer/∂producer, at i (at j where `summed`)
    summed: bool          # a scalar read by every entry of an indexed consumer: its term sums over j


@dataclass(frozen=True)
class Step:
    name: str                            # "mu", "dL/dx"
    target: sp.Symbol | sp.IndexedBase   # what it defines (an IndexedBase: one value per i)
    expr: sp.Expr                        # the general formula, over i and sums over j = 1..N
    lhs: str
    latex: str
    terms: tuple[tuple[str, sp.Expr], ...] = ()     # backward: (the consumer a term flows through, the term)
    value: Callable | None = field(default=None, compare=False)   # (x, g, gamma, beta, eps) -> its value


@dataclass(frozen=True)
class Collapsed:
    expr: sp.Expr          # ∂L/∂x_i over i, g, x̂, the statistic, and sums over j
    latex: str


def _vertex(name, symbol, latex, definition=None, adjoint=None) -> Vertex:
    made = sp.IndexedBase(f"dL_d{name}") if isinstance(symbol, sp.IndexedBase) else sp.Symbol(f"dL_d{name}", real=True)
    return Vertex(name, symbol, latex, definition, made if adjoint is None else adjoint)


def _vertices(kind: str) -> list[Vertex]:
    """The forward graph in topological order (γ, β just before y: their adjoints come first)."""
    if kind not in KINDS:
        raise ValueError(f"unknown normalization {kind!r}; one of {', '.join(KINDS)}")
    b = "_B" if kind == "batch_norm" else ""
    if kind == "rms_norm":
        stats = [_vertex("ms", ms, r"\overline{x^2}", x[j] ** 2)]
        normalized, params, shift = x[i] / sp.sqrt(ms + eps), [_vertex("gamma", gamma, r"\gamma")], 0
    else:
        stats = [_vertex("mu", mu, rf"\mu{b}", x[j]), _vertex("sigma2", var, rf"\sigma{b}^2", (x[j] - mu) ** 2)]
        normalized, shift = (x[i] - mu) / sp.sqrt(var + eps), beta
        params = [_vertex("gamma", gamma, r"\gamma"), _vertex("beta", beta, r"\beta")]
    return [_vertex("x", x, "x_{@}"), *stats, _vertex("xhat", xhat, r"\hat{x}_{@}", normalized), *params,
            _vertex("y", y, "y_{@}", gamma * xhat[i] + shift, adjoint=g)]      # y's adjoint: the upstream g


def _edges(vertices: list[Vertex]) -> list[Edge]:
    """Every (consumer, producer) pair with its local partial, the last consumers first."""
    edges = []
    for c in reversed(vertices):
        for p in (p for p in vertices if c.definition is not None and c.definition.has(p.symbol)):
            local = sp.diff(c.definition, p.at(i if c.indexed else j))
            if not c.indexed:             # a mean: (1/N) Σ_j summand
                local = local.xreplace({j: i}) / N if p.indexed else sp.Sum(local, (j, 1, N)) / N
            summed = c.indexed and not p.indexed
            edges.append(Edge(c.name, p.name, sp.factor_terms(local.xreplace({i: j}) if summed else local), summed))
    return edges


def _term(edge: Edge, consumer: Vertex) -> sp.Expr:
    """The consumer's adjoint times the local partial: the chain rule along one edge."""
    upstream = consumer.at(j if edge.summed else i, adjoint=True)
    term = upstream if edge.local == 1 else sp.Mul(upstream, edge.local, evaluate=False)
    return sp.Sum(term, (j, 1, N)) if edge.summed else term


class _Printer(NotationPrinter):
    """derive's printer with an entry's index where its name has "@", a sum's terms in the order people
    write them (x_j - μ, σ² + ε, γ x̂_i + β), and a chain-rule term as adjoint · local partial."""

    def __init__(self, names, adjoints):
        super().__init__(names, bracket_negatives=False)
        self.adjoints = adjoints

    def _print_Indexed(self, expr):
        return self.names[expr.base.label].replace("@", self._print(expr.indices[0]))

    def _print_Add(self, expr, order=None):
        key = lambda t: (bool(t.as_coeff_Mul()[0].is_negative), t.is_Symbol, t == eps)     # noqa: E731
        return "".join(self._add_pieces(sp.Add(*sorted(expr.args, key=key), evaluate=False)))

    def _print_Mul(self, expr):
        first, local = expr.args[0], expr.args[-1]
        if len(expr.args) == 2 and (first.base.label if isinstance(first, sp.Indexed) else first) in self.adjoints:
            text = self._print(local)
            bracket = local.is_Add or local.could_extract_minus_sign()
            return rf"{self._print(first)} \cdot " + (rf"\left({text}\right)" if bracket else text)
        return super()._print_Mul(expr)


@dataclass(frozen=True)
class NormSteps:
    kind: str
    n: int
    vertices: tuple[Vertex, ...]
    edges: tuple[Edge, ...]
    forward_steps: tuple[Step, ...]
    backward_steps: tuple[Step, ...]
    collapsed: Collapsed

    @property
    def statistic(self) -> sp.Symbol:
        return ms if self.kind == "rms_norm" else var

    def at(self, x_values, g_values, gamma_value, beta_value=0.0, eps_value=1e-5) -> dict[str, object]:
        """Every step's value at numbers (any len(x)): an array for an indexed step, else a float."""
        steps = self.forward_steps + self.backward_steps
        return _evaluate(steps, x_values, g_values, gamma_value, beta_value, eps_value)

    def scale(self, values: dict[str, object], x_values, eps_value: float) -> float:
        """The size of the terms ∂L/∂x_i adds, |∂L/∂x̂| (1 + |x̂| (|x̂| + |x|/r)) / r, r = √(statistic + ε):
        its rounding is relative to them (x̂'s to |x|/r: x - μ cancels), not to a sum that may cancel
        to about 0 (batchnorm with N = 2)."""
        r, size = np.sqrt(values[self.statistic.name] + float(eps_value)), np.max(np.abs(values["xhat"]))
        reach = 1 + size * (size + np.max(np.abs(x_values)) / r)
        return float(np.max(np.abs(values["dL/dxhat"])) * reach / r)

    def explicit(self) -> dict[sp.Basic, sp.Expr]:
        """Every step's entries at N = n, each written out in x_1..x_n, g, γ, β and ε."""
        known: dict[sp.Basic, sp.Expr] = {}
        for step in self.forward_steps + self.backward_steps:
            indexed = isinstance(step.target, sp.IndexedBase)
            for k in range(1, self.n + 1) if indexed else [None]:
                known[step.target[k] if indexed else step.target] = self.instantiate(step.expr, k, known)
        return known

    def instantiate(self, expr: sp.Expr, k: int | None, known: dict) -> sp.Expr:
        """A general formula at entry k (i = k) and N = n, its sums written out, the steps replaced."""
        return expr.xreplace({i: k} if k else {}).xreplace({N: self.n}).doit().xreplace(known)

    def vanishes(self, expr: sp.Expr, known: dict) -> bool:
        """expr (in x, g, γ, β, ε) is identically 0: with ε = s² − statistic(x), √(statistic + ε) = s."""
        expr = expr.xreplace({eps: _s ** 2 - known[self.statistic]})
        expr = expr.replace(lambda e: e.is_Pow and not e.exp.is_Integer, lambda e: sp.Pow(sp.expand(e.base), e.exp))
        return sp.expand(expr) == 0

    def proof(self, collapsed: sp.Expr | None = None, seed: int = 0) -> list[tuple[str, bool]]:
        """(what, holds) for each entry and parameter; `collapsed` (over i) replaces the collapsed formula."""
        known, oracle, checks = self.explicit(), _oracle(self.kind, self.n), []
        form = self.collapsed.expr if collapsed is None else collapsed
        for k in range(1, self.n + 1):
            staged, direct = known[self.vertices[0].adjoint[k]], oracle[x[k]]
            closed = self.instantiate(form, k, known)
            checks += [(f"dL/dx_{k}: staged = collapsed", self.vanishes(staged - closed, known)),
                       (f"dL/dx_{k}: staged = diff of sum g*y", self.vanishes(staged - direct, known)),
                       (f"dL/dx_{k}: collapsed = diff of sum g*y", self.vanishes(closed - direct, known))]
        for p in (v for v in self.vertices if v.symbol in (gamma, beta)):
            checks.append((f"dL/d{p.name}: staged = diff of sum g*y",
                           self.vanishes(known[p.adjoint] - oracle[p.symbol], known)))
        rng = np.random.default_rng(seed)
        point = (rng.normal(size=self.n), rng.normal(size=self.n), *rng.normal(size=2), 10 ** rng.uniform(-5, 0))
        values, kernel = self.at(*point), kernel_vjp(self.kind, *point)
        scales = {"dL/dx": self.scale(values, point[0], point[-1])}
        checks.append(("staged = kernel at numbers",
                       all(agree(values[name], found, scales.get(name, 0.0)) for name, found in kernel.items())))
        return checks


def norm_steps(kind: str, n: int) -> NormSteps:
    """The step-by-step derivation of `kind` over n entries (n >= 2), its collapsed form, and their proof."""
    if n < 2:
        raise ValueError("a statistic over fewer than 2 entries normalizes nothing")
    vertices = _vertices(kind)
    edges, by_name = _edges(vertices), {v.name: v for v in vertices}
    names, adjoints = {N: "N", i: "i", j: "j", eps: r"\epsilon", g.label: "g_{@}"}, set()
    for v in vertices:
        label = (lambda b: b.label if v.indexed else b)      # noqa: E731
        names[label(v.symbol)] = v.latex
        names.setdefault(label(v.adjoint), rf"\frac{{\partial L}}{{\partial {v.latex}}}")
        adjoints.add(label(v.adjoint))
    printer = _Printer(names, adjoints)
    forward, backward = [], []
    for v in (v for v in vertices if v.definition is not None):
        total = sp.Sum(v.definition, (j, 1, N))     # a statistic: (1/N) Σ_j summand
        forward.append(Step(v.name, v.symbol, v.definition if v.indexed else total / N, printer.doprint(v.at(i)),
                            printer.doprint(v.definition) if v.indexed else r"\frac{1}{N} " + printer.doprint(total)))
    for p in reversed(vertices[:-1]):      # consumers before producers; y's adjoint is g
        terms = tuple((e.consumer, _term(e, by_name[e.consumer])) for e in edges if e.producer == p.name)
        expr = sp.Add(*(t for _, t in terms), evaluate=False) if len(terms) > 1 else terms[0][1]
        backward.append(Step(f"dL/d{p.name}", p.adjoint, expr, printer.doprint(p.at(i, adjoint=True)),
                             printer.doprint(expr), terms))
    projection = xhat[i] * sp.Sum(g[j] * xhat[j], (j, 1, N))          # x̂_i Σ_j g_j x̂_j
    if kind == "rms_norm":
        form = sp.Mul(gamma / sp.sqrt(ms + eps), g[i] - projection / N, evaluate=False)
    else:
        form = sp.Mul(gamma / (N * sp.sqrt(var + eps)), N * g[i] - sp.Sum(g[j], (j, 1, N)) - projection, evaluate=False)
    steps = forward + backward
    steps = [replace(s, value=partial(_value, steps[:k + 1])) for k, s in enumerate(steps)]
    return NormSteps(kind, n, tuple(vertices), tuple(edges), tuple(steps[:len(forward)]), tuple(steps[len(forward):]),
                     Collapsed(form, printer.doprint(form)))


def _evaluate(steps, x_values, g_values, gamma_value, beta_value=0.0, eps_value=1e-5) -> dict[str, object]:
    """`steps` at numbers, in order, each reading the values before it."""
    xs, gs = np.asarray(x_values, dtype=float), np.asarray(g_values, dtype=float)
    env = {x: xs, g: gs, gamma: float(gamma_value), beta: float(beta_value), eps: float(eps_value)}
    values = {}
    for step in steps:
        value = _numeric(step.expr, env, len(xs), {i: np.arange(1, len(xs) + 1)})
        indexed = isinstance(step.target, sp.IndexedBase)
        env[step.target] = values[step.name] = np.broadcast_to(value, xs.shape) * 1.0 if indexed else float(value)
    return values


def _value(steps, *numbers):
    """The last of `steps` at numbers (x, g, gamma, beta, eps), the steps before it evaluated first."""
    return _evaluate(steps, *numbers)[steps[-1].name]


def _numeric(e: sp.Basic, env: dict, n: int, bound: dict):
    """A general formula at numbers: NumPy over its tree, i bound to every index at once, Σ_j a loop."""
    if isinstance(e, sp.Indexed):
        return env[e.base][np.asarray(_numeric(e.indices[0], env, n, bound)) - 1]
    if isinstance(e, sp.Sum):
        (index, _, _), = e.limits
        return sum(_numeric(e.function, env, n, {**bound, index: k}) for k in range(1, n + 1))
    if isinstance(e, (sp.Add, sp.Mul)):
        return reduce(operator.add if e.is_Add else operator.mul, (_numeric(a, env, n, bound) for a in e.args))
    if isinstance(e, sp.Pow):
        return np.power(np.asarray(_numeric(e.base, env, n, bound), dtype=float), float(e.exp))
    return bound[e] if e in bound else n if e == N else float(e) if e.is_Number else env[e]


def _oracle(kind: str, n: int) -> dict[sp.Basic, sp.Expr]:
    """SymPy's own derivatives of Σ g_k y_k with y written out in x: the independent oracle."""
    xs = [x[k] for k in range(1, n + 1)]
    if kind == "rms_norm":
        ys = [gamma * v / sp.sqrt(sp.Add(*[u ** 2 for u in xs]) / n + eps) for v in xs]
    else:
        m = sp.Add(*xs) / n
        ys = [gamma * (v - m) / sp.sqrt(sp.Add(*[(u - m) ** 2 for u in xs]) / n + eps) + beta for v in xs]
    loss = sp.Add(*[g[k] * yk for k, yk in zip(range(1, n + 1), ys)])
    return {v: sp.diff(loss, v) for v in xs + [gamma] + ([] if kind == "rms_norm" else [beta])}


def kernel_vjp(kind: str, x_values, g_values, gamma_value, beta_value=0.0, eps_value=1e-5) -> dict[str, object]:
    """ops/norm.py's kernel on one feature: batchnorm's N samples of 1 channel, or the others' 1 sample
    of N features with one γ, β for all (their dγ, dβ per feature summed)."""
    xs, gs, n = np.asarray(x_values, dtype=float), np.asarray(g_values, dtype=float), len(x_values)
    shape = (n, 1) if kind == "batch_norm" else (1, n)
    params = [np.full(shape[1], float(v)) for v in (gamma_value, beta_value)][:1 if kind == "rms_norm" else 2]
    vjp = {"batch_norm": batch_norm_vjp, "layer_norm": layer_norm_vjp, "rms_norm": rms_norm_vjp}[kind]
    grads = vjp(epsilon=float(eps_value))((xs.reshape(shape), *params), None, gs.reshape(shape))
    found = {"dL/dx": grads[0].reshape(n), "dL/dgamma": float(grads[1].sum())}
    return found if kind == "rms_norm" else {**found, "dL/dbeta": float(grads[2].sum())}


def agree(found, expected, scale: float = 0.0, rtol: float = 1e-12) -> bool:
    """Equal to rtol relative to the larger of the largest expected value and `scale` (the terms' size)."""
    found, expected = np.asarray(found, dtype=float), np.asarray(expected, dtype=float)
    return bool(np.max(np.abs(found - expected)) <= rtol * max(np.max(np.abs(expected)), scale))
