"""Hypothesis writes a batch norm's or a layer norm's forward and backward in NumPy, as CS231n-style posts
do (the staged graph, or the one-line backward), over random sizes and values, with the usual names
(x or inp, dout or dy, gamma or w); verify reads each line: right lines are ok, and one slip put in at
random is wrong at its line (issue 14, point 5)."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import derive
from derive.verify import Checker, verify_text


def _spec(kind: str, samples: int, features: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    return {"title": "fuzzed normalization",
            "input": {"shape": [features], "values": rng.normal(0, 1.5, (samples, features)).round(3).tolist()},
            "layers": [{"type": kind, "epsilon": 1e-5, "gamma": rng.uniform(0.5, 1.5, features).round(3).tolist(),
                        "beta": rng.normal(0, 0.5, features).round(3).tolist()}],
            "target": {"values": rng.normal(0, 1, (samples, features)).round(3).tolist()},
            "loss": {"function": "half_sse", "reduction": "sum"},
            "training": {"learning_rate": 0.1}}


def _lines(kind: str, x: str, dout: str, gamma: str) -> list[tuple[str, str]]:
    """(right line, a slip of it): the statistics over the samples (batch norm, axis 0) or over the
    features (layer norm, axis 1); γ's and β's gradients always over the samples."""
    a = 0 if kind == "batch_norm" else 1
    count = "N" if kind == "batch_norm" else "D"
    keep = "" if a == 0 else ", keepdims=True"
    return [
        (f"mu = np.mean({x}, axis={a}{keep})", f"mu = np.mean({x}, axis={1 - a}{keep})"),
        (f"xmu = {x} - mu", None),          # the post's own name for x - μ: it defines, claims nothing
        (f"var = np.mean(xmu**2, axis={a}{keep})", f"var = np.mean(xmu, axis={a}{keep})**2"),
        ("std = np.sqrt(var + eps)", "std = 2 * np.sqrt(var + eps)"),
        ("xhat = xmu / std", "xhat = xmu * std"),
        (f"dbeta = np.sum({dout}, axis=0)", f"dbeta = np.sum({dout}, axis=1)"),
        (f"dgamma = np.sum({dout} * xhat, axis=0)", f"dgamma = np.sum({dout} * xmu, axis=0)"),
        (f"dxhat = {dout} * {gamma}", f"dxhat = {dout} / {gamma}"),
        (f"dx = (1. / {count}) / std * ({count} * dxhat - np.sum(dxhat, axis={a}{keep}) - xhat * "
         f"np.sum(dxhat * xhat, axis={a}{keep}))",
         f"dx = (1. / {count}) / std * ({count} * dxhat - np.sum(dxhat, axis={a}{keep}))"),
    ]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["batch_norm", "layer_norm"]), st.integers(3, 5), st.integers(3, 5),
       st.sampled_from(["x", "inp"]), st.sampled_from(["dout", "dy"]), st.sampled_from(["gamma", "w"]),
       st.integers(0, 8), st.integers(0, 2 ** 31))
def test_any_normalizations_numpy_code_reads_and_its_slip_is_wrong(kind, samples, features, x, dout, gamma,
                                                                    slipped, seed):
    if samples == features:
        features += 1           # the two axes of different sizes: a sum over the wrong one shows
    checker = Checker(derive.derive(derive.from_dict(_spec(kind, samples, features, seed))))
    lines = _lines(kind, x, dout, gamma)
    if lines[slipped][1] is None:
        slipped += 1
    written = [wrong if k == slipped else right for k, (right, wrong) in enumerate(lines)]
    text = "```python\n" + "\n".join(written[:slipped + 1]) + "\n```\n"
    found = {c.line: c.verdict for c in verify_text(checker, text, "post.md").claims}
    assert found.get(slipped + 2) == "wrong", (written[slipped], found)
    claims = [k for k in range(slipped) if lines[k][1] is not None]
    assert [found.get(k + 2) for k in claims] == ["ok"] * len(claims), (written, found)
    assert set(found) <= {k + 2 for k in claims + [slipped]}, (written, found)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["batch_norm", "layer_norm"]), st.integers(2, 4), st.integers(3, 5), st.integers(0, 2),
       st.booleans(), st.integers(0, 2 ** 31))
def test_any_normalizations_jacobian_in_matrix_calculus(kind, samples, features, dropped, transposed, seed):
    """∂x̂/∂x = (I - 11ᵀ/N - x̂x̂ᵀ/N)/σ over one group, and ∂L/∂x as that Jacobian (or its transpose) times
    ∂L/∂x̂: ok at any sizes and values; with one of the three terms dropped, wrong."""
    checker = Checker(derive.derive(derive.from_dict(_spec(kind, samples, features, seed))))
    terms = ["I", "\\frac{1}{N}\\mathbf{1}\\mathbf{1}^T", "\\frac{1}{N}\\hat{x}\\hat{x}^T"]
    right = f"\\frac{{1}}{{\\sigma}}\\left({terms[0]} - {terms[1]} - {terms[2]}\\right)"
    kept = [t for k, t in enumerate(terms) if k != dropped]
    slip = f"\\frac{{1}}{{\\sigma}}\\left({kept[0]} - {kept[1]}\\right)"
    jacobian = "\\frac{\\partial \\hat{x}}{\\partial x}" + ("^T" if transposed else "")
    text = (f"$$\\frac{{\\partial \\hat{{x}}}}{{\\partial x}} = {right}$$\n\n"
            f"$$\\frac{{\\partial L}}{{\\partial x}} = {jacobian} \\frac{{\\partial L}}{{\\partial \\hat{{x}}}}$$\n\n"
            f"$$\\frac{{\\partial \\hat{{x}}}}{{\\partial x}} = {slip}$$\n")
    found = [(c.line, c.verdict) for c in verify_text(checker, text, "post.md").claims]
    assert found == [(1, "ok"), (3, "ok"), (5, "wrong")], (text, found)
