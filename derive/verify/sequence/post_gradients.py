"""∂L/∂B_4 where B_4 is a name the post defines (B_1 = exp(W), B_2 = B_1 1_n, B_3 = B_2⁻¹, B_4 = B_3 1ᵀ) and
writes one of the world's quantities in (B = B_1 ⊙ B_4, a claim that held): the loss's gradient by that name
through the post's own definitions. Each entry's is the change in the quantity's expression when the entry
moves (central differences, every name defined from it moving too), weighted by the quantity's gradient."""

from __future__ import annotations

import numpy as np

from .. import syntax as s
from .post_facts import PostNames, macro_key
from .unfit import Unfit

STEP = 1e-6             # of an entry's size: central differences, exact to far below the claims' 1e-6
MAX_ENTRIES = 256


def written_in(post: PostNames, quantity: str, side: s.Node) -> None:
    """A side that held for a world quantity and names some of the post's own: the quantity in their terms."""
    if any(macro_key(node) in post.macros for node in s.nodes(side)):
        post.anchors.setdefault(quantity, []).append(side)


def depends(post: PostNames, node: s.Node, key: str, seen: frozenset = frozenset()) -> bool:
    """Whether an expression reads the post's name `key`, itself or through the names defined from it."""
    for inner in s.nodes(node):
        found = macro_key(inner)
        if found not in post.macros and isinstance(inner, s.Scripted) and inner.sup is not None:
            found = macro_key(s.Scripted(inner.base, inner.sub, None))           # B_2^{-1}, B_4^T: B_2, B_4
        if found == key:
            return True
        if found in post.macros and found not in seen and depends(post, post.macros[found], key, seen | {found}):
            return True
    return False


def post_gradient(evaluator, name: s.Node) -> np.ndarray:
    """∂L/∂name for a name of the post's own, through the one world quantity the post writes in its terms."""
    key = macro_key(name)
    post = evaluator.post
    routes = {quantity: [side for side in sides if depends(post, side, key)]
              for quantity, sides in post.anchors.items()}
    routes = {quantity: sides[-1] for quantity, sides in routes.items() if sides}
    if len(routes) != 1:
        raise Unfit(f"∂L/∂{key}: the post writes no quantity of the network's in its names" if not routes else
                    f"∂L/∂{key}: the loss reaches it through more than one quantity")
    (quantity, expression), = routes.items()
    value = np.array(evaluator.value(name), dtype=float)
    weights = np.asarray(evaluator.value_of("d:" + quantity), dtype=float)
    if value.size > MAX_ENTRIES:
        raise Unfit(f"∂L/∂{key} of more than {MAX_ENTRIES} entries")
    gradient = np.zeros_like(value)
    for index in np.ndindex(value.shape) if value.ndim else [()]:
        step = STEP * max(1.0, abs(float(value[index])))
        moved = []
        for sign in (1.0, -1.0):
            entry = value.copy()
            entry[index] += sign * step
            moved.append(np.asarray(evaluator.with_value(key, entry).value(expression), dtype=float))
        if moved[0].shape != weights.shape:
            raise Unfit(f"∂L/∂{key}: its route to {quantity} is not of that quantity's shape")
        gradient[index] = float(np.sum(weights * (moved[0] - moved[1]))) / (2 * step)
    return gradient
