"""The up-front cost estimate: a spec too large to finish is refused with the figure and the option."""

import pytest

import derive
from derive.spec import cost
from derive.errors import DeriveError


def _wide(width: int, iterations: int = 0) -> dict:
    return {"init": {"seed": 1}, "input": {"values": [[0.1] * width]}, "target": {"values": [[0.5] * width]},
            "layers": [{"units": width, "activation": "sigmoid"}, {"units": width, "activation": "sigmoid"}],
            "loss": {"function": "half_sse"},
            "training": {"learning_rate": 0.1, **({"iterations": iterations} if iterations else {})}}


def test_parameters_are_counted_with_biases():
    assert cost.parameters(derive.load("mazur")) == 12
    assert cost.parameters(derive.from_dict(_wide(512))) == 2 * 512 * 513


@pytest.mark.parametrize("spec", [_wide(512), _wide(2, iterations=10**7)], ids=["512-512-512", "ten-million-steps"])
def test_a_spec_that_would_not_finish_is_refused_naming_the_estimate_and_the_option(spec):
    with pytest.raises(DeriveError) as error:
        cost.check(derive.from_dict(spec), cost.DEFAULT_LIMIT)
    message = str(error.value)
    assert "would take about" in message and "--time-limit" in message and "\n" not in message


def test_the_presets_are_well_under_the_limit():
    for name in derive.dense_preset_names():
        assert cost.estimate(derive.load(name)) < cost.DEFAULT_LIMIT / 10, name
