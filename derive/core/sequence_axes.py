"""The axes and letters of a sequence network's nodes at the index level (core/tensor_index.py):
a sequence's entries over (sample n, time t, feature), one time step's over (n, feature); the time
step's name carries ⟨τ⟩, counted from 0 as the entries are.

    X token ids (n, t) -> e = embedding (n, t, k) -> x^{⟨τ⟩} = time_step (n, k)
    -> h^{⟨τ⟩} = rnn_cell (n, j) -> h = stack (n, t, j) -> z = linear (n, t, k)

A feature axis alternates k and j from layer to layer, as a flat network's units do.
"""

from __future__ import annotations

from sympy import Idx

from .graph import Kind

SEQUENCE_OPS = ("embedding", "time_step", "rnn_cell", "stack", "linear")
LETTERS = {"embedding": "e", "rnn_cell": "h", "stack": "h", "linear": "z"}
ROLES = {"W": "w", "U": "u", "E": "E", "b": "b"}


def other(letter: str) -> str:
    return "j" if letter == "k" else "k"


def input_axes(x, graph, n: Idx) -> tuple[Idx, ...]:
    """The input's: token ids (n, t), vectors per step (n, t, k)."""
    if len(x.shape) == 2:
        return n, Idx("t", x.shape[0]), Idx("k", x.shape[1])
    return n, Idx("t", x.shape[0])


def reads_tokens(x, graph) -> bool:
    return len(x.shape) == 1 and any(a.op == "embedding" for a in graph.consumers(x))


def output_axes(application, axes: dict, n: Idx) -> tuple[Idx, ...]:
    source, out = application.inputs[0], application.output
    op = application.op
    if op == "embedding":
        return n, axes[source][1], Idx("k", out.shape[1])
    if op == "time_step":
        return (n,) + axes[source][2:]
    if op == "rnn_cell":
        return n, Idx(other(str(axes[source][1].label)), out.shape[0])
    if op == "stack":
        return n, Idx("t", out.shape[0]), axes[source][1]
    return n, axes[source][1], Idx(other(str(axes[source][2].label)), out.shape[1])          # linear


def parameter_axes(application, parameter, axes: dict) -> tuple[Idx, ...]:
    out, source = axes[application.output], axes[application.inputs[0]]
    role = parameter.name.rstrip("0123456789")
    if application.op == "embedding":
        return Idx("v", parameter.shape[0]), out[-1]
    if role == "U":
        j = out[-1]
        return j, Idx(f"{j.label}'", (j.lower, j.upper))
    return (out[-1], source[-1]) if len(parameter.shape) == 2 else (out[-1],)


def letter(node, producer, base_of) -> str:
    """A sequence node's name; `base_of(node)` names another node (a time step's source)."""
    if node.kind == Kind.PARAMETER:
        return ROLES.get(node.name.rstrip("0123456789"), node.name.rstrip("0123456789").lower()) + f"^{{[{node.layer}]}}"
    if producer.op in ("time_step", "rnn_cell"):
        step = producer.attribute("t")
        name = base_of(producer.inputs[0]) if producer.op == "time_step" else f"h^{{[{node.layer}]}}"
        return (name[:-1] if name.endswith("}") else name + "^{") + rf"\langle {step}\rangle" + "}"
    return f"{LETTERS[producer.op]}^{{[{node.layer}]}}"
