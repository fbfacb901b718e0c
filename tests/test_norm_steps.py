"""derive/present/norm_steps.py: batchnorm's, layernorm's and RMSNorm's backward step by step, walked
over the graph's edges, proven equal to the collapsed formula and to SymPy's own derivative of
Σ g_i y_i (N = 2..4); at numbers equal to ops/norm.py's kernels and to PyTorch in float64
(hypothesis-drawn N, ε and values); each step's LaTeX balanced and naming its symbols; and the
classic slips in the collapsed formula (the mean term or the variance term dropped) caught.
"""

from __future__ import annotations

import ast
import re
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from pylatexenc.latexwalker import LatexWalker

from derive.present import norm_steps as ns
from derive.present.norm_steps import KINDS, N, agree, eps, g, gamma, i, j, kernel_vjp, ms, norm_steps, var, xhat

RTOL = 1e-12


@lru_cache(maxsize=None)
def _steps(kind, n=3):
    return norm_steps(kind, n)


# --- the proof -------------------------------------------------------------------------------------

@pytest.mark.parametrize("n", [2, 3, 4])
@pytest.mark.parametrize("kind", KINDS)
def test_proof_holds(kind, n):
    checks = _steps(kind, n).proof()
    assert all(ok for _, ok in checks), [what for what, ok in checks if not ok]
    names = {what for what, _ in checks}
    for k in range(1, n + 1):
        assert {f"dL/dx_{k}: staged = collapsed", f"dL/dx_{k}: staged = diff of sum g*y",
                f"dL/dx_{k}: collapsed = diff of sum g*y"} <= names
    assert "dL/dgamma: staged = diff of sum g*y" in names and "staged = kernel at numbers" in names
    assert ("dL/dbeta: staged = diff of sum g*y" in names) == (kind != "rms_norm")


def _sum(term):
    return sp.Sum(term, (j, 1, N))


def _broken(kind):
    """The slips people make in the collapsed formula, each as a formula over i."""
    projection = xhat[i] * _sum(g[j] * xhat[j])
    if kind == "rms_norm":
        rms = sp.sqrt(ms + eps)
        return {"projection dropped": gamma / rms * g[i],
                "a mean term added": gamma / rms * (g[i] - _sum(g[j]) / N - projection / N),
                "1/N dropped": gamma / rms * (g[i] - projection)}
    scale = gamma / (N * sp.sqrt(var + eps))
    return {"mean term dropped": scale * (N * g[i] - projection),
            "variance term dropped": scale * (N * g[i] - _sum(g[j])),
            "1/N dropped": gamma / sp.sqrt(var + eps) * (N * g[i] - _sum(g[j]) - projection),
            "sign of the variance term": scale * (N * g[i] - _sum(g[j]) + projection)}


@pytest.mark.parametrize("n", [2, 3])
@pytest.mark.parametrize("kind", KINDS)
def test_broken_collapsed_formula_is_not_proven(kind, n):
    steps = _steps(kind, n)
    for slip, form in _broken(kind).items():
        checks = dict(steps.proof(collapsed=form))
        for k in range(1, n + 1):
            assert not checks[f"dL/dx_{k}: staged = collapsed"], (slip, k)
            assert not checks[f"dL/dx_{k}: collapsed = diff of sum g*y"], (slip, k)
            assert checks[f"dL/dx_{k}: staged = diff of sum g*y"], (slip, k)


def test_a_broken_staged_step_is_caught():
    """The proof reads the steps: a step with the σ² path dropped from ∂L/∂x_i fails it."""
    steps = _steps("batch_norm", 3)
    dx = steps.backward_steps[-1]
    through = dict(dx.terms)
    broken = sp.Add(through["xhat"], through["mu"], evaluate=False)
    patched = replace(steps, backward_steps=steps.backward_steps[:-1] + (replace(dx, expr=broken),))
    checks = dict(patched.proof())
    assert not checks["dL/dx_1: staged = collapsed"] and not checks["dL/dx_1: staged = diff of sum g*y"]
    assert not checks["staged = kernel at numbers"]
    assert checks["dL/dx_1: collapsed = diff of sum g*y"]


# --- the walk over the edges -----------------------------------------------------------------------

THROUGH = {"batch_norm": {"dL/dbeta": ["y"], "dL/dgamma": ["y"], "dL/dxhat": ["y"], "dL/dsigma2": ["xhat"],
                          "dL/dmu": ["xhat", "sigma2"], "dL/dx": ["xhat", "sigma2", "mu"]},
           "rms_norm": {"dL/dgamma": ["y"], "dL/dxhat": ["y"], "dL/dms": ["xhat"], "dL/dx": ["xhat", "ms"]}}
THROUGH["layer_norm"] = THROUGH["batch_norm"]


