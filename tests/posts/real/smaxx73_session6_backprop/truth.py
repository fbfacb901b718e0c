"""Independent truth table for smaxx73_session6_backprop/post.md (pure NumPy, no derive).

2-2-1 sigmoid network, one bias per unit, loss L = (y - y_hat)^2 (no 1/2; one output and
one sample, so the course's 'MSE' is this), eta = 1.0.  Prints every figure the post writes,
the true value, the value from the post's own rounded figures, and a verdict (ok within one
unit of the last written digit).
"""
from decimal import Decimal

import numpy as np

x = np.array([1.0, 0.0])
y = 1.0
W1 = np.array([[0.5, 0.3], [-0.2, 0.8]])
b1 = np.array([0.1, -0.1])
W2 = np.array([[0.6, -0.4]])
b2 = np.array([0.2])
eta = 1.0


def sig(z):
    return 1.0 / (1.0 + np.exp(-z))


z1 = W1 @ x + b1
a1 = sig(z1)
z2 = W2 @ a1 + b2
a2 = sig(z2)
L = ((y - a2) ** 2).sum()
dL_da2 = -2 * (y - a2)
s2 = a2 * (1 - a2)
d2 = dL_da2 * s2
dW2 = np.outer(d2, a1)
back = W2.T @ d2
s1 = a1 * (1 - a1)
d1 = back * s1
dW1 = np.outer(d1, x)
W2_new = W2 - eta * dW2


def ulp(s):
    return Decimal(1).scaleb(Decimal(s).as_tuple().exponent)


def verdict(post, true):
    return "ok" if abs(Decimal(post) - Decimal(repr(float(true)))) <= ulp(post) * Decimal("1.0000001") else "WRONG"


rows = [
    (24, "z1[1]", "0.6", z1[0], None), (24, "z1[2]", "-0.3", z1[1], None),
    (28, "a1[1]", "0.6457", a1[0], None), (28, "a1[2]", "0.4256", a1[1], None),
    (36, "0.6 x 0.6457", "0.3874", 0.6 * a1[0], 0.6 * 0.6457),
    (36, "-0.4 x 0.4256", "-0.1702", -0.4 * a1[1], -0.4 * 0.4256),
    (36, "z2", "0.4172", z2[0], 0.3874 - 0.1702 + 0.2),
    (40, "y_hat", "0.6028", a2[0], sig(0.4172)),
    (44, "y - y_hat", "0.3972", y - a2[0], 1 - 0.6028),
    (44, "L", "0.1578", L, 0.3972 ** 2),
    (54, "dL/da2", "-0.7944", dL_da2[0], -2 * (1 - 0.6028)),
    (57, "sigma'(z2)", "0.2395", s2[0], 0.6028 * 0.3972),
    (60, "delta2", "-0.1903", d2[0], -0.7944 * 0.2395),
    (67, "dL/dW2[1]", "-0.1229", dW2[0, 0], -0.1903 * 0.6457),
    (67, "dL/dW2[2]", "-0.0810", dW2[0, 1], -0.1903 * 0.4256),
    (71, "dL/db2", "-0.1903", d2[0], None),
    (83, "(W2)^T delta2 [1]", "-0.1142", back[0], 0.6 * -0.1903),
    (83, "(W2)^T delta2 [2]", "0.0761", back[1], -0.4 * -0.1903),
    (87, "1 - 0.6457", "0.3543", 1 - a1[0], 1 - 0.6457),
    (87, "1 - 0.4256", "0.5744", 1 - a1[1], 1 - 0.4256),
    (87, "sigma'(z1)[1]", "0.2288", s1[0], 0.6457 * 0.3543),
    (87, "sigma'(z1)[2]", "0.2445", s1[1], 0.4256 * 0.5744),
    (91, "delta1[1]", "-0.0261", d1[0], -0.1142 * 0.2288),
    (91, "delta1[2]", "0.0186", d1[1], 0.0761 * 0.2445),
    (98, "dL/dW1[1,1]", "-0.0261", dW1[0, 0], None), (98, "dL/dW1[2,1]", "0.0186", dW1[1, 0], None),
    (98, "dL/dW1[1,2]", "0", dW1[0, 1], None), (98, "dL/dW1[2,2]", "0", dW1[1, 1], None),
    (102, "dL/db1[1]", "-0.0261", d1[0], None), (102, "dL/db1[2]", "0.0186", d1[1], None),
    (116, "W2new[1]", "0.7229", W2_new[0, 0], 0.6 + 0.1229),
    (116, "W2new[2]", "-0.3190", W2_new[0, 1], -0.4 + 0.0810),
]
print(f"{'line':>4}  {'quantity':20} {'post':>8} {'true':>11} {'from post':>11}  verdict")
for line, q, post, true, own in rows:
    o = f"{own:11.6f}" if own is not None else " " * 11
    print(f"{line:>4}  {q:20} {post:>8} {true:11.6f} {o}  {verdict(post, true)}")
print()
print("every figure is within one unit of its last digit; line 57 multiplies to 0.23943 yet writes 0.2395")
