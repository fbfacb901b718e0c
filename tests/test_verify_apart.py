"""apart.py answers as SymPy's own Float arithmetic does, bit for bit, on every kind of value the
judge compares (Floats of 30 digits, SymPy's zero, near ties at the bound, other precisions)."""

import sympy as sp
from hypothesis import given, settings, strategies as st

from derive.verify.apart import numeric_apart, symbolic_apart

SLACK, FLOOR = 1e-12, 1e-15


def _value(draw_float, exponent, digits):
    if draw_float == 0:
        return sp.S.Zero
    return sp.Float(sp.Float(draw_float, 30) * sp.Float(10, 30) ** exponent, digits)


values = st.builds(_value, st.floats(-10, 10, allow_nan=False) | st.just(0.0) | st.just(1.0) | st.just(-1.0),
                   st.integers(-20, 20), st.sampled_from([30, 30, 30, 15]))


def near(x):
    """x, x a little off (at the bound's scale), or x exactly."""
    return st.sampled_from([0, 1, -1, 1e-3, 1e-12, 1e-15, 1e-16, 1e-30]).map(
        lambda step: x if step == 0 or x is sp.S.Zero else sp.Float(x * (1 + sp.Float(step, 30)), 30))


@settings(max_examples=600, deadline=None)
@given(st.data())
def test_symbolic_apart_is_sympys_comparison(data):
    x = data.draw(values)
    y = data.draw(values | near(x))
    assert symbolic_apart(x, y, 1e-15) == bool(abs(x - y) > 1e-15 * max(1, abs(x), abs(y)))


@settings(max_examples=600, deadline=None)
@given(st.data())
def test_numeric_apart_is_sympys_comparison(data):
    x = data.draw(values)
    y = data.draw(values | near(x))
    ta, tb = data.draw(values | st.just(sp.Float(0, 30))), data.draw(values | st.just(sp.S.Zero))
    ta, tb = abs(ta), abs(tb)
    assert numeric_apart(x, y, ta, tb, SLACK, FLOOR) == \
        bool(abs(x - y) > ta + tb + SLACK * max(abs(x), abs(y)) + FLOOR)


def test_a_tie_at_the_bound():
    x = sp.Float(1, 30)
    assert not symbolic_apart(x, x, 1e-15)
    assert not numeric_apart(sp.S.Zero, sp.S.Zero, sp.S.Zero, sp.S.Zero, SLACK, FLOOR)
    assert numeric_apart(sp.Float("0.5", 30), sp.Float("0.4", 30), sp.Float("0.05", 30), sp.Float("0.0001", 30),
                         SLACK, FLOOR)
