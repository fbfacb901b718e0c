"""Independent truth table for kaifeng_llm_learn_backprop_zh/post.md (pure NumPy, no derive).

2-2-1 network, sigmoid hidden and output, per-unit biases, row layout z_1 = X W_1 + b_1;
X = [1, 2], y = 0.5, W_1 = [[0.5, 0.6], [0.7, 0.8]], b_1 = [0.1, 0.2], W_2 = [0.9, 0.1], b_2 = 0.3;
L = 1/2 (y_hat - y)^2, eta = 0.1. Prints each figure the post writes, the true value, the value from the
post's own rounded figures, and a verdict (ok within one unit of the last written digit of the true value).
"""
from decimal import Decimal

import numpy as np


def sig(z):
    return 1.0 / (1.0 + np.exp(-z))


X = np.array([[1.0, 2.0]])
W1 = np.array([[0.5, 0.6], [0.7, 0.8]])
b1 = np.array([[0.1, 0.2]])
W2 = np.array([[0.9], [0.1]])
b2 = 0.3
y, eta = 0.5, 0.1

z1 = X @ W1 + b1
a1 = sig(z1)
z2 = a1 @ W2 + b2
yh = sig(z2)
L = 0.5 * (yh - y) ** 2
dL_dyh = yh - y
sp2 = yh * (1 - yh)
d2 = dL_dyh * sp2
gW2 = a1.T @ d2                  # (2, 1), in W_2's layout
gb2 = d2
dL_da1 = d2 @ W2.T
sp1 = a1 * (1 - a1)
d1 = dL_da1 * sp1
gW1 = X.T @ d1                   # (inputs, units): W_1's layout
gb1 = d1
W2n, b2n, W1n, b1n = W2 - eta * gW2, b2 - eta * gb2, W1 - eta * gW1, b1 - eta * gb1


def ulp(s):
    return Decimal(1).scaleb(Decimal(s).as_tuple().exponent)


def verdict(post, true):
    return "ok" if abs(Decimal(post) - Decimal(repr(float(true)))) <= ulp(post) * Decimal("1.0000001") else "WRONG"


rows = [
    (23, "z_1[1]", "2.0", z1[0, 0], None), (23, "z_1[2]", "2.4", z1[0, 1], None),
    (26, "a_1[1]", "0.8808", a1[0, 0], None), (26, "a_1[2]", "0.9084", a1[0, 1], None),
    (32, "z_2", "1.1835", z2[0, 0], 0.8808 * 0.9 + 0.9084 * 0.1 + 0.3),
    (36, "y_hat", "0.7692", yh[0, 0], sig(1.1835)),
    (42, "L", "0.035", L[0, 0], 0.5 * 0.2692 ** 2),
    (48, "dL/dy_hat", "0.2692", dL_dyh[0, 0], 0.7692 - 0.5),
    (52, "sigma'(z_2)", "0.1776", sp2[0, 0], 0.7692 * (1 - 0.7692)),
    (56, "delta_2", "0.0478", d2[0, 0], 0.2692 * 0.1776),
    (60, "dL/dW_2[1]", "0.0421", gW2[0, 0], 0.0478 * 0.8808), (60, "dL/dW_2[2]", "0.0434", gW2[1, 0], 0.0478 * 0.9084),
    (62, "dL/db_2", "0.0478", gb2[0, 0], 0.0478),
    (68, "dL/da_1[1]", "0.0430", dL_da1[0, 0], 0.0478 * 0.9), (68, "dL/da_1[2]", "0.0048", dL_da1[0, 1], 0.0478 * 0.1),
    (72, "sigma'(z_1)[1]", "0.1051", sp1[0, 0], 0.8808 * 0.1192), (72, "sigma'(z_1)[2]", "0.0833", sp1[0, 1], 0.9084 * 0.0916),
    (76, "delta_1[1]", "0.0045", d1[0, 0], 0.0430 * 0.1051), (76, "delta_1[2]", "0.0004", d1[0, 1], 0.0048 * 0.0833),
    (82, "dL/dW_1 row1 col1", "0.0045", gW1[0, 0], 0.0045), (82, "dL/dW_1 row1 col2", "0.0090", gW1[0, 1], 0.0090),
    (82, "dL/dW_1 row2 col1", "0.0004", gW1[1, 0], 0.0004), (82, "dL/dW_1 row2 col2", "0.0008", gW1[1, 1], 0.0008),
    (86, "dL/db_1[1]", "0.0045", gb1[0, 0], None), (86, "dL/db_1[2]", "0.0004", gb1[0, 1], None),
    (99, "W_2 new [1]", "0.8958", W2n[0, 0], 0.9 - 0.0042), (99, "W_2 new [2]", "0.0957", W2n[1, 0], 0.1 - 0.0043),
    (100, "b_2 new", "0.2952", b2n[0, 0], 0.3 - 0.0048),
    (101, "W_1 new row1 col1", "0.4995", W1n[0, 0], 0.5 - 0.0005), (101, "W_1 new row1 col2", "0.5991", W1n[0, 1], 0.6 - 0.0009),
    (101, "W_1 new row2 col1", "0.6996", W1n[1, 0], 0.7 - 0.00004), (101, "W_1 new row2 col2", "0.7999", W1n[1, 1], 0.8 - 0.00008),
    (102, "b_1 new [1]", "0.0995", b1n[0, 0], 0.1 - 0.0005), (102, "b_1 new [2]", "0.19996", b1n[0, 1], 0.2 - 0.00004),
]
print(f"{'line':>4}  {'quantity':20} {'post':>8} {'true':>12} {'from post':>12}  verdict")
for line, q, post, true, own in rows:
    o = f"{own:12.6f}" if own is not None else " " * 12
    print(f"{line:>4}  {q:20} {post:>8} {true:12.7f} {o}  {verdict(post, true)}")
print()
print("line 82: dL/dW_1 in W_1's layout (X W_1) is X^T delta_1 =", np.round(gW1, 7).tolist(),
      "; the post writes delta_1^T X, its transpose")
print("line 101: 0.7 - 0.00004 =", 0.7 - 0.00004, "(written 0.6996)")
