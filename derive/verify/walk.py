"""free_symbols, xreplace and a post-order walk over a SymPy expression as the DAG it is.

The model's closed forms share their subexpressions (a delta appears in every path through it):
SymPy's own walks visit each shared node once per occurrence, which made them the slowest part of
a check. These walk each distinct node once and give the same results.
"""

from __future__ import annotations

import sympy as sp

_OWN_RULE: dict[type, bool] = {}


def _own_rule(kind: type) -> bool:
    """Whether a class has its own free_symbols (bound variables: Derivative, Subs, Lambda, ...).
    Looked up in the class dicts: a function class's metaclass has a free_symbols of its own."""
    found = _OWN_RULE.get(kind)
    if found is None:
        owner = next(k for k in kind.__mro__ if "free_symbols" in k.__dict__)
        found = _OWN_RULE[kind] = owner is not sp.Basic
    return found


def free_symbols(expr) -> set:
    """expr.free_symbols (a matrix's: over its entries); anything but a SymPy object has none."""
    return symbols(expr)[0]


_KEPT = 512
_BY_IDENTITY: dict[int, tuple[sp.Basic, frozenset, bool]] = {}


def symbols(expr) -> tuple[set, bool]:
    """The free symbols, and whether some node binds a variable of its own (Derivative, Subs, ...).
    Kept by the expression's identity (a judge asks for a side's several times): a cache keyed by
    the expression itself compared a large closed form with an equal one node by node, which cost
    more than the walk. The entry holds the expression, so its id is not reused while kept."""
    if not isinstance(expr, sp.Basic):
        return _symbols(expr)
    kept = _BY_IDENTITY.get(id(expr))
    if kept is None or kept[0] is not expr:
        if len(_BY_IDENTITY) >= _KEPT:
            _BY_IDENTITY.clear()
        found, binds = _symbols(expr)
        kept = _BY_IDENTITY[id(expr)] = (expr, frozenset(found), binds)
    return set(kept[1]), kept[2]


def _symbols(expr) -> tuple[set, bool]:
    if isinstance(expr, sp.MatrixBase):
        roots = list(expr)
    elif isinstance(expr, sp.Basic):
        roots = [expr]
    else:
        return set(), False
    found: set = set()
    binds = False
    seen: set = set()
    stack = roots
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        if isinstance(node, sp.Symbol):
            found.add(node)
        elif not _own_rule(type(node)):
            stack.extend(node.args)
        else:                   # bound variables (Derivative, Subs, Lambda, ...): SymPy's own rule
            found |= node.free_symbols
            binds = True
    return found, binds


def post_order(expr: sp.Basic, rule: dict, done: dict):
    """The distinct nodes of expr not yet in `done`, each after its arguments; a key of `rule` is
    not entered. The caller puts each node in `done` before it asks for the next."""
    stack = [(expr, False)]
    while stack:
        node, ready = stack.pop()
        if node in done:
            continue
        if ready or node in rule:
            yield node
            continue
        stack.append((node, True))
        stack.extend((a, False) for a in node.args if isinstance(a, sp.Basic) and a not in done)


def xreplace(expr: sp.Basic, rule: dict, done: dict | None = None) -> sp.Basic:
    """expr.xreplace(rule), rebuilding each distinct node once (node.func(*args), as SymPy does).
    `done` (node -> (its replacement, changed)) may be kept from call to call while the rule stays
    one rule."""
    done = {} if done is None else done
    for node in post_order(expr, rule, done):
        if node in rule:
            done[node] = (rule[node], True)
            continue
        found = [done[a] if isinstance(a, sp.Basic) else (a, False) for a in node.args]
        if any(changed for _, changed in found):
            done[node] = (node.func(*[n for n, _ in found]), True)
        else:
            done[node] = (node, False)
    return done[expr][0]
