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


# -- the LSTM and the GRU: each gate its own W_q, U_q, b_q, as the spec names them ------------------------
def _through(function: str, upstream: str, out: str) -> str:
    """The upstream through the rule row's slope, written in the output (σ' = a(1 - a), tanh' = 1 - a²)."""
    return _PRINTER.doprint(hadamard(_matrix(upstream), activation_derivative(function, _matrix("unused"),
                                                                                _matrix(out), _ones())))


def _squash(function: str, net: str) -> str:
    return ACTIVATIONS[function].code.format(z=net, axis=1)


def _gate_net(s: Site, gate: str, l: int, extra: str = "") -> list[Line]:
    w, u, b = (s.parameter(f"{role}{gate}") for role in ("W", "U", "b"))
    return [Line(f"    a = {s.x}[:, t] @ {w.name}.T + {b.name}{extra}"),
            Line("    if t:"),
            Line(f"        a = a + S{l}[:, t - 1] @ {u.name}.T")]


LSTM_GATES = (("i", "sigmoid"), ("f", "sigmoid"), ("g", "tanh"), ("o", "sigmoid"))


def lstm_forward(s: Site) -> list[Line]:
    l, hidden = s.index, s.attribute("hidden")
    arrays = "".join(f"{g.upper()}{l}, " for g, _ in LSTM_GATES)
    lines = [Line(f"{arrays}C{l}, S{l} = (numpy.zeros(({s.x}.shape[0], {s.x}.shape[1], {hidden})) for _ in range(6))",
                  "the gates i, f, c~, o, the cell and the hidden state at every step"),
             Line(f"for t in range({s.x}.shape[1]):")]
    for gate, function in LSTM_GATES:
        lines += _gate_net(s, gate, l)
        lines.append(Line(f"    {gate.upper()}{l}[:, t] = {_squash(function, 'a')}"
                          + (" if t else 0.0" if gate == "f" else ""), "c_0 = 0: no forget gate" if gate == "f" else ""))
    lines += [Line(f"    C{l}[:, t] = I{l}[:, t] * G{l}[:, t] + (F{l}[:, t] * C{l}[:, t - 1] if t else 0.0)"),
              Line(f"    S{l}[:, t] = O{l}[:, t] * numpy.tanh(C{l}[:, t])"), _output(s, l)]
    return lines


def _output(s: Site, l: int) -> Line:
    return Line(f"{s.out} = S{l}" if s.attribute("sequence") else f"{s.out} = S{l}[:, -1]",
                "every state" if s.attribute("sequence") else "the last state")


def _zeros(s: Site, names: list[str]) -> Line:
    return Line(", ".join(f"d{s.parameter(n).name}" for n in names) + " = "
                + ", ".join(f"numpy.zeros_like({s.parameter(n).name})" for n in names))


def _carry(s: Site, l: int) -> list[Line]:
    lines = [Line(f"dS = numpy.zeros_like(S{l}[:, 0])", "dL/dh of the step after, carried back")]
    if s.into:
        lines.append(Line(f"{d(s.x)} = numpy.zeros_like({s.x})"))
    lines += [Line(f"for t in reversed(range(S{l}.shape[1])):"),
              Line(f"    dS = dS + {d(s.out)}[:, t]" if s.attribute("sequence") else
                   f"    dS = dS + ({d(s.out)} if t == S{l}.shape[1] - 1 else 0)", "this step's own output's term")]
    return lines


def _gate_terms(s: Site, gates: list[tuple[str, str]], l: int) -> list[Line]:
    """Each gate's net-input delta dA_q into its W_q, b_q (and b'_q), U_q, the step's input and h_{t-1}."""
    lines = []
    for gate, delta in gates:
        lines += [Line(f"    d{s.parameter('W' + gate).name} += {delta}.T @ {s.x}[:, t]"),
                  Line(f"    d{s.parameter('b' + gate).name} += {delta}.sum(axis=0)")]
        if s.parameter("bh" + gate) is not None:
            lines.append(Line(f"    d{s.parameter('bh' + gate).name} += {delta}.sum(axis=0)"))
        lines += [Line("    if t:"), Line(f"        d{s.parameter('U' + gate).name} += {delta}.T @ S{l}[:, t - 1]")]
    if s.into:
        lines.append(Line(f"    {d(s.x)}[:, t] = " + " + ".join(f"{delta} @ {s.parameter('W' + gate).name}"
                                                          for gate, delta in gates)))
    return lines


