"""How a recurrent layer is written in its generated module (output/tensor_code.py): one loop over
the time steps forward and one backward (backpropagation through time), where the graph has the
layer unrolled, an application per step. The module stays one loop for any T.

What does not depend on the previous step is taken out of the loops, as one writes it by hand:
every step's input part W x_t + b of every gate is one product before the forward loop, and the
input's, W's, U's and b's gradients are products of every step's gate deltas after the backward
loop. Inside, a step's recurrent part U h_{t-1} of all the gates is one product with the gates'
U stacked, and so is its term for h_{t-1}. Each gate keeps its own W_q, U_q, b_q as the spec
names them; the slopes come from the rule rows (rules/activations.py) through the dense module's
printers. States are (samples, time, hidden) arrays, as PyTorch's batch_first layers give them.
"""

from __future__ import annotations

from ..core.matrix_forms import activation_derivative, hadamard
from ..rules.activations import ACTIVATIONS
from .tensor_code_rows import _PRINTER, Line, Site, _matrix, _ones, d

GATES = {"rnn": ("",), "lstm": ("i", "f", "g", "o"), "gru": ("r", "z", "n")}
LSTM_FUNCTIONS = {"i": "sigmoid", "f": "sigmoid", "g": "tanh", "o": "sigmoid"}


def _through(function: str, upstream: str, out: str) -> str:
    """The upstream through the rule row's slope, written in the output (σ' = a(1 - a), tanh' = 1 - a²,
    ReLU' = [a > 0])."""
    return _PRINTER.doprint(hadamard(_matrix(upstream), activation_derivative(function, _matrix(out), _matrix(out),
                                                                                _ones())))


def _squash(function: str, net: str) -> str:
    """The row's code of the activation; a sum in parentheses, as the row's -{z} needs it."""
    return ACTIVATIONS[function].code.format(z=f"({net})" if " " in net else net, axis=1)


def _names(s: Site, role: str) -> list[str]:
    return [s.parameter(f"{role}{gate}").name for gate in GATES[s.application.op]]


def _stacked(s: Site, role: str) -> str:
    names = _names(s, role)
    return names[0] if len(names) == 1 else f"numpy.concatenate([{', '.join(names)}])"


def _split(s: Site, role: str, whole: str, axis: str = "") -> list[Line]:
    """Each gate's rows of a stacked gradient, as its own parameter's gradient."""
    names, h = _names(s, role), s.attribute("hidden")
    if len(names) == 1:
        return [s.grad(s.parameter(role), whole)]
    return [Line(f"d{role} = {whole}")] + [s.grad(s.parameter(f"{role}{gate}"), f"d{role}[{k * h}:{(k + 1) * h}]")
                                           for k, gate in enumerate(GATES[s.application.op])]


def _arrays(s: Site, names: str, count: int, width: str) -> Line:
    return Line(f"{names} = (numpy.zeros(({s.x}.shape[0], {s.x}.shape[1], {width})) for _ in range({count}))")


def _output(s: Site, l: int) -> Line:
    return Line(f"{s.out} = S{l}" if s.attribute("sequence") else f"{s.out} = S{l}[:, -1]",
                "every state" if s.attribute("sequence") else "the last state")


def _own_term(s: Site, l: int) -> Line:
    return Line(f"    dS = dS + {d(s.out)}[:, t]" if s.attribute("sequence") else
                f"    dS = dS + ({d(s.out)} if t == S{l}.shape[1] - 1 else 0)", "this step's own output's term")


def _after(s: Site, l: int, into_input: str, into_state: str, biases: list[tuple[str, str]],
           recurrent: str | None = None) -> list[Line]:
    """The gradients the loop's deltas give at once: W's and the input's from `into_input` (every
    step's, (samples, time, gates · hidden)), U's from `into_state` (the steps after the first, with
    the states before them) or as `recurrent` writes it, each bias's from its deltas."""
    lines = _split(s, "W", f"numpy.tensordot({into_input}, {s.x}, axes=((0, 1), (0, 1)))")
    lines += _split(s, "U", recurrent or
                    f"numpy.tensordot({into_state}[:, 1:], S{l}[:, :-1], axes=((0, 1), (0, 1)))")
    for role, deltas in biases:
        lines += _split(s, role, f"{deltas}.sum(axis=(0, 1))")
    if s.into:
        lines.append(Line(f"{d(s.x)} = {into_input} @ {_stacked(s, 'W')}", "into every step's input"))
    return lines


