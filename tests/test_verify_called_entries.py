"""A conv post may write an entry as a call, Y(i, j, k_in), as Goodfellow et al. write a convolution, with primed
index letters (i^{'}) and the channel after the position: verify reads the entry, the post's channel order (a letter
marked in or out written last), and each entry's side by its channel's letter, so that one letter for two layers'
maps (Y(i, j, k) = f(Z(i, j, k)) beside Y(i, j, k_in)) is read entry by entry (conv_blind21, a notebook: 0 of 11 at
first sight, 5 of 11 and no false alarm once read). f(…) is the post's function, not a filter's size times."""

from __future__ import annotations

import pytest

import derive
from derive.verify import Checker, verify_text
from derive.verify.see_through import see_through

SPEC = """
title = "a two-channel convolution"
[input]
shape = [2, 5, 5]
values = [[[[0.4, -0.7, 0.2, 0.9, -0.1], [1.1, 0.3, -0.5, 0.6, 0.8], [-0.3, 0.6, 0.7, -0.9, 0.1],
            [0.5, -0.2, 0.3, 0.2, -0.6], [0.0, 0.8, -0.4, 0.5, 0.7]],
           [[-0.5, 0.2, 0.8, -0.1, 0.4], [0.7, -0.4, 0.1, 0.5, -0.8], [0.3, 0.9, -0.6, 0.0, 0.6],
            [-0.2, 0.4, 0.5, -0.3, 0.2], [0.6, -0.9, 0.2, 0.7, -0.1]]]]
[[layers]]
type = "conv2d"
out_channels = 2
kernel = 3
activation = "relu"
[[layers]]
type = "flatten"
[[layers]]
type = "dense"
units = 3
activation = "softmax"
[target]
values = [[0.0, 1.0, 0.0]]
[loss]
function = "cross_entropy"
[training]
learning_rate = 0.1
[init]
seed = 5
"""


@pytest.fixture(scope="module")
def conv():
    return Checker(derive.derive(derive.load_text(SPEC)))


def _verdicts(checker, text: str) -> list[str]:
    return [c.verdict for c in verify_text(checker, text, "post.md").claims]


@pytest.mark.parametrize("written, read", [
    (r"Z(i^{'}, j^{'}, k)", r"Z_{i', j', k}"),
    (r"Y(i\times s_h + i^{\prime}, j, k_{in})", r"Y_{i\times s_h + i', j, k_{in}}"),
    (r"S(i,j) = \sum_m \sum_n I(m, n) K(i-m, j-n)", r"S_{i,j} = \sum_m \sum_n I_{m, n} K_{i-m, j-n}"),
    (r"f(x, y)", r"f(x, y)"),                 # a lowercase function's call stays a call
    (r"F(x, y)", r"F(x, y)"),                 # x, y are no index letters
    (r"W(1, 2)", r"W_{1, 2}"),
])
def test_an_entry_written_as_a_call_is_the_entry(written, read):
    assert see_through(written) == read


def test_channel_last_entries_by_their_channel_letters(conv):
    text = "\n\n".join([
        r"$Y(i, j, k) = f(Z(i, j, k))$",      # the next layer's map under the input's letter: not read
        r"$$\frac{\partial Z(i^{'}, j^{'}, k)}{\partial Y(i, j, k_{in})} = W(i - i^{'}, j - j^{'}, k_{in}, k)$$",
        r"$$\frac{\partial Z(i^{'}, j^{'}, k)}{\partial Y(i, j, k_{in})} = W(i^{'} - i, j^{'} - j, k_{in}, k)$$",
        r"$$\frac{\partial Z(i, j, k)}{\partial W(a, b, k_{in}, k)} = Y(i + a, j + b, k_{in})$$",
        r"$$\frac{\partial Z(i, j, k)}{\partial W(a, b, k_{in}, k)} = Y(i + b, j + a, k_{in})$$",
        r"$$\frac{\partial Z(i, j, k)}{\partial W(a, b, k_{in}, k)} = Y(i + a, j + b, k)$$",   # the activation's Y
    ])
    assert _verdicts(conv, text) == ["unchecked", "ok", "wrong", "ok", "wrong", "unchecked"]


def test_channel_first_entries_are_read_as_before(conv):
    text = "\n\n".join([
        r"$$\frac{\partial z_{c,i,j}}{\partial w_{c,d,a,b}} = x_{d,i+a,j+b}$$",
        r"$$\frac{\partial z_{c,i,j}}{\partial w_{c,d,a,b}} = x_{d,i+b,j+a}$$",
    ])
    assert _verdicts(conv, text) == ["ok", "wrong"]


def test_what_the_review_of_channel_order_found(conv):
    """The review of 2026-12-05: one δ_{i,j,c_out} must not turn a channel-first post channel-last; a kernel written
    (row, col, out, in) is read by its marks; a batch-first map marked last, Z(n, i, j, c_out), is channel-last;
    Y = f(Z) names the activation, never the output itself (it passed for ∂L/∂Z = ∂L/∂Y, the relu left out)."""
    channel_first = "\n\n".join([
        r"$$\delta_{i, j, c_{out}} = \frac{\partial L}{\partial z_{c_{out}, i, j}}$$",
        r"$$\frac{\partial L}{\partial w_{c_{out}, c_{in}, a, b}} = \sum_{i, j} \frac{\partial L}{\partial z_{c_{out}, i, j}}"
        r" x_{c_{in}, i+a, j+b}$$",
    ])
    assert _verdicts(conv, channel_first)[-1] == "ok"
    out_first = "\n\n".join([
        r"$$\frac{\partial Z(i, j, c_{out})}{\partial W(a, b, c_{out}, c_{in})} = X(i + a, j + b, c_{in})$$",
        r"$$\frac{\partial Z(i, j, c_{out})}{\partial W(a, b, c_{out}, c_{in})} = X(i + b, j + a, c_{in})$$",
    ])
    assert _verdicts(conv, out_first) == ["ok", "wrong"]
    batch_first = r"$$\frac{\partial L}{\partial b_{c_{out}}} = \sum_n \sum_i \sum_j \frac{\partial L}{\partial Z(n, i, j, c_{out})}$$"
    assert _verdicts(conv, batch_first) == ["ok"]
    activation = "\n\n".join([
        r"$$Y(i, j, k) = f(Z(i, j, k))$$",
        r"$$\frac{\partial L}{\partial Z(i, j, k)} = \frac{\partial L}{\partial Y(i, j, k)}$$",
        r"$$\frac{\partial L}{\partial Z(i, j, k)} = \frac{\partial L}{\partial Y(i, j, k)} f'(Z(i, j, k))$$",
    ])
    assert "ok" not in _verdicts(conv, activation)
