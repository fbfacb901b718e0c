"""The functions a claim may apply: activations by every name posts give them, logs and exp,
and g^{[l]} for a layer's own activation."""

from __future__ import annotations

import re

import sympy as sp

from ..rules.activations import ACTIVATIONS, G
from . import syntax as s
from .limits import MAX_DERIVATIVE_ORDER
from .values import NotElementwise, Scope, Unreadable, apply_each, bounded

FUNCTIONS = {"sigma": "sigmoid", "tanh": "tanh", "ReLU": "relu", "LeakyReLU": "leaky_relu", "g": "g",
             "softmax": "softmax", "id": "linear", "softplus": "softplus", "GELU": "gelu", "GELU_tanh": "gelu_tanh"}
FUNCTION_WORDS = {"sigmoid": "sigma", "softmax": "softmax", "relu": "ReLU", "leakyrelu": "LeakyReLU",
                  "tanh": "tanh", "log": "log", "ln": "ln", "exp": "exp", "softplus": "softplus", "gelu": "GELU"}
LOG_BASES = {"10": sp.Integer(10), "2": sp.Integer(2), "e": sp.E}
ACTIVATION_KEYS = {activation: name for name, activation in FUNCTIONS.items()}
X = sp.Symbol("x", real=True)
GENERIC_ACTIVATION = {"F", "f", "\\phi", "\\varphi"}     # letters posts use for "the activation"



def function_of(item: s.Node, spec) -> tuple[str, int] | None:
    """(name, primes) when the item names a function: \\sigma, \\ln, g', \\operatorname{softmax} ..."""
    primes = item.primes if isinstance(item, s.Scripted) and item.sub is None and item.sup is None else 0
    base = item.base if primes else item
    if isinstance(base, s.Func):
        return base.name, primes
    named = _named_activation(item)
    if named is not None:                  # g_{relu}, g'_{\text{ReLU}}: the activation its subscript names
        return named
    layer = layer_of(item)
    if layer is not None:                  # g^{[2]}: the activation of layer 2, whatever it is
        if not 1 <= layer <= len(spec.layers):
            raise Unreadable(f"g^{{[{layer}]}}: the network has {len(spec.layers)} layers")
        name = ACTIVATION_KEYS.get(spec.layers[layer - 1].activation)
        primes_inside = len(item.sup.text) - len(item.sup.text.rstrip("'")) if item.sup else 0   # g^{[1]'}
        return (name, item.primes + primes_inside) if name else None
    if isinstance(item, s.Scripted) and item.base == s.Sym("GELU", "operatorname") and item.sup is None \
            and item.sub is not None and item.sub.text.strip("\\{} ") == "tanh":
        return "GELU_tanh", item.primes            # \operatorname{GELU}_{\tanh}: the tanh form
    if isinstance(item, s.Scripted) and isinstance(item.base, s.Func) and item.base.name == "log" \
            and item.sup is None and item.sub is not None and item.sub.text in LOG_BASES:
        return f"log_{item.sub.text}", 0
    if isinstance(base, s.Sym) and base.font in ("", "operatorname", "mathrm", "text") \
            and base.text.lower() in FUNCTION_WORDS and len(base.text) > 1:
        return FUNCTION_WORDS[base.text.lower()], primes        # Sigmoid(x), Softmax(z) as posts write them
    if isinstance(base, s.Sym) and base.text == "erf" and base.font in ("operatorname", "mathrm", "text"):
        return "erf", primes                                   # GELU's Φ(z) = (1 + erf(z/√2))/2
    generic_g = any(layer.activation == "g" for layer in spec.layers)     # a spec of g: g is that unknown function
    if isinstance(base, s.Sym) and (base.text in FUNCTIONS or base.text in ("diag", "exp", "ln", "log")) \
            and (base.font == "operatorname" or base.text == "g" and generic_g):
        return base.text, primes
    if isinstance(base, s.Sym) and base.text == "g" and primes and generic_g:
        return "g", primes
    if isinstance(base, s.Sym) and not base.font and (base.text in GENERIC_ACTIVATION or base.text == "g"):
        used = {layer.activation for layer in spec.layers}      # F(a_1): the network's one activation
        name = ACTIVATION_KEYS.get(used.pop()) if len(used) == 1 else None
        return (name, primes) if name else None
    return None


