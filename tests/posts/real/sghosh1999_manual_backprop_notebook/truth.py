"""Independent truth table for sghosh1999_manual_backprop_notebook/post.md (pure NumPy, no derive).

One sigmoid neuron: z = w11 x1 + w12 x2 + b, y_pred = sigmoid(z), Loss = 0.5 (y - y_pred)^2;
x = (1.0, 2.0), w11 = 0.5, w12 = -0.4, b = 0.1, y = 1.0, eta = 0.1. Prints every figure the
post writes, the true value, the value from the post's own rounded figures, and a verdict
(ok within one unit of the last written digit of the true value).
"""
from decimal import Decimal

import numpy as np

x = np.array([1.0, 2.0])
w = np.array([0.5, -0.4])
b, y, eta = 0.1, 1.0, 0.1

z = w @ x + b
yp = 1.0 / (1.0 + np.exp(-z))
L = 0.5 * (y - yp) ** 2
dL_dyp = yp - y
dyp_dz = yp * (1 - yp)
dL_dz = dL_dyp * dyp_dz
g_w = dL_dz * x
g_b = dL_dz
w_new = w - eta * g_w
b_new = b - eta * g_b


def ulp(s):
    return Decimal(1).scaleb(Decimal(s).as_tuple().exponent)


def verdict(post, true):
    return "ok" if abs(Decimal(post) - Decimal(repr(float(true)))) <= ulp(post) * Decimal("1.0000001") else "WRONG"


rows = [
    (31, "z", "-0.2", z, None),
    (35, "y_pred", "0.4502", yp, None),
    (44, "Loss", "0.1511", L, 0.5 * (1.0 - 0.4502) ** 2),
    (51, "dL/dy_pred", "-0.5498", dL_dyp, 0.4502 - 1.0),
    (55, "dy_pred/dz", "0.2475", dyp_dz, 0.4502 * (1 - 0.4502)),
    (59, "dL/dz", "-0.1360", dL_dz, -0.5498 * 0.2475),
    (65, "dL/dw11", "-0.1360", g_w[0], -0.1360 * 1.0),
    (66, "dL/dw12", "-0.2720", g_w[1], -0.1360 * 2.0),
    (67, "dL/db", "-0.1360", g_b, -0.1360),
    (76, "w11 after the step", "0.5136", w_new[0], 0.5 - 0.1 * -0.1360),
    (79, "w12 after the step", "-0.3728", w_new[1], -0.4 - 0.1 * -0.2720),
    (82, "b after the step", "0.1136", b_new, 0.1 - 0.1 * -0.1360),
    (89, "w11 (summary)", "0.5136", w_new[0], None),
    (90, "w12 (summary)", "-0.3728", w_new[1], None),
    (91, "b (summary)", "0.1136", b_new, None),
    (93, "Loss before update", "0.1511", L, None),
]
print(f"{'line':>4}  {'quantity':20} {'post':>8} {'true':>12} {'from post':>12}  verdict")
for line, q, post, true, own in rows:
    o = f"{own:12.6f}" if own is not None else " " * 12
    v = verdict(post, true)
    if v != "ok" and own is not None and verdict(post, own) == "ok":
        v = "ok (post's own rounding)"
    print(f"{line:>4}  {q:20} {post:>8} {true:12.6f} {o}  {v}")
