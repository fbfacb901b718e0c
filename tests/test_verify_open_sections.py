"""verify on parts of a post that are about another layer than the spec's, or that read only in part: a section
worked at unit stride before the strided layer, a size written with a layer's label (H^l, the input's or the
output's), a letter a post uses both as a sum's count and for a quantity it defines, a power inside an index,
attention without its 1/√d_k, and a derivative chain on one line with a member that does not read."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import derive
from derive.verify import Checker, verify_text

from test_verify_worked_examples import BATCH_NORM

POSTS = Path(__file__).parent / "posts"
LSTM = POSTS / "sequence_blind_rnn3" / "datvodinh10_lstm_formula_cell" / "spec.toml"

CONV = """
[input]
shape = [1, {size}, {size}]
values = {values}

[[layers]]
type = "conv2d"
out_channels = 1
kernel = 3
stride = {stride}

[[layers]]
type = "flatten"

[init]
seed = {seed}

[target]
values = [[{target}]]

[loss]
function = "half_sse"
reduction = "sum"

[training]
learning_rate = 0.1
"""

ATTENTION = """
[input]
shape = [5, 3]
values = [[[0.5, -1.0, 0.25], [1.5, 0.0, -0.5], [-0.75, 0.5, 1.0], [0.2, 0.8, -1.2], [-0.3, 0.1, 0.6]]]

[[layers]]
type = "attention"
heads = 1
causal = false
query_weights = [[0.6, -0.2, 0.1], [0.3, 0.8, -0.4], [-0.5, 0.2, 0.7]]
key_weights = [[0.4, 0.1, -0.3], [-0.6, 0.5, 0.2], [0.2, -0.1, 0.9]]
value_weights = [[1.0, 0.2, -0.1], [0.0, 0.7, 0.3], [-0.4, 0.1, 0.5]]

[[layers]]
type = "dense"
units = 3
activation = "softmax"
weights = [[0.3, -0.2, 0.5], [-0.4, 0.6, 0.1], [0.2, 0.3, -0.7]]

[target]
tokens = [[2, 0, 1, 1, 0]]

[loss]
function = "cross_entropy"

[training]
learning_rate = 0.1
"""


def _checker(path: Path, text: str) -> Checker:
    path.write_text(text)
    return Checker(derive.derive(derive.load(path)))


def _conv(path: Path, stride: int, seed: int = 5) -> Checker:
    size = 3 + 2 * stride                      # three outputs along each axis
    values = [[[[round(((r * 7 + c * 3 + seed) % 11) / 5 - 1, 2) for c in range(size)] for r in range(size)]]]
    return _checker(path, CONV.format(size=size, values=values, stride=stride, seed=seed,
                                      target=", ".join(["0.1"] * 9)))


def _verdicts(checker: Checker, post: str) -> dict[int, tuple[str, str]]:
    return {c.line: (c.verdict, c.reason or "") for c in verify_text(checker, post, "post.md").claims}


UNIT_FIRST = r"""With unit stride, the output is
$$z_{h,w} = \sum_{i=0}^{2}\sum_{j=0}^{2} x_{h+i,w+j} k_{i,j} + b$$

With stride $S$, it is
$$z_{h,w} = \sum_{i=0}^{2}\sum_{j=0}^{2} x_{hS+i,wS+j} k_{i,j} + b$$

