"""Independent truth table for einsteinish_backprop_readme/post.md (pure NumPy, no derive).

2-2-1 sigmoid network without biases: z_j = sum_i x_i w_ij (w_ij from input i to hidden j),
z_o = a_1 w_h1 + a_2 w_h2, y_pred = sigma(z_o); Loss = 1/2 (y_pred - y)^2, y = 3.3; eta = 0.1.
Prints every figure the post writes, the true value, the value from the post's own
(rounded) figures, and a verdict (ok within one unit of the last written digit).
"""
from decimal import Decimal

import numpy as np

x = np.array([1.1, 2.2])
y = 3.3
W = np.array([[0.2, 0.3], [0.4, 0.7]])   # row layout: W[i, j] = w_{ij}
wh = np.array([0.6, -0.1])               # w_h1, w_h2
eta = 0.1


def sig(z):
    return 1.0 / (1.0 + np.exp(-z))


z = x @ W
a = sig(z)
zo = a @ wh
yp = sig(zo)
loss = 0.5 * (yp - y) ** 2
sp_o = yp * (1 - yp)
d_o = (yp - y) * sp_o
g_wh = d_o * a
sp_h = a * (1 - a)
d_h = d_o * wh * sp_h
g_W = np.outer(x, d_h)                   # g_W[i, j] = dLoss/dw_ij
wh_new = wh - eta * g_wh


def ulp(s):
    return Decimal(1).scaleb(Decimal(s).as_tuple().exponent)


def verdict(post, true):
    return "ok" if abs(Decimal(post) - Decimal(repr(float(true)))) <= ulp(post) * Decimal("1.0000001") else "WRONG"


rows = [
    (6, "y = x1 + x2", "3.3", 1.1 + 2.2, None),
    (11, "z1", "1.1", z[0], 1.1 * 0.2 + 2.2 * 0.4),
    (15, "a1", "0.75026", a[0], sig(1.1)),
    (19, "a2", "0.86607", a[1], sig(1.87)),
    (23, "a1 w_h1", "0.45016", a[0] * wh[0], 0.75026 * 0.6),
    (23, "a2 w_h2", "-0.08661", a[1] * wh[1], 0.86607 * -0.1),
    (23, "z_o", "0.36355", zo, 0.45016 - 0.08661),
    (27, "z_o as substituted", "0.36355", zo, None),
    (27, "y_pred", "0.58989", yp, sig(0.36355)),
    (31, "Loss", "3.67545", loss, 0.5 * (0.58989 - 3.3) ** 2),
    (39, "y_pred - y", "-2.71011", yp - y, 0.58989 - 3.3),
    (39, "sigma'(z_o)", "0.242", sp_o, 0.58989 * (1 - 0.58989)),
    (43, "delta_o", "-0.65584", d_o, -2.71011 * 0.242),
    (47, "dLoss/dw_h1", "-0.49198", g_wh[0], -0.65584 * 0.75026),
    (51, "dLoss/dw_h2", "-0.56795", g_wh[1], -0.65584 * 0.86607),
    (59, "delta_o w_h1", "-0.39350", d_o * wh[0], -0.65584 * 0.6),
    (59, "sigma'(z1)", "0.1875", sp_h[0], 0.75026 * (1 - 0.75026)),
    (59, "delta_1", "-0.07382", d_h[0], -0.39350 * 0.1875),
    (63, "delta_o w_h2", "0.06558", d_o * wh[1], -0.65584 * -0.1),
    (63, "sigma'(z2)", "0.1158", sp_h[1], 0.86607 * (1 - 0.86607)),
    (63, "delta_2", "0.00760", d_h[1], 0.06558 * 0.1158),
    (67, "dLoss/dw11", "-0.08120", g_W[0, 0], -0.07382 * 1.1),
    (71, "dLoss/dw12", "0.00836", g_W[0, 1], 0.00760 * 1.1),
    (75, "dLoss/dw22", "0.01672", g_W[1, 1], 0.00760 * 2.2),
    (79, "w_h1+", "0.6492", wh_new[0], 0.6 - 0.1 * -0.49198),
]
print(f"{'line':>4}  {'quantity':20} {'post':>9} {'true':>11} {'from post':>11}  verdict")
for line, q, post, true, own in rows:
    o = f"{own:11.6f}" if own is not None else " " * 11
    print(f"{line:>4}  {q:20} {post:>9} {true:11.6f} {o}  {verdict(post, true)}"
          + ("" if own is None else f" / from post {verdict(post, own)}"))
