"""∂/∂V_{ij} (V_{lm} h_m + b_l): a derivative operator applied to the expression after it, by one entry of a
quantity of the network's. The entry moves a little each way (central differences; the expressions posts
write here are linear or smooth, and exact to far below the claims' 1e-6), the expression is read again at
the entry in view, and the difference is the derivative: the partial one, every other name held. The expression
must write the quantity itself; one that only names what depends on it in the network is not read."""

from __future__ import annotations

import numpy as np

from .. import syntax as s
from .indices import split_indices
from .names import key_of
from .unfit import Unfit

STEP = 1e-6
MAX_ENTRIES = 64


class Operators:
    def _operator(self, by: s.Node, expression: s.Node):
        """The derivative of `expression` by the entry `by` names (V_{ij}: V's entry at i, j in view)."""
        split = split_indices(by)
        key = key_of(split[0] if split else by, self.world.kind, self.pick, self.post.aliases)
        if key is None or key.startswith("d:"):
            raise Unfit("a derivative operator by what this network does not have")
        if not self._writes(expression, key):     # ∂/∂c_{t-1} c_t: what follows names it only through the network
            raise Unfit("a derivative operator applied to what does not write the quantity it is by")
        value = np.array(self._world(key), dtype=float)
        if split is None:                        # ∂/∂h (f_t ⊙ c_{t-1}): the Jacobian, entry by entry of h
            if value.size > MAX_ENTRIES:
                raise Unfit(f"a derivative operator by more than {MAX_ENTRIES} entries")
            columns = [np.ravel(self._moved(key, value, entry, expression)) for entry in np.ndindex(value.shape)]
            return self.laid_out(np.stack(columns, axis=-1))
        if value.ndim == 2 and 1 in value.shape and len(split[1]) == 1:     # a vector's entry, either way round
            at = self._index(split[1][0], value.size)
            entry = (at, 0) if value.shape[1] == 1 else (0, at)
        elif len(split[1]) == value.ndim:
            entry = tuple(self._index(letter, size) for letter, size in zip(split[1], value.shape))
        else:
            raise Unfit(f"{len(split[1])} indices on a {value.ndim}-axis quantity")
        return self._moved(key, value, entry, expression)

    def _writes(self, expression: s.Node, key: str) -> bool:
        """Whether the expression writes the quantity itself (V_{lm}, V), not only names that depend on it."""
        for node in s.nodes(expression):
            split = split_indices(node)
            if key_of(split[0] if split else node, self.world.kind, self.pick, self.post.aliases) == key:
                return True
        return False

    def _moved(self, key: str, value: np.ndarray, entry: tuple, expression: s.Node):
        """The expression's change with one entry of the quantity `key`, by central differences."""
        step = STEP * max(1.0, abs(float(value[entry])))
        moved = []
        for sign in (1.0, -1.0):
            held = self.moved_keys.get(key)
            shifted = value.copy()
            shifted[entry] += sign * step
            self.moved_keys[key] = shifted
            try:
                moved.append(np.asarray(self.value(expression), dtype=float))
            finally:
                if held is None:
                    self.moved_keys.pop(key)
                else:
                    self.moved_keys[key] = held
        return (moved[0] - moved[1]) / (2 * step)
