"""A function applied in a sequence claim: tanh(z), σ'(z), tanh^2(z), np.sum(x, axis=0), row_sum(x),
concat([...]), dot(a, b), an RNN's activation by a letter (g, φ), and a function the post's code defines
(dtanh(c)), its body read with its parameters bound to the arguments."""

from __future__ import annotations

import numpy as np

from .. import syntax as s
from .arithmetic import matmul, shape_of
from .code_forms import TRANSPOSES
from .functions import FUNCTIONS, slope
from .unfit import Unfit

MAX_DEPTH = 40          # names and functions defined through others, at most this deep
ROW_SUMS = ("row_sum", "rowsum", "rowSum", "sum")


class Applications:
    def _post_function(self, name: str, argument: s.Node):
        """dtanh(c), where the post's code defines dtanh: its returned value with its parameters the arguments."""
        parameters, body = self.post.functions[name]
        items = _listed(argument) if isinstance(argument, s.Args) else [argument.inner]
        if len(items) != len(parameters):
            raise Unfit(f"{name} of {len(items)} arguments")
        values = {p: self.value(item) for p, item in zip(parameters, items)}
        held = dict(self.bound)
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise Unfit("a function defined through itself")
        try:
            self.bound = values                      # the body sees its parameters, not the caller's names
            return self.value(body)
        finally:
            self.bound, self.depth = held, self.depth - 1

    def _applied(self, function: s.Node, argument: s.Node | None):
        """f(z), f'(z), f(z)^2 (the square of f(z)), concat([...]); None if `function` is no function."""
        power = None
        if argument is None:
            return None
        transposed = False
        if isinstance(argument, s.Scripted) and isinstance(argument.base, s.Paren) and argument.sub is None and \
                argument.sup is not None and (argument.sup.text.isdigit() or argument.sup.text in TRANSPOSES):
            if argument.sup.text in TRANSPOSES:
                argument, transposed = argument.base, True          # exp(S)^T
            else:
                argument, power = argument.base, int(argument.sup.text)
        if isinstance(argument, s.Sym) or isinstance(argument, s.Scripted) and not isinstance(argument.base, s.Paren):
            if function_name(function)[0] not in WITHOUT_PARENTHESES:
                return None                 # \log \hat{y}_i: a name, its argument without parentheses
        elif not isinstance(argument, (s.Paren, s.Args)) or (isinstance(argument, s.Paren) and argument.kind == "<"):
            return None
        if isinstance(function, s.Scripted) and function.sub is None and not function.primes and \
                function.sup is not None and function.sup.text.isdigit() and power is None:
            function, power = function.base, int(function.sup.text)        # tanh^2(z): (tanh z)^2
        if isinstance(function, s.Sym) and function.text in self.post.functions and power is None and not transposed:
            return self._post_function(function.text, argument)
        name, primes = function_name(function)
        if name == "sigma" and self.post.sigma_is_activation and self.world.kind == "rnn" and \
                self.world.read_out != "sigmoid":
            name = self.world.activation       # "σ can be tanh or ReLU": the post's σ is the state's activation
        if name is None:
            name, primes = _stand_in(function, self.world)    # g(W x_t + U h_{t-1}): the state's
            if name == EITHER:                 # g(·) in a gated cell: the post's forward line says which
                name = self.pick(f"activation {_letter(function)}", ("tanh", "sigmoid"))
        if name is None:
            return None
        if name == "dot":
            items = _listed(argument)
            if len(items) != 2:
                raise Unfit("dot of two arrays")
            found = matmul(self.value(items[0]), self.value(items[1]))
        elif name == "copy":
            found = self.value(argument)
        elif name in ("concat", "vstack", "hstack", "outer"):
            items = _listed(argument)
            values = [self.value(item) for item in items]
            if name == "outer":
                if len(values) != 2:
                    raise Unfit("outer of two vectors")
                found = np.outer(values[0], values[1])
            else:
                found = np.vstack(values) if name != "hstack" else np.hstack(values)
        elif name in ROW_SUMS:
            items = _listed(argument) if isinstance(argument, s.Args) else [argument.inner]
            axis = _axis(items[1]) if len(items) == 2 else None
            if axis is not None:
                summed = self.value(items[0])                                   # np.sum(x, axis=0), axis=-1
                if not -np.ndim(summed) <= axis < np.ndim(summed):
                    raise Unfit(f"the axis {axis} of a {shape_of(summed)}")
                found = np.sum(summed, axis=axis, keepdims=True)
            elif len(items) == 1:
                found = np.sum(self.value(items[0]), axis=-1, keepdims=True)     # row_sum(x)
            else:
                raise Unfit(f"{name} of {len(items)} arguments")
        elif primes:
            inner = self.value(argument)
            try:
                found = slope(name, inner, self.pick("slope", ("argument", "output")) == "output")
            except KeyError:
                raise Unfit(f"the derivative of {name}") from None
            if primes > 1:
                raise Unfit(f"the second derivative of {name}")
        else:
            found = FUNCTIONS[name](self.value(argument))
        found = found if power is None else found ** power
        return np.transpose(found) if transposed else found


