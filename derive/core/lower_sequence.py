"""The sequence layers of a typed spec (spec/sequence.py) as applications of the rows (issue 15).

A recurrent layer is unrolled: one cell application per time step, every step reading the same W,
U and b. The one reverse walk then sums a shared weight's terms over the steps and carries dL/dh (and
the LSTM's dL/dc) back through them: backpropagation through time is the ordinary gather of a node's
consumers' terms, with nothing recurrent in the engine itself.

    x_t = time_step(X, t)          for t = 1..T (X: samples, time, features)
    RNN   h_t = gate(x_t, h_{t-1}; W, U, b; tanh or ReLU)            (step 1: no h_0, no U)
    LSTM  i_t, f_t, c̃_t, o_t = gate(x_t, h_{t-1}; W_q, U_q, b_q; σ or tanh), each gate its own weights;
          c_t = lstm_cell(f_t, c_{t-1}, i_t, c̃_t) = f c' + i c̃;  h_t = lstm_out(o_t, c_t) = o tanh(c)
    GRU   r_t, z_t = gate(...; b_q, b'_q; σ);  p_t = W_n x_t + b_n;  q_t = U_n h_{t-1} + b'_n;
          n_t = gru_new(p_t, r_t, q_t) = tanh(p + r q);  h_t = gru_mix(z_t, n_t, h_{t-1}) = (1 - z) n + z h'
          reset_after = false (Cho et al.'s): m_t = gru_reset(r_t, h_{t-1}) = r ⊙ h';
          n_t = gate(x_t, m_t; W_n, U_n; b_n, b'_n; tanh)      (step 1: h_0 = 0, so no r_1 and no m_1)
    H = stack(h_1, ..., h_T)                                    (or h_T alone, sequence = false)

Attention projects its input to Q, K and V (linear at every position), scores S = Q Kᵀ/√d_k per head,
weights A = softmax(S) by rows (a query's later keys masked if causal), attends O = A V, and projects
the heads' output if asked. A transformer block is layernorm → attention → residual → layernorm → MLP (GELU) →
residual (pre-norm), or each layernorm after its residual (post-norm).
"""

from __future__ import annotations

from .graph import Application, Kind, Node

CELLS = ("rnn", "lstm", "gru")
# each cell's gates: name, activation, and whether it reads the step's input x and the previous state h
GATES = {
    "rnn": (("h", None),),
    "lstm": (("i", "sigmoid"), ("f", "sigmoid"), ("g", "tanh"), ("o", "sigmoid")),
    "gru": (("r", "sigmoid"), ("z", "sigmoid")),
}


def unrolled(kind: str, source: Node, p: dict[str, Node], hidden: int, layer: int, nonlinearity: str = "tanh",
             sequence: bool = True, reset_after: bool = True) -> tuple[list[Node], list[Application], Node]:
    """The nodes and applications of a `kind` layer over every step of `source` (time, features),
    and its output: every hidden state (time, hidden), or the last one. `p`: the layer's parameters
    by role (W, U, b; the LSTM's Wi, Ui, bi, ...; the GRU's Wr, Ur, br, bhr, ...)."""
    steps = source.shape[0]
    made = _Builder(layer)
    state = cell = None
    states = []
    for t in range(steps):
        x_t = made.apply("time_step", (source,), "x", source.shape[1:], suffix=f"_{t + 1}", t=t)

        def gate(name, function, biases=()):
            role = name if kind != "rnn" else ""
            read = (x_t,) + ((state,) if state is not None else ())
            weights = (p[f"W{role}"],) + ((p[f"U{role}"],) if state is not None else ())
            return made.apply("gate", read + weights + (p[f"b{role}"],) + biases, name, (hidden,), suffix=f"_{t + 1}",
                              t=t, function=function or nonlinearity, sources=len(read))
        if kind == "rnn":
            state = gate("h", None)
        elif kind == "lstm":
            # the forget gate scales c_{t-1}: the first step has none (c_0 = 0), so no f_0
            i, f, g, o = (gate(name, function) if name != "f" or cell is not None else None
                          for name, function in GATES["lstm"])
            cell = made.apply("lstm_cell", ((f, cell) if cell is not None else ()) + (i, g), "c", (hidden,),
                              suffix=f"_{t + 1}", t=t)
            state = made.apply("lstm_out", (o, cell), "h", (hidden,), suffix=f"_{t + 1}", t=t)
        elif not reset_after:
            # the reset gate scales h_{t-1}: the first step has none (h_0 = 0), so no r_1, as the LSTM has no f_1
            r, z = (gate(name, function, (p[f"bh{name}"],)) if name != "r" or state is not None else None
                    for name, function in GATES["gru"])
            reset = None if state is None else made.apply("gru_reset", (r, state), "m", (hidden,),
                                                          suffix=f"_{t + 1}", t=t)
            read = (x_t,) + ((reset,) if reset is not None else ())
            weights = (p["Wn"],) + ((p["Un"],) if reset is not None else ())
            n = made.apply("gate", read + weights + (p["bn"], p["bhn"]), "n", (hidden,), suffix=f"_{t + 1}", t=t,
                           function="tanh", sources=len(read))
            state = made.apply("gru_mix", (z, n) + ((state,) if state is not None else ()), "h", (hidden,),
                               suffix=f"_{t + 1}", t=t)
        else:
            r, z = (gate(name, function, (p[f"bh{name}"],)) for name, function in GATES["gru"])
            new_x = made.apply("gate", (x_t, p["Wn"], p["bn"]), "p", (hidden,), suffix=f"_{t + 1}", t=t,
                               function="linear", sources=1)
            new_h = p["bhn"] if state is None else made.apply(
                "gate", (state, p["Un"], p["bhn"]), "q", (hidden,), suffix=f"_{t + 1}", t=t, function="linear",
                sources=1)
            n = made.apply("gru_new", (new_x, r, new_h), "n", (hidden,), suffix=f"_{t + 1}", t=t, first=state is None)
            state = made.apply("gru_mix", (z, n) + ((state,) if state is not None else ()), "h", (hidden,),
                               suffix=f"_{t + 1}", t=t)
        states.append(state)
    if not sequence:
        return made.nodes, made.applications, state
    stacked = made.apply("stack", tuple(states), "H", (steps, hidden))
    return made.nodes, made.applications, stacked