# -- the RNN ---------------------------------------------------------------------------------------------
def rnn_forward(s: Site) -> list[Line]:
    l, function = s.index, s.attribute("nonlinearity")
    w, u, b = (s.parameter(role).name for role in ("W", "U", "b"))
    return [Line(f"N{l} = {s.x} @ {w}.T + {b}", "every step's input part, one product"),
            Line(f"S{l} = numpy.zeros_like(N{l})", "every step's hidden state"),
            Line(f"for t in range({s.x}.shape[1]):"),
            Line("    if t:"),
            Line(f"        N{l}[:, t] += S{l}[:, t - 1] @ {u}.T", "the previous state, through the shared U"),
            Line(f"    S{l}[:, t] = {_squash(function, f'N{l}[:, t]')}"), _output(s, l)]


def rnn_backward(s: Site) -> list[Line]:
    l, function = s.index, s.attribute("nonlinearity")
    u = s.parameter("U").name
    return [Line(f"dN{l} = numpy.zeros_like(N{l})", "every step's net-input delta"),
            Line(f"dS = numpy.zeros_like(S{l}[:, 0])", "dL/dh of the step after, carried back"),
            Line(f"for t in reversed(range(S{l}.shape[1])):"), _own_term(s, l),
            Line(f"    dN{l}[:, t] = {_through(function, 'dS', f'S{l}[:, t]')}", f"through {function}'"),
            Line(f"    dS = dN{l}[:, t] @ {u}", "into the previous state")] + \
        _after(s, l, f"dN{l}", f"dN{l}", [("b", f"dN{l}")])


# -- the LSTM: the gates i, f, c̃, o side by side in V (samples, time, 4 hidden) -------------------------------
def lstm_forward(s: Site) -> list[Line]:
    l, h = s.index, s.attribute("hidden")
    views = ", ".join(f"{g.upper()}{l}" for g in GATES["lstm"])
    lines = [Line(f"A{l} = {s.x} @ {_stacked(s, 'W')}.T + {_stacked(s, 'b')}",
                  "every step's input part of every gate, one product"),
             Line(f"R{l} = {_stacked(s, 'U')}.T", "the gates' recurrent weights side by side"),
             Line(f"V{l} = numpy.zeros_like(A{l})", "the gates' values: i, f, c~, o"),
             Line(f"{views} = (V{l}[..., k * {h}:(k + 1) * {h}] for k in range(4))"),
             _arrays(s, f"C{l}, S{l}", 2, str(h)),
             Line(f"for t in range({s.x}.shape[1]):"),
             Line(f"    a = A{l}[:, t] + S{l}[:, t - 1] @ R{l} if t else A{l}[:, t]"),
             Line(f"    V{l}[:, t] = {_squash('sigmoid', 'a')}", "i, f, o (c~ below)"),
             Line(f"    G{l}[:, t] = {_squash('tanh', f'a[:, {2 * h}:{3 * h}]')}"),
             Line(f"    C{l}[:, t] = I{l}[:, t] * G{l}[:, t]"),
             Line("    if t:"),
             Line(f"        C{l}[:, t] += F{l}[:, t] * C{l}[:, t - 1]", "c_0 = 0: no forget gate on the first step"),
             Line(f"    S{l}[:, t] = O{l}[:, t] * numpy.tanh(C{l}[:, t])"), _output(s, l)]
    return lines


def lstm_backward(s: Site) -> list[Line]:
    l = s.index
    views = ", ".join(f"d{g.upper()}" for g in GATES["lstm"])
    h = s.attribute("hidden")
    return [Line(f"dV = numpy.zeros_like(V{l})", "every step's gate deltas, through their slopes"),
            Line(f"{views} = (dV[..., k * {h}:(k + 1) * {h}] for k in range(4))"),
            Line(f"dS, dC = numpy.zeros_like(S{l}[:, 0]), numpy.zeros_like(C{l}[:, 0])",
                 "dL/dh and dL/dc of the step after, carried back"),
            Line(f"for t in reversed(range(S{l}.shape[1])):"), _own_term(s, l),
            Line(f"    squashed = numpy.tanh(C{l}[:, t])"),
            Line(f"    dC = dC + dS * O{l}[:, t] * (1 - squashed ** 2)", "h = o tanh(c)"),
            Line(f"    dI[:, t] = {_through('sigmoid', f'dC * G{l}[:, t]', f'I{l}[:, t]')}"),
            Line("    if t:"),
            Line(f"        dF[:, t] = {_through('sigmoid', f'dC * C{l}[:, t - 1]', f'F{l}[:, t]')}"),
            Line(f"    dG[:, t] = {_through('tanh', f'dC * I{l}[:, t]', f'G{l}[:, t]')}"),
            Line(f"    dO[:, t] = {_through('sigmoid', 'dS * squashed', f'O{l}[:, t]')}"),
            Line(f"    dS = dV[:, t] @ R{l}.T", "into the previous state, every gate at once"),
            Line(f"    dC = dC * F{l}[:, t]", "into the previous cell state")] + \
        _after(s, l, "dV", "dV", [("b", "dV")])


