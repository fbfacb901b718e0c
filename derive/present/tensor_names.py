"""The words of a typed-layer document (templates/*/tensor.*.j2): each op's name, each step's title
and each gradient's, from the graph's applications and nodes. A recurrent cell's nodes are named by
their role (f2_3: the forget gate at step 2), counted from 0 as the entries are."""

from __future__ import annotations

from ..core.graph import Kind, Node

KIND_NAMES = {"conv2d": "convolution", "max_pool": "max-pool", "avg_pool": "average-pool", "flatten": "flatten",
              "dense": "dense", "batch_norm": "batch normalization", "layer_norm": "layer normalization",
              "rms_norm": "RMS normalization", "embedding": "embedding", "rnn": "RNN", "lstm": "LSTM", "gru": "GRU",
              "attention": "attention", "transformer_block": "transformer block", "time_step": "time step",
              "stack": "stacked states", "linear": "dense at every position", "scores": "attention scores",
              "softmax": "attention weights", "attend": "attention's weighted sum of the values"}
# a transformer block's own nodes (core/lower_sequence.py), by their role
BLOCK_NODES = {"BNA": "layer normalization", "BNF": "layer normalization", "BP": "attention's output projection",
               "BRA": "residual sum", "BRF": "residual sum", "BU": "MLP's first product", "BG": "GELU",
               "BD": "MLP's second product", "BH": "block's output"}
BLOCK_ROLES = {"Wup": "MLP's first weights", "bup": "MLP's first biases", "Wdown": "MLP's second weights",
               "bdown": "MLP's second biases", "gammaA": "attention's norm's scales (gamma)",
               "betaA": "attention's norm's shifts (beta)", "gammaF": "MLP's norm's scales (gamma)",
               "betaF": "MLP's norm's shifts (beta)"}
# attention's projections, by their output's role (Q2: the queries)
PROJECTIONS = {"Q": "queries", "K": "keys", "V": "values"}
# a recurrent cell's nodes, by their name's role (f2_3: the forget gate), and its parameters' gates
CELL_NODES = {"h": "hidden state", "i": "input gate", "f": "forget gate", "g": "candidate cell state",
              "o": "output gate", "c": "cell state", "r": "reset gate", "z": "update gate", "n": "new state",
              "p": "new state's input part", "q": "new state's recurrent part",
              "m": "reset previous state"}


def title(application) -> str:
    out = application.output
    return f"Layer {out.layer}: {_op_name(application)}{_step(application)}"


def _op_name(application) -> str:
    role = application.output.name.rstrip("0123456789")
    if role in BLOCK_NODES:
        return BLOCK_NODES[role]
    if application.op == "activation":
        return application.attribute("function")
    if application.op == "linear" and role in PROJECTIONS:
        return PROJECTIONS[role]
    if application.op == "linear" and application.inputs[0].name.rstrip("0123456789") == "O":  # attention's
        return "output projection"
    if application.op in KIND_NAMES:
        return KIND_NAMES[application.op]
    return CELL_NODES[application.output.name.rstrip("_0123456789")]


def _step(application) -> str:
    """A recurrent layer's time step, counted from 0."""
    return f", step {application.attribute('t')}" if "t" in dict(application.attributes) else ""


ROLES = {"W": "weights", "b": "biases", "gamma": "scales (gamma)", "beta": "shifts (beta)", "E": "embedding table",
         "U": "recurrent weights", "bh": "recurrent biases"}


def _role_words(role: str) -> str:
    """A parameter's role in words: W, b ...; a gate's own, Wf: the forget gate's weights; a
    projection's, Wq: the queries' weights."""
    if role in ROLES:
        return ROLES[role]
    if role in BLOCK_ROLES:
        return BLOCK_ROLES[role]
    prefix = next(p for p in ("bh", "W", "U", "b") if role.startswith(p))
    owner = role[len(prefix):]
    if owner in ("q", "k", "v"):
        return f"{PROJECTIONS[owner.upper()]}' {ROLES[prefix]}"
    return f"{CELL_NODES[owner]}'s {ROLES[prefix]}"


def gradient_title(form, node: Node) -> str:
    graph = form.level.graph
    if node.kind == Kind.PARAMETER:
        role = node.name.rstrip("0123456789")
        projecting = role in ("Wo", "bo") and graph.consumers(node)[0].op == "linear"     # attention's, not a gate's
        words = ROLES[role[0]] if projecting else _role_words(role)
        return f"Layer {node.layer}: the gradient by the {'output projection' + chr(39) + 's ' if projecting else ''}" \
               f"{words}"
    producer = graph.producer(node)
    name = _op_name(producer)
    noun = producer.op in NOUNS or name in PROJECTIONS.values() or node.name.rstrip("0123456789") in BLOCK_NODES
    named = STATES.get(producer.op, name if noun else f"{name}'s output")
    return f"Layer {node.layer}: the gradient by the {named}{_step(producer)}"


STATES = {"stack": "stacked states", "time_step": "step's input"}
# ops whose output is named by a noun of its own (a gate, the scores), not as "the op's output"
NOUNS = ("gate", "lstm_cell", "lstm_out", "gru_new", "gru_mix", "gru_reset", "scores", "softmax", "attend")
