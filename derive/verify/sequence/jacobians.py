"""∂A/∂B between two of a sequence world's quantities where B is one of A's own operands: the
softmax's (A by S, ŷ by the logits), an activation's (h by its net input, a gate by its own), one
RNN step's (h_t by h_{t-1}: diag(φ') U), the LSTM's cell state's (c_t by c_{t-1}: diag(f)), a net input's
(by the previous state: U; by the input: W; by its bias: I). Each from
the rows' kernels (the softmax's VJP, the activation's slope), with the axes of A first, then B's."""

from __future__ import annotations

import numpy as np

from ...core.ops.attention import softmax_vjp_rows
from ...rules import kernels
from ...rules.activations import ACTIVATIONS
from .quantities import World
from .unfit import Unfit

GATE_FUNCTIONS = {"i": "sigmoid", "f": "sigmoid", "o": "sigmoid", "g": "tanh", "r": "sigmoid", "z": "sigmoid"}


MAX_CARRIED = 400_000                # numbers a total derivative carries through the steps, at most
GATE_WEIGHTS = {f"{weight}:{gate}" for weight in "WUb" for gate in "ifgo"}       # an LSTM gate's own weights
# the LSTM's products, each by one of its factors: the other factor, entry by entry
LSTM_FACTORS = {("c", "c@-1"): lambda value: value("f"), ("c", "f"): lambda value: value("c@-1"),
                ("c", "i"): lambda value: value("g"), ("c", "g"): lambda value: value("i"),
                ("h", "o"): lambda value: np.tanh(value("c")),
                ("h", "c"): lambda value: value("o") * (1.0 - np.tanh(value("c")) ** 2)}


def jacobian(world: World, top: str, bottom: str, value) -> np.ndarray | None:
    """The Jacobian of key `top` by key `bottom` at the step in view; `value(key)` reads a key there.
    None where B is not one of A's own operands."""
    if (top, bottom) == ("yhat", "logit") and world.read_out != "softmax":
        return _slope(world.read_out, value("logit"))
    if (top, bottom) == ("logit", "h"):                         # o = V h + c
        return value("V:")
    if (top, bottom) == ("yhat", "h"):
        return _chained(jacobian(world, "yhat", "logit", value), value("V:"))
    if (top, bottom) in (("A", "S"), ("yhat", "logit")):
        out = value(top)
        rows = out if top == "A" else out.reshape(1, -1)
        found = np.zeros(rows.shape + rows.shape)
        for index in np.ndindex(*rows.shape):
            seed = np.zeros(rows.shape)
            seed[index] = 1.0
            found[index] = softmax_vjp_rows(rows, seed)
        return found if top == "A" else found[0, :, 0, :]
    net = "net:" if world.kind == "rnn" and top == "h" else f"net:{top}" if top in GATE_FUNCTIONS else None
    if net is not None:                         # h = φ(net): by the net, or through it by the net's operands
        function = world.activation if top == "h" else GATE_FUNCTIONS[top]
        slope = _slope(function, value(net))
        return slope if bottom == net else _chained(slope, jacobian(world, net, bottom, value))
    if world.kind == "lstm" and (top, bottom) in LSTM_FACTORS:     # c = f ⊙ c' + i ⊙ g, h = o ⊙ tanh(c)
        return np.diag(LSTM_FACTORS[top, bottom](value).ravel())
    # ∂z/∂b = I, a net input's or the read-out's by its own bias
    if top.startswith("net:") and bottom in (f"b:{top[4:]}", f"b':{top[4:]}") or (top, bottom) == ("logit", "b:y"):
        return np.eye(value(top).size)
    if top.startswith("net:") and bottom in ("h@-1", "x"):      # ∂z_t/∂h_{t-1} = U, ∂z_t/∂x_t = W
        gate = top[4:]
        return value(f"{'U' if bottom == 'h@-1' else 'W'}:{gate}")
    if world.kind == "lstm" and top in ("h", "c") and bottom in GATE_WEIGHTS:      # ∂c_t/∂b_f, the earlier
        return _within_step(world, top, bottom, value)                              # states held fixed
    product = {("logit", "V:"): "h", **{(f"net:{g}", f"W:{g}"): "x" for g in ("", "i", "f", "g", "o", "r", "z")},
               **{(f"net:{g}", f"U:{g}"): "h@-1" for g in ("", "i", "f", "g", "o", "r", "z")}}.get((top, bottom))
    joined = bottom.split("|")
    if product is None and len(joined) == 2 and top.startswith("net:") and joined[0] == f"W:{top[4:]}":
        product = tuple("h@-1" if side == "h" else "x" for side in joined[1])    # W_f over [h_{t-1}; x_t]
    if product is not None:             # ∂q_l/∂V_ij = δ_li h_j: a product's output by its weights' entries
        read = np.concatenate([value(key).ravel() for key in ((product,) if isinstance(product, str) else product)])
        out = value(top).size
        found = np.zeros((out, out, read.size))
        found[np.arange(out), np.arange(out), :] = read
        return found
    return None


