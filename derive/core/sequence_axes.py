"""The axes and letters of a sequence network's nodes at the index level (core/tensor_index.py):
a sequence's entries over (sample n, time t, feature), one time step's over (n, feature); the time
step's name carries ⟨τ⟩, counted from 0 as the entries are.

    X token ids (n, t) -> e = embedding (n, t, k) -> x^{⟨τ⟩} = time_step (n, k)
    -> a cell's gates and states i, f, c̃, o, c, h (r, z, n) (n, j) -> h = stack (n, t, j) -> z = linear (n, t, k)

A feature axis alternates k and j from layer to layer, as a flat network's units do; every node of
a cell has its hidden units' axis.
"""

from __future__ import annotations

from sympy import Idx

from .graph import Kind

CELL_OPS = ("gate", "lstm_cell", "lstm_out", "gru_new", "gru_mix", "gru_reset")
ATTENTION_OPS = ("scores", "softmax", "attend")
SEQUENCE_OPS = ("embedding", "time_step", "stack", "linear") + CELL_OPS + ATTENTION_OPS
# attention's nodes by their name's role (Q2: the queries); a linear layer's other outputs are z
ATTENTION_LETTERS = {"Q": "Q", "K": "K", "V": "V", "S": "S", "A": "A", "O": "O"}
# a transformer block's own nodes (lower_sequence.py): its norms u and v, the projected attention p,
# the residual sums r and s, the MLP's m, g = GELU(m) and f, the block's output y
BLOCK_LETTERS = {"BNA": "u", "BNF": "v", "BP": "p", "BRA": "r", "BRF": "s", "BU": "m", "BG": "g", "BD": "f",
                 "BH": "y"}
LETTERS = {"embedding": "e", "stack": "h", "linear": "z", "scores": "S", "softmax": "A", "attend": "O"}
# a cell's nodes by their name's role (h2_3: h), and its parameters' gates (Wf2: f)
CELL_LETTERS = {"h": "h", "i": "i", "f": "f", "g": r"\tilde{c}", "o": "o", "c": "c", "r": "r", "z": "z", "n": "n",
                "p": "{n_{x}}", "q": "{n_{h}}", "m": "m"}
ROLES = {"W": "w", "U": "u", "E": "E", "b": "b", "bh": "b'"}
GATES = ("i", "f", "g", "o", "r", "z", "n")


def other(letter: str) -> str:
    return "j" if letter == "k" else "k"


def input_axes(x, graph, n: Idx) -> tuple[Idx, ...]:
    """The input's: token ids (n, t), vectors per step (n, t, k)."""
    if len(x.shape) == 2:
        return n, Idx("t", x.shape[0]), Idx("k", x.shape[1])
    return n, Idx("t", x.shape[0])


def reads_tokens(x, graph) -> bool:
    return len(x.shape) == 1 and any(a.op == "embedding" for a in graph.consumers(x))


def output_axes(application, axes: dict, n: Idx, graph) -> tuple[Idx, ...]:
    source, out = application.inputs[0], application.output
    op = application.op
    if op == "embedding":
        return n, axes[source][1], Idx("k", out.shape[1])
    if op == "time_step":
        return (n,) + axes[source][2:]
    if op == "gate":
        letter = str(axes[source][1].label)
        producer = graph.producer(source)
        reads_state = producer is not None and producer.op in CELL_OPS       # U h' + b: the hidden units' axis
        return n, Idx(letter if reads_state else other(letter), out.shape[0])
    if op in CELL_OPS or op == "softmax":
        return axes[source]
    if op == "scores":
        heads = application.attribute("heads")
        return (n,) + ((Idx("h", heads),) if heads > 1 else ()) + (axes[source][1], Idx("s", source.shape[0]))
    if op == "attend":
        return n, axes[application.inputs[1]][1], axes[application.inputs[1]][2]
    if op == "stack":
        return n, Idx("t", out.shape[0]), axes[source][1]
    return n, axes[source][1], Idx(other(str(axes[source][2].label)), out.shape[1])          # linear


def parameter_axes(application, parameter, axes: dict) -> tuple[Idx, ...]:
    out, source = axes[application.output], axes[application.inputs[0]]
    if application.op == "embedding":
        return Idx("v", parameter.shape[0]), out[-1]
    if application.op == "gate" and len(parameter.shape) == 2:
        sources = application.attribute("sources")
        read = axes[application.inputs[application.inputs.index(parameter) - sources]][-1]
        j = out[-1]
        return j, Idx(f"{j.label}'", (j.lower, j.upper)) if read == j else read
    return (out[-1], source[-1]) if len(parameter.shape) == 2 else (out[-1],)


def letter(node, producer) -> str:
    """A sequence node's name: a parameter's role and gate, a step's node its role and ⟨t⟩, the others
    their op's letter or their role's in attention or a transformer block."""
    if node.kind == Kind.PARAMETER:
        return _parameter_letter(node.name.rstrip("0123456789")) + f"^{{[{node.layer}]}}"
    if producer.op == "time_step" or producer.op in CELL_OPS:
        step = producer.attribute("t")
        # a step's slice of the layer's input is x^{[l]⟨t⟩}, as the posts write x^{⟨t⟩}: a slice of the layer
        # below's stacked states is not that layer's own h^{⟨t⟩}, whose gradient differs
        role = "x" if producer.op == "time_step" else CELL_LETTERS[node.name.rstrip("_0123456789")]
        name = f"{role}^{{[{node.layer}]}}"
        return (name[:-1] if name.endswith("}") else name + "^{") + rf"\langle {step}\rangle" + "}"
    role = node.name.rstrip("0123456789")
    letter = ATTENTION_LETTERS.get(role) or BLOCK_LETTERS.get(role) or LETTERS[producer.op]
    return f"{letter}^{{[{node.layer}]}}"


def _parameter_letter(role: str) -> str:
    """W, U, b, E; a gate's own: Wf as w_f, bhr as b'_r, Wg as w_c̃."""
    for prefix in ("bh", "W", "U", "b", "E"):
        if role.startswith(prefix):
            gate = role[len(prefix):]
            if not gate:
                return ROLES[prefix]
            if gate in GATES or gate in ("q", "k", "v"):
                return f"{{{ROLES[prefix]}_{{{CELL_LETTERS.get(gate, gate) if gate in GATES else gate}}}}}"
    return role.lower()
