"""SymPy expressions evaluated at a point without SymPy: each node compiled once, each value kept.

verify evaluates the same expressions (a claim's sides, the model's closed forms) at several
points. `expr.xreplace(point).evalf(30)` rebuilds the whole tree at each point, and the closed
forms are trees far larger than the DAGs they are. Here a model's expressions share one Table:
every distinct node is compiled once into (operation, argument nodes), and a node over the
model's own symbols only ("pure": no written number, no letter of the post's own) has one value
at each of the model's points, computed once for every claim that meets it.

It computes what SymPy computes, step for step: SymPy's Floats of 30 digits (103 bits) add and
multiply at 103 bits, rounded to nearest, one argument after the other in the node's order, and
a function of a Float is evaluated at 107 bits (exp rounded down: mpmath's default) and rounded
to 103. So the numbers are SymPy's own, bit for bit (where SymPy computes with exact fractions
instead, as 1/3 + 1/7 from Max(1, x), they may differ in the last bit).

Nothing is parsed or executed: operations are read from SymPy's node types. A node it does not
know, an exact constant SymPy would reason with (pi, E, sqrt(2), log(10): sin(pi) is exactly 0
to SymPy), a nesting deeper than MAX_DEPTH, or a point where the expression has no finite real
value (a log of a negative number, a division by 0) raises Fallback, and the caller asks SymPy.
"""

from __future__ import annotations

from contextlib import contextmanager

import sympy as sp
from mpmath.libmp import (fnan, finf, fninf, fzero, from_int, from_rational, mpf_abs, mpf_add, mpf_cmp, mpf_cos,
                          mpf_cosh_sinh, mpf_exp, mpf_log, mpf_mul, mpf_pos, mpf_pow, mpf_pow_int, mpf_sin,
                          mpf_tanh)

PREC = 103          # bits of sp.Float(x, 30), SymPy's arithmetic on them, and evalf(30)'s result
FUNCTION_PREC = PREC + 4     # evalf's guard bits for a function of a Float
MAX_DEPTH = 100     # deeper expressions go to SymPy, whose limits (RecursionError) they met before
MAX_BITS = 1000     # values beyond 2**±1000 go to SymPy: its functions refuse some (OverflowError)
RND = "n"
SPECIAL = (finf, fninf, fnan)


class Fallback(Exception):
    """The expression, or its value at this point, is one for SymPy's evalf."""


# operation codes
(INPUT, CONST, ADD, MUL, POW_INT, POW, EXP, LOG, TANH, SIN, COS, SINH, COSH, ABS, MAX, MIN,
 PIECEWISE) = range(17)
FUNCTIONS = {sp.exp: EXP, sp.log: LOG, sp.tanh: TANH, sp.sin: SIN, sp.cos: COS, sp.sinh: SINH, sp.cosh: COSH,
             sp.Abs: ABS}
RELATIONS = {sp.StrictGreaterThan: lambda c: c > 0, sp.GreaterThan: lambda c: c >= 0,
             sp.StrictLessThan: lambda c: c < 0, sp.LessThan: lambda c: c <= 0}


