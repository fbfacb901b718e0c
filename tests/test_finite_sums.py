"""finite_sums.done writes definite sums out to the very expression SymPy's doit gives (the documents
print it), on random index-form-like sums: products of entries, index-free factors, nested ranges."""

import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from derive.core.finite_sums import done

X, W, D = sp.IndexedBase("x"), sp.IndexedBase("w"), sp.IndexedBase("d")
A, B = sp.symbols("a b")
I, J = sp.Idx("i", 3), sp.Idx("j", 2)


def _factor(draw, index):
    kind = draw(st.sampled_from(["x", "w", "d", "symbol", "number", "sigmoid"]))
    if kind == "x":
        return X[index]
    if kind == "w":
        return W[draw(st.integers(0, 2)), index]
    if kind == "d":
        return D[index + draw(st.integers(0, 1))]
    if kind == "symbol":
        return draw(st.sampled_from([A, B]))
    if kind == "number":
        return sp.Rational(draw(st.integers(-3, 3)) or 1, draw(st.integers(1, 4)))
    return 1 / (1 + sp.exp(-X[index]))


@st.composite
def sums(draw):
    terms = []
    for _ in range(draw(st.integers(1, 3))):
        terms.append(sp.Mul(*[_factor(draw, draw(st.sampled_from([I, J]))) for _ in range(draw(st.integers(1, 3)))],
                            evaluate=draw(st.booleans())))
    body = sp.Add(*terms, evaluate=draw(st.booleans()))
    limits = draw(st.sampled_from([[(I, 0, 2)], [(J, 0, 1)], [(I, 0, 2), (J, 0, 1)], [(J, 1, 1)], [(I, 1, 0)]]))
    inner = sp.Sum(body, *limits)
    return sp.Mul(draw(st.sampled_from([sp.S.One, A, sp.Rational(1, 2)])), inner, evaluate=False) + B


@settings(max_examples=200, deadline=None)
@given(sums())
def test_a_written_out_sum_is_sympys(expr):
    assert done(expr) == expr.doit()


def test_what_it_cannot_take_is_left_to_sympy():
    n = sp.Symbol("n", integer=True, positive=True)
    delta = sp.Sum(sp.KroneckerDelta(I, 1) * X[I], (I, 0, 2))
    symbolic = sp.Sum(X[I], (I, 0, n))
    assert done(delta) == delta.doit() == X[1]
    assert done(symbolic) == symbolic.doit()
    assert done(sp.Sum(X[I], (I, 0, 2)) + delta) == X[0] + 2 * X[1] + X[2]
