"""Independent truth table for keonhee_propagation_example/post.md (pure NumPy, no derive).

2-2-1 network, no biases: z = x W1 (row layout, W1 = [[w1, w2], [w3, w4]]), a = sigmoid(z),
y_hat = a . [w5, w6] (linear output); L = (y - y_hat)^2 (no 1/2); eta = 0.1.
Prints every figure the post writes, the true value, the value from the post's own rounded
figures, and a verdict (ok within one unit of the last written digit).
"""
from decimal import Decimal

import numpy as np

x = np.array([0.5, 0.3])
W1 = np.array([[0.3, 0.2], [0.2, 0.3]])
w2 = np.array([0.4, 0.5])
y, eta = 0.7, 0.1


def sig(z):
    return 1.0 / (1.0 + np.exp(-z))


z = x @ W1
a = sig(z)
yh = a @ w2
L = (y - yh) ** 2
dL_dyh = -2 * (y - yh)
g_out = dL_dyh * a                      # dL/dw5, dL/dw6
delta_h = dL_dyh * w2 * a * (1 - a)
g_in = np.outer(x, delta_h)             # [[dL/dw1, dL/dw2], [dL/dw3, dL/dw4]]
W1_new = W1 - eta * g_in
w2_new = w2 - eta * g_out
yh_new = sig(x @ W1_new) @ w2_new


def ulp(s):
    return Decimal(1).scaleb(Decimal(s).as_tuple().exponent)


def verdict(post, true):
    return "ok" if abs(Decimal(post) - Decimal(repr(float(true)))) <= ulp(post) * Decimal("1.0000001") else "WRONG"


r = 0.7 - 0.4943                        # the post's rounded residual
rows = [
    (13, "z1 (in e^{-0.21})", "0.21", z[0], None),
    (13, "a1", "0.552", a[0], sig(0.21)),
    (15, "z2 (in e^{-0.19})", "0.19", z[1], None),
    (15, "a2", "0.547", a[1], sig(0.19)),
    (19, "y_hat", "0.4943", yh, 0.552 * 0.4 + 0.547 * 0.5),
    (27, "y - y_hat", "0.2057", y - yh, r),
    (27, "L", "0.04231", L, r ** 2),
    (39, "dL/dw5", "-0.227", g_out[0], -2 * r * 0.552),
    (49, "dL/dw1", "-0.0204", g_in[0, 0], -2 * r * 0.4 * 0.552 * (1 - 0.552) * 0.5),
    (55, "dL/dw2", "-0.0255", g_in[0, 1], -2 * r * 0.5 * 0.547 * (1 - 0.547) * 0.5),
    (56, "dL/dw3", "-0.0122", g_in[1, 0], -2 * r * 0.4 * 0.552 * (1 - 0.552) * 0.3),
    (57, "dL/dw4", "-0.0153", g_in[1, 1], -2 * r * 0.5 * 0.547 * (1 - 0.547) * 0.3),
    (65, "w1'", "0.302", W1_new[0, 0], 0.3 - (-0.0204)),
    (70, "w2'", "0.203", W1_new[0, 1], 0.2 - 0.1 * -0.0255),
    (71, "w3'", "0.201", W1_new[1, 0], 0.2 - 0.1 * -0.0122),
    (72, "w4'", "0.302", W1_new[1, 1], 0.3 - 0.1 * -0.0153),
    (73, "w5'", "0.423", w2_new[0], 0.4 - 0.1 * -0.227),
    (74, "w6'", "0.523", w2_new[1], 0.5 - 0.1 * -0.225),
    (78, "y_hat after the update", "0.5199", yh_new,
     sig(x @ np.array([[0.302, 0.203], [0.201, 0.302]])) @ np.array([0.423, 0.523])),
]
print(f"{'line':>4}  {'quantity':24} {'post':>8} {'true':>12} {'from post':>12}  verdict")
for line, q, post, true, own in rows:
    o = f"{own:12.6f}" if own is not None else " " * 12
    print(f"{line:>4}  {q:24} {post:>8} {true:12.6f} {o}  {verdict(post, true)}")
print()
print("line 65 as written: 0.3 - (-0.0204) =", 0.3 + 0.0204, "(eta = 0.1 left out of the middle step)")
