"""The sequence evaluator's arithmetic on the world's arrays: sums, entrywise products, quotients and matrix
products where the shapes allow them, and a Misfit naming the two shapes where they do not."""

from __future__ import annotations

import numpy as np

from .unfit import Misfit, Unfit


def fits(left, right) -> bool:
    if np.ndim(left) == 0 or np.ndim(right) == 0:
        return True
    try:
        shape = np.broadcast_shapes(left.shape, right.shape)
    except ValueError:
        return False
    return shape in (left.shape, right.shape)


def add(left, right, sign: float):
    if not fits(left, right):
        raise Misfit(f"a sum of different shapes, {shape_of(left)} and {shape_of(right)}")
    return left + sign * right


def entrywise(left, right):
    if not fits(left, right):
        raise Misfit(f"a product of a {shape_of(left)} and a {shape_of(right)}, which is undefined")
    return left * right


def divide(left, right):
    if not fits(left, right):
        raise Misfit(f"a quotient of different shapes, {shape_of(left)} and {shape_of(right)}")
    if np.any(np.asarray(right) == 0):
        raise Unfit("a division by zero")
    return left / right


def matmul(left, right):
    if np.ndim(left) < 2 or np.ndim(right) < 2 or left.shape[-1] != right.shape[-2]:
        raise Misfit(f"a matrix product of a {shape_of(left)} and a {shape_of(right)}, which do not fit")
    return left @ right


def shape_of(value) -> str:
    return "×".join(str(n) for n in np.shape(value)) or "number"


def length(value, vectors: bool):
    """|x| of a number; ‖v‖ of a vector (`vectors`), its Euclidean length. A vector's unsquared length is read only
    under a power (½‖ŷ - y‖²): alone, L = ‖ŷ - y‖ is a distance of the post's own; a matrix's norm is not read."""
    if np.ndim(value) == 2 and 1 not in np.shape(value):
        raise Unfit("the norm of a matrix")
    if np.size(value) > 1 and not vectors:
        raise Unfit("a vector's length, unsquared: a distance of the post's own, not a loss derive computes")
    return float(np.sqrt(np.sum(np.square(value)))) if np.ndim(value) else abs(value)