@pytest.mark.parametrize("kind", KINDS)
def test_each_adjoint_sums_its_consumers_terms(kind):
    steps = _steps(kind)
    assert [s.name for s in steps.backward_steps] == list(THROUGH[kind])
    for step in steps.backward_steps:
        assert [c for c, _ in step.terms] == THROUGH[kind][step.name]
        consumers = [e.consumer for e in steps.edges if f"dL/d{e.producer}" == step.name]
        assert consumers == THROUGH[kind][step.name]
        assert sp.simplify(step.expr - sp.Add(*(t for _, t in step.terms))) == 0
    # every local partial is the consumer's definition differentiated
    locals_ = {(e.consumer, e.producer): e.local for e in steps.edges}
    if kind != "rms_norm":
        assert sp.simplify(locals_["xhat", "sigma2"] + (ns.x[j] - ns.mu) / (2 * (var + eps) ** sp.Rational(3, 2))) == 0
        assert locals_["mu", "x"] == 1 / N and locals_["y", "beta"] == 1


# --- at numbers: the kernels and PyTorch -----------------------------------------------------------

def _torch(kind, xs, gs, gm, bt, e):
    """PyTorch's forward and its gradients: batch_norm (training), layer_norm, RMSNorm written out."""
    n = len(xs)
    leaf = lambda a: torch.tensor(np.asarray(a, dtype=float), dtype=torch.float64, requires_grad=True)  # noqa: E731
    if kind == "batch_norm":
        X, W, B = leaf(xs.reshape(n, 1)), leaf([gm]), leaf([bt])
        out = F.batch_norm(X, None, None, W, B, training=True, eps=e)
    elif kind == "layer_norm":
        X, W, B = leaf(xs.reshape(1, n)), leaf(np.full(n, gm)), leaf(np.full(n, bt))
        out = F.layer_norm(X, (n,), W, B, eps=e)
    else:
        X, W, B = leaf(xs.reshape(1, n)), leaf(np.full(n, gm)), None
        out = W * X / torch.sqrt((X * X).mean(dim=-1, keepdim=True) + e)
    leaves = [X, W] + ([B] if B is not None else [])
    grads = torch.autograd.grad(out, leaves, torch.tensor(gs.reshape(out.shape), dtype=torch.float64))
    found = {"dL/dx": grads[0].numpy().reshape(n), "dL/dgamma": grads[1].sum().item()}
    if B is not None:
        found["dL/dbeta"] = grads[2].sum().item()
    return out.detach().numpy().reshape(n), found


def _scales(steps, values, xs, gs, e):
    """What each gradient's rounding is relative to: the size of the terms it adds, x̂'s rounding
    being relative to |x| / √(statistic + ε) (x - μ cancels)."""
    xhat_size = float(np.max(np.abs(values["xhat"])) + np.max(np.abs(xs)) / np.sqrt(values[steps.statistic.name] + e))
    return {"dL/dx": steps.scale(values, xs, e), "dL/dgamma": float(np.sum(np.abs(gs))) * xhat_size,
            "dL/dbeta": float(np.sum(np.abs(gs)))}


# values 0 or of size >= 1e-50: products of a few stay normal floats (subnormals have no relative precision)
finite = st.floats(-10, 10, allow_nan=False, allow_infinity=False).map(lambda v: 0.0 if abs(v) < 1e-50 else v)


@st.composite
def points(draw):
    n = draw(st.integers(2, 8))
    xs = np.array(draw(st.lists(finite, min_size=n, max_size=n)))
    gs = np.array(draw(st.lists(finite, min_size=n, max_size=n)))
    return xs, gs, draw(finite) * 0.3, draw(finite) * 0.3, 10 ** draw(st.floats(-6, 0))


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=60, deadline=None)
@given(point=points())
def test_staged_values_equal_kernels_and_torch(kind, point):
    xs, gs, gm, bt, e = point
    steps = _steps(kind)                       # the general formulas hold at any N
    values = steps.at(xs, gs, gm, bt, e)
    kernel, (y_torch, torch_grads) = kernel_vjp(kind, xs, gs, gm, bt, e), _torch(kind, xs, gs, gm, bt, e)
    scales = _scales(steps, values, xs, gs, e)
    assert set(kernel) == set(torch_grads)
    for name in kernel:
        assert agree(values[name], kernel[name], scales[name], RTOL), (name, values[name], kernel[name])
        assert agree(values[name], torch_grads[name], scales[name], RTOL), (name, values[name], torch_grads[name])
    shift, rms = (0.0, np.sqrt(values["ms"] + e)) if kind == "rms_norm" else (bt, np.sqrt(values["sigma2"] + e))
    # x̂'s rounding is relative to x (x - μ cancels), so y's to |γ| |x| / √(statistic + ε) + |β|
    assert agree(values["y"], y_torch, abs(gm) * float(np.max(np.abs(xs))) / rms + abs(shift), RTOL)
    if kind != "rms_norm":
        assert agree(values["mu"], xs.mean(), float(np.max(np.abs(xs))), RTOL)
        centred = float(np.max(np.abs(xs - values["mu"])) + np.max(np.abs(xs - xs.mean())))
        assert agree(values["sigma2"], xs.var(), centred * (centred + float(np.max(np.abs(xs)))), RTOL)