class Table:
    """codes[i], args[i]: node i's operation and its argument nodes (or the symbol, or the constant);
    pure[i]: node i uses the model's symbols only; height[i]: its nesting."""

    def __init__(self, point_symbols: frozenset):
        self.point_symbols = point_symbols
        self.ids: dict[sp.Basic, int] = {}
        self.codes: list[int] = []
        self.args: list = []
        self.pure: list[bool] = []
        self.constant: list[bool] = []
        self.height: list[int] = []

    # -- compiling -------------------------------------------------------------
    def compile(self, expr: sp.Basic) -> int:
        """The node of `expr`, compiled with every node under it not compiled before."""
        if isinstance(expr, sp.Rational):
            raise Fallback("a fraction alone")       # evalf rounds it twice (107 bits, then 103): its own
        ids = self.ids
        stack = [(expr, False)]
        while stack:
            node, ready = stack.pop()
            if node in ids:
                continue
            if not ready:
                if not self._leaf(node):
                    stack.append((node, True))
                    stack.extend((x, False) for x in _operands(node) if x not in ids)
                continue
            code, args = _operation(node, ids)
            used = _used(code, args)
            if all(self.constant[k] for k in used):
                raise Fallback("an exact constant")       # sqrt(2), log(10): SymPy keeps them exact
            height = 1 + max(self.height[k] for k in used)
            if height > MAX_DEPTH:
                raise Fallback("too deep")
            self._add(node, code, args, all(self.pure[k] for k in used), False, height)
        return ids[expr]

    def _add(self, node, code: int, args, pure: bool, constant: bool, height: int = 0) -> None:
        self.ids[node] = len(self.codes)
        self.codes.append(code)
        self.args.append(args)
        self.pure.append(pure)
        self.constant.append(constant)
        self.height.append(height)

    def _leaf(self, node) -> bool:
        if isinstance(node, sp.Symbol):
            self._add(node, INPUT, node, node in self.point_symbols, False)
        elif isinstance(node, sp.Float) and node._prec == PREC:     # others: SymPy works at their precision
            self._add(node, CONST, node._mpf_, True, True)
        elif isinstance(node, sp.Rational):
            self._add(node, CONST, _rational(node), True, True)
        elif isinstance(node, sp.Basic) and (node.is_Atom or not node.args):
            raise Fallback(type(node).__name__)     # pi, E, oo, zoo, nan, I, other constants
        else:
            return False
        return True

    # -- evaluating ------------------------------------------------------------
    def evaluator(self, point: dict, memo: dict | None):
        """value(i): node i at the point. `memo` keeps the pure nodes' values at this point (the
        point must then give the model's symbols their values at it); the others are kept for this
        evaluation only."""
        codes, args, pure = self.codes, self.args, self.pure
        local: dict[int, tuple] = {}
        shared = local if memo is None else memo

        def value(i: int) -> tuple:
            kept = shared if pure[i] else local
            found = kept.get(i)
            if found is not None:
                return found
            code = codes[i]
            if code == ADD or code == MUL:      # most nodes: their arguments looked up here, not called
                step = mpf_add if code == ADD else mpf_mul
                found = None
                for k in args[i]:
                    v = (shared if pure[k] else local).get(k)
                    if v is None:
                        v = value(k)
                    found = v if found is None else step(found, v, PREC, RND)
            else:
                found = _step(code, args[i], value, point)
            kept[i] = ordinary(found)
            return found
        return value

    def value(self, node: int, point: dict, memo: dict | None) -> tuple:
        """The value (an mpf tuple of PREC bits) of node `node` at the point."""
        try:
            return finite(self.evaluator(point, memo)(node))
        except Fallback:
            raise
        except Exception as exc:        # as refusing(), without a context manager on every value
            raise Fallback(type(exc).__name__) from None


@contextmanager
def refusing():
    """Any error while evaluating is a Fallback: never a verdict of its own, SymPy decides."""
    try:
        yield
    except Fallback:
        raise
    except Exception as exc:
        raise Fallback(type(exc).__name__) from None


def finite(value: tuple) -> tuple:
    if value in SPECIAL:
        raise Fallback("not finite")
    return value


def ordinary(value: tuple) -> tuple:
    """A value of a size SymPy's own arithmetic keeps: 0, or between 2**-MAX_BITS and 2**MAX_BITS."""
    if value[1] and not -MAX_BITS < value[2] + value[3] < MAX_BITS:
        raise Fallback("a value too large or too small")
    return value


def _operands(node) -> list:
    if isinstance(node, sp.Piecewise):
        found = []
        for pair in node.args:
            found.append(pair.expr)
            if pair.cond is not sp.true:
                if type(pair.cond) not in RELATIONS:
                    raise Fallback(type(pair.cond).__name__)
                found += [pair.cond.lhs, pair.cond.rhs]
        return found
    return list(node.args)


def _operation(node, ids: dict) -> tuple[int, tuple]:
    if isinstance(node, sp.Add):
        return ADD, tuple(ids[a] for a in node.args)
    if isinstance(node, sp.Mul):
        return MUL, tuple(ids[a] for a in node.args)
    if isinstance(node, sp.Pow):
        base, exponent = node.args
        if isinstance(exponent, sp.Integer):
            return POW_INT, (ids[base], int(exponent))
        return POW, (ids[base], ids[exponent])
    if type(node) in FUNCTIONS and len(node.args) == 1:
        return FUNCTIONS[type(node)], (ids[node.args[0]],)
    if isinstance(node, (sp.Max, sp.Min)):
        return (MAX if isinstance(node, sp.Max) else MIN), tuple(ids[a] for a in node.args)
    if isinstance(node, sp.Piecewise):
        branches = []
        for pair in node.args:
            if pair.cond is sp.true:
                branches.append((None, None, None, ids[pair.expr]))
            else:
                cond = pair.cond
                branches.append((RELATIONS[type(cond)], ids[cond.lhs], ids[cond.rhs], ids[pair.expr]))
        return PIECEWISE, tuple(branches)
    raise Fallback(type(node).__name__)


