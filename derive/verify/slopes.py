"""The derivative of a compiled expression (evaluate.Table) by one of its symbols, at a point.

A check allows each printed number half a unit of its last digit, carried through the claim by
the claim's derivative by that number. `sp.diff` builds that derivative as a new expression for
every number of every claim; here it is carried forward through the expression's nodes with
their values (the chain rule, node by node), in SymPy's arithmetic.

Only the smooth steps are followed. Where the number passes through |x|, max, min or a
Piecewise, SymPy's own rules (sign, Heaviside, ...) decide, so this raises Fallback.
"""

from __future__ import annotations

import sympy as sp
from mpmath.libmp import (fone, fzero, from_int, mpf_add, mpf_cos, mpf_cosh_sinh, mpf_div, mpf_log, mpf_mul,
                          mpf_neg, mpf_pow_int, mpf_sin, mpf_sub)

from .evaluate import (ABS, ADD, CONST, COS, COSH, EXP, INPUT, LOG, MAX, MIN, MUL, PIECEWISE, POW, POW_INT, PREC,
                       RND, SIN, SINH, TANH, Fallback, Table, finite, ordinary, refusing, _used)

KINKS = (ABS, MAX, MIN, PIECEWISE)


def slope(table: Table, node: int, point: dict, memo: dict | None, symbol: sp.Symbol) -> tuple:
    """d(node)/d(symbol) at the point, an mpf tuple (0 where the node does not use the symbol)."""
    value = table.evaluator(point, memo)
    slopes: dict[int, tuple | None] = {}        # None: the node does not depend on the symbol at all

    def d(i: int):
        if i not in slopes:
            code, args = table.codes[i], table.args[i]
            if code == INPUT:
                slopes[i] = fone if args == symbol else None
            elif code == CONST:
                slopes[i] = None
            else:
                found = _slope(code, i, args, value, d)
                slopes[i] = None if found is None else ordinary(found)
        return slopes[i]

    with refusing():
        value(node)                    # the value first: where it has none, SymPy decides
        found = d(node)
    return fzero if found is None else finite(found)


def _mul(*factors) -> tuple:
    product = factors[0]
    for f in factors[1:]:
        product = mpf_mul(product, f, PREC, RND)
    return product


def _slope(code: int, i: int, args: tuple, value, d):
    if code in KINKS:
        if any(d(k) is not None for k in _used(code, args)):
            raise Fallback("a kink: SymPy's rule")
        return None
    if code == ADD:
        found = [d(k) for k in args]
        found = [s for s in found if s is not None]
        total = found[0] if found else None
        for s in found[1:]:
            total = mpf_add(total, s, PREC, RND)
        return total
    if code == MUL:                    # each factor's slope times every other factor
        total = None
        for n, k in enumerate(args):
            if d(k) is None:
                continue
            term = _mul(d(k), *[value(other) for m, other in enumerate(args) if m != n])
            total = term if total is None else mpf_add(total, term, PREC, RND)
        return total
    if code == POW_INT:
        base, n = args
        if d(base) is None:
            return None
        power = mpf_pow_int(value(base), n - 1, PREC, RND)      # 0 ** -1: ZeroDivisionError, Fallback
        return _mul(from_int(n), power, d(base))
    if code == POW:
        base, exponent = args
        x, y, result = value(base), value(exponent), value(i)
        total = None
        if d(base) is not None:              # y x^(y-1) x'
            total = _mul(mpf_div(_mul(result, y), x, PREC, RND), d(base))
        if d(exponent) is not None:          # x^y log(x) y'
            term = _mul(result, mpf_log(x, PREC, RND), d(exponent))
            total = term if total is None else mpf_add(total, term, PREC, RND)
        return total
    inner = d(args[0])
    if inner is None:
        return None
    x, result = value(args[0]), value(i)
    if code == EXP:
        factor = result
    elif code == LOG:
        return mpf_div(inner, x, PREC, RND)
    elif code == TANH:
        factor = mpf_sub(fone, _mul(result, result), PREC, RND)
    elif code == SIN:
        factor = mpf_cos(x, PREC, RND)
    elif code == COS:
        factor = mpf_neg(mpf_sin(x, PREC, RND))
    elif code in (SINH, COSH):
        cosh, sinh = mpf_cosh_sinh(x, PREC, RND)
        factor = cosh if code == SINH else sinh
    else:
        raise Fallback(f"no rule for operation {code}")
    return _mul(factor, inner)