@pytest.mark.parametrize("kind", KINDS)
def test_each_step_value_alone_equals_at(kind):
    steps = _steps(kind, 4)
    rng = np.random.default_rng(7)
    point = (rng.normal(size=4), rng.normal(size=4), 1.3, -0.4, 1e-3)
    values = steps.at(*point)
    for step in steps.forward_steps + steps.backward_steps:
        assert np.array_equal(step.value(*point), values[step.name]), step.name
        assert np.shape(values[step.name]) == ((4,) if isinstance(step.target, sp.IndexedBase) else ())


# --- LaTeX -----------------------------------------------------------------------------------------

def _balanced(tex):
    depth = 0
    for char in re.sub(r"\\[{}]", "", tex):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0 and tex.count(r"\left") == tex.count(r"\right")


def _expected(kind):
    """(lhs names, formula names) each step must show."""
    d = lambda s: rf"\frac{{\partial L}}{{\partial {s}}}"         # noqa: E731
    if kind == "rms_norm":
        m2 = r"\overline{x^2}"
        return {"ms": ([m2], ["x_{j}", r"\sum_{j=1}^{N}", r"\frac{1}{N}"]),
                "xhat": ([r"\hat{x}_{i}"], ["x_{i}", m2, r"\epsilon"]), "y": (["y_{i}"], [r"\gamma", r"\hat{x}_{i}"]),
                "dL/dgamma": ([d(r"\gamma")], ["g_{j}", r"\hat{x}_{j}"]),
                "dL/dxhat": ([d(r"\hat{x}_{i}")], ["g_{i}", r"\gamma"]),
                "dL/dms": ([d(m2)], [d(r"\hat{x}_{j}"), "x_{j}", r"\epsilon"]),
                "dL/dx": ([d("x_{i}")], [d(r"\hat{x}_{i}"), d(m2), "x_{i}", "N"])}
    mu, sigma = (r"\mu_B", r"\sigma_B^2") if kind == "batch_norm" else (r"\mu", r"\sigma^2")
    return {"mu": ([mu], ["x_{j}", r"\sum_{j=1}^{N}", r"\frac{1}{N}"]), "sigma2": ([sigma], ["x_{j}", mu]),
            "xhat": ([r"\hat{x}_{i}"], ["x_{i}", mu, sigma, r"\epsilon"]),
            "y": (["y_{i}"], [r"\gamma", r"\hat{x}_{i}", r"\beta"]),
            "dL/dbeta": ([d(r"\beta")], ["g_{j}", r"\sum_{j=1}^{N}"]),
            "dL/dgamma": ([d(r"\gamma")], ["g_{j}", r"\hat{x}_{j}"]),
            "dL/dxhat": ([d(r"\hat{x}_{i}")], ["g_{i}", r"\gamma"]),
            "dL/dsigma2": ([d(sigma)], [d(r"\hat{x}_{j}"), "x_{j}", mu, sigma, r"\epsilon"]),
            "dL/dmu": ([d(mu)], [d(r"\hat{x}_{j}"), d(sigma), r"\sum_{j=1}^{N}"]),
            "dL/dx": ([d("x_{i}")], [d(r"\hat{x}_{i}"), d(sigma), d(mu), "N"])}


@pytest.mark.parametrize("kind", KINDS)
def test_latex_is_balanced_and_names_its_symbols(kind):
    steps, expected = _steps(kind), _expected(kind)
    assert [s.name for s in steps.forward_steps + steps.backward_steps] == list(expected)
    for step in steps.forward_steps + steps.backward_steps:
        lhs_names, names = expected[step.name]
        for tex in (step.lhs, step.latex):
            assert _balanced(tex), tex
            LatexWalker(tex, tolerant_parsing=False).get_latex_nodes()
        assert all(s in step.lhs for s in lhs_names), (step.lhs, lhs_names)
        assert all(s in step.latex for s in names), (step.latex, names)
    if kind != "batch_norm":
        assert not any("_B" in s.lhs + s.latex for s in steps.forward_steps + steps.backward_steps)
    collapsed = steps.collapsed.latex
    assert _balanced(collapsed) and all(s in collapsed for s in (r"\gamma", "g_{i}", r"\hat{x}_{i}", r"\hat{x}_{j}",
                                                                    r"\sum_{j=1}^{N}", r"\epsilon", "N"))


# --- the module ------------------------------------------------------------------------------------

def test_no_text_is_evaluated():
    tree = ast.parse(Path(ns.__file__).read_text())
    called = {getattr(node.func, "attr", getattr(node.func, "id", None)) for node in ast.walk(tree)
              if isinstance(node, ast.Call)}
    assert not called & {"eval", "exec", "sympify", "parse_expr", "lambdify", "S"}


def test_bad_arguments():
    with pytest.raises(ValueError, match="unknown normalization"):
        norm_steps("group_norm", 3)
    with pytest.raises(ValueError, match="fewer than 2"):
        norm_steps("batch_norm", 1)
