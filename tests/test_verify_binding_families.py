"""Names a post binds by families of evidence (binding.py, substitution.py, numbering.py): a name only
ever filled with figures, a product whose factors the post writes in another order, and the negative
cases, where the evidence does not separate two quantities and the name stays unbound."""

from __future__ import annotations

from pathlib import Path

import pytest

import derive
from derive.verify import Checker, verify_text

REAL = Path(__file__).parent / "posts" / "real"


def checker_for(post: str) -> Checker:
    return Checker(derive.derive(derive.load(REAL / post / "spec.toml")))


@pytest.fixture(scope="module")
def ninjakx():
    return checker_for("ninjakx_codecogs_solver")


def report(checker, *displays: str):
    return verify_text(checker, "".join(f"$${d}$$\n\n" for d in displays), "post.md")


def verdicts(found) -> list[str]:
    return [c.verdict for c in found.claims]


def bound(found) -> dict[str, str]:
    return {b.written: b.meant for b in found.bindings}


# a name that heads no claim, filled with one quantity's figure, is bound for the whole post

FILLED = r"\frac{\partial net_{H21}}{\partial w_{9}} = H_{11} = 0.802184"


def test_a_name_only_filled_with_figures_is_bound_for_the_post(ninjakx):
    found = report(ninjakx, FILLED, r"net_{H21} = w_{9} H_{11} + w_{10} out_{H12}")
    assert bound(found)["H_11"] == "out_{H11}"
    assert "by the figures put in its place (line 1)" in next(b for b in found.bindings
                                                              if b.written == "H_11").sentence()
    assert verdicts(found) == ["ok", "ok"]
    # the bound name still catches a wrong sum
    assert verdicts(report(ninjakx, FILLED, r"net_{H21} = w_{10} H_{11} + w_{9} out_{H12}"))[1] == "wrong"


def test_the_weight_beside_a_filled_name_is_bound_by_its_place_in_the_sum(ninjakx):
    # ninjakx: w_{H21.H11} multiplies H_{11} in net_{H21}'s sum once H_{11} is known
    found = report(ninjakx, FILLED, r"net_{H21} = w_{H21.H11} H_{11} + w_{10} out_{H12}",
                   r"\frac{\partial net_{H21}}{\partial w_{H21.H11}} = out_{H11}")
    assert bound(found)["w_H21.H11"] == "w_{9}"
    assert verdicts(found) == ["ok", "ok", "ok"]


def test_a_name_filled_with_two_quantities_figures_stays_unbound(ninjakx):
    # 0.802184 is out_{H11}, 0.80998 is out_{H12}: a different unit on each line, or a slip
    found = report(ninjakx, FILLED, r"\frac{\partial net_{H21}}{\partial w_{10}} = H_{11} = 0.80998",
                   r"net_{H21} = w_{9} H_{11} + w_{10} out_{H12}")
    assert "H_11" not in bound(found) and verdicts(found)[-1] == "unchecked"


def test_a_figure_two_quantities_share_binds_nothing():
    # adilce009: x = 1, so w_1, net_h and y are all 0.5
    checker = checker_for("adilce009_toy_examples_sigmoid")
    found = report(checker, r"\frac{\partial q}{\partial r} = u_{1} = 0.5", r"q = u_{1} + 1")
    assert "u_1" not in bound(found)


def test_a_bare_word_filled_with_figures_is_read_in_that_claim_only():
    # nathansamsel: "output" is the final unit's value on one line, a hidden unit's on another
    checker = checker_for("nathansamsel_simple_backprop")
    found = report(checker, r"\delta = (target - output) * (1 - output) * output = (0.5 - 0.69) * (1 - 0.69) * 0.69",
                   r"\frac{\partial output}{\partial net} = output (1 - output)")
    assert "output" not in bound(found)


def test_a_name_written_with_figures_that_do_not_pair_up_stays_unbound(ninjakx):
    # the second claim writes figures for a formula with H_{11}, in a shape that names none of them
    found = report(ninjakx, FILLED, r"r = H_{11} (1 - H_{11}) = 0.5 + 0.3",
                   r"net_{H21} = w_{9} H_{11} + w_{10} out_{H12}")
    assert "H_11" not in bound(found)


# a figure several quantities share is told apart by the name's place as an activation's argument

@pytest.fixture(scope="module")
def adil():
    return checker_for("adilce009_toy_examples_sigmoid")      # x = 1: w_1, net_h and y are all 0.5


def test_a_tied_figure_is_told_apart_by_the_activation_the_name_goes_into(adil):
    found = report(adil, r"z_1 = 0.5", r"\sigma'(z_1) = \sigma(z_1)(1-\sigma(z_1)) \approx 0.235")
    assert bound(found)["z_1"] == "net_{h}"
    assert "its place as an activation's argument" in found.bindings[0].sentence()
    assert verdicts(found) == ["ok", "ok"]
    assert verdicts(report(adil, r"z_1 = 0.5", r"\sigma'(z_1) = \sigma(z_1)(1-\sigma(z_1)) \approx 0.335"))[1] == "wrong"


def test_a_tied_figure_without_more_evidence_binds_nothing(adil):
    found = report(adil, r"z_1 = 0.5", r"q = z_1 + 1")
    assert "z_1" not in bound(found) and verdicts(found) == ["unchecked", "unchecked"]


def test_an_activation_the_network_does_not_use_tells_nothing(adil):
    # tanh: no unit of the network has it, so no net input is left
    found = report(adil, r"z_1 = 0.5", r"\tanh(z_1) = 0.46")
    assert "z_1" not in bound(found)


def test_two_units_with_the_activation_and_the_figure_stay_a_tie():
    spec = derive.from_dict({"input": {"values": [[1.0]]}, "target": {"values": [[0.2, 0.2]]},
                             "layers": [{"units": 2, "activation": "sigmoid", "weights": [[0.3], [0.3]],
                                         "bias": [0.0, 0.0]}],
                             "loss": {"function": "half_sse"}, "training": {"learning_rate": 0.1}})
    found = report(Checker(derive.derive(spec)), r"q_1 = 0.3", r"\sigma(q_1) = 0.574")
    assert "q_1" not in bound(found)