class _Builder:
    """Applications appended in order, each output a new node of the layer."""

    def __init__(self, layer: int):
        self.layer, self.nodes, self.applications = layer, [], []

    def apply(self, op: str, inputs: tuple, name: str, shape: tuple, suffix: str = "", **attributes) -> Node:
        out = Node(f"{name}{self.layer}{suffix}", Kind.INTERMEDIATE, shape, self.layer)
        self.nodes.append(out)
        self.applications.append(Application(op, tuple(inputs), out, tuple(attributes.items())))
        return out


def _attention(build: _Builder, source: Node, p: dict, heads: int, causal: bool, projected: bool,
               out: str) -> Node:
    """Q, K, V projected from `source`, attended; the heads' output projected by W_o if asked."""
    shape = source.shape
    q, k, v = (build.apply("linear", (source, p[f"W{r}"]) + ((p[f"b{r}"],) if f"b{r}" in p else ()), r.upper(),
                           shape) for r in "qkv")
    steps = shape[0]
    weights_shape = (steps, steps) if heads == 1 else (heads, steps, steps)
    scores = build.apply("scores", (q, k), "S", weights_shape, heads=heads)
    weights = build.apply("softmax", (scores,), "A", weights_shape, causal=causal)
    attended = build.apply("attend", (weights, v), "O" if projected else out, shape, heads=heads)
    if not projected:
        return attended
    return build.apply("linear", (attended, p["Wo"]) + ((p["bo"],) if "bo" in p else ()), out, shape)


def lowered(layer, source: Node, p: dict[str, Node], index: int) -> tuple[list[Node], list[Application], Node]:
    """A sequence layer's nodes, applications and output node; `p`: its parameters by role (W, Wq, ...)."""
    a = dict(layer.attributes)
    if layer.kind in CELLS:
        return unrolled(layer.kind, source, p, a["hidden"], index, a.get("nonlinearity", "tanh"), a["sequence"],
                        a.get("reset_after", True))
    build = _Builder(index)
    if layer.kind == "embedding":
        out = build.apply("embedding", (source, p["E"]), "H", layer.shape)
    elif layer.kind == "attention":
        out = _attention(build, source, p, a["heads"], a["causal"], a["output_projection"], "H")
    else:
        out = _block(build, source, p, a, layer.shape)
    return build.nodes, build.applications, out


def _block(build: _Builder, x: Node, p: dict, a: dict, shape: tuple) -> Node:
    """Its nodes named B…: the norms BN (A before or after attention, F the MLP's), the residuals BR,
    the MLP's up (BU), GELU (BG) and down (BD) products, the projected attention BP, the output BH."""
    pre = a["norm"] == "pre"

    def norm(source, part, name=None):
        return build.apply("layer_norm", (source, p[f"gamma{part}"], p[f"beta{part}"]), name or f"BN{part}", shape,
                           epsilon=a["epsilon"], last_axis=True)

    entry = norm(x, "A") if pre else x
    first = build.apply("add", (x, _attention(build, entry, p, a["heads"], a["causal"], True, "BP")), "BRA", shape)
    first = first if pre else norm(first, "A")
    mid = norm(first, "F") if pre else first
    up = build.apply("linear", (mid, p["Wup"], p["bup"]), "BU", shape[:1] + p["Wup"].shape[:1])
    inner = build.apply("activation", (up,), "BG", up.shape, function="gelu")
    down = build.apply("linear", (inner, p["Wdown"], p["bdown"]), "BD", shape)
    out = build.apply("add", (first, down), "BRF" if not pre else "BH", shape)
    return out if pre else norm(out, "F", "BH")