def lstm_backward(s: Site) -> list[Line]:
    l = s.index
    names = [f"{role}{gate}" for role in ("W", "U", "b") for gate, _ in LSTM_GATES]
    lines = [_zeros(s, names), Line(f"dC = numpy.zeros_like(C{l}[:, 0])", "dL/dc of the step after, carried back")]
    lines += _carry(s, l) + [
        Line(f"    squashed = numpy.tanh(C{l}[:, t])"),
        Line(f"    dC = dC + dS * O{l}[:, t] * (1 - squashed ** 2)", "h = o tanh(c)"),
        Line(f"    dAi = {_through('sigmoid', f'dC * G{l}[:, t]', f'I{l}[:, t]')}"),
        Line(f"    dAf = {_through('sigmoid', f'dC * C{l}[:, t - 1]', f'F{l}[:, t]')} if t else 0.0 * dC"),
        Line(f"    dAg = {_through('tanh', f'dC * I{l}[:, t]', f'G{l}[:, t]')}"),
        Line(f"    dAo = {_through('sigmoid', 'dS * squashed', f'O{l}[:, t]')}")]
    gates = [(gate, f"dA{gate}") for gate, _ in LSTM_GATES]
    lines += _gate_terms(s, gates, l)
    lines += [Line("    dS = " + " + ".join(f"dA{g} @ {s.parameter('U' + g).name}" for g, _ in LSTM_GATES),
                   "into the previous state"),
              Line(f"    dC = dC * F{l}[:, t]", "into the previous cell state")]
    return lines + [s.grad(s.parameter(n), f"d{s.parameter(n).name}") for n in names]


def gru_forward(s: Site) -> list[Line]:
    l, hidden = s.index, s.attribute("hidden")
    lines = [Line(f"R{l}, Z{l}, N{l}, Q{l}, S{l} = (numpy.zeros(({s.x}.shape[0], {s.x}.shape[1], {hidden})) "
                  "for _ in range(5))", "the gates r, z, the new state n, its recurrent part, the hidden state"),
             Line(f"for t in range({s.x}.shape[1]):")]
    for gate in ("r", "z"):
        lines += _gate_net(s, gate, l, f" + {s.parameter('bh' + gate).name}")
        lines.append(Line(f"    {gate.upper()}{l}[:, t] = {_squash('sigmoid', 'a')}"))
    un, bhn, wn, bn = (s.parameter(n).name for n in ("Un", "bhn", "Wn", "bn"))
    lines += [Line(f"    Q{l}[:, t] = {bhn} + (S{l}[:, t - 1] @ {un}.T if t else 0.0)", "U_n h' + b'_n"),
              Line(f"    N{l}[:, t] = numpy.tanh({s.x}[:, t] @ {wn}.T + {bn} + R{l}[:, t] * Q{l}[:, t])"),
              Line(f"    S{l}[:, t] = (1 - Z{l}[:, t]) * N{l}[:, t] + (Z{l}[:, t] * S{l}[:, t - 1] if t else 0.0)"),
              _output(s, l)]
    return lines


def gru_backward(s: Site) -> list[Line]:
    l = s.index
    names = [f"{role}{gate}" for role in ("W", "U", "b", "bh") for gate in ("r", "z", "n")]
    lines = [_zeros(s, names)] + _carry(s, l) + [
        Line(f"    previous = S{l}[:, t - 1] if t else 0.0"),
        Line(f"    dAn = {_through('tanh', f'dS * (1 - Z{l}[:, t])', f'N{l}[:, t]')}", "into W_n x + b_n + r q"),
        Line(f"    dQ = dAn * R{l}[:, t]"),
        Line(f"    dAr = {_through('sigmoid', f'dAn * Q{l}[:, t]', f'R{l}[:, t]')}"),
        Line(f"    dAz = {_through('sigmoid', f'dS * (previous - N{l}[:, t])', f'Z{l}[:, t]')}")]
    lines += _gate_terms(s, [("r", "dAr"), ("z", "dAz")], l)
    wn, bn, bhn, un = (s.parameter(n).name for n in ("Wn", "bn", "bhn", "Un"))
    lines += [Line(f"    d{wn} += dAn.T @ {s.x}[:, t]"), Line(f"    d{bn} += dAn.sum(axis=0)"),
              Line(f"    d{bhn} += dQ.sum(axis=0)"), Line("    if t:"), Line(f"        d{un} += dQ.T @ previous")]
    if s.into:
        lines.append(Line(f"    {d(s.x)}[:, t] += dAn @ {wn}"))
    lines.append(Line(f"    dS = dS * Z{l}[:, t] + dAr @ {s.parameter('Ur').name} + dAz @ {s.parameter('Uz').name} "
                      f"+ dQ @ {un}", "into the previous state"))
    return lines + [s.grad(s.parameter(n), f"d{s.parameter(n).name}") for n in names]


def cell_describe(s: Site) -> str:
    return f"{s.application.op.upper()}, {s.attribute('hidden')} hidden, unrolled over the time steps"


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