$$z_{h,w} = \sum_{i=0}^{2}\sum_{j=0}^{2} x_{h+i,w+j} k_{i,j} + b$$
"""


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stride=st.integers(2, 3), seed=st.integers(0, 20),
       opening=st.sampled_from(["With unit stride, the output is", "Assuming stride 1 for a while, the output is",
                                "For a stride of 1 the output is", "Suppose $F=3$ and $S=1$; the output is"]))
def test_a_part_worked_at_unit_stride_is_not_checked_against_a_strided_layer(tmp_path, stride, seed, opening):
    checker = _conv(tmp_path / "spec.toml", stride, seed)
    verdicts = _verdicts(checker, UNIT_FIRST.replace("With unit stride, the output is", opening))
    assert verdicts[2][0] == "unchecked" and f"unit stride; the layer's stride is {stride}" in verdicts[2][1]
    assert verdicts[5][0] == "ok"
    assert verdicts[7][0] == "wrong"               # after the post turns to stride S, unit stride is a slip again


def test_without_the_words_a_unit_stride_formula_is_wrong_and_at_stride_one_right(tmp_path):
    plain = UNIT_FIRST.replace("With unit stride, the output is", "The output is")
    assert _verdicts(_conv(tmp_path / "spec.toml", 2), plain)[2][0] == "wrong"
    assert _verdicts(_conv(tmp_path / "spec.toml", 1), UNIT_FIRST)[2][0] == "ok"


def test_a_size_with_a_layers_label_is_not_read_as_the_inputs(tmp_path):
    checker = _conv(tmp_path / "spec.toml", 2)
    post = "\n\n".join([
        r"$$\frac{\partial L}{\partial k_{i,j}} = \sum_{h=0}^{H^l-1}\sum_{w=0}^{W^l-1} \frac{\partial L}"
        r"{\partial z_{h,w}} x_{hS+i,wS+j}$$",
        r"$$\frac{\partial L}{\partial k_{i,j}} = \sum_{h=0}^{H^l-1}\sum_{w=0}^{W^l-1} \frac{\partial L}"
        r"{\partial z_{h,w}} x_{hS+i,hS+j}$$",
        r"$$\frac{\partial L}{\partial k_{i,j}} = \sum_{h=0}^{H-1}\sum_{w=0}^{W-1} \frac{\partial L}"
        r"{\partial z_{h,w}} x_{hS+i,wS+j}$$"])
    verdicts = _verdicts(checker, post)
    assert verdicts[1][0] == "ok"                  # H^l: the output's height here, the sum over the axis it indexes
    assert verdicts[3][0] == "wrong" and "the two sides differ" in verdicts[3][1]     # hS for wS: still a slip
    assert verdicts[5][0] == "wrong" and "has 7 terms" in verdicts[5][1]       # H alone: the input's height


def test_a_letter_both_counted_and_defined_is_read_as_neither(tmp_path):
    checker = _checker(tmp_path / "spec.toml", BATCH_NORM)
    both = (r"$$\mu = \frac{1}{m}\sum_{i=1}^m x_i$$" "\n\n" r"$$m = \frac{1}{n}\sum_{i = 1}^n x_i$$" "\n\n"
            r"$$\overline{x_i} = x_i - m$$")
    verdicts = _verdicts(checker, both)
    assert verdicts[5] == ("unchecked", "m: the post writes it for a sum's count and for a quantity it defines")
    counted = r"$$\mu = \frac{1}{m}\sum_{i=1}^m x_i$$" "\n\n" r"$$\hat{x}_i = \frac{x_i - \mu}{\sqrt{\sigma^2 + m}}$$"
    assert _verdicts(checker, counted)[1][0] == "ok"          # a count alone stays the count


def test_a_power_inside_an_index_is_no_index(tmp_path):
    checker = _checker(tmp_path / "spec.toml", BATCH_NORM)
    verdicts = _verdicts(checker, r"$$\delta_{x^2} \overline{x} = 2 \delta x^2 \odot \overline{x}$$")
    assert verdicts[1][0] == "unchecked"


def test_attention_without_its_scale_is_another_network(tmp_path):
    checker = _checker(tmp_path / "spec.toml", ATTENTION)
    unscaled = r"$$S = QK^T, \quad P = \mathrm{softmax}(S), \quad O = PV$$" "\n\n" r"$$dV = P dO$$"
    claims = verify_text(checker, unscaled, "post.md").claims
    assert [c.verdict for c in claims] == ["ok", "unchecked", "ok", "unchecked"]
    assert "without the scale 1/√d_k" in claims[1].reason
    scaled = unscaled.replace("S = QK^T", r"S = \frac{QK^T}{\sqrt{d_k}}")
    assert [c.verdict for c in verify_text(checker, scaled, "post.md").claims] == ["ok", "ok", "ok", "wrong"]


GATES = {"f": "f_t (1-f_t)", "i": "i_t (1-i_t)", "o": "o_t (1-o_t)"}


@settings(max_examples=6, deadline=None)
@given(gate=st.sampled_from(sorted(GATES)), written=st.sampled_from(sorted(GATES)))
def test_a_chain_with_a_member_that_does_not_read_is_judged_by_those_that_do(gate, written):
    checker = Checker(derive.derive(derive.load(LSTM)))
    line = (rf"$$\frac{{\partial L}}{{\partial W_{gate}}} = \frac{{\partial L}}{{\partial {gate}_t}} "
            rf"\frac{{\partial {gate}_t}}{{\partial \theta_{gate}}} = \frac{{\partial L}}{{\partial {written}_t}} "
            rf"{GATES[written]} [h_{{t-1}}, x_t]^T$$")
    (claim,) = verify_text(checker, line, "post.md").claims
    if written == gate:             # the middle, a gate by a name the network has not, does not read: not vouched for
        assert claim.verdict == "unchecked"
    else:
        assert claim.verdict == "wrong" and "its members 1 and 3 differ" in claim.reason


def test_a_chain_of_figures_or_of_forward_names_is_not_judged_across_an_unread_member(tmp_path):
    checker = Checker(derive.derive(derive.load(LSTM)))
    figures = (r"$$\frac{\partial L}{\partial W_f} = \frac{\partial L}{\partial f_t} \frac{\partial f_t}"
               r"{\partial W_f} = 0.25$$")
    assert [c.verdict for c in verify_text(checker, figures, "post.md").claims] == ["unchecked"]
    forward = r"$$h_t = q_t = o_t \odot \tanh(f_t)$$"      # h_t against o_t tanh(f_t): a forward line, the post's
    assert [c.verdict for c in verify_text(checker, forward, "post.md").claims] == ["unchecked"]


def test_a_typed_chain_with_an_unread_member(tmp_path):
    checker = _checker(tmp_path / "spec.toml", BATCH_NORM)
    line = (r"$$\frac{\partial L}{\partial \beta_j} = \frac{\partial L}{\partial y}\star\frac{\partial y}"
            r"{\partial \beta} = \sum_i \frac{\partial L}{\partial y_{ij}} FACTOR$$")
    right = verify_text(checker, line.replace("FACTOR", ""), "post.md").claims
    slipped = verify_text(checker, line.replace("FACTOR", r"\hat{x}_{ij}"), "post.md").claims
    assert [c.verdict for c in right] != ["wrong"]
    assert [c.verdict for c in slipped] == ["wrong"] and "members 1 and 3 differ" in slipped[0].reason


# found in review: what the day's rules must not do

GLUED = (r"$$\frac{\partial L}{\partial W_{hh}} = ((1-h_t^2)\odot dh_t) h_{t-1}^T SPACE \frac{\partial L}{\partial b_h} = "
         r"(1-h_t^2)\odot dh_t$$")


@pytest.mark.parametrize("space", [r"\:", r"\,", r"\;\;", r"\,\,", "~~", r"\hspace{1cm}", r"\enspace", r"\ \ ",
                                   r"\phantom{x}", r"\qquad"])
def test_two_equations_glued_by_a_space_are_never_one_wrong_chain(space):
    from test_sequence_verify_fuzz import _cell_spec
    checker = Checker(derive.derive(_cell_spec("rnn", 4, 2, 3, 5)))
    verdicts = [c.verdict for c in verify_text(checker, GLUED.replace("SPACE", space), "post.md").claims]
    assert "wrong" not in verdicts, verdicts
    if space not in (r"\:", r"\,"):                      # a wide space parts them: each equation is read
        assert verdicts == ["ok", "ok"], verdicts


def test_an_unread_chain_member_is_not_judged_after_the_time_is_spent(tmp_path):
    checker = _checker(tmp_path / "spec.toml", BATCH_NORM)
    line = (r"$$\frac{\partial L}{\partial \beta_j} = \frac{\partial L}{\partial y}\star\frac{\partial y}"
            r"{\partial \beta} = \sum_i \frac{\partial L}{\partial y_{ij}} \hat{x}_{ij}$$")
    (claim,) = verify_text(checker, line, "post.md", seconds=0).claims
    assert claim.verdict == "unchecked" and "were spent" in claim.reason


@pytest.mark.parametrize("closing", ["Stride 2 now.", "Now the stride is 2.", "With a non-unit stride:"])
def test_the_strided_part_opens_however_the_post_says_so(tmp_path, closing):
    checker = _conv(tmp_path / "spec.toml", 2)
    post = UNIT_FIRST.replace("With stride $S$, it is", closing)
    assert _verdicts(checker, post)[7][0] == "wrong"


def test_stride_one_in_code_opens_no_unit_stride_part(tmp_path):
    checker = _conv(tmp_path / "spec.toml", 2)
    post = UNIT_FIRST.replace("With unit stride, the output is", "The layer is not `nn.Conv2d(1, 1, 3, stride=1)`:")
    assert _verdicts(checker, post)[2][0] == "wrong"


def test_a_count_renamed_by_a_bare_letter_keeps_its_meaning(tmp_path):
    checker = _checker(tmp_path / "spec.toml", BATCH_NORM)
    post = (r"$$m = N$$" "\n\n" r"$$\mu = \frac{1}{m}\sum_{i=1}^m x_i$$" "\n\n"
            r"$$\sigma^2 = \frac{1}{m}\sum_{i=1}^m (x_i - \mu)$$")
    assert _verdicts(checker, post)[5][0] == "wrong"                    # the square left out


def test_in_an_unscaled_attention_post_the_projections_are_still_judged(tmp_path):
    checker = _checker(tmp_path / "spec.toml", ATTENTION)
    post = r"$$S = QK^T, \quad P = \mathrm{softmax}(S)$$" "\n\n" r"$$Q = X W_k$$" "\n\n" r"$$Q = X W_q$$"
    verdicts = [c.verdict for c in verify_text(checker, post, "post.md").claims]
    assert verdicts[-2:] == ["wrong", "ok"], verdicts
    scalar = post + "\n\nThe loss is a scalar.\n"                          # "scalar" is no scale
    assert [c.verdict for c in verify_text(checker, scalar, "post.md").claims][1] == "unchecked"


LENET = POSTS / "conv_blind10" / "zxrobot_lenet_conv_backprop_zh" / "spec.toml"
LABELLED = "\n\n".join([r"$$\delta^{l+1}=\frac{\partial C}{\partial z^{l+1}}, a^l=\sigma(z^l)$$",
                        r"$$z^{l+1}=a^{l}*W^{l+1}+b$$",
                        r"$$\frac{\partial C}{\partial W^{l+1}_{11}}=a_{11}\delta_{11}+a_{12}\delta_{12}"
                        r"+a_{21}\delta_{21}+a_{22}\delta_{22}$$",
                        r"$$\frac{\partial C}{\partial W^{l+1}_{21}}=a_{21}\delta_{11}+a_{22}\delta_{12}"
                        r"+a_{31}\delta_{21}+a_{33}\delta_{22}$$",
                        r"$$\frac{\partial C}{\partial W^{l}_{11}}=a_{11}\delta_{11}$$"])


def test_a_letter_under_two_layers_labels_is_the_layers_where_its_forward_equation_holds():
    """W^l and W^{l+1}, a^l and a^{l+1}: z^{l+1} = a^l * W^{l+1} + b holds with W^{l+1} the kernel and a^l
    the input, so those labels are the layer's; W^l stays another layer's."""
    verdicts = _verdicts(Checker(derive.derive(derive.load(LENET))), LABELLED)
    assert verdicts[3][0] == "ok" and verdicts[5][0] == "ok"
    assert verdicts[7][0] == "wrong"                                 # a_{33} where a_{32} belongs
    assert verdicts[9][0] == "unchecked" and "layers" in verdicts[9][1]
    without = LABELLED.replace(r"$$z^{l+1}=a^{l}*W^{l+1}+b$$", "")     # no forward equation: no label is the layer's
    assert all(verdict == "unchecked" for verdict, _ in _verdicts(Checker(derive.derive(derive.load(LENET))),
                                                                  without).values() if "W^" in _)
