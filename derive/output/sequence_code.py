"""How a sequence network's layers are written in its generated module (output/tensor_code.py):
the embedding, a dense layer at every position and the sequence cross-entropy; a recurrent layer's
loops are output/recurrent_code.py's."""

from __future__ import annotations

from .tensor_code_rows import Line, Site, d

RECURRENT_STEPS = ("time_step", "stack", "gate", "lstm_cell", "lstm_out", "gru_new", "gru_mix")   # one loop replaces them


def embedding_forward(s: Site) -> list[Line]:
    table = s.parameter("E")
    return [Line(f"{s.out} = {table.name}[{s.x}]", "each token's row")]


def embedding_backward(s: Site) -> list[Line]:
    table = s.parameter("E")
    return [Line(f"d{table.name} = numpy.zeros_like({table.name})"),
            Line(f"numpy.add.at(d{table.name}, {s.x}, {d(s.out)})", "a repeated token gathers every term"),
            s.grad(table, f"d{table.name}")]


def linear_forward(s: Site) -> list[Line]:
    w, b = s.parameter("W"), s.parameter("b")
    return [Line(f"{s.out} = {s.x} @ {w.name}.T" + (f" + {b.name}" if b else ""), "at every position")]


def linear_backward(s: Site) -> list[Line]:
    w, b = s.parameter("W"), s.parameter("b")
    lines = [s.grad(w, f"numpy.tensordot({d(s.out)}, {s.x}, axes=((0, 1), (0, 1)))", "over samples and positions")]
    if b:
        lines.append(s.grad(b, f"{d(s.out)}.sum(axis=(0, 1))"))
    if s.into:
        lines.append(Line(f"{d(s.x)} = {d(s.out)} @ {w.name}"))
    return lines


def linear_describe(s: Site) -> str:
    return f"dense at every position, {s.parameter('W').shape[0]} units"


# -- the sequence cross-entropy ----------------------------------------------------------------------------
def sequence_errors(s: Site) -> list[Line]:
    z, y = (n.name for n in s.application.inputs)
    return [Line(f"errors = -numpy.take_along_axis(log_softmax({z}, 2), {y}[..., None], axis=2)[..., 0].mean(axis=1)",
                 "each sample's mean over its positions of -log p(target)")]


def sequence_seed(s: Site) -> list[Line]:
    z, y = (n.name for n in s.application.inputs)
    return [Line(f"{d(z)} = softmax({z}, 2)"),
            Line(f"numpy.put_along_axis({d(z)}, {y}[..., None], numpy.take_along_axis({d(z)}, {y}[..., None], "
                 "axis=2) - 1, axis=2)", "softmax - onehot(Y)"),
            Line(f"{d(z)} /= {z}.shape[1]", "the mean over positions")]
