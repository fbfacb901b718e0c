"""Whether two values are apart beyond a bound, computed on mpmath's numbers directly.

The judge compares every pair of values it computes (SymPy Floats of 30 digits, or SymPy's
exact zero), and SymPy's arithmetic on them costs far more than the arithmetic itself: each
step makes a Float and sympifies the plain numbers beside it. Here the same steps are taken on
the Floats' mpmath values, at the precision SymPy would take them (the larger of the two
operands': 103 bits, a Python float's 53 bits exact), rounded to nearest, in the same order.
So the answer is SymPy's own, bit for bit. A value of any other kind (a Float of another
precision) is left to SymPy's arithmetic, as before.
"""

from __future__ import annotations

import sympy as sp
from mpmath.libmp import from_float, fzero, mpf_abs, mpf_add, mpf_gt, mpf_mul, mpf_sub

from .evaluate import PREC, RND


def _mpf(value) -> tuple | None:
    """A Float of PREC bits or SymPy's zero as its mpmath value; None for anything else."""
    if type(value) is sp.Float and value._prec == PREC:
        return value._mpf_
    if value is sp.S.Zero:
        return fzero
    return None


def _largest(first: tuple, *others: tuple) -> tuple:
    """max() as Python takes it: the first of the largest."""
    best = first
    for other in others:
        if mpf_gt(other, best):
            best = other
    return best


def symbolic_apart(x, y, relative: float) -> bool:
    """|x - y| > relative * max(1, |x|, |y|): two closed forms' values differ."""
    a, b = _mpf(x), _mpf(y)
    if a is None or b is None:
        return bool(abs(x - y) > relative * max(1, abs(x), abs(y)))
    one = from_float(1.0)
    largest = _largest(one, mpf_abs(a), mpf_abs(b))
    bound = from_float(relative) if largest is one else mpf_mul(largest, from_float(relative), PREC, RND)
    return mpf_gt(mpf_abs(mpf_sub(a, b, PREC, RND)), bound)


def numeric_apart(x, y, tolerance_x, tolerance_y, slack: float, floor: float) -> bool:
    """|x - y| > tx + ty + slack * max(|x|, |y|) + floor: a figure off beyond its printed precision."""
    a, b, ta, tb = _mpf(x), _mpf(y), _mpf(tolerance_x), _mpf(tolerance_y)
    if a is None or b is None or ta is None or tb is None:
        return bool(abs(x - y) > tolerance_x + tolerance_y + slack * max(abs(x), abs(y)) + floor)
    bound = mpf_add(ta, tb, PREC, RND)
    bound = mpf_add(bound, mpf_mul(_largest(mpf_abs(a), mpf_abs(b)), from_float(slack), PREC, RND), PREC, RND)
    bound = mpf_add(bound, from_float(floor), PREC, RND)
    return mpf_gt(mpf_abs(mpf_sub(a, b, PREC, RND)), bound)
