"""A recurrent layer as a graph (issue 15): unrolled, one cell application per time step, every
step reading the same W, U and b. The one reverse walk then sums a shared weight's terms over the
steps and carries dL/dh (and the LSTM's dL/dc) back through them: backpropagation through time is
the ordinary gather of a node's consumers' terms, with nothing recurrent in the engine itself.

    x_t = time_step(X, t)          for t = 1..T (X: samples, time, features)
    h_t = rnn_cell(x_t, h_{t-1}, W, U, b)                       (step 1: no h_0, no U)
    c_t = lstm_c(x_t, h_{t-1}, c_{t-1}, W, U, b); h_t = lstm_h(x_t, h_{t-1}, c_t, W, U, b)
    h_t = gru_cell(x_t, h_{t-1}, W, U, b_x, b_h)
    H = stack(h_1, ..., h_T)
"""

from __future__ import annotations

from .graph import Application, Kind, Node

CELLS = ("rnn", "lstm", "gru")


def unrolled(kind: str, source: Node, parameters: tuple[Node, ...], hidden: int, layer: int,
             attributes: tuple = ()) -> tuple[list[Node], list[Application], Node]:
    """The nodes and applications of a `kind` layer over every step of `source` (time, features),
    and the node of all its hidden states (time, hidden). `parameters`: W, U, b (the GRU's b_x, b_h)."""
    steps = source.shape[0]
    w, u, *biases = parameters
    nodes: list[Node] = []
    applications: list[Application] = []
    hidden_state = cell_state = None
    states = []
    for t in range(steps):
        first = t == 0
        flags = (("first", first),) + tuple(attributes)
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
    stacked = Node(f"H{layer}", Kind.INTERMEDIATE, (steps, hidden), layer)
    applications.append(Application("stack", tuple(states), stacked))
    return nodes + [stacked], applications, stacked