def _used(code: int, args: tuple) -> list[int]:
    """The argument nodes of an operation."""
    if code == PIECEWISE:
        return [k for branch in args for k in branch[1:] if k is not None]
    if code == POW_INT:
        return [args[0]]
    return list(args)


def _rational(value: sp.Rational) -> tuple:
    """As SymPy turns it into a Float beside one of 103 bits."""
    return from_int(value.p, PREC, RND) if value.q == 1 else from_rational(value.p, value.q, PREC, RND)


def _mpf(value) -> tuple:
    if isinstance(value, sp.Float) and value._prec == PREC:
        found = value._mpf_
    elif isinstance(value, sp.Rational):
        found = _rational(value)
    else:
        raise Fallback(type(value).__name__)
    if found in SPECIAL:
        raise Fallback("not finite")
    return ordinary(found)


def _step(code: int, args, value, point: dict) -> tuple:
    if code == INPUT:
        if args not in point:           # a symbol without a value: SymPy's message names it
            raise Fallback("no value")
        return _mpf(point[args])
    if code == CONST:
        return args
    if code == ADD:             # Add.flatten: coeff += each argument, in order
        total = value(args[0])
        for k in args[1:]:
            total = mpf_add(total, value(k), PREC, RND)
        return total
    if code == MUL:
        product = value(args[0])
        for k in args[1:]:
            product = mpf_mul(product, value(k), PREC, RND)
        return product
    if code == POW_INT:         # Float._eval_power
        return mpf_pow_int(value(args[0]), args[1], PREC, RND)     # 0 ** -n: ZeroDivisionError
    if code == PIECEWISE:       # every branch, as xreplace builds them all; the first that holds
        found = [(test is None or test(mpf_cmp(value(lhs), value(rhs))), value(expr))
                 for test, lhs, rhs, expr in args]
        return next(v for holds, v in found if holds)
    if code in (MAX, MIN):
        best = value(args[0])
        for k in args[1:]:
            c = mpf_cmp(value(k), best)
            if (c > 0) if code == MAX else (c < 0):
                best = value(k)
        return best
    x = value(args[0])
    if code == POW:
        y = value(args[1])
        if mpf_cmp(x, fzero) <= 0:      # 0 ** y and (-2) ** y: SymPy's own cases
            raise ValueError("a power of a number <= 0")
        return mpf_pow(x, y, PREC, RND)
    if code == EXP:             # evalf_pow: mpf_exp at evalf's precision, rounded as mpmath does by default
        return mpf_pos(mpf_exp(x, FUNCTION_PREC, "d"), PREC, RND)
    if code == LOG:
        if mpf_cmp(x, fzero) <= 0:
            raise ValueError("log of a number <= 0")
        return mpf_pos(mpf_log(x, FUNCTION_PREC, RND), PREC, RND)
    if code == TANH:            # Function._eval_evalf: mpmath at evalf's precision
        return mpf_pos(mpf_tanh(x, FUNCTION_PREC, RND), PREC, RND)
    if code == SIN:
        return mpf_pos(mpf_sin(x, FUNCTION_PREC, RND), PREC, RND)
    if code == COS:
        return mpf_pos(mpf_cos(x, FUNCTION_PREC, RND), PREC, RND)
    if code in (SINH, COSH):
        cosh, sinh = mpf_cosh_sinh(x, FUNCTION_PREC, RND)
        return mpf_pos(sinh if code == SINH else cosh, PREC, RND)
    if code == ABS:
        return mpf_abs(x)
    raise AssertionError(code)


def to_float(value: tuple) -> sp.Basic:
    """The SymPy number evalf(30) gives: a Float of PREC bits, or SymPy's zero."""
    return sp.Float._new(value, PREC)


def scaled_dot(pairs, scale: sp.Rational) -> sp.Float:
    """scale * (a1*b1 + a2*b2 + ...) for Floats of 30 digits (b None: 1), bit for bit as SymPy's own
    arithmetic gives it, without its per-operation cost (a step needs every gradient at every point)."""
    total = fzero
    for a, b in pairs:
        total = mpf_add(total, _exact(a) if b is None else mpf_mul(_exact(a), _exact(b), PREC, RND), PREC, RND)
    total = mpf_mul(total, _rational(scale), PREC, RND)
    return sp.Float(0, 30) if total == fzero else sp.Float._new(total, PREC)


def _exact(value) -> tuple:
    """A point's value (a Float, or SymPy's exact zero) as mpmath's number, unrounded."""
    return value._mpf_ if isinstance(value, sp.Float) else _rational(value)

