"""verify's numbers without SymPy (evaluate.py, slopes.py, points.py) and its DAG walks (walk.py,
rename.py) against SymPy's own.

The table must give what `expr.xreplace(point).evalf(30)` gives (bit for bit where SymPy computes
with Floats, and always far below the printed figures' precision), and must refuse (Fallback)
wherever SymPy's value is not a finite real number, so that the caller's SymPy evaluation keeps
every message it gave before. Renaming a closed form for a sample must give xreplace's expression,
node for node.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import derive
from derive.verify.evaluate import MAX_DEPTH, Fallback, Table, to_float
from derive.verify.model import DIGITS, Model
from derive.verify.points import Extended
from derive.verify.slopes import slope
from derive.verify import walk

X, Y, Z = sp.symbols("x y z", real=True)
W = sp.Symbol("w")                     # no assumptions, as a letter of a post's own
SYMBOLS = [X, Y, Z, W]
CLOSE = sp.Float("1e-24", 30)          # relative: far below any printed figure, far above 30-digit noise


def sympy_value(expr, point):
    return expr.xreplace(point).evalf(DIGITS)


def run(expr, point):
    """expr at the point by a table of its own."""
    table = Table(frozenset())
    return table.value(table.compile(expr), point, None)


def slope_of(expr, point, symbol):
    table = Table(frozenset())
    return slope(table, table.compile(expr), point, None, symbol)


def finite_real(value) -> bool:
    return value.is_number and not value.has(sp.zoo, sp.nan, sp.oo, -sp.oo) and bool(value.is_real)


def agree(expr, point, exact: bool = False) -> None:
    """Either the program refuses, or it gives SymPy's number; and it refuses where SymPy has none."""
    try:
        expected = sympy_value(expr, point)
    except (ZeroDivisionError, TypeError, ValueError, OverflowError):     # Float / Float(0) raises in SymPy
        with pytest.raises(Fallback):
            run(expr, point)
        return
    try:
        found = to_float(run(expr, point))
    except Fallback:
        return
    assert finite_real(expected), f"{expr} at {point}: program {found}, SymPy {expected}"
    assert found.is_Float or found == 0
    assert as_good(found, expected, expr, point), f"{expr}: {found} against {expected}"
    if exact and step_for_step(expr):     # SymPy's own arithmetic: the very same number
        assert getattr(found, "_mpf_", found) == getattr(expected, "_mpf_", expected), f"{expr}: {found} {expected}"


def as_good(found, expected, expr, point) -> bool:
    """Near the exact value (60 digits), as SymPy's 30-digit evaluation is. Where that lost digits
    itself (log(pi**(y/7)) for a y of 1e-27: a log of 1 + 1e-28), the expression is ill-conditioned
    there, and operation by operation both lose them: nothing to compare."""
    exact = expr.evalf(60, subs=point)
    scale = max(1, abs(exact))
    if abs(expected - exact) > CLOSE * scale / 100:
        return True             # sin(1e47), log(1 + 1e-28): no 30-digit evaluation knows these digits
    return abs(found - exact) <= CLOSE * scale


def step_for_step(expr) -> bool:
    """Every operation has a Float in it once the point is in: SymPy evaluates each as it builds the
    expression, as the table does. (Not so where a value comes out exact: Max(1, x) is SymPy's
    exact 1, and 1/(1 + 2) then its exact 1/3, rounded once where the table rounds twice. Exact
    constants like sqrt(2) or pi are SymPy's only: the table refuses them.)"""
    return not any(isinstance(n, (sp.Max, sp.Min, sp.Piecewise)) for n in sp.preorder_traversal(expr))


def point_of(values) -> dict:
    return {symbol: sp.Float(v, DIGITS) for symbol, v in zip(SYMBOLS, values)}


# -- hand-picked cases ---------------------------------------------------------
CASES = [
    X + Y * Z, X / Y, 1 / (1 + sp.exp(-X)), sp.tanh(X) ** 2, sp.log(X), sp.log(X) / sp.log(10), sp.sqrt(X),
    X ** sp.Rational(1, 3), X ** Y, sp.Max(0, X), sp.Min(X, Y, Z), sp.Abs(X - Y),
    sp.Piecewise((1, X > 0), (0, True)), sp.Piecewise((X, X >= Y), (sp.Rational(1, 100) * X, True)),
    sp.sin(X) + X ** 2 / 3, sp.cos(X) * sp.sinh(Y) - sp.cosh(Z), sp.pi * X + sp.E, sp.sqrt(2) * X,
    X ** -2, (X - Y) ** -1, sp.exp(X * 40) - sp.exp(Y * 40), sp.Integer(7) / 3, sp.Float("0.1", 15) * X,
    -(Y - 2 * X * Z) * sp.log(1 - X), W * X, sp.Rational(1, 4) * (X - Y) ** 2 + sp.Rational(1, 4) * (Z - W) ** 2,
]


