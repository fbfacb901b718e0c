"""Independent truth table for sreekanth9999_tiny_relu_bce/post.md (pure NumPy, no derive).

1-1-1 network without biases: a1 = ReLU(w1 x), a2 = sigmoid(w2 a1); binary cross-entropy
L = -[y log a2 + (1 - y) log(1 - a2)] with y = 0; x = 1, w1 = w2 = 0.5; eta = 0.1.
Prints every figure the post writes, the true value, the value the post's own (wrong) chain
gives, and a verdict (ok within one unit of the last written digit of the true value).
"""
from decimal import Decimal

import numpy as np

x, y, eta = 1.0, 0.0, 0.1
w1, w2 = 0.5, 0.5


def sig(z):
    return 1.0 / (1.0 + np.exp(-z))


z1 = w1 * x
a1 = max(z1, 0.0)
z2 = w2 * a1
a2 = sig(z2)
L = -(y * np.log(a2) + (1 - y) * np.log(1 - a2))
dL_da2 = -y / a2 + (1 - y) / (1 - a2)      # = 1/(1 - a2) for y = 0
da2_dz2 = a2 * (1 - a2)
dL_dz2 = dL_da2 * da2_dz2                  # = a2 - y
g_w2 = dL_dz2 * a1
dL_da1 = dL_dz2 * w2
dL_dz1 = dL_da1 * (1.0 if z1 > 0 else 0.0)
g_w1 = dL_dz1 * x
w2_new, w1_new = w2 - eta * g_w2, w1 - eta * g_w1

# the post's chain: it takes dL/da2 = a2 - y (which is dL/dz2) and multiplies by a2(1 - a2) again
p_dL_da2 = 0.562 - 0
p_dL_dz2 = 0.562 * 0.246


def ulp(s):
    return Decimal(1).scaleb(Decimal(s).as_tuple().exponent)


def verdict(post, true):
    return "ok" if abs(Decimal(post) - Decimal(repr(float(true)))) <= ulp(post) * Decimal("1.0000001") else "WRONG"


rows = [
    (9, "z_1", "0.5", z1, None),
    (11, "a_1 = ReLU(z_1)", "0.5", a1, None),
    (15, "z_2", "0.25", z2, None),
    (17, "a_2 = sigmoid(0.25)", "0.562", a2, None),
    (37, "dL/da_2", "0.562", dL_da2, p_dL_da2),
    (41, "da_2/dz_2", "0.246", da2_dz2, 0.562 * 0.438),
    (45, "dL/dz_2", "0.138", dL_dz2, p_dL_dz2),
    (49, "dL/dw_2", "0.069", g_w2, 0.138 * 0.5),
    (55, "dL/da_1", "0.069", dL_da1, 0.138 * 0.5),
    (62, "dL/dz_1", "0.069", dL_dz1, 0.069 * 1),
    (66, "dL/dw_1", "0.069", g_w1, 0.069 * 1.0),
    (71, "table: gradient of w2", "0.069", g_w2, 0.069),
    (72, "table: gradient of w1", "0.069", g_w1, 0.069),
    (77, "w_2 after the step", "0.4931", w2_new, 0.5 - 0.1 * 0.069),
    (81, "w_1 after the step", "0.4931", w1_new, 0.5 - 0.1 * 0.069),
]
print(f"{'line':>4}  {'quantity':22} {'post':>8} {'true':>12} {'post chain':>12}  verdict")
for line, q, post, true, own in rows:
    o = f"{own:12.6f}" if own is not None else " " * 12
    print(f"{line:>4}  {q:22} {post:>8} {true:12.6f} {o}  {verdict(post, true)}")
print()
print(f"loss L = -log(1 - a2) = {L:.6f} (not written in the post)")
print(f"line 37: for y = 0, dL/da2 = 1/(1 - a2) = {dL_da2:.6f}; a2 - y = {a2 - y:.6f} is dL/dz2 (sigmoid and")
print("         cross-entropy combined); the post then multiplies by a2(1 - a2) once more (line 45)")
