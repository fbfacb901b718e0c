"""Issue 11, points 4 and 6: a post's own names bound by what it says of them, and figures that
carry the post's own rounding, or its own earlier error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import derive
from derive.cli import main
from derive.verify import Checker, verify_text


@pytest.fixture(scope="module")
def mazur():
    return Checker(derive.derive(derive.load("mazur")))


OWN_NAMES = r"""Forward pass, in my own names.

$$z_1 = w_1 i_1 + w_2 i_2 + b_1 = 0.15 \cdot 0.05 + 0.2 \cdot 0.1 + 0.35 = 0.3775$$

$$s_1 = \sigma(z_3) = 0.7514$$

$$z_3 = w_5 h_1 + w_6 h_2 + b_2 = 1.1059$$

$$h_1 = \sigma(z_1) = 0.5933$$

$$s_1 = 0.7614$$
"""


def test_names_are_bound_by_value_and_definition_and_reported(mazur):
    report = verify_text(mazur, OWN_NAMES, "post.md")
    bound = {b.written: b.meant for b in report.bindings}
    assert bound["z_1"] == "net_{h1}" and bound["s_1"] == "out_{o1}" and bound["h_1"] == "out_{h1}"
    assert "read s_1 as out_{o1}, by its" in next(b for b in report.bindings if b.written == "s_1").sentence()
    verdicts = {c.line: c.verdict for c in report.claims}
    assert verdicts[3] == "ok" and verdicts[11] == "wrong"        # a wrong figure of a bound name is still caught


def test_a_tie_binds_nothing():
    # two units with the same value: 0.5 could be either output; nothing is bound, nothing refuted
    spec = derive.from_dict({"input": {"values": [[1.0]]}, "target": {"values": [[0.2, 0.2]]},
                             "layers": [{"units": 2, "activation": "sigmoid", "weights": [[0.0], [0.0]],
                                         "bias": [0.0, 0.0]}],
                             "loss": {"function": "half_sse"}, "training": {"learning_rate": 0.1}})
    report = verify_text(Checker(derive.derive(spec)), "$$q_1 = 0.5$$\n", "post.md")
    assert report.bindings == () and [c.verdict for c in report.claims] == ["unchecked"]


def test_a_figure_that_follows_from_the_posts_rounded_figures_is_right():
    # smaxx73's course notes (tests/posts/real): sigma' = 0.6028 x 0.3972 = 0.2395 (exactly 0.23943),
    # then delta = -0.7944 x 0.2395 = -0.1903 (exactly -0.19020): right, from the post's own figures
    folder = Path(__file__).parent / "posts" / "real" / "smaxx73_course_backprop_221"
    checker = Checker(derive.derive(derive.load(folder / "spec.toml")))
    report = verify_text(checker, (folder / "post.md").read_text(encoding="utf-8"), "post.md")
    delta = next(c for c in report.claims if c.line == 63)      # the line of the formula, below its $$
    assert delta.verdict == "ok" and delta.rounded_from == 60


CARRIED = r"""$$out_{h1} = 0.6933$$

$$net_{o1} = 0.4 \cdot 0.6933 + 0.45 \cdot 0.596884378 + 0.6 = 1.14590$$

$$net_{o1} = 1.2059$$
"""


def test_a_figure_right_given_an_earlier_wrong_one_carries_its_error(mazur, tmp_path, capsys):
    report = verify_text(mazur, CARRIED, "post.md")
    first, carried, primary = report.claims
    assert first.verdict == "wrong" and first.carries is None
    assert carried.verdict == "wrong" and carried.carries == 1 and "carries the error from line 1" in carried.reason
    assert primary.verdict == "wrong" and primary.carries is None
    assert report.primary == 2
    post = tmp_path / "post.md"
    post.write_text(CARRIED)
    assert main(["verify", "mazur", str(post), "--json"]) == 1
    claims = json.loads(capsys.readouterr().out)["claims"]
    assert claims[1]["carries"] == 1 and claims[1]["verdict"] == "wrong" and "carries" not in claims[0]


SYMBOLIC = """```
h1 = w1 * i1 + w2 * i2
out_h1 = σ(h1)
o1 = w5 * out_h1 + w6 * out_h2
o1 = w7 * out_h1 + w8 * out_h2
out_o1 = σ(o1)
E1 = ½ * (t1 - out_o1)2
```
"""


@pytest.fixture(scope="module")
def symbolic():
    """A 2-2-2 network without numbers and without biases, its units named as a post names them."""
    spec = derive.from_dict({"input": {"names": ["i1", "i2"]},
                             "layers": [{"units": 2, "activation": "sigmoid", "names": ["h1", "h2"], "bias": False},
                                        {"units": 2, "activation": "sigmoid", "names": ["o1", "o2"], "bias": False}],
                             "loss": {"function": "half_sse", "reduction": "sum"}})
    return Checker(derive.derive(spec))


def test_a_spec_without_numbers_binds_names_by_their_definitions(symbolic):
    report = verify_text(symbolic, SYMBOLIC, "post.md")
    bound = {b.written: b.meant for b in report.bindings}
    assert bound["h_1"] == "net_{h1}" and bound["E_1"] == "E_{o1}"
    verdicts = {c.line: c.verdict for c in report.claims}
    # o1 is defined twice; it means what it meant first, and the second definition is the post's slip
    assert bound["o_1"] == "net_{o1}" and verdicts[4] == "ok" and verdicts[5] == "wrong"
    assert verdicts[2] == verdicts[3] == verdicts[6] == verdicts[7] == "ok"     # t1 is the first target


def test_a_subscript_in_another_case_names_the_same_unit():
    spec = derive.load("mazur")
    checker = Checker(derive.derive(spec))
    report = verify_text(checker, "$$E_{O1} = 0.274811083$$\n\n$$out_{H1} = 0.5$$\n", "post.md")
    assert [c.verdict for c in report.claims] == ["ok", "wrong"]