@pytest.mark.parametrize("expr", CASES, ids=str)
def test_hand_picked_expressions_agree_with_evalf(expr):
    rng = random.Random(str(expr))
    for _ in range(12):
        agree(expr, point_of([rng.uniform(-2, 2) for _ in SYMBOLS]), exact=True)
    for special in ([0, 0, 0, 0], [1, 1, 1, 1], [-1, 0.5, 0, 2], [0, -3, 1e-9, 0]):
        agree(expr, point_of(special))


@pytest.mark.parametrize("expr", [sp.log(X), sp.sqrt(X), X ** sp.Rational(1, 3), X ** Y, 1 / X, X ** -3,
                                  sp.log(X - Y), (X - Y) ** sp.Rational(-1, 2), sp.log(sp.Max(0, X))])
def test_no_finite_real_value_is_left_to_sympy(expr):
    """log of a negative number, a division by 0, a root of a negative number: SymPy's own messages."""
    for values in ([-1, 1, 0, 0], [0, 0, 0, 0], [-0.5, -0.25, 1, 1], [2, 3, 0, 0]):
        agree(expr, point_of(values))
    with pytest.raises(Fallback):
        run(sp.log(X), point_of([-1, 0, 0, 0]))
    with pytest.raises(Fallback):
        run(1 / X, point_of([0, 0, 0, 0]))


def test_a_symbol_without_a_value_is_left_to_sympy():
    with pytest.raises(Fallback):
        run(X + Y, {X: sp.Float(1, DIGITS)})


@pytest.mark.parametrize("node", [sp.I * X, sp.oo + X, sp.zoo * X, sp.nan, sp.Function("f")(X),
                                  sp.Derivative(sp.Function("f")(X), X), sp.gamma(X), sp.EulerGamma * X,
                                  sp.pi * X, sp.sin(sp.Max(sp.pi, X)), sp.sqrt(2) * X, X / sp.log(10)])
def test_unknown_nodes_are_left_to_sympy(node):
    with pytest.raises(Fallback):
        run(node, point_of([0.5, 0.5, 0.5, 0.5]))


def test_deep_nesting_is_left_to_sympy():
    deep = X
    for k in range(MAX_DEPTH + 5):
        deep = sp.exp(deep * sp.Rational(1, k + 2))
    with pytest.raises(Fallback):
        Table(frozenset()).compile(deep)


def test_shared_subexpressions_are_computed_once():
    shared = sp.exp(X) * Y + Z
    expr = sp.Add(*[shared ** k for k in range(1, 6)]) * shared
    table = Table(frozenset())
    table.compile(expr)
    assert len(table.codes) < 20
    agree(expr, point_of([0.3, -0.7, 0.2, 0.1]))


def test_a_fraction_alone_is_left_to_sympy():
    """evalf rounds a Rational at 107 bits, then at 103: the table would round it once."""
    with pytest.raises(Fallback):
        Table(frozenset()).compile(sp.Rational(1, 3))
    result = derive.derive(derive.load("mazur"))
    model = Model(result.spec, result.derivation)
    for fraction in (sp.Rational(1, 3), sp.Rational(123457, 1000003)):
        assert same(model.number(fraction, model.spec_point), fraction.evalf(DIGITS))


def test_zero_comes_back_as_sympy_zero():
    """evalf gives S.Zero for an exact 0 (0.0 * y), and so does the program."""
    assert to_float(run(X * Y, point_of([0, 3, 0, 0]))) is sp.S.Zero


# -- hypothesis: random expressions over the operations the model and the claims use -------------------
LEAVES = st.one_of(
    st.sampled_from(SYMBOLS), st.sampled_from(SYMBOLS), st.sampled_from(SYMBOLS),      # mostly symbols
    st.integers(-5, 5).map(sp.Integer),
    st.fractions(min_value=-3, max_value=3, max_denominator=9).map(lambda f: sp.Rational(f.numerator, f.denominator)),
    st.floats(-3, 3, allow_nan=False).map(lambda v: sp.Float(v, DIGITS)),
    st.sampled_from([sp.pi, sp.E, sp.S.Half]),
)