# -- the GRU: r, z and the new state's input part side by side (samples, time, 3 hidden) ----------------
def gru_forward(s: Site) -> list[Line]:
    l, h = s.index, s.attribute("hidden")
    if not s.attribute("reset_after"):
        return _cho_gru_forward(s, l, h)
    br, bz, bn, bhr, bhz, bhn = (s.parameter(n).name for n in ("br", "bz", "bn", "bhr", "bhz", "bhn"))
    return [Line(f"A{l} = {s.x} @ {_stacked(s, 'W')}.T + numpy.concatenate([{br} + {bhr}, {bz} + {bhz}, {bn}])",
                 "every step's input part of r, z and n, one product"),
            Line(f"R{l} = {_stacked(s, 'U')}.T", "the gates' recurrent weights side by side"),
            _arrays(s, f"Rg{l}, Z{l}, N{l}, Q{l}, S{l}", 5, str(h)),
            Line(f"for t in range({s.x}.shape[1]):"),
            Line(f"    q = S{l}[:, t - 1] @ R{l} if t else numpy.zeros((len({s.x}), {3 * h}))",
                 "U h_{t-1} of r, z and n"),
            Line(f"    Rg{l}[:, t] = {_squash('sigmoid', f'A{l}[:, t, :{h}] + q[:, :{h}]')}"),
            Line(f"    Z{l}[:, t] = {_squash('sigmoid', f'A{l}[:, t, {h}:{2 * h}] + q[:, {h}:{2 * h}]')}"),
            Line(f"    Q{l}[:, t] = q[:, {2 * h}:] + {bhn}", "U_n h' + b'_n"),
            Line(f"    N{l}[:, t] = {_squash('tanh', f'A{l}[:, t, {2 * h}:] + Rg{l}[:, t] * Q{l}[:, t]')}"),
            Line(f"    S{l}[:, t] = (1 - Z{l}[:, t]) * N{l}[:, t]"),
            Line("    if t:"),
            Line(f"        S{l}[:, t] += Z{l}[:, t] * S{l}[:, t - 1]"), _output(s, l)]


def gru_backward(s: Site) -> list[Line]:
    l, h = s.index, s.attribute("hidden")
    if not s.attribute("reset_after"):
        return _cho_gru_backward(s, l, h)
    return [Line(f"dA = numpy.zeros((S{l}.shape[0], S{l}.shape[1], {3 * h}))",
                 "every step's delta of r, z and the new state's input part"),
            Line("dQ = numpy.zeros_like(dA)", "and of their recurrent parts (r's and z's the same, n's times r)"),
            Line(f"dS = numpy.zeros_like(S{l}[:, 0])", "dL/dh of the step after, carried back"),
            Line(f"for t in reversed(range(S{l}.shape[1])):"), _own_term(s, l),
            Line(f"    previous = S{l}[:, t - 1] if t else 0.0"),
            Line(f"    dA[:, t, {2 * h}:] = {_through('tanh', f'dS * (1 - Z{l}[:, t])', f'N{l}[:, t]')}"),
            Line(f"    dA[:, t, :{h}] = {_through('sigmoid', f'dA[:, t, {2 * h}:] * Q{l}[:, t]', f'Rg{l}[:, t]')}"),
            Line(f"    dA[:, t, {h}:{2 * h}] = {_through('sigmoid', f'dS * (previous - N{l}[:, t])', f'Z{l}[:, t]')}"),
            Line(f"    dQ[:, t, :{2 * h}] = dA[:, t, :{2 * h}]"),
            Line(f"    dQ[:, t, {2 * h}:] = dA[:, t, {2 * h}:] * Rg{l}[:, t]"),
            Line(f"    dS = dS * Z{l}[:, t] + dQ[:, t] @ R{l}.T", "into the previous state")] + \
        _after(s, l, "dA", "dQ", [("b", "dA"), ("bh", "dQ")])


