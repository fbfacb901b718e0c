"""How a sequence network's layers are written in its generated module (output/tensor_code.py):
the embedding, a dense layer at every position and the sequence cross-entropy; a recurrent layer's
loops are output/recurrent_code.py's."""

from __future__ import annotations

from .tensor_code_rows import Line, Site, d

RECURRENT_STEPS = ("time_step", "stack", "gate", "lstm_cell", "lstm_out", "gru_new", "gru_mix", "gru_reset")   # one loop replaces them


def embedding_forward(s: Site) -> list[Line]:
    table = s.parameter("E")
    return [Line(f"{s.out} = {table.name}[{s.x}]", "each token's row")]


def embedding_backward(s: Site) -> list[Line]:
    table = s.parameter("E")
    return [Line(f"d{table.name} = numpy.zeros_like({table.name})"),
            Line(f"numpy.add.at(d{table.name}, {s.x}, {d(s.out)})", "a repeated token gathers every term"),
            s.grad(table, f"d{table.name}")]


def _linear_parameters(s: Site):
    """W and b, whatever their role's name (a dense layer's W, attention's Wq, a block's Wup)."""
    w, *bias = s.application.inputs[1:]
    return w, (bias[0] if bias else None)


def linear_forward(s: Site) -> list[Line]:
    w, b = _linear_parameters(s)
    return [Line(f"{s.out} = {s.x} @ {w.name}.T" + (f" + {b.name}" if b else ""), "at every position")]


def linear_backward(s: Site) -> list[Line]:
    w, b = _linear_parameters(s)
    lines = [s.grad(w, f"numpy.tensordot({d(s.out)}, {s.x}, axes=((0, 1), (0, 1)))", "over samples and positions")]
    if b:
        lines.append(s.grad(b, f"{d(s.out)}.sum(axis=(0, 1))"))
    if s.into:
        lines.append(Line(f"{d(s.x)} = {d(s.out)} @ {w.name}"))
    return lines


PROJECTIONS = {"Q": "the queries", "K": "the keys", "V": "the values"}


def linear_describe(s: Site) -> str:
    role = s.out.rstrip("0123456789")
    if role in PROJECTIONS:
        return PROJECTIONS[role]
    if s.x.rstrip("0123456789") == "O":
        return "the output projection"
    return f"dense at every position, {_linear_parameters(s)[0].shape[0]} units"


# -- attention: the scores, their softmax by rows and the weighted sum, per head ----------------------------
_HEADS = '''
def _heads(x, heads):
    """(samples, T, heads * d_k) -> (samples, heads, T, d_k): each head's block of the features."""
    samples, steps, width = x.shape
    return x.reshape(samples, steps, heads, width // heads).transpose(0, 2, 1, 3)
'''
_MERGED = '''
def _merged(x):
    """(samples, heads, T, d_k) -> (samples, T, heads * d_k): the heads side by side."""
    samples, heads, steps, width = x.shape
    return x.transpose(0, 2, 1, 3).reshape(samples, steps, heads * width)
'''


def _split(s: Site, name: str) -> str:
    heads = s.attribute("heads")
    return name if heads == 1 else f"_heads({name}, {heads})"


def _join(s: Site, expr: str) -> str:
    return expr if s.attribute("heads") == 1 else f"_merged({expr})"


def _root(s: Site) -> str:
    return f"numpy.sqrt({s.application.inputs[0].shape[-1] // s.attribute('heads')})"


def _t(name: str) -> str:
    return f"{name}.swapaxes(-1, -2)"


def scores_forward(s: Site) -> list[Line]:
    q, k = (n.name for n in s.application.inputs)
    return [Line(f"{s.out} = {_split(s, q)} @ {_t(_split(s, k))} / {_root(s)}", "Q Kᵀ/√d_k, per head")]


def scores_backward(s: Site) -> list[Line]:
    q, k = (n.name for n in s.application.inputs)
    lines = []
    if s.into:
        lines.append(Line(f"{d(q)} = {_join(s, f'{d(s.out)} @ {_split(s, k)}')} / {_root(s)}"))
    lines.append(Line(f"{d(k)} = {_join(s, f'{_t(d(s.out))} @ {_split(s, q)}')} / {_root(s)}"))
    return lines


def softmax_forward(s: Site) -> list[Line]:
    scores = s.application.inputs[0]
    if not s.attribute("causal"):
        return [Line(f"{s.out} = softmax({s.x}, -1)", "each row")]
    steps = scores.shape[-1]
    return [Line(f"{s.out} = softmax(numpy.where(numpy.triu(numpy.ones(({steps}, {steps}), dtype=bool), 1), "
                 f"-numpy.inf, {s.x}), -1)", "each row, a query's later keys masked")]


def softmax_backward(s: Site) -> list[Line]:
    return [Line(f"{d(s.x)} = {s.out} * ({d(s.out)} - ({d(s.out)} * {s.out}).sum(axis=-1, keepdims=True))",
                 "the whole Jacobian of each row")]


def attend_forward(s: Site) -> list[Line]:
    weights, v = (n.name for n in s.application.inputs)
    return [Line(f"{s.out} = {_join(s, f'{weights} @ {_split(s, v)}')}", "A V, per head")]


def attend_backward(s: Site) -> list[Line]:
    weights, v = (n.name for n in s.application.inputs)
    lines = [Line(f"{d(weights)} = {_split(s, d(s.out))} @ {_t(_split(s, v))}")]
    lines.append(Line(f"{d(v)} = {_join(s, f'{_t(weights)} @ {_split(s, d(s.out))}')}"))
    return lines


def attention_helpers(heads_used: bool) -> tuple[str, ...]:
    return (_HEADS, _MERGED) if heads_used else ()


# -- a residual sum -------------------------------------------------------------------------------------------
def add_forward(s: Site) -> list[Line]:
    a, b = (n.name for n in s.application.inputs)
    return [Line(f"{s.out} = {a} + {b}", "the residual")]


def add_backward(s: Site) -> list[Line]:
    """Both summands get the sum's gradient whole (the block's input only where a gradient reaches it)."""
    a, b = (n.name for n in s.application.inputs)
    return ([Line(f"{d(a)} = {d(s.out)}")] if s.into else []) + [Line(f"{d(b)} = {d(s.out)}")]


# -- the sequence cross-entropy ----------------------------------------------------------------------------
def sequence_errors(s: Site) -> list[Line]:
    z, y = (n.name for n in s.application.inputs)
    over = s.attribute("positions")
    return [Line(f"errors = -numpy.take_along_axis(log_softmax({z}, 2), {y}[..., None], axis=2)[..., 0].{over}(axis=1)",
                 f"each sample's {over} over its positions of -log p(target)")]


def sequence_seed(s: Site) -> list[Line]:
    z, y = (n.name for n in s.application.inputs)
    return [Line(f"{d(z)} = softmax({z}, 2)"),
            Line(f"numpy.put_along_axis({d(z)}, {y}[..., None], numpy.take_along_axis({d(z)}, {y}[..., None], "
                 "axis=2) - 1, axis=2)", "softmax - onehot(Y)"),
            *([Line(f"{d(z)} /= {z}.shape[1]", "the mean over positions")] if s.attribute("positions") == "mean" else [])]
