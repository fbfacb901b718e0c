"""The sequence layers of a typed spec (spec/sequence.py) as applications of the rows (issue 15).

A recurrent layer is unrolled: one cell application per time step, every step reading the same W,
U and b. The one reverse walk then sums a shared weight's terms over the steps and carries dL/dh (and
the LSTM's dL/dc) back through them: backpropagation through time is the ordinary gather of a node's
consumers' terms, with nothing recurrent in the engine itself.

    x_t = time_step(X, t)          for t = 1..T (X: samples, time, features)
    h_t = rnn_cell(x_t, h_{t-1}, W, U, b)                       (step 1: no h_0, no U)
    c_t = lstm_c(x_t, h_{t-1}, c_{t-1}, W, U, b); h_t = lstm_h(x_t, h_{t-1}, c_t, W, U, b)
    h_t = gru_cell(x_t, h_{t-1}, W, U, b, b_h)
    H = stack(h_1, ..., h_T)                                    (or h_T alone, sequence = false)

Attention projects its input to Q, K and V (linear at every position), attends, and projects the heads'
output if asked. A transformer block is layernorm → attention → residual → layernorm → MLP (GELU) →
residual (pre-norm), or each layernorm after its residual (post-norm).
"""

from __future__ import annotations

from .graph import Application, Kind, Node

CELLS = ("rnn", "lstm", "gru")


def unrolled(kind: str, source: Node, parameters: tuple[Node, ...], hidden: int, layer: int,
             attributes: tuple = (), sequence: bool = True) -> tuple[list[Node], list[Application], Node]:
    """The nodes and applications of a `kind` layer over every step of `source` (time, features),
    and its output: every hidden state (time, hidden), or the last one. `parameters`: W, U, b (the
    GRU's b, b_h)."""
    steps = source.shape[0]
    w, u, *biases = parameters
    nodes: list[Node] = []
    applications: list[Application] = []
    hidden_state = cell_state = None
    states = []
    for t in range(steps):
        first = t == 0
        flags = (("first", first), ("t", t)) + tuple(attributes)
        x_t = Node(f"x{layer}_{t + 1}", Kind.INTERMEDIATE, source.shape[1:], layer)
        applications.append(Application("time_step", (source,), x_t, (("t", t),)))
        carried = () if first else (hidden_state,)
        recurrent = () if first else (u,)
        h_t = Node(f"h{layer}_{t + 1}", Kind.INTERMEDIATE, (hidden,), layer)
        if kind == "lstm":
            c_t = Node(f"c{layer}_{t + 1}", Kind.INTERMEDIATE, (hidden,), layer)
            applications.append(Application("lstm_c", (x_t,) + carried + (() if first else (cell_state,)) + (w,) +
                                            recurrent + tuple(biases), c_t, flags))
            applications.append(Application("lstm_h", (x_t,) + carried + (c_t, w) + recurrent + tuple(biases), h_t,
                                            flags))
            nodes += [x_t, c_t, h_t]
            cell_state = c_t
        else:
            applications.append(Application(f"{kind}_cell", (x_t,) + carried + (w,) + recurrent + tuple(biases), h_t,
                                            flags))
            nodes += [x_t, h_t]
        hidden_state = h_t
        states.append(h_t)
    if not sequence:
        return nodes, applications, hidden_state
    stacked = Node(f"H{layer}", Kind.INTERMEDIATE, (steps, hidden), layer)
    applications.append(Application("stack", tuple(states), stacked))
    return nodes + [stacked], applications, stacked


class _Builder:
    """Applications appended in order, each output a new node of the layer."""

    def __init__(self, layer: int):
        self.layer, self.nodes, self.applications = layer, [], []

    def apply(self, op: str, inputs: tuple, name: str, shape: tuple, **attributes) -> Node:
        out = Node(f"{name}{self.layer}", Kind.INTERMEDIATE, shape, self.layer)
        self.nodes.append(out)
        self.applications.append(Application(op, tuple(inputs), out, tuple(attributes.items())))
        return out


def _attention(build: _Builder, source: Node, p: dict, heads: int, causal: bool, projected: bool,
               out: str) -> Node:
    """Q, K, V projected from `source`, attended; the heads' output projected by W_o if asked."""
    shape = source.shape
    q, k, v = (build.apply("linear", (source, p[f"W{r}"]) + ((p[f"b{r}"],) if f"b{r}" in p else ()), r.upper(),
                           shape) for r in "qkv")
    attended = build.apply("attention", (q, k, v), "O" if projected else out, shape, heads=heads, causal=causal)
    if not projected:
        return attended
    return build.apply("linear", (attended, p["Wo"]) + ((p["bo"],) if "bo" in p else ()), out, shape)


def lowered(layer, source: Node, p: dict[str, Node], index: int) -> tuple[list[Node], list[Application], Node]:
    """A sequence layer's nodes, applications and output node; `p`: its parameters by role (W, Wq, ...)."""
    a = dict(layer.attributes)
    if layer.kind in CELLS:
        rest = (("nonlinearity", a["nonlinearity"]),) if layer.kind == "rnn" else ()
        return unrolled(layer.kind, source, tuple(p.values()), a["hidden"], index, rest, a["sequence"])
    build = _Builder(index)
    if layer.kind == "embedding":
        out = build.apply("embedding", (source, p["E"]), "H", layer.shape)
    elif layer.kind == "attention":
        out = _attention(build, source, p, a["heads"], a["causal"], a["output_projection"], "H")
    else:
        out = _block(build, source, p, a, layer.shape)
    return build.nodes, build.applications, out


def _block(build: _Builder, x: Node, p: dict, a: dict, shape: tuple) -> Node:
    pre = a["norm"] == "pre"

    def norm(source, part):
        return build.apply("layer_norm", (source, p[f"gamma{part}"], p[f"beta{part}"]), f"N{part}", shape,
                           epsilon=a["epsilon"], last_axis=True)

    entry = norm(x, "A") if pre else x
    first = build.apply("add", (x, _attention(build, entry, p, a["heads"], a["causal"], True, "P")), "RA", shape)
    first = first if pre else norm(first, "A")
    mid = norm(first, "F") if pre else first
    up = build.apply("linear", (mid, p["Wup"], p["bup"]), "U", shape[:1] + p["Wup"].shape[:1])
    inner = build.apply("activation", (up,), "G", up.shape, function="gelu")
    down = build.apply("linear", (inner, p["Wdown"], p["bdown"]), "D", shape)
    out = build.apply("add", (first, down), "RF" if not pre else "H", shape)
    return out if pre else norm(out, "F")