def _slope(function: str, net: np.ndarray) -> np.ndarray:
    """An elementwise activation's Jacobian: the diagonal matrix of its slopes at the net input."""
    net = net.ravel()
    return np.diag(kernels.slope(function)(net, ACTIVATIONS[function].numpy(net)))


def _chained(outer: np.ndarray | None, inner: np.ndarray | None) -> np.ndarray | None:
    """∂A/∂C = ∂A/∂B ∂B/∂C, B a vector: A's axis first, then C's."""
    if outer is None or inner is None:
        return None
    return np.tensordot(outer, inner, axes=1)


def total_jacobian(world: World, top: str, bottom: str, value) -> np.ndarray | None:
    """An RNN's h_t or net input (an LSTM's h_t, c_t or a gate's net input: _lstm_total) by a weight every step
    shares, through every earlier step too (the total derivative, where `jacobian` holds the earlier states
    fixed): for the RNN, J_t = diag(φ'_t)(∂net_t/∂P + U J_{t-1})."""
    if world.kind in ("rnn", "lstm") and bottom in world.values:
        _affordable(world, bottom, value)
    if world.kind == "lstm" and top in ("h", "c") + tuple(f"net:{gate}" for gate in "ifgo"):
        return _lstm_total(world, top, bottom, value)
    if world.kind != "rnn" or top not in ("h", "net:"):
        return None
    held, state = world.at, None
    try:
        for step in range(held + 1):
            world.at = step
            net = jacobian(world, "net:", bottom, value)
            if net is None:
                return None
            if state is not None:
                net = net + np.tensordot(value("U:"), state, axes=1)
            state = np.tensordot(_slope(world.activation, value("net:")), net, axes=1)
        return net if top == "net:" else state
    finally:
        world.at = held


def _within_step(world: World, top: str, bottom: str, value) -> np.ndarray:
    """An LSTM's h_t or c_t by a gate's weight within the step: down to the gate's net input, then by the weight
    (0 where c_t does not read the gate: the output gate's)."""
    gate = bottom.split(":")[1]
    path = WITHIN_STEP["lstm"][f"net:{gate}"]
    if top == "c":
        if path[0] != "c":
            return np.zeros((np.size(value("c")),) + np.shape(value(bottom)))
        path = path[1:]
    found, above = None, top
    for below in path:
        step = jacobian(world, above, below, value)
        found = step if found is None else _chained(found, step)
        above = below
    net = jacobian(world, path[-1], bottom, value).reshape((np.size(value(path[-1])),) + np.shape(value(bottom)))
    return _chained(found, net)


def _affordable(world: World, bottom: str, value) -> None:
    """Unfit where the forward-mode walk would carry more than MAX_CARRIED numbers through the steps (a state's
    Jacobian by a weight at each step, each gate's): a wide cell over many steps, left unchecked, not hours."""
    carried = np.size(value("h")) * np.size(value(bottom)) * (world.at + 1) * (4 if world.kind == "lstm" else 1)
    if carried > MAX_CARRIED:
        raise Unfit(f"a state's total derivative by a weight of {np.size(value(bottom))} entries over "
                    f"{world.at + 1} steps: more than derive carries through the steps ({MAX_CARRIED:,} numbers)")


