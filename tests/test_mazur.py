"""The seed post 003 (Mazur's example): figures that are right, and two that are not."""

import json
import re
import subprocess
import sys
from decimal import Decimal

import numpy as np
import pytest

from helpers import MAZUR
from oracles import backprop_sigmoid_sse, train_sigmoid_sse


@pytest.fixture(scope="module")
def json_report():
    out = subprocess.run([sys.executable, "-m", "derive", "report", "mazur", "--format", "json"],
                         capture_output=True, text=True, check=True)
    assert out.stderr == ""
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def markdown_report():
    out = subprocess.run([sys.executable, "-m", "derive", "report", "mazur"],
                         capture_output=True, text=True, check=True)
    return out.stdout


def test_json_matches_independent_backprop(json_report):
    loss, gw, gb, _ = backprop_sigmoid_sse(MAZUR)
    assert json_report["loss"] == pytest.approx(loss, abs=1e-9)
    for l in (1, 2):
        assert np.allclose(json_report["gradients"][f"W{l}"], gw[l - 1], rtol=0, atol=1e-9)
        assert json_report["gradients"][f"b{l}"] == pytest.approx(gb[l - 1], abs=1e-9)
        expected = np.array(MAZUR["layers"][l - 1]["weights"]) - 0.5 * gw[l - 1]
        assert np.allclose(json_report["updated"][f"W{l}"], expected, rtol=0, atol=1e-9)
        assert json_report["updated"][f"b{l}"] == MAZUR["layers"][l - 1]["bias"]  # update_bias = false
        assert json_report["parameters"][f"W{l}"] == MAZUR["layers"][l - 1]["weights"]


def test_json_loss_after_step_and_training_match_independent_backprop(json_report):
    after = train_sigmoid_sse(MAZUR, 1, 0.5, update_bias=False)[0]
    assert json_report["loss_after_step"] == pytest.approx(after, abs=1e-9)
    loss, out, _ = train_sigmoid_sse(MAZUR, 10000, 0.5, update_bias=False)
    training = json_report["training"]
    assert training["iterations"] == 10000
    assert training["loss"] == pytest.approx(loss, abs=1e-9)
    assert np.allclose(training["outputs"], out, rtol=0, atol=1e-9)


def test_error_after_one_step_is_the_algorithm_as_stated(json_report):
    # The post's 0.291027924 reuses the already-updated output weights for the hidden deltas.
    assert json_report["loss_after_step"] == pytest.approx(0.291027774, abs=5e-10)


def test_training_differs_from_the_posts_figures(json_report):
    training = json_report["training"]
    assert training["loss"] == pytest.approx(3.5101878e-05, rel=1e-7)
    assert abs(training["loss"] - 0.0000351085) > 1e-9
    assert abs(training["outputs"][0][0] - 0.015912196) > 1e-6


# Every figure the post prints for the first step, as the post prints it.
SEED_FIGURES = [
    # forward pass
    "0.3775", "0.593269992", "0.596884378", "1.105905967", "0.75136507", "0.772928465",
    # errors
    "0.274811083", "0.023560026", "0.298371109",
    # the w5 chain
    "0.74136507", "0.186815602", "0.593269992", "0.082167041",
    # the w1 chain: paths, sum, factors, product
    "0.138498562", "0.055399425", "0.036350306", "0.241300709", "0.05", "0.000438568",
    # updated weights
    "0.35891648", "0.408666186", "0.511301270", "0.561370121",
    "0.149780716", "0.19956143", "0.24975114", "0.29950229",
]
# The post's dE_o2/dout_h1 = -0.019049119 is off by a rounding slip: delta_o2 * w7 is
# -0.0380982365 * 0.5 = -0.01904911825, which rounds to -0.019049118.
SEED_SLIPS = {"-0.019049119": "-0.0190491183"}


def _numbers(text: str) -> list[Decimal]:
    return [Decimal(n) for n in re.findall(r"-?\d+\.\d+(?:e-?\d+)?", text)]


def _significant(value: Decimal, digits: int) -> Decimal:
    return Decimal(f"{value:.{digits}g}") if value else value


def _digits(figure: str) -> int:
    return len(figure.lstrip("-").replace(".", "").lstrip("0"))


@pytest.mark.parametrize("figure", SEED_FIGURES)
def test_report_prints_seed_figure_to_at_least_8_significant_digits(markdown_report, figure):
    digits = min(_digits(figure), 9)
    target = _significant(Decimal(figure), digits)
    printed = _numbers(markdown_report)
    assert any(_significant(n, digits) == target and (_digits(str(n)) >= min(8, _digits(figure)))
               for n in printed), figure


@pytest.mark.parametrize("slip,correct", list(SEED_SLIPS.items()))
def test_report_corrects_the_seeds_rounding_slip(markdown_report, slip, correct):
    assert correct in markdown_report
    assert slip not in markdown_report


def test_report_prints_the_corrected_error_after_one_step(markdown_report):
    assert "E_{total}^{+} = 0.291027774" in markdown_report
    assert "0.291027924" not in markdown_report
    assert "0.0000351085" not in markdown_report and "3.51085" not in markdown_report
    assert "0.015912196" not in markdown_report


def test_report_follows_the_posts_order(markdown_report):
    headings = re.findall(r"^#+ (.*)$", markdown_report, flags=re.M)
    assert headings[1:] == ["The network", "Notation", "The forward pass", "Hidden layer 1", "Output layer",
                            "The total error", "The backward pass", "Output layer", "The delta rule",
                            "Hidden layer 1", "The delta rule", "Updating the weights",
                            "The error after one step", "Training"]
