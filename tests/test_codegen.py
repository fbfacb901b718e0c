"""`derive code`: the generated module against finite differences and the derived numbers."""

import ast
import importlib.util
import itertools

import numpy as np
import pytest

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