def _safe(build):
    """A SymPy constructor that may refuse its arguments (a comparison with zoo or I, Mul(1, x)
    unevaluated): then the first."""
    def made(args):
        try:
            return build(*args)
        except (TypeError, ValueError, ZeroDivisionError, OverflowError, AssertionError):   # SymPy's own
            return args[0]
    return made


def _extend(children):
    pair = st.tuples(children, children)
    return st.one_of(
        pair.map(_safe(lambda a, b: a + b)), pair.map(_safe(lambda a, b: a - b)), pair.map(_safe(lambda a, b: a * b)),
        pair.map(_safe(lambda a, b: a / b)), st.tuples(children, st.integers(-3, 3)).map(_safe(lambda a, n: a ** n)),
        *[children.map(lambda a, f=f: _safe(f)((a,))) for f in (sp.sqrt, lambda e: sp.exp(e / 4), sp.log, sp.tanh,
                                                                   sp.sin, sp.Abs)],
        pair.map(_safe(lambda a, b: sp.Max(0, a, b))),
        pair.map(_safe(sp.Min)), pair.map(_safe(lambda a, b: sp.Piecewise((a, b > 0), (b, True)))),
        pair.map(_safe(lambda a, b: sp.Abs(a) ** (b / 7))),
    )


EXPRESSIONS = st.recursive(LEAVES, _extend, max_leaves=14)
# with a symbol for certain: the recursion alone makes many constants
SYMBOLIC = st.tuples(EXPRESSIONS, st.sampled_from(SYMBOLS), EXPRESSIONS).map(
    _safe(lambda a, x, b: a * sp.tanh(x) + b * x ** 2 - x))
POINTS = st.lists(st.one_of(st.floats(-2, 2, allow_nan=False), st.sampled_from([0.0, 1.0, -1.0, 0.5])),
                  min_size=4, max_size=4)


