"""The network a post may be about instead of the spec's, one step from it: a GRU of the other variant
(the state reset after U_n, PyTorch's, or before it, Cho et al.'s), or an RNN without activation and bias
(the linear RNN that textbooks use to analyse vanishing gradients, h_t = W_hx x_t + W_hh h_{t-1}). A claim
wrong in the spec's network that holds in that one is the post's network's, not a slip: unchecked, with why.
A post opts into the linear RNN by writing its state so (no activation on the right) and having it hold
there; without that, a dropped tanh' stays a slip."""

from __future__ import annotations

import dataclasses

import numpy as np

from .. import syntax as s
from .names import key_of
from .world import ATTENDING, CELLS, world

GRU_VARIANT = ("not checked: the spec's GRU is PyTorch's, n = tanh(W_n x + b_n + r ⊙ (U_n h' + b'_n)), and this "
               "holds in a GRU that resets h' before U_n (Cho et al.'s; reset_after = false in the spec derives it)")
CHO_VARIANT = ("not checked: the spec's GRU is Cho et al.'s (reset_after = false), n = tanh(W_n x + b_n + "
               "U_n (r ⊙ h') + b'_n), and this holds in a GRU that resets after U_n (PyTorch's)")
LINEAR_RNN = ("not checked: the post's RNN is linear (h_t = W_hx x_t + W_hh h_{t-1}, no activation or bias), "
              "and this holds there; the spec's applies ACTIVATION with biases")


def other_world(spec):
    """The spec's world with its GRU of the other variant, or its RNN linear and without biases; None for
    any other layer."""
    at = next(k for k, layer in enumerate(spec.layers) if layer.kind in CELLS + ATTENDING)
    layer = spec.layers[at]
    if layer.kind == "gru":
        changed = dataclasses.replace(layer, attributes=tuple(
            (key, not value if key == "reset_after" else value) for key, value in layer.attributes))
    elif layer.kind == "rnn":
        changed = dataclasses.replace(
            layer, attributes=tuple((key, "linear" if key == "nonlinearity" else value)
                                    for key, value in layer.attributes),
            parameters=tuple((role, np.zeros_like(array) if role.startswith("b") else array)
                             for role, array in layer.parameters))
    else:
        return None
    return world(dataclasses.replace(spec, layers=spec.layers[:at] + (changed,) + spec.layers[at + 1:]))


def in_other_network(judge, chain: s.Chain) -> str | None:
    """Why the chain is left unchecked as the post's other network's; None where it is not."""
    kind = judge.world.kind
    if kind not in ("gru", "rnn") or kind == "rnn" and not (judge.post.linear_state or _linear_state(judge, chain)):
        return None
    found = judge.other_world() if judge.other_world is not None else None
    if found is None:
        return None
    other = type(judge)(found)
    other.post, other.fixed, other.confirmed = judge.post, judge.fixed, judge.confirmed
    if not any(equal for _, equal in other.outcomes(chain)):
        return None
    if kind == "rnn":
        judge.post.linear_state = True
        return LINEAR_RNN.replace("ACTIVATION", judge.world.activation)
    return GRU_VARIANT if judge.world.reset_after else CHO_VARIANT


def _linear_state(judge, chain: s.Chain) -> bool:
    """h_t = W_hx x_t + W_hh h_{t-1}: the state written with no function applied on the right."""
    left = key_of(chain.sides[0], judge.world.kind, lambda family, options: options[0], judge.post.aliases)
    if left is None or left.split("@")[0] != "h" or len(chain.sides) != 2:
        return False
    return not any(isinstance(node, (s.Func, s.Frac)) or isinstance(node, s.Sym) and node.font == "operatorname"
                   for node in s.nodes(chain.sides[1]))
