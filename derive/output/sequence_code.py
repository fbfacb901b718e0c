"""How a sequence network's layers are written in its generated module (output/tensor_code.py):
the embedding, a dense layer at every position, the sequence cross-entropy, and a recurrent layer
as one loop over its time steps forward and one backward (backpropagation through time), where the
graph has it unrolled, an application per step: the module stays one loop for any T.

The cell's slope comes from the rule row (rules/activations.py) through the dense module's printers;
the states are kept as (samples, time, hidden) arrays, as PyTorch's batch_first layers give them.
"""

from __future__ import annotations

from ..core.matrix_forms import activation_derivative, hadamard
from ..rules.activations import ACTIVATIONS
from .tensor_code_rows import _PRINTER, Line, Site, _matrix, _ones, d

RECURRENT_STEPS = ("time_step", "rnn_cell", "lstm_c", "lstm_h", "gru_cell", "stack")   # a layer's loop replaces them


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


# -- a recurrent layer, one loop each way --------------------------------------------------------------
def rnn_forward(s: Site) -> list[Line]:
    """`s` is the whole layer (tensor_code.py gathers its steps); its x the layer's input (samples,
    time, features)."""
    w, u, b = (s.parameter(role) for role in ("W", "U", "b"))
    function = s.attribute("nonlinearity")
    l, hidden = s.index, s.attribute("hidden")
    state = ACTIVATIONS[function].code.format(z=f"N{l}[:, t]", axis=1)
    return [Line(f"N{l} = numpy.zeros(({s.x}.shape[0], {s.x}.shape[1], {hidden}))", "every step's net input"),
            Line(f"S{l} = numpy.zeros_like(N{l})", "every step's hidden state"),
            Line(f"for t in range({s.x}.shape[1]):"),
            Line(f"    N{l}[:, t] = {s.x}[:, t] @ {w.name}.T + {b.name}"),
            Line("    if t:"),
            Line(f"        N{l}[:, t] += S{l}[:, t - 1] @ {u.name}.T", "the previous state, through the shared U"),
            Line(f"    S{l}[:, t] = {state}"),
            Line(f"{s.out} = S{l}" if s.attribute("sequence") else f"{s.out} = S{l}[:, -1]",
                 "every state" if s.attribute("sequence") else "the last state")]


def rnn_backward(s: Site) -> list[Line]:
    """From d(out) (every state's, or the last one's) back through every step."""
    w, u, b = (s.parameter(role) for role in ("W", "U", "b"))
    function, out, into = s.attribute("nonlinearity"), s.out, s.into
    l = s.index
    slope = _PRINTER.doprint(hadamard(_matrix("dS"), activation_derivative(function, _matrix(f"N{l}[:, t]"),
                                                                             _matrix(f"S{l}[:, t]"), _ones())))
    sequence = s.attribute("sequence")
    lines = [Line(f"d{w.name}, d{u.name}, d{b.name} = numpy.zeros_like({w.name}), numpy.zeros_like({u.name}), "
                  f"numpy.zeros_like({b.name})"),
             Line(f"dS = numpy.zeros_like(S{l}[:, 0])", "dL/dh of the step after, carried back")]
    if into:
        lines.append(Line(f"{d(s.x)} = numpy.zeros_like({s.x})"))
    lines += [Line(f"for t in reversed(range(S{l}.shape[1])):"),
              Line(f"    dS = dS + {d(out)}[:, t]" if sequence else
                   f"    dS = dS + ({d(out)} if t == S{l}.shape[1] - 1 else 0)", "this step's own output's term"),
              Line(f"    dN = {slope}", f"through {function}'"),
              Line(f"    d{w.name} += dN.T @ {s.x}[:, t]"),
              Line(f"    d{b.name} += dN.sum(axis=0)")]
    if into:
        lines.append(Line(f"    {d(s.x)}[:, t] = dN @ {w.name}"))
    lines += [Line("    if t:"),
              Line(f"        d{u.name} += dN.T @ S{l}[:, t - 1]", "U's term of this step"),
              Line(f"    dS = dN @ {u.name}", "into the previous state")]
    return lines + [s.grad(p, f"d{p.name}") for p in (w, u, b)]


def rnn_describe(s: Site) -> str:
    return f"RNN, {s.attribute('hidden')} hidden, {s.attribute('nonlinearity')}, unrolled over the time steps"


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
