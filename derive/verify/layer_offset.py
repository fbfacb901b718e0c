"""Layers numbered from the input: a^{(1)} = x, z^{(2)} = w^{(1)} a^{(1)} + b^{(1)}, a^{(3)} the output.

derive numbers the layers that compute (a^{[1]} is the first hidden layer's output, x is a^{[0]});
a family of courses and posts numbers the input layer 1, so that each activation, net input and
delta goes one layer higher while the weights and biases between layers keep derive's numbers
(w^{(1)} leads from the input). A post that names an activation or a net input one layer past the
network's last, and no weight past it, numbers its layers so; its names are then read one layer
down, and each is reported as a binding.
"""

from __future__ import annotations

import re

from .binding import Binding
from .written import written_names

_NODE = re.compile(r"^(a|z|\\delta)\^\((\d+)\)$")           # a^{(3)}, z^{(2)}, \delta^{(3)}
_BETWEEN = re.compile(r"^(?:[wWb]|\\Theta)\^\((\d+)\)")       # w^{(2)}, b^{(1)}_{new}
_MEANT = {"a": "A", "z": "Z", "\\delta": "\\delta"}


def layer_offset(model, notation: str, chains) -> tuple[Binding, ...]:
    """Bindings of a^{(k)}, z^{(k)}, \\delta^{(k)} to derive's layer k - 1 (a^{(1)}: the input), when
    the post numbers its layers from the input."""
    depth = len(model.graph.layers)
    first: dict[str, int] = {}
    for chain, _, line in chains:
        for name in written_names(chain):
            first.setdefault(name, line)
    nodes = {name: (m.group(1), int(m.group(2))) for name in first if (m := _NODE.match(name))}
    beyond = [first[name] for name, (_, k) in nodes.items() if k == depth + 1]
    between = [int(m.group(1)) for name in first if (m := _BETWEEN.match(name))]
    if not beyond or any(k > depth for k in between) or any(k > depth + 1 for _, k in nodes.values()):
        return ()
    evidence = f"the post's numbering of its layers from the input (layer {depth + 1} is its output)"
    found = []
    for name, (letter, k) in sorted(nodes.items()):
        if k - 1 >= 1:
            found.append(Binding(name, f"{_MEANT[letter]}^{{[{k - 1}]}}", evidence, first[name]))
        elif letter == "a":
            found.append(Binding(name, "X", evidence, first[name]))
    return tuple(found)