@settings(max_examples=400, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(st.one_of(EXPRESSIONS, SYMBOLIC), POINTS)
def test_random_expressions_agree_with_evalf(expr, values):
    agree(expr, point_of(values))


ORDINARY = st.lists(st.integers(1, 2_000_000).map(lambda k: (-1) ** k * k / 999_983), min_size=4, max_size=4)


@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(SYMBOLIC, ORDINARY)
def test_random_expressions_are_sympys_numbers_bit_for_bit(expr, values):
    agree(expr, point_of(values), exact=True)


def agree_slope(expr, point, symbol) -> None:
    """The forward slope is SymPy's diff at the point, or a refusal; never a number where SymPy has none."""
    try:
        expected = sympy_value(sp.diff(expr, symbol), point)
    except (ZeroDivisionError, TypeError, ValueError, OverflowError):
        expected = None
    try:
        found = to_float(slope_of(expr, point, symbol))
    except Fallback:
        return
    assert expected is not None and finite_real(expected), f"d/d{symbol} {expr}: {found}, SymPy {expected}"
    assert as_good(found, expected, sp.diff(expr, symbol), point), f"d/d{symbol} {expr}: {found} {expected}"


@pytest.mark.parametrize("expr", CASES, ids=str)
def test_hand_picked_slopes_agree_with_diff(expr):
    rng = random.Random(str(expr))
    for _ in range(6):
        point = point_of([rng.uniform(-2, 2) for _ in SYMBOLS])
        for symbol in SYMBOLS:
            agree_slope(expr, point, symbol)
    for special in ([0, 0, 0, 0], [1, 1, 1, 1]):
        agree_slope(expr, point_of(special), X)


def test_slopes_refuse_at_kinks_and_poles():
    for expr in (sp.Abs(X), sp.Max(0, X), sp.Piecewise((X, X > 0), (0, True)), sp.sqrt(X), X ** -1):
        with pytest.raises(Fallback):
            slope_of(expr, point_of([0, 0, 0, 0]), X)
    assert slope_of(sp.Abs(Y) * X, point_of([2, -3, 0, 0]), X) == run(
        sp.Abs(Y), point_of([2, -3, 0, 0]))        # a kink away from the number: followed
    assert to_float(slope_of(Y + 1, point_of([1, 1, 1, 1]), X)) is sp.S.Zero


@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(SYMBOLIC, POINTS, st.integers(0, 3))
def test_random_slopes_agree_with_diff(expr, values, which):
    used = sorted(expr.free_symbols, key=str) or [X]          # a symbol the expression uses, mostly
    agree_slope(expr, point_of(values), used[which % len(used)])


@settings(max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(EXPRESSIONS, st.sampled_from([{X: Y}, {X: sp.Symbol("x__s0", real=True), Y: Z}, {Z: X + 1}]))
def test_walks_agree_with_sympy(expr, rule):
    assert walk.free_symbols(expr) == expr.free_symbols
    assert walk.xreplace(expr, rule) == expr.xreplace(rule)


def test_walks_keep_bound_variables_as_sympy_does():
    f = sp.Function("f")
    expr = sp.diff(f(X * Y), X) + sp.Subs(sp.Derivative(f(Z), Z), Z, X + Y)
    free, binds = walk.symbols(expr)
    assert free == expr.free_symbols and binds
    assert walk.xreplace(expr, {X: Z}) == expr.xreplace({X: Z})
    matrix = sp.ImmutableMatrix([[X, 1], [expr, Y]])
    assert walk.free_symbols(matrix) == matrix.free_symbols
    assert walk.free_symbols(3) == set()


# -- the model: its points and gradients as SymPy computed them, bit for bit ------------------------------
@pytest.mark.parametrize("preset", derive.dense_preset_names())
def test_model_values_agree_with_sympy(preset):
    result = derive.derive(derive.load(preset))
    model = Model(result.spec, result.derivation)
    points = [model.random_point(random.Random(7))] + ([model.spec_point] if model.spec_point else [])
    for point in points:
        for symbol, value in point.items():
            if symbol in model.parameters or model.graph_symbol(symbol) in model.bases:
                continue
            name, _, s = symbol.name.partition("__s")
            defined = model.graph_symbol(symbol)
            if defined is None or not s:
                continue
            # a node's value is its definition's; a delta's is its own rule's (over the deltas after
            # it), as the network computes it; and that is its closed form's, to the 30 digits
            form = dict(model._local_forms)[defined]
            view = {x: point[sampled] for x in form.free_symbols
                    if (sampled := x if x in model.parameters else sp.Symbol(f"{x.name}__s{s}", real=True)) in point}
            assert same(value, model._sympy_number(form, view)), symbol
            closed = model._sympy_number(model.sample(model.defs.get(defined, model.deltas.get(defined)), int(s)), point)
            assert abs(value - closed) <= sp.Float("1e-27") * max(1, abs(closed)), symbol
        for parameter in sorted(model.parameters, key=str)[:6]:
            form = model.batch_partial(model.graph.total, parameter)
            assert same(model.number(form, point), model._sympy_number(form, point)), parameter
            generic = model.partial(model.graph.total, parameter)
            assert model.sample(generic, 1) == generic.xreplace(
                {x: sp.Symbol(f"{x.name}__s1", real=True) for x in generic.free_symbols
                 if x not in model.parameters and "__" not in x.name})


def same(a, b) -> bool:
    """The same SymPy number, to the last bit."""
    return getattr(a, "_mpf_", a) == getattr(b, "_mpf_", b)


def test_values_are_kept_at_the_models_points_only():
    """A node over the model's symbols has one value at each of its points; a point a claim changed
    (a letter of its own that is also a weight's name) is evaluated afresh."""
    result = derive.derive(derive.load("mazur"))
    model = Model(result.spec, result.derivation)
    point = model.random_witness
    forms = [model.sample(model.partial(model.graph.total, p), 0) * 3 for p in sorted(model.parameters, key=str)]
    expr = max(forms, key=lambda f: len(model.parameters & f.free_symbols))      # through the hidden layer
    weight = sorted(model.parameters & expr.free_symbols, key=str)[0]
    assert same(model.number(expr, point), model._sympy_number(expr, point))
    assert same(model.number(expr, Extended(point)), model._sympy_number(expr, point))     # kept
    changed = Extended(point)
    changed[weight] = sp.Float("0.123", DIGITS)
    assert changed.changed and not same(model.number(expr, changed), model.number(expr, point))
    assert same(model.number(expr, changed), model._sympy_number(expr, changed))
    moved = Extended(point)
    moved.update({weight: sp.Float("0.5", DIGITS)})
    assert moved.changed and same(model.number(expr, moved), model._sympy_number(expr, moved))
    assert same(model.number(expr, dict(point, **{})), model._sympy_number(expr, point))


def test_model_number_falls_back_with_sympys_result():
    """A symbol the point lacks: the number keeps it, as before (the judge names it as unread)."""
    result = derive.derive(derive.load("mazur"))
    model = Model(result.spec, result.derivation)
    expr = X * sp.exp(next(iter(model.parameters)))
    assert model.number(expr, model.spec_point) == model._sympy_number(expr, model.spec_point)
    assert X in model.number(expr, model.spec_point).free_symbols


# -- sampling: the fast renaming (rename.py) gives what xreplace gives, node for node ---------------------
def _srepr_equal(a, b) -> bool:
    return a == b and sp.srepr(a) == sp.srepr(b)


@pytest.mark.parametrize("spec", [*derive.dense_preset_names(), str(Path(__file__).parent / "specs" / "batch_3_4_2.toml")])
def test_sampling_is_xreplace(spec):
    result = derive.derive(derive.load(spec))
    model = Model(result.spec, result.derivation)
    forms = [model.partial(a, p) for a in (model.graph.total, *list(model.defs)[-2:])
             for p in sorted(model.parameters, key=str)]
    forms += [*model.defs.values(), *model.deltas.values()]       # the definitions: built unevaluated
    for form in forms:
        for s in range(model.samples):
            rule = {x: sp.Symbol(f"{x.name}__s{s}", real=True) for x in form.free_symbols
                    if x not in model.parameters and "__" not in x.name}
            assert _srepr_equal(model.sample(form, s), form.xreplace(rule)), form


# names whose order flips once renamed: "a" < "a_1" but "a__s0" > "a_1__s0"
NAMES = [sp.Symbol(n, real=True) for n in ("a", "a_1", "a_b", "b", "B", "a1")]
RENAMED = {x: sp.Symbol(f"{x.name}__s0", real=True) for x in NAMES}
TERMS = st.recursive(
    st.one_of(st.sampled_from(NAMES), st.integers(-3, 3).map(sp.Integer), st.sampled_from([sp.Rational(1, 3),
              sp.Float("0.25", 30), sp.sqrt(2), sp.pi])),
    lambda children: st.one_of(
        st.lists(children, min_size=2, max_size=4).map(_safe(lambda *a: sp.Add(*a))),
        st.lists(children, min_size=2, max_size=4).map(_safe(lambda *a: sp.Mul(*a))),
        st.lists(children, min_size=2, max_size=3).map(_safe(lambda *a: sp.Mul(*a, evaluate=False))),
        st.lists(children, min_size=2, max_size=3).map(_safe(lambda *a: sp.Add(*a, evaluate=False))),
        st.tuples(children, st.integers(-2, 3)).map(_safe(lambda a, n: a ** n)),
        *[children.map(lambda a, f=f: _safe(f)((a,))) for f in (lambda b: sp.exp(-b), sp.sqrt, sp.log)]),
    max_leaves=12)


@settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(TERMS)
def test_renaming_is_xreplace(expr):
    from derive.verify.rename import rename, renames
    free = walk.free_symbols(expr)
    rule = {x: y for x, y in RENAMED.items() if x in free}
    assert renames(rule, free)
    assert _srepr_equal(rename(expr, rule, {}, {}), expr.xreplace(rule))


# -- partial derivatives: the local derivatives built once (and a net input's read off) -------------------
@pytest.mark.parametrize("spec", [*derive.dense_preset_names(), str(Path(__file__).parent / "specs" / "batch_3_4_2.toml")])
def test_partials_are_the_chain_rule_by_sympy(spec):
    """A net input's slopes are read off exactly as sp.diff gives them; every partial derivative
    equals the chain rule by sp.diff at every step."""
    from derive.core.partials import linear_slope
    result = derive.derive(derive.load(spec))
    model = Model(result.spec, result.derivation)
    for a, form in model.defs.items():
        for x in form.free_symbols:
            found = linear_slope(form, x)
            assert found is None or _srepr_equal(found, sp.diff(form, x)), (form, x)
    memo: dict = {}

    def chain(a, b):                         # Model.partial as it was: sp.diff at every step
        if (a, b) not in memo:
            if a == b:
                memo[(a, b)] = sp.S.One
            elif a not in model.defs or not model.depends(a, b):
                memo[(a, b)] = sp.S.Zero
            else:
                form = model.defs[a]
                memo[(a, b)] = sp.Add(*[sp.diff(form, x) * chain(x, b) for x in form.free_symbols
                                        if model.depends(x, b)])
        return memo[(a, b)]
    # an activation's or a loss's local slope is its rule row's (over out, as in out(1 - out)): the
    # same number as SymPy's diff wherever every node has its value, as at the model's points
    point = model.random_witness
    for a in (model.graph.total, *list(model.defs)[-3:]):
        for b in sorted(model.parameters | set(model.bases), key=str):
            ours, direct = (model.number(model.sample(e, 0), point) for e in (model.partial(a, b), chain(a, b)))
            assert abs(ours - direct) <= sp.Float("1e-25") * max(1, abs(direct)), (a, b)
