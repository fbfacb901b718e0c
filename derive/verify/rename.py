"""expr.xreplace(rule) for a rule that only renames symbols (out_h1 -> out_h1__s0), built fast.

A batch's gradient is the model's closed form once per sample, renamed. Rebuilding every sum and
product of it through SymPy's flatten was the slowest step of a batch's check. When the rule is
a renaming that SymPy cannot tell from the original (one to one, each new symbol with the old
one's assumptions, none already in the expression), a canonical sum or product of renamed
arguments is the same sum or product: flatten would find nothing to combine, and only the order
of the arguments (which follows the names) can change. Such a node, if SymPy's constructor gives
it back as it is (not a form built unevaluated), is built from its sorted arguments directly.
Any node where that is not certain goes through its constructor as in xreplace: a node whose
constructor changed it (a sign taken out of a power, an unevaluated a*(1/3) now 1/3*a), every
node above it, a number times a sum (SymPy distributes it), constants (sqrt(2) combines).
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp
from sympy.core.basic import _args_sortkey

from . import walk


def renames(rule: dict, symbols: set) -> bool:
    """Whether `rule` is such a renaming for an expression with these free symbols."""
    targets = set(rule.values())
    return len(targets) == len(rule) and not targets & symbols and all(_alike(*pair) for pair in rule.items())


def keeps_order(rule: dict, symbols: set) -> bool:
    """Whether the renaming sorts these symbols as before (x, x1 do not: x__s0 comes after x1__s0).
    SymPy orders arguments by their symbols' names; then the renamed arguments need no sorting."""
    names = sorted(x.name for x in symbols)
    renamed = sorted(symbols, key=lambda x: x.name)
    renamed = [rule.get(x, x).name for x in renamed]
    return len(set(names)) == len(names) and all(a < b for a, b in zip(renamed, renamed[1:]))


@lru_cache(maxsize=8192)
def _alike(old: sp.Basic, new: sp.Basic) -> bool:
    """Two symbols SymPy tells apart by name only."""
    return (isinstance(old, sp.Symbol) and type(new) is type(old)
            and new.assumptions0 == old.assumptions0)


def rename(expr: sp.Basic, rule: dict, done: dict, canonical: dict, ordered: bool = False) -> sp.Basic:
    """expr.xreplace(rule) for a rule that `renames`. `done` (node -> (its renaming, plain, changed))
    may be kept from call to call while the rule stays one renaming; plain: the node renamed as it
    is, changed: it has a symbol the rule renames. `canonical` (node -> whether SymPy's constructor
    gives it back as it is: a form built unevaluated, like -(t log(o)), is not) may be kept for any
    rule. `ordered`: the renaming `keeps_order` of the expression's symbols."""
    for node in walk.post_order(expr, rule, done):
        if node in rule:
            done[node] = (rule[node], True, True)
            continue
        found = [done[a] if isinstance(a, sp.Basic) else (a, True, False) for a in node.args]
        if not any(changed for _, _, changed in found):
            done[node] = (node, True, False)        # as xreplace: nothing in it renamed, kept as it is
            continue
        new = tuple(n for n, _, _ in found)
        plain = all(p for _, p, _ in found)
        if plain and _direct(node, new) and _canonical(node, canonical):
            if not ordered:
                new = [new[0]] + sorted(new[1:], key=_args_sortkey) if new[0].is_Number else \
                    sorted(new, key=_args_sortkey)
            rebuilt = node.func._from_args(new, True)
            done[node] = (node.func._exec_constructor_postprocessors(rebuilt), True, True)
        else:
            rebuilt = node.func(*new)
            same = rebuilt.args == new or (type(node) in (sp.Add, sp.Mul) and len(rebuilt.args) == len(new)
                                           and set(rebuilt.args) == set(new) and _canonical(node, canonical))
            done[node] = (rebuilt, plain and type(rebuilt) is type(node) and same, True)
    return done[expr][0]


def _canonical(node: sp.Basic, known: dict) -> bool:
    found = known.get(node)
    if found is None:
        found = known[node] = node.func(*node.args) == node
    return found


def _direct(node: sp.Basic, new: tuple) -> bool:
    """A sum or product that flatten would only sort: its number (if any) first and finite, every
    argument commutative, and none of the cases where flatten does more."""
    kind = type(node)
    if kind is not sp.Add and kind is not sp.Mul:
        return False
    for k, (a, old) in enumerate(zip(new, node.args)):
        if not a.is_commutative:
            return False
        if a.is_Number:
            if k > 0 or not (a.is_Rational or a.is_Float) or not a.is_finite:
                return False
        elif a is old and not isinstance(a, sp.Symbol) and not walk.free_symbols(a):
            return False        # a constant (sqrt(2), pi, zoo, exp(2)): flatten may combine it
    if kind is sp.Mul and len(new) == 2 and new[0].is_Number and new[1].is_Add:
        return False            # 2 * (x + y): SymPy distributes the number
    return True
