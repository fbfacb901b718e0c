"""`derive code`: the generated module against finite differences and the derived numbers."""

import ast
import importlib.util
import itertools

import numpy as np
import pytest

import derive
from derive.cli import main
from helpers import MAZUR, run
from oracles import finite_differences, random_spec
from test_numeric import COMBOS


def _load(path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _generate(spec_dict, tmp_path, name="generated"):
    spec_file = tmp_path / f"{name}.toml"
    spec_file.write_text(_toml(spec_dict))
    target = tmp_path / f"{name}.py"
    assert main(["code", str(spec_file), "-o", str(target)]) == 0
    return target


def _toml(spec: dict) -> str:
    """A small TOML writer for the test specs (numbers, strings, lists, tables)."""
    def value(v):
        if isinstance(v, str):
            return f'"{v}"'
        if isinstance(v, bool):
            return str(v).lower()
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return repr(float(v)) if isinstance(v, float) else str(v)
    lines = [f"{k} = {value(v)}" for k, v in spec.items() if not isinstance(v, (dict, list)) or k == "x"]
    for key, table in spec.items():
        if isinstance(table, dict):
            lines.append(f"[{key}]")
            lines += [f"{k} = {value(v)}" for k, v in table.items()]
    for layer in spec["layers"]:
        lines.append("[[layers]]")
        lines += [f"{k} = {value(v)}" for k, v in layer.items()]
    return "\n".join(lines) + "\n"


def _params(spec):
    return {**{f"W{l}": layer["weights"] for l, layer in enumerate(spec["layers"], start=1)},
            **{f"b{l}": layer["bias"] for l, layer in enumerate(spec["layers"], start=1)}}


def _check(spec, tmp_path):
    module = _load(_generate(spec, tmp_path))
    grads = module.gradients(_params(spec), spec["input"]["values"], spec["target"]["values"])
    fd_w, fd_b = finite_differences(spec)
    layout = spec.get("layout", "column")
    for l, (gw, gb) in enumerate(zip(fd_w, fd_b), start=1):
        expected_w = gw if layout == "column" else gw.T
        assert np.allclose(grads[f"W{l}"], expected_w, rtol=1e-6, atol=1e-8), l
        if isinstance(spec["layers"][l - 1]["bias"], list):
            assert np.allclose(grads[f"b{l}"], gb, rtol=1e-6, atol=1e-8)
        else:
            assert isinstance(grads[f"b{l}"], float) and grads[f"b{l}"] == pytest.approx(gb[0], rel=1e-6, abs=1e-8)
    out = module.forward(_params(spec), spec["input"]["values"])
    assert np.allclose(out, run(spec).values.forward.outs[-1], rtol=1e-12)


@pytest.mark.parametrize("activation,loss_name", COMBOS)
@pytest.mark.parametrize("layout,reduction", list(itertools.product(["column", "row"], ["mean", "sum"])))
def test_generated_code_matches_finite_differences(activation, loss_name, layout, reduction, tmp_path):
    spec = random_spec(len(activation) * 7 + len(loss_name), activation=activation, loss_name=loss_name,
                       layout=layout, reduction=reduction)
    if loss_name == "half_sse" and activation != "softmax":
        spec["layers"][-1]["activation"] = activation
    _check(spec, tmp_path)


@pytest.mark.parametrize("seed", range(10))
def test_generated_code_of_random_networks(seed, tmp_path):
    _check(random_spec(3000 + seed), tmp_path)


def test_generated_code_for_mazur_equals_the_derived_gradients(tmp_path):
    module = _load(_generate(MAZUR, tmp_path))
    grads = module.gradients(_params(MAZUR), MAZUR["input"]["values"], MAZUR["target"]["values"])
    values = run(MAZUR).values.gradients
    assert np.allclose(grads["W1"], values.weights[0], rtol=0, atol=1e-15)
    assert grads["b2"] == pytest.approx(values.biases[1][0], rel=1e-14)


def test_generated_module_imports_only_numpy_and_comments_every_formula(tmp_path):
    source = _generate(MAZUR, tmp_path).read_text()
    tree = ast.parse(source)
    imports = [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert [alias.name for n in imports for alias in n.names] == ["numpy"]
    formula_lines = [line for line in source.splitlines() if line.strip().startswith(("Z", "A", "delta", 'grads["'))
                     and "=" in line and not line.strip().startswith(("A0 =",))]
    assert formula_lines and all("  # " in line for line in formula_lines)
    assert r"\delta^{[1]} = W^{[2]T} \delta^{[2]}" in source


def test_code_goes_to_stdout_without_o(capsys):
    assert main(["code", "mazur"]) == 0
    assert capsys.readouterr().out.startswith('"""Backpropagation for')


def _saturated(activation, loss_name, layout="column"):
    """A 2-2-2 network whose first output underflows to exactly 0 for the first sample."""
    weights = [[[-20.0, 20.0], [20.0, -20.0]], [[-1000.0, 1000.0], [1000.0, -1000.0]]]
    if layout == "row":
        weights = [[list(c) for c in zip(*w)] for w in weights]
    return {"layout": layout, "input": {"values": [[50.0, -60.0], [1.0, 2.0]]},
            "target": {"values": [[0.3, 0.7], [0.5, 0.5]] if loss_name == "cross_entropy"
                       else [[0.3, 0.9], [0.5, 0.1]]},
            "layers": [{"units": 2, "activation": "sigmoid", "weights": weights[0], "bias": 0.0},
                       {"units": 2, "activation": activation, "weights": weights[1], "bias": [0.0, 0.5]}],
            "loss": {"function": loss_name}, "training": {"learning_rate": 0.1}}


@pytest.mark.parametrize("layout", ["column", "row"])
@pytest.mark.parametrize("activation,loss_name,delta", [
    ("sigmoid", "cross_entropy", "-(Y * (1 - A2))"),           # -(Y ⊘ A) ⊙ A ⊙ (1 - A), the A cancelled
    ("sigmoid", "binary_cross_entropy", "A2 - Y"),             # the fusion of the rule table
    ("softmax", "cross_entropy", "A2 - Y"),
])
def test_an_output_that_underflows_gives_the_derived_finite_gradients(activation, loss_name, delta, layout,
                                                                      tmp_path):
    spec = _saturated(activation, loss_name, layout)
    path = _generate(spec, tmp_path)
    assert f"    delta2 = {delta}  # " in path.read_text()
    module = _load(path)
    with np.errstate(over="ignore"):   # exp(1000) in the generated σ: inf, and σ = 0 as it should be
        assert (module.forward(_params(spec), spec["input"]["values"]) == 0).any()
        grads = module.gradients(_params(spec), spec["input"]["values"], spec["target"]["values"])
    values = run(spec).values.gradients
    for l in range(2):
        expected = values.weights[l] if layout == "column" else values.weights[l].T
        assert np.all(np.isfinite(grads[f"W{l + 1}"]))
        assert np.allclose(grads[f"W{l + 1}"], expected, rtol=1e-9, atol=1e-12)
    assert np.allclose(grads["b2"], values.biases[1], rtol=1e-9, atol=1e-12)


def test_cancel_reciprocals_removes_only_a_factor_beside_its_reciprocal():
    from sympy import HadamardPower, HadamardProduct, MatMul, MatrixSymbol, OneMatrix
    from derive.output.codegen import cancel_reciprocals
    A, Y = MatrixSymbol("A", 2, 3), MatrixSymbol("Y", 2, 3)
    had = lambda *f: HadamardProduct(*f, evaluate=False)  # noqa: E731
    neg = lambda x: MatMul(-1, x, evaluate=False)  # noqa: E731
    one_minus_a = OneMatrix(2, 3) - A
    assert cancel_reciprocals(had(neg(had(Y, HadamardPower(A, -1))), had(A, one_minus_a))) == neg(had(Y, one_minus_a))
    assert cancel_reciprocals(had(neg(had(Y, HadamardPower(A, -1))), neg(A))) == Y
    untouched = had(Y, HadamardPower(A, -1), one_minus_a)
    assert cancel_reciprocals(untouched) is untouched
    assert cancel_reciprocals(had(A, HadamardPower(A, -1))) == OneMatrix(2, 3)


@pytest.mark.parametrize("layout", ["column", "row"])
def test_one_flat_sample_is_one_sample_for_x_and_y(layout, tmp_path):
    spec = random_spec(77, activation="tanh", loss_name="half_sse", layout=layout)
    spec["input"]["values"], spec["target"]["values"] = spec["input"]["values"][:1], spec["target"]["values"][:1]
    module = _load(_generate(spec, tmp_path))
    params, (x,), (y,) = _params(spec), spec["input"]["values"], spec["target"]["values"]
    out = module.forward(params, x)
    assert out.shape == (len(y),) and np.allclose(out, run(spec).values.forward.outs[-1][0], rtol=1e-12)
    flat, rows = module.gradients(params, x, y), module.gradients(params, [x], [y])
    assert flat.keys() == rows.keys() and all(np.array_equal(flat[k], rows[k]) for k in flat)
    assert module.forward(params, [x, x]).shape == (2, len(y))


BAD_SHAPES = [
    ("forward", ([0.05, 0.1, 0.2],), r"X: expected shape \(samples, 2\).*got shape \(3,\)"),
    ("forward", ([[[0.05, 0.1]]],), r"X: expected shape \(samples, 2\).*got shape \(1, 1, 2\)"),
    ("gradients", ([0.05, 0.1], [0.01, 0.99, 0.5]), r"Y: expected shape \(1, 2\).*got shape \(3,\)"),
    ("gradients", ([[0.05, 0.1]] * 3, [[0.01, 0.99]] * 2),
     r"Y: expected shape \(3, 2\), one sample per row.*got shape \(2, 2\)"),
]


@pytest.mark.parametrize("layout", ["column", "row"])
@pytest.mark.parametrize("function,args,message", BAD_SHAPES)
def test_x_or_y_of_another_shape_is_refused_with_the_shape_expected(layout, function, args, message, tmp_path):
    module = _load(_generate({**MAZUR, "layout": layout}, tmp_path))
    params = {"W1": [[0.15, 0.2], [0.25, 0.3]], "b1": 0.35, "W2": [[0.4, 0.45], [0.5, 0.55]], "b2": 0.6}
    with pytest.raises(ValueError, match=message):
        getattr(module, function)(params, *args)


def test_the_module_docstring_states_the_sample_rule_and_the_fusion_condition():
    batch4 = derive.code(derive.load("batch4"))
    docstring = batch4.split('"""')[1]
    assert "a flat array of 3 numbers is one sample" in docstring
    assert "flat array of 3 numbers for one sample" in docstring
    assert "fused form, valid only when the targets sum to 1" in docstring
    assert "valid only when" not in derive.code(derive.load("mazur")).split('"""')[1]


def test_a_result_writes_its_module_from_the_matrix_form_it_holds(monkeypatch):
    """Result.code() and verify's Checker use the Result's own matrix form: nothing derives it again."""
    import derive
    from derive.core import layers
    from derive.verify import Checker

    result = derive.derive(derive.load("batch4"))
    result.layered                                    # derived once, here
    calls = []
    monkeypatch.setattr(layers, "derive_layers", lambda *a: calls.append(a))
    monkeypatch.setattr("derive.output.codegen.derive_layers", lambda *a: calls.append(a))
    assert result.code() == derive.code(result.spec, result.layered)
    assert Checker(result).layered is result.layered
    assert calls == []