# -- the GRU that resets the state before U_n (Cho et al.'s): n = tanh(W_n x + b_n + U_n (r h') + b'_n) ------
def _cho_gru_forward(s: Site, l: int, h: int) -> list[Line]:
    biases = ", ".join(f"{s.parameter('b' + g).name} + {s.parameter('bh' + g).name}" for g in GATES["gru"])
    return [Line(f"A{l} = {s.x} @ {_stacked(s, 'W')}.T + numpy.concatenate([{biases}])",
                 "every step's input part of r, z and n (both biases), one product"),
            Line(f"R{l} = {_stacked(s, 'U')}.T", "the gates' recurrent weights side by side"),
            _arrays(s, f"Rg{l}, Z{l}, N{l}, M{l}, S{l}", 5, str(h)),
            Line(f"for t in range({s.x}.shape[1]):"),
            Line(f"    a = A{l}[:, t].copy()"),
            Line("    if t:"),
            Line(f"        a[:, :{2 * h}] += S{l}[:, t - 1] @ R{l}[:, :{2 * h}]", "U h_{t-1} of r and z"),
            Line(f"        Rg{l}[:, t] = {_squash('sigmoid', f'a[:, :{h}]')}", "h_0 = 0: no reset on the first step"),
            Line(f"        M{l}[:, t] = Rg{l}[:, t] * S{l}[:, t - 1]", "the state reset before U_n"),
            Line(f"        a[:, {2 * h}:] += M{l}[:, t] @ R{l}[:, {2 * h}:]"),
            Line(f"    Z{l}[:, t] = {_squash('sigmoid', f'a[:, {h}:{2 * h}]')}"),
            Line(f"    N{l}[:, t] = {_squash('tanh', f'a[:, {2 * h}:]')}"),
            Line(f"    S{l}[:, t] = (1 - Z{l}[:, t]) * N{l}[:, t]"),
            Line("    if t:"),
            Line(f"        S{l}[:, t] += Z{l}[:, t] * S{l}[:, t - 1]"), _output(s, l)]


def _cho_gru_backward(s: Site, l: int, h: int) -> list[Line]:
    into_u = (f"numpy.concatenate([numpy.tensordot(dA[:, 1:, :{2 * h}], S{l}[:, :-1], axes=((0, 1), (0, 1))), "
              f"numpy.tensordot(dA[:, 1:, {2 * h}:], M{l}[:, 1:], axes=((0, 1), (0, 1)))])")
    return [Line(f"dA = numpy.zeros((S{l}.shape[0], S{l}.shape[1], {3 * h}))", "every step's delta of r, z and n"),
            Line(f"dS = numpy.zeros_like(S{l}[:, 0])", "dL/dh of the step after, carried back"),
            Line(f"for t in reversed(range(S{l}.shape[1])):"), _own_term(s, l),
            Line(f"    previous = S{l}[:, t - 1] if t else 0.0"),
            Line(f"    dA[:, t, {2 * h}:] = {_through('tanh', f'dS * (1 - Z{l}[:, t])', f'N{l}[:, t]')}"),
            Line(f"    dA[:, t, {h}:{2 * h}] = {_through('sigmoid', f'dS * (previous - N{l}[:, t])', f'Z{l}[:, t]')}"),
            Line(f"    dM = dA[:, t, {2 * h}:] @ R{l}[:, {2 * h}:].T", "into the reset state r h'"),
            Line("    if t:"),
            Line(f"        dA[:, t, :{h}] = {_through('sigmoid', 'dM * previous', f'Rg{l}[:, t]')}"),
            Line(f"    dS = dS * Z{l}[:, t] + dA[:, t, :{2 * h}] @ R{l}[:, :{2 * h}].T + dM * Rg{l}[:, t]",
                 "into the previous state")] + \
        _after(s, l, "dA", "dA", [("b", "dA"), ("bh", "dA")], recurrent=into_u)


def describe(s: Site) -> str:
    kind = s.application.op
    how = f", {s.attribute('nonlinearity')}" if kind == "rnn" else \
        ", the state reset before the recurrent weights (Cho et al.)" if kind == "gru" and not s.attribute("reset_after") \
        else ""
    return f"{kind.upper()}, {s.attribute('hidden')} hidden{how}, unrolled over the time steps"
