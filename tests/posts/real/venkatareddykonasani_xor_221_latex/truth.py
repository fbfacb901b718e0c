"""Independent truth table for venkatareddykonasani_xor_221_latex/post.md (pure NumPy, no derive).

2-2-1 network, sigmoid hidden and output units, one bias per unit:
z1 = w1 x1 + w2 x2 + b1, z2 = w3 x1 + w4 x2 + b2, h = sigmoid(z), z3 = w5 h1 + w6 h2 + b3, y_hat = sigmoid(z3);
L = 1/2 (y - y_hat)^2; alpha = 0.1; (x1, x2) = (0, 1), y = 1.
Prints every figure the post writes, the true value, the value from the post's own rounded
figures, and a verdict (ok within one unit of the last written digit of the true value).
"""
from decimal import Decimal

import numpy as np

x = np.array([0.0, 1.0])
W = np.array([[0.1, 0.2], [0.3, 0.4]])   # [[w1, w2], [w3, w4]]
b = np.array([0.1, 0.1])                 # b1, b2
v = np.array([0.5, 0.6])                 # w5, w6
b3 = 0.1
y, alpha = 1.0, 0.1


def sig(z):
    return 1.0 / (1.0 + np.exp(-z))


z = W @ x + b
h = sig(z)
z3 = v @ h + b3
yh = sig(z3)
L = 0.5 * (y - yh) ** 2
dL_dyh = yh - y
dyh_dz3 = yh * (1 - yh)
g_w5 = dL_dyh * dyh_dz3 * h[0]
dh1_dz1 = h[0] * (1 - h[0])
g_w1 = dL_dyh * dyh_dz3 * v[0] * dh1_dz1 * x[0]
w5_new = v[0] - alpha * g_w5

# finite-difference check of the analytic gradients
eps = 1e-6


def loss(W, v):
    return 0.5 * (y - sig(v @ sig(W @ x + b) + b3)) ** 2


d = np.array([eps, 0.0])
assert abs((loss(W, v + d) - loss(W, v - d)) / (2 * eps) - g_w5) < 1e-9
D = np.zeros((2, 2)); D[0, 0] = eps
assert abs((loss(W + D, v) - loss(W - D, v)) / (2 * eps) - g_w1) < 1e-9


def ulp(s):
    return Decimal(1).scaleb(Decimal(s).as_tuple().exponent)


def verdict(post, true):
    return "ok" if abs(Decimal(post) - Decimal(repr(float(true)))) <= ulp(post) * Decimal("1.0000001") else "WRONG"


rows = [
    (37, "z_1", "0.3", z[0], 0.1 * 0 + 0.2 * 1 + 0.1),
    (41, "h_1 = sigmoid(0.3)", "0.5744", h[0], sig(0.3)),
    (45, "z_2", "0.5", z[1], 0.3 * 0 + 0.4 * 1 + 0.1),
    (49, "h_2 = sigmoid(0.5)", "0.6225", h[1], sig(0.5)),
    (59, "w_5 h_1", "0.2872", v[0] * h[0], 0.5 * 0.5744),
    (59, "w_6 h_2", "0.3735", v[1] * h[1], 0.6 * 0.6225),
    (59, "z_3", "0.7607", z3, 0.2872 + 0.3735 + 0.1),
    (63, "y_hat = sigmoid(0.7607)", "0.6815", yh, sig(0.7607)),
    (71, "L", "0.0507", L, 0.5 * (1 - 0.6815) ** 2),
    (86, "dL/dy_hat", "-0.3185", dL_dyh, 0.6815 - 1),
    (87, "dy_hat/dz_3", "0.2170", dyh_dz3, 0.6815 * (1 - 0.6815)),
    (88, "dz_3/dw_5 = h_1", "0.5744", h[0], None),
    (93, "dL/dw_5", "-0.0397", g_w5, -0.3185 * 0.2170 * 0.5744),
    (106, "dL/dy_hat", "-0.3185", dL_dyh, None),
    (107, "dy_hat/dz_3", "0.2170", dyh_dz3, None),
    (108, "dz_3/dh_1 = w_5", "0.5", v[0], None),
    (109, "dh_1/dz_1", "0.2445", dh1_dz1, 0.5744 * (1 - 0.5744)),
    (110, "dz_1/dw_1 = x_1", "0", x[0], None),
    (112, "dL/dw_1", "0", g_w1, None),
    (125, "alpha dL/dw_5 (as +0.00397)", "0.00397", -alpha * g_w5, -0.1 * -0.0397),
    (125, "w_5 new", "0.50397", w5_new, 0.5 + 0.00397),
]
print(f"{'line':>4}  {'quantity':28} {'post':>8} {'true':>12} {'from post':>12}  verdict")
for line, q, post, true, own in rows:
    ow = f"{own:12.6f}" if own is not None else " " * 12
    print(f"{line:>4}  {q:28} {post:>8} {true:12.6f} {ow}  {verdict(post, true)}")
print()
print("line 87: 0.6815 * 0.3185 =", 0.6815 * 0.3185, "(0.2171 by the post's own figures; the true 0.217056 is within one unit of 0.2170)")
print("line 125: 0.5 + 0.00397 =", 0.5 + 0.00397, "; true new w_5 =", w5_new)
