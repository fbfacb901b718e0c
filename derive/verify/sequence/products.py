"""Products of the values a formula's factors take (mixed into evaluate.Evaluator): a matrix times a vector
is a matrix product, two vectors of one shape multiply entry by entry, and where the shapes leave it open
(two square matrices side by side, a column between a matrix and a column) the convention decides."""

from __future__ import annotations

import numpy as np

from .arithmetic import entrywise, shape_of
from .unfit import Misfit, Unfit


class Products:
    post: object

    def product(self, left, right):
        if np.ndim(left) == 0 or np.ndim(right) == 0:
            return left * right
        if np.ndim(left) > 2 or np.ndim(right) > 2:       # ∂J/∂y ∂y/∂W: a row by the Jacobian of a matrix
            if np.ndim(left) == 2 and np.ndim(right) == 3 and left.shape == (1, right.shape[0]):
                return np.tensordot(left, right, axes=1)[0]
            raise Unfit("a Jacobian of matrices")
        if left.shape == right.shape:
            square = left.ndim == 2 and left.shape[0] == left.shape[1] and left.shape[0] > 1
            if square and self.pick("product", ("entries", "matrices")) == "matrices":
                return left @ right
            return left * right
        if left.ndim == 2 and right.ndim == 2 and left.shape[1] == right.shape[0]:
            return left @ right
        self._one_sample_only(left, right)
        return entrywise(left, right)

    def _one_sample_only(self, left, right) -> None:
        """δ [a; x]ᵀ * Γ(1 - Γ) in a post over m samples: the column is one sample's here, the post's has m
        columns, and its product with an n×(n+d) matrix is undefined (it holds at m = 1 only)."""
        if self.post.batched and np.ndim(left) == 2 and np.ndim(right) == 2 and left.shape[0] == right.shape[0] \
                and 1 in (left.shape[1], right.shape[1]) and max(left.shape[1], right.shape[1]) > 1:
            raise Misfit(f"with m samples, an entrywise product of a {shape_of(left)} and a {shape_of(right)} "
                         "whose column is one sample's (m columns in the post's) is undefined")

    def _folded(self, factors: list):
        """The factors' product, left to right; or (W_hhᵀ (1 - h²) δ: a column between a matrix and a column of
        its shape, as the diagonal Jacobian it stands for) columns side by side multiplied entrywise first."""
        paired = [k for k in range(1, len(factors) - 1) if _columns(factors[k], factors[k + 1]) and
                  np.ndim(factors[k - 1]) == 2 and np.shape(factors[k - 1])[1] > 1]
        if paired and self.pick("columns side by side", ("left to right", "entries first")) == "entries first":
            factors = list(factors)
            for k in reversed(paired):
                factors[k:k + 2] = [factors[k] * factors[k + 1]]
        result = factors[0]
        for found in factors[1:]:
            result = self.product(result, found)
        return result


def _columns(left, right) -> bool:
    return np.ndim(left) == np.ndim(right) == 2 and np.shape(left) == np.shape(right) and np.shape(left)[1] == 1 \
        and np.shape(left)[0] > 1