WITHOUT_PARENTHESES = ("log", "ln", "exp", "tanh")      # applied to a name written straight after them


def function_name(node: s.Node) -> tuple[str | None, int]:
    primes = 0
    if isinstance(node, s.Scripted) and node.sub is None and node.sup is None:
        node, primes = node.base, node.primes
    if isinstance(node, s.Func):
        return node.name, primes
    if isinstance(node, s.Sym) and node.font == "operatorname" and node.text.lower().replace("_", "") == "rowsum":
        return "rowsum", primes                        # ROW_SUM(x), row_sum(x)
    if isinstance(node, s.Sym) and (node.text in FUNCTIONS or node.text in ROW_SUMS or
                                    node.text in ("concat", "vstack", "hstack", "outer", "dot", "copy")):
        return node.text, primes
    return None, 0


def _axis(node: s.Node) -> int | None:
    """0, 1, -1: an axis written as code writes it."""
    if isinstance(node, s.Num) and node.text.isdigit():
        return int(node.text)
    if isinstance(node, s.Neg) and isinstance(node.arg, s.Num) and node.arg.text.isdigit():
        return -int(node.arg.text)
    return None


def _stand_in(node: s.Node, world) -> tuple[str | None, int]:
    """g, f, φ: an RNN's activation written by a letter (h_t = g(z_t)), and g' its slope (an RNN has no forget gate
    for f to name); with the layer it belongs to below it, as Elman's and Wikipedia's notation writes it: σ_h, φ_h
    (the state's), σ_y, φ_o (the read-out's); and Wikipedia's LSTM's σ_g (the gates' sigmoid), σ_c and σ_h (tanh)."""
    primes = 0
    if isinstance(node, s.Scripted) and node.sup is None:
        node, primes, sub = node.base, node.primes, node.sub
    else:
        sub = None
    letter = "\\sigma" if isinstance(node, s.Func) and node.name == "sigma" else getattr(node, "text", None)
    if not isinstance(node, (s.Sym, s.Func)) or letter not in STAND_INS + ("\\sigma",):
        return None, 0
    layer = sub.text.strip("{}") if sub is not None else None
    if world.kind != "rnn":                            # Wikipedia's LSTM: σ_g the gates', σ_c and σ_h tanh
        if letter != "\\sigma" and layer is None and world.kind in ("lstm", "gru"):
            return EITHER, primes                      # ĥ_t = g(W_h x_t + U_h(r_t ⊙ h_{t-1}) + b_h)
        return (GATED_LAYERS[layer], primes) if letter == "\\sigma" and layer in GATED_LAYERS else (None, 0)
    if layer is None:
        return (world.activation, primes) if letter != "\\sigma" else (None, 0)
    if layer in STATE_LAYERS:
        return world.activation, primes
    if layer in READ_OUT_LAYERS and world.read_out in FUNCTIONS:
        return world.read_out, primes
    return None, 0


STAND_INS = ("g", "f", "\\phi", "\\varphi")
EITHER = "tanh or sigmoid"          # a gated cell's activation written by a letter: its candidate's or a gate's

STATE_LAYERS = ("h", "a", "s", "hidden")
READ_OUT_LAYERS = ("y", "o", "out", "output")
GATED_LAYERS = {"g": "sigmoid", "c": "tanh", "h": "tanh"}


def _listed(argument: s.Node) -> list[s.Node]:
    if isinstance(argument, s.Args):
        return list(argument.items)
    inner = argument.inner
    if isinstance(inner, s.Matrix) and inner.listed:
        return [item for row in inner.rows for item in row]
    raise Unfit("a list")


def _letter(node: s.Node) -> str:
    return getattr(node.base if isinstance(node, s.Scripted) else node, "text", "")
