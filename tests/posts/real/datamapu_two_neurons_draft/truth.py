"""Independent truth table for datamapu_two_neurons_draft/post.md (pure NumPy, no derive).

1-1-1 sigmoid chain with biases: a2 = sigmoid(w1 x + b1), y_hat = sigmoid(w2 a2 + b2); x = 0.5, w1 = 0.3,
b1 = 0.1, w2 = 0.2, b2 = 0.4, target 1.5 (the value the example computes with), L = 1/2 (y - y_hat)^2,
alpha = 0.1. Prints each figure the post writes, the true value, the value from the post's own figures,
and a verdict (ok within one unit of the last written digit of the true value).
"""
from decimal import Decimal

import numpy as np


def sig(z):
    return 1.0 / (1.0 + np.exp(-z))


x, y, alpha = 0.5, 1.5, 0.1
w1, b1, w2, b2 = 0.3, 0.1, 0.2, 0.4

z2 = w1 * x + b1
a2 = sig(z2)
z3 = w2 * a2 + b2
yh = sig(z3)
L = 0.5 * (y - yh) ** 2
dL_dyh = -(y - yh)
sp3 = yh * (1 - yh)
g_w2 = dL_dyh * sp3 * a2
g_b2 = dL_dyh * sp3
sp2 = a2 * (1 - a2)
g_w1 = dL_dyh * sp3 * w2 * sp2 * x
g_b1 = dL_dyh * sp3 * w2 * sp2


def ulp(s):
    return Decimal(1).scaleb(Decimal(s).as_tuple().exponent)


def verdict(post, true):
    return "ok" if abs(Decimal(post) - Decimal(repr(float(true)))) <= ulp(post) * Decimal("1.0000001") else "WRONG"


rows = [
    (22, "z^(2)", "0.25", z2, None),
    (23, "a^(2) = sigma(0.25)", "0.56", a2, None),
    (24, "z^(3)", "0.512", z3, 0.2 * 0.56 + 0.4),
    (24, "y_hat", "0.625", yh, sig(0.512)),
    (28, "L", "0.38", L, 0.5 * (1.5 - 0.625) ** 2),
    (44, "sigma'(z^(3))", "0.235", sp3, None),
    (44, "dL/dw^(2)", "-0.103", g_w2, -0.875 * 0.235 * 0.5),
    (46, "dL/db^(2)", "-0.205", g_b2, -0.875 * 0.235),
    (79, "dL/dy_hat", "-0.875", dL_dyh, -(1.5 - 0.625)),
    (87, "z^(3)", "0.56", z3, sig(0.25)),
    (91, "sigma(z^(3)) = y_hat", "0.64", yh, sig(0.56)),
    (91, "sigma'(z^(3))", "0.23", sp3, 0.64 * 0.36),
    (103, "z^(2)", "0.25", z2, None),
    (107, "sigma'(z^(2))", "0.25", sp2, 0.56 * 0.44),
    (117, "dL/dw^(1)", "-0.005", g_w1, -0.875 * 0.23 * 0.2 * 0.25 * 0.5),
    (121, "dL/db^(1)", "-0.01", g_b1, -0.875 * 0.23 * 0.2 * 0.25),
    (125, "w^(1)_new", "0.3005", w1 - alpha * g_w1, 0.3 - 0.1 * -0.005),
    (127, "b^(1)_new", "0.101", b1 - alpha * g_b1, 0.1 - 0.1 * -0.01),
    (129, "w^(2)_new", "0.2103", w2 - alpha * g_w2, 0.2 - 0.1 * -0.103),
    (131, "b^(2)_new", "0.3795", b2 - alpha * g_b2, 0.4 - 0.1 * -0.205),
]
print(f"{'line':>4}  {'quantity':22} {'post':>8} {'true':>12} {'from post':>12}  verdict")
for line, q, post, true, own in rows:
    o = f"{own:12.6f}" if own is not None else " " * 12
    print(f"{line:>4}  {q:22} {post:>8} {true:12.7f} {o}  {verdict(post, true)}")
print()
print("line 44: the post multiplies by x = 0.5 where dz^(3)/dw^(2) = a^(2) =", round(a2, 6))
print("line 131: 0.4 - 0.1 * (-0.205) =", 0.4 - 0.1 * -0.205, "(written 0.3795)")
