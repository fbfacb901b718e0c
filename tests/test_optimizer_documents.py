"""Every optimizer's first step as the documents show it, in every notation, against the step
worked out by hand here (t = 1 from a zero state, torch.optim's conventions), from the gradient
derive's JSON gives (which test_oracle_torch holds to autograd)."""

import json
import math
import re

import pytest

import derive
from derive.rules.optimizers import OPTIMIZERS

NET = {"input": {"names": ["x1", "x2"], "values": [[0.4, -0.7]]}, "target": {"values": [[0.3]]},
       "layers": [{"units": 2, "activation": "tanh", "weights": [[0.2, -0.5], [0.6, 0.1]], "bias": [0.1, -0.2]},
                  {"units": 1, "activation": "sigmoid", "weights": [[0.7, -0.4]], "bias": 0.05}],
       "loss": {"function": "half_sse"}, "precision": 6}
SETTINGS = {"sgd": {}, "momentum": {"momentum": 0.8}, "nesterov": {}, "rmsprop": {"alpha": 0.9, "epsilon": 1e-3},
            "adam": {"beta1": 0.8}, "adamw": {"weight_decay": 0.1}}
RATE = 0.1


def by_hand(name: str, w: float, g: float, hyper: dict) -> dict[str, float]:
    """Each assignment's value at step 1, the state before it zero, written out for this test."""
    h = OPTIMIZERS[name].hyper(hyper)
    if name == "sgd":
        return {"w": w - RATE * g}
    if name in ("momentum", "nesterov"):
        direction = g + h["momentum"] * g if name == "nesterov" else g
        return {"b": g, "w": w - RATE * direction}
    if name == "rmsprop":
        s = (1 - h["alpha"]) * g * g
        return {"s": s, "w": w - RATE * g / (math.sqrt(s) + h["epsilon"])}
    decayed = w * (1 - RATE * h.get("weight_decay", 0.0))
    found = {"m": (1 - h["beta1"]) * g, "v": (1 - h["beta2"]) * g * g, "m_hat": g, "v_hat": g * g,
             "w": decayed - RATE * g / (abs(g) + h["epsilon"])}
    return found | ({"w_decayed": decayed} if name == "adamw" else {})


def spec_for(name: str) -> dict:
    return NET | {"training": {"learning_rate": RATE} | ({"optimizer": name} if name != "sgd" else {})
                  | SETTINGS[name]}


def number(text: str) -> float:
    """A figure as the documents print it: -0.0123, 1.8452 \\times 10^{-5}."""
    match = re.fullmatch(r"\s*(-?[\d.]+)(?: \\times 10\^\{(-?\d+)\})?\s*", text)
    assert match, text
    return float(match.group(1)) * 10.0 ** int(match.group(2) or 0)


def last_figure(markdown: str, lhs: str) -> float:
    """The value a display about `lhs` ends with (lhs = formula = numbers = value)."""
    for display in re.findall(r"\$\$(.*?)\$\$", markdown, re.S):
        body = display.replace(r"\begin{aligned}", "").replace(r"\end{aligned}", "")
        if body.startswith(lhs + " ") or body.startswith(lhs + "&") or body.startswith(lhs + " &"):
            return number(re.split(r"&?= ", body.replace(r"\\", ""))[-1])
    raise AssertionError(f"no display about {lhs}")


SLOT_NAMES = {"m": r"m^{(1)}_{w_{1}}", "v": r"v^{(1)}_{w_{1}}", "m_hat": r"\hat{m}_{w_{1}}",
              "v_hat": r"\hat{v}_{w_{1}}", "b": r"b^{(1)}_{w_{1}}", "s": r"s^{(1)}_{w_{1}}",
              "w_decayed": r"\tilde{w}_{w_{1}}", "w": r"{w_{1}}^{+}"}


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_each_assignment_of_the_first_step_has_the_figure_worked_by_hand(name):
    result = derive.derive(derive.from_dict(spec_for(name)))
    numbers = json.loads(result.render("json"))
    w, g = numbers["parameters"]["W1"][0][0], numbers["gradients"]["W1"][0][0]
    expected = by_hand(name, w, g, SETTINGS[name])
    assert set(expected) == {t.name if t.name != "w" else "w" for t, _ in OPTIMIZERS[name].assignments}
    text = derive.render(result, "markdown", "neuron")
    for target, value in expected.items():
        assert last_figure(text, SLOT_NAMES[target]) == pytest.approx(value, rel=1e-5), target
    assert numbers["updated"]["W1"][0][0] == pytest.approx(expected["w"], rel=1e-12)


@pytest.mark.parametrize("name", [n for n in OPTIMIZERS if n != "sgd"])
@pytest.mark.parametrize("notation", ["neuron", "index", "layer"])
def test_every_notation_states_the_optimizer_its_settings_and_its_rule(name, notation):
    result = derive.derive(derive.from_dict(spec_for(name)))
    row = OPTIMIZERS[name]
    for fmt in ("markdown", "latex"):
        text = derive.render(result, fmt, notation)
        assert f"updated by {row.title}" in text
        for h in row.hyperparameters:
            assert h.latex in text, (fmt, h.name)
        for line in row.update:
            assert line.split(" = ", 1)[1] in text, (fmt, line)
        assert "gradient descent" not in text or name in ("momentum", "nesterov")


def test_the_matrix_form_shows_each_state_matrix_and_the_step():
    result = derive.derive(derive.from_dict(spec_for("adam")))
    numbers = json.loads(result.render("json"))
    text = derive.render(result, "markdown", "layer")
    g, w = numbers["gradients"]["W1"], numbers["parameters"]["W1"]
    state = numbers["optimizer"]["state_after_step"]
    for row in range(2):
        for col in range(2):
            hand = by_hand("adam", w[row][col], g[row][col], SETTINGS["adam"])
            assert state["m"]["W1"][row][col] == pytest.approx(hand["m"], rel=1e-12)
            assert state["v"]["W1"][row][col] == pytest.approx(hand["v"], rel=1e-12)
    display = next(d for d in re.findall(r"\$\$(.*?)\$\$", text, re.S) if d.startswith(r"m^{(1)}_{W^{[1]}} ="))
    cells = re.search(r"\\begin\{bmatrix\}(.*)\\end\{bmatrix\}", display).group(1)
    figures = [number(c) for row in cells.split(r"\\") for c in row.split("&")]
    assert figures == pytest.approx([v for row in state["m"]["W1"] for v in row], rel=1e-5)
    assert "squares, square roots and quotients are taken entry by entry" in text


def test_biases_that_are_not_updated_keep_their_state_at_zero():
    spec = spec_for("adam")
    spec["training"]["update_bias"] = False
    numbers = json.loads(derive.derive(derive.from_dict(spec)).render("json"))
    assert numbers["updated"]["b1"] == NET["layers"][0]["bias"]
    assert numbers["optimizer"]["state_after_step"]["m"]["b1"] == [0.0, 0.0]
    assert numbers["optimizer"]["state_after_step"]["m"]["W1"][0][0] != 0.0
