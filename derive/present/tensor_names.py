"""The words of a typed-layer document (templates/*/tensor.*.j2): each op's name, each step's title
and each gradient's, from the graph's applications and nodes. A recurrent cell's nodes are named by
their role (f2_3: the forget gate at step 2), counted from 0 as the entries are."""

from __future__ import annotations

from ..core.graph import Kind, Node

KIND_NAMES = {"conv2d": "convolution", "max_pool": "max-pool", "avg_pool": "average-pool", "flatten": "flatten",
              "dense": "dense", "batch_norm": "batch normalization", "layer_norm": "layer normalization",
              "rms_norm": "RMS normalization", "embedding": "embedding", "rnn": "RNN", "lstm": "LSTM", "gru": "GRU",
              "attention": "attention", "transformer_block": "transformer block", "time_step": "time step",
              "stack": "stacked states", "linear": "dense at every position"}
# a recurrent cell's nodes, by their name's role (f2_3: the forget gate), and its parameters' gates
CELL_NODES = {"h": "hidden state", "i": "input gate", "f": "forget gate", "g": "candidate cell state",
              "o": "output gate", "c": "cell state", "r": "reset gate", "z": "update gate", "n": "new state",
              "p": "new state's input part", "q": "new state's recurrent part"}


def title(application) -> str:
    out = application.output
    return f"Layer {out.layer}: {_op_name(application)}{_step(application)}"


def _op_name(application) -> str:
    if application.op == "activation":
        return application.attribute("function")
    if application.op in KIND_NAMES:
        return KIND_NAMES[application.op]
    return CELL_NODES[application.output.name.rstrip("_0123456789")]


def _step(application) -> str:
    """A recurrent layer's time step, counted from 0."""
    return f", step {application.attribute('t')}" if "t" in dict(application.attributes) else ""


ROLES = {"W": "weights", "b": "biases", "gamma": "scales (gamma)", "beta": "shifts (beta)", "E": "embedding table",
         "U": "recurrent weights", "bh": "recurrent biases"}


def _role_words(role: str) -> str:
    """A parameter's role in words: W, b ...; a gate's own, Wf: the forget gate's weights."""
    if role in ROLES:
        return ROLES[role]
    prefix = next(p for p in ("bh", "W", "U", "b") if role.startswith(p))
    return f"{CELL_NODES[role[len(prefix):]]}'s {ROLES[prefix]}"


def gradient_title(form, node: Node) -> str:
    if node.kind == Kind.PARAMETER:
        return f"Layer {node.layer}: the gradient by the {_role_words(node.name.rstrip('0123456789'))}"
    producer = form.level.graph.producer(node)
    named = STATES.get(producer.op, f"{_op_name(producer)}'s output") if producer.op not in CELL_NODE_OPS else \
        _op_name(producer)
    return f"Layer {node.layer}: the gradient by the {named}{_step(producer)}"


STATES = {"stack": "stacked states", "time_step": "step's input"}
CELL_NODE_OPS = ("gate", "lstm_cell", "lstm_out", "gru_new", "gru_mix")
