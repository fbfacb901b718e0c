"""Arrays a sequence post writes out (mixed into evaluate.Evaluator): a matrix of entries or of stacked vectors,
a tuple, names side by side in brackets ([x_t h_{t-1}]), and vectors of ones (1_n, or \\mathbf{1} with the
length that fits what it multiplies)."""

from __future__ import annotations

import numpy as np

from .. import syntax as s
from .code_forms import TRANSPOSES
from .names import key_of
from .unfit import Unfit


class WrittenOut:
    def _side_by_side(self, values):
        """[X_t h_{t-1}]: names written side by side in brackets, vectors joined (rows end to end, columns one
        above the other), the concatenation a product of two vectors could not be."""
        if all(np.ndim(v) == 2 and v.shape[0] == 1 for v in values):
            return np.hstack(values)
        if all(np.ndim(v) == 2 and v.shape[1] == 1 for v in values):
            return np.vstack(values)
        raise Unfit("names side by side in brackets that are not vectors alike")

    def _by_ones(self, left: s.Node | None, right: s.Node, value=None):
        """M 1 and 1ᵀ M, a vector of ones written without its length: the length that fits M."""
        if bare_ones(right) == "column":
            matrix = np.asarray(self.value(left) if value is None else value, dtype=float)
            if matrix.ndim != 2:
                raise Unfit("a vector of ones beside what is no matrix")
            return matrix @ np.ones((matrix.shape[1], 1))
        matrix = np.asarray(self.value(right), dtype=float)
        if matrix.ndim != 2:
            raise Unfit("a vector of ones beside what is no matrix")
        return np.ones((1, matrix.shape[0])) @ matrix

    def _ones(self, node: s.Scripted):
        """1_n, \\mathbf{1}_n: a column of n ones, n an attention's steps (n, T, N) or its width (d, h)."""
        base = node.base
        if not ((base == s.Num("1") or isinstance(base, s.Sym) and base.text == "1") and node.sub is not None):
            return None
        letter = node.sub.text.strip("{}")
        if node.sub.node is not None and key_of(node.sub.node, self.world.kind, self.pick, self.post.aliases) == "y":
            return self.value(node.sub.node)         # 1_{y_t}: the indicator of the target's class, one-hot
        width, steps = self.world.sizes.get("d_k"), self.world.sizes.get("steps")
        size = steps if letter in ("n", "N", "T") else width if letter in ("d", "h", "d_k", "d_v") else None
        if self.world.kind != "attention" or size is None:
            raise Unfit(f"a vector of ones of length {letter}")
        return np.ones((int(size), 1))

    def _Matrix(self, node: s.Matrix):
        rows = [[self.value(item) for item in row] for row in node.rows]
        if node.listed:
            return np.vstack([_column(v) for row in rows for v in row])
        if all(len(row) == 1 for row in rows):            # [h_{t-1}; x_t]: vectors stacked
            return np.vstack([_column(row[0]) for row in rows])
        if len({len(row) for row in rows}) == 1 and all(np.size(v) == 1 for row in rows for v in row):
            return np.array([[float(np.reshape(v, ())) for v in row] for row in rows])    # its entries, written out
        raise Unfit("a matrix written out")

    def _Args(self, node: s.Args):
        """(p_11, p_12, p_13): a tuple of numbers, a row as [a, b] is (P_1ᵀ P_1 its outer product)."""
        entries = [self.value(item) for item in node.items]
        if not all(np.size(v) == 1 for v in entries):
            raise Unfit("a tuple of other than numbers")
        return np.array([[float(np.reshape(v, ())) for v in entries]])


def _column(value):
    value = np.asarray(value, dtype=float)
    return value.reshape(-1, 1) if value.ndim < 2 else value


BOLD = ("mathbf", "boldsymbol", "bm", "mathbb", "bold", "vec")


def bare_ones(node: s.Node) -> str | None:
    """\\mathbf{1} (a column of ones, its length left to what it multiplies) and its transpose (a row)."""
    if isinstance(node, s.Sym) and node.text == "1" and node.font in BOLD:
        return "column"
    if isinstance(node, s.Scripted) and node.sub is None and node.sup is not None and node.sup.text in TRANSPOSES \
            and bare_ones(node.base) == "column":
        return "row"
    return None
