"""verify on a conv's or pool's output size as posts write it: H_out = (H - HH + 2P)/S + 1, ⌊(n + 2p - k)/s⌋ + 1,
C = (W - f + 2P)/S + 1 (whatever the size's letter), the same with the layer's numbers, then the figure. The
oracle for the sizes is PyTorch's own conv2d and max_pool2d."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derive.verify import verify_text
from derive.verify.reader import read
from derive.verify import syntax as s
from helpers import checker_of

torch = pytest.importorskip("torch")


def _conv_spec(height: int, width: int, kernel: int, stride: int, padding: int, pool: bool = False) -> str:
    values = np.round(np.random.default_rng(0).uniform(-1, 1, (1, 1, height, width)), 2).tolist()
    layer = (f'type = "max_pool"\nkernel = {kernel}\nstride = {stride}' if pool else
             f'type = "conv2d"\nout_channels = 1\nkernel = {kernel}\nstride = {stride}\npadding = {padding}')
    pad = 0 if pool else padding
    outputs = ((height + 2 * pad - kernel) // stride + 1) * ((width + 2 * pad - kernel) // stride + 1)
    return (f'title = "sizes"\n[input]\nshape = [1, {height}, {width}]\nvalues = {values}\n\n[[layers]]\n{layer}\n\n'
            f'[[layers]]\ntype = "flatten"\n\n[target]\nvalues = [{[0.0] * outputs}]\n\n[loss]\n'
            'function = "half_sse"\nreduction = "sum"\n\n[training]\nlearning_rate = 0.1\n\n[init]\nseed = 1\n')


def _verdicts(checker, *claims: str) -> list[tuple[str, str]]:
    report = verify_text(checker, "".join(f"$${claim}$$\n\n" for claim in claims), "post.md")
    return [(c.verdict, c.reason) for c in report.claims]


def test_floor_and_ceiling_are_read_as_rounding():
    side = read(r"\left\lfloor \frac{H + 2P - K}{S} \right\rfloor + 1 = \lceil x \rceil")[0].chain.sides
    assert isinstance(side[0].left, s.Rounded) and side[0].left.down
    assert side[1] == s.Rounded(s.Sym("x"), down=False)


def test_a_conv_output_size_along_the_axis_its_names_measure(tmp_path):
    """A 5×7 input, 3×3 kernel, stride 2, padding 1: the output is 3×4. H's formula gives the height, W's
    the width; a formula of neither (n, K) where the two differ does not say which."""
    checker = checker_of(tmp_path, _conv_spec(5, 7, 3, 2, 1))
    found = _verdicts(checker,
                      r"H_{out} = (H - HH + 2P)/S + 1 = (5 - 3 + 2 \times 1)/2 + 1 = 3",
                      r"W_{out} = \frac{W - WW + 2P}{S} + 1 = 4",
                      r"W_{out} = \frac{W - WW}{S} + 1",                      # the padding dropped
                      r"H' = (H + 2P - HH)/S",                               # the + 1 dropped
                      r"C = \frac{W - f + 2P}{S} + 1",                       # C: the output's size here
                      r"\tilde n = \left\lfloor \frac{n + 2P - K}{s} \right\rfloor + 1")
    assert [verdict for verdict, _ in found] == ["ok", "ok", "wrong", "wrong", "ok", "unchecked"], found
    assert "output width is 4; this side gives 3 with W = 7, WW = 3, S = 2" in found[2][1]


def test_a_division_that_is_not_whole_is_rounded_down_as_the_layer_does(tmp_path):
    """A 6×6 input, kernel 3, stride 2, no padding: (6 - 3)/2 + 1 = 2.5, the layer's 2. The formula holds
    (posts write it without the floor); a figure of 2.5 does not."""
    checker = checker_of(tmp_path, _conv_spec(6, 6, 3, 2, 0))
    found = _verdicts(checker, r"H_{out} = (H - K)/S + 1", r"H_{out} = (H - K)/S + 1 = 2.5",
                      r"H_{out} = \lceil (H - K)/S \rceil + 1")
    assert [verdict for verdict, _ in found] == ["ok", "wrong", "wrong"], found
    assert "rounded down" in found[0][1]


def test_a_pools_output_size(tmp_path):
    checker = checker_of(tmp_path, _conv_spec(4, 4, 2, 2, 0, pool=True))
    found = _verdicts(checker, r"H_1 = (H - H_p)/S + 1", r"W_1 = (W - W_p)/S + 1", r"H_2 = H/S + 1")
    # H/S + 1 reads no kernel: no size's formula, but the post naming an expression of its own
    assert [verdict for verdict, _ in found] == ["ok", "ok"], found


def test_an_index_substitution_over_the_same_letters_is_no_size(tmp_path):
    """m' = k - 1 - n reads the kernel's and the input's letters but falls as the input grows: an index's
    substitution, never judged as the output's size."""
    checker = checker_of(tmp_path, _conv_spec(5, 5, 3, 1, 0))
    assert all("output" not in (reason or "") for _, reason in _verdicts(checker, r"m' = k - 1 - n"))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(height=st.integers(3, 9), width=st.integers(3, 9), kernel=st.integers(1, 3), stride=st.integers(1, 3),
       padding=st.integers(0, 1))
def test_the_textbook_formula_is_pytorchs_size(tmp_path_factory, height, width, kernel, stride, padding):
    """⌊(H + 2P - K)/S⌋ + 1 is ok at every shape, and equals PyTorch's; without the padding (where there is
    some), or without the + 1, it is wrong."""
    checker = checker_of(tmp_path_factory.mktemp("spec"), _conv_spec(height, width, kernel, stride, padding))
    torch_height = torch.nn.functional.conv2d(torch.zeros(1, 1, height, width), torch.zeros(1, 1, kernel, kernel),
                                              stride=stride, padding=padding).shape[2]
    found = _verdicts(checker, rf"H_{{out}} = \left\lfloor \frac{{H + 2P - K}}{{S}} \right\rfloor + 1 = {torch_height}",
                      r"H_{out} = \left\lfloor \frac{H - K}{S} \right\rfloor + 1",
                      r"H_{out} = \frac{H + 2P - K}{S}")
    assert found[0][0] == "ok", found
    # without the padding the size is smaller by ⌊2P/S⌋ or so: wrong where that changes the size
    without = (height - kernel) // stride + 1
    assert found[1][0] == ("ok" if without == torch_height else "wrong"), found
    assert found[2][0] == ("ok" if (height + 2 * padding - kernel) // stride == torch_height else "wrong"), found