def _lstm_total(world: World, top: str, bottom: str, value) -> np.ndarray | None:
    """An LSTM's h_t, c_t or a gate's net input by a gate's weight (W_f, U_i, b_o), through every earlier step:
    each step's net inputs move with the weight itself and with h_{t-1}; c_t with its gates and c_{t-1}; h_t with
    o_t and c_t."""
    if bottom not in GATE_WEIGHTS or bottom not in world.values:
        return None                     # a gate's own weight; the stacked ones (W:stack) are code's view
    held, state, cell = world.at, None, None
    shape = (np.size(value("h")),) + np.shape(value(bottom))
    try:
        for step in range(held + 1):
            world.at = step
            gates, nets = {}, {}
            for gate in ("i", "f", "g", "o"):
                net = jacobian(world, f"net:{gate}", bottom, value)
                net = np.zeros(shape) if net is None else net.reshape(shape)      # ∂z/∂b = I: b a column
                if state is not None:
                    net = net + np.tensordot(value(f"U:{gate}"), state, axes=1)
                nets[f"net:{gate}"] = net
                gates[gate] = np.tensordot(jacobian(world, gate, f"net:{gate}", value), net, axes=1)
            moved = sum(np.tensordot(jacobian(world, "c", gate, value), gates[gate], axes=1) for gate in "ifg")
            cell = moved if cell is None else moved + np.tensordot(jacobian(world, "c", "c@-1", value), cell, axes=1)
            state = np.tensordot(jacobian(world, "h", "o", value), gates["o"], axes=1) + \
                np.tensordot(jacobian(world, "h", "c", value), cell, axes=1)
        return {"h": state, "c": cell}.get(top, nets.get(top))
    finally:
        world.at = held


# the way down from the state h_t to a quantity of the same step, one operand at a time
WITHIN_STEP = {"lstm": {"o": ("o",), "c": ("c",), "f": ("c", "f"), "i": ("c", "i"), "g": ("c", "g"),
                        **{f"net:{gate}": path + (f"net:{gate}",) for gate, path in
                           (("o", ("o",)), ("f", ("c", "f")), ("i", ("c", "i")), ("g", ("c", "g")))}},
               "rnn": {"net:": ("net:",)}}


def from_state(world: World, bottom: str, value) -> np.ndarray | None:
    """∂h_t/∂q_t for a quantity q of step t that h_t reads within the step (an LSTM's gates, its cell state,
    their net inputs; an RNN's net input): the chain of each operand's Jacobian, h's axis first."""
    path = WITHIN_STEP.get(world.kind, {}).get(bottom)
    if path is None:
        return None
    found, top = None, "h"
    for below in path:
        step = jacobian(world, top, below, value)
        found = step if found is None else _chained(found, step)
        top = below
    return found


# an LSTM step's quantities, each by the ones of the same step (or c_{t-1}) it is made of
OPERANDS = {"lstm": {"h": ("o", "c"), "c": ("f", "i", "g", "c@-1"), **{gate: (f"net:{gate}",) for gate in "ifgo"}}}


def within_step(world: World, top: str, bottom: str, value) -> np.ndarray | None:
    """∂h_t/∂f_t = ∂h_t/∂c_t ∂c_t/∂f_t: a quantity by one it reaches through others of its step, each path's chain
    of Jacobians summed (the step's other inputs held); None where no path leads there."""
    if top == bottom:
        return np.eye(np.size(value(top)))
    found = None
    for operand in OPERANDS.get(world.kind, {}).get(top, ()):
        rest = within_step(world, operand, bottom, value)
        if rest is not None:
            path = _chained(jacobian(world, top, operand, value), rest)
            found = path if found is None else found + path
    return found