def apply(function: tuple[str, int], value: sp.Basic, scope: Scope, layout: str) -> sp.Basic:
    name, primes = function
    if name in ("ln", "log"):
        scope.uses_log = True
        return apply_each(value, sp.log)
    if name.startswith("log_"):
        base = LOG_BASES[name[4:]]
        return apply_each(value, lambda v: sp.log(v) / sp.log(base))
    if name == "exp":
        return apply_each(value, lambda v: sp.exp(bounded(v)))
    if name == "erf":
        if primes:
            raise Unreadable("a derivative of erf")
        return apply_each(value, sp.erf)
    if name == "diag":
        if not isinstance(value, sp.MatrixBase) or value.shape[1] != 1:
            raise Unreadable("diag of something other than a column")
        return sp.ImmutableMatrix(sp.diag(*value))
    if name in ("max", "min"):
        raise Unreadable(f"\\{name} takes several arguments")
    activation = ACTIVATIONS.get(FUNCTIONS.get(name, ""))
    if activation is None:
        raise Unreadable(f"unknown function {name}")
    if not activation.elementwise:
        if primes:                 # its slope is a Jacobian: no g' of one net input
            raise NotElementwise("softmax applies to a column of net inputs")
        if not isinstance(value, sp.MatrixBase):
            raise Unreadable("softmax applies to a column of net inputs")
        columns = value if layout == "column" else value.T   # one sample per column
        result = sp.ImmutableMatrix.hstack(*[sp.ImmutableMatrix(
            [activation.forward(list(columns[:, c]), j) for j in range(columns.shape[0])])
            for c in range(columns.shape[1])])
        return result if layout == "column" else result.T
    if primes > MAX_DERIVATIVE_ORDER:       # each derivative of sigma grows the formula: 5000 would hang
        raise Unreadable(f"a derivative of order {primes}; at most {MAX_DERIVATIVE_ORDER} are checked")
    f = G(X) if activation.name == "g" else activation.forward([X], 0)
    if primes and activation.name != "g":      # the row's own slope: ReLU'(0) = 0, as the engine computes it
        f, primes = activation.derivative([f], [X], 0, 0), primes - 1
    for _ in range(primes):
        f = sp.diff(f, X)
    return apply_each(value, lambda v: f.xreplace({X: v}) if activation.name != "g" else f.subs(X, v))


def layer_of(item: s.Node) -> int | None:
    """g^{[l]} (layer notation) or g_{l}, f_l (index notation) names layer l's activation."""
    if isinstance(item, s.Scripted) and item.base == s.Sym("g") and item.sub is None and item.sup is not None:
        text = item.sup.text.rstrip("'")             # g^{[1]'}: its derivative, as Ng's course writes it
        if text.startswith("[") and text.endswith("]") and text[1:-1].isdigit():
            return int(text[1:-1])
    if isinstance(item, s.Scripted) and item.base in (s.Sym("g"), s.Sym("f")) and item.sup is None \
            and item.sub is not None and item.sub.text.isdigit():
        return int(item.sub.text)              # g_{2}, f_2: the index notation's name for it
    return None


_NET_INPUT = re.compile(r"^[\[(](\d+)[\])]$")          # z^{[2]}, Z^{(1)}: layer l's net input


def layer_function(item: s.Node, argument: s.Node) -> s.Node | None:
    """f'(z^{[1]}), g(Z^{[2]}): the generic letter (f, F, g, \\phi) applied to layer l's net input is
    layer l's own activation, g^{[l]}, even where the layers use several (ReLU, then sigmoid)."""
    primes = item.primes if isinstance(item, s.Scripted) and item.sub is None and item.sup is None else 0
    base = item.base if primes else item
    if not isinstance(base, s.Sym) or base.font or base.text not in GENERIC_ACTIVATION | {"g"}:
        return None
    inner = argument.inner if isinstance(argument, s.Paren) and argument.kind == "(" else None
    if not isinstance(inner, s.Scripted) or inner.base not in (s.Sym("z"), s.Sym("Z")) or inner.sub is not None \
            or inner.primes or inner.sup is None or not _NET_INPUT.match(inner.sup.text):
        return None
    layer = _NET_INPUT.match(inner.sup.text).group(1)
    return s.Scripted(s.Sym("g"), None, s.Script(f"[{layer}]" + "'" * primes, None))


def _named_activation(item: s.Node) -> tuple[str, int] | None:
    """g_{relu}, f_{\\text{sigmoid}}, g'_{ReLU}: a function letter whose subscript is an activation's name."""
    if not isinstance(item, s.Scripted) or item.sub is None or item.base not in (s.Sym("g"), s.Sym("f")):
        return None
    word = re.sub(r"\\(?:text|mathrm|operatorname)|[{}\\\s]", "", item.sub.text).lower()
    name = FUNCTION_WORDS.get(word)
    primes = item.primes + (len(item.sup.text) - len(item.sup.text.lstrip("'")) if item.sup else 0)
    return (name, primes) if name in FUNCTIONS or name == "sigma" else None
