"""Independent truth table for adilce009_toy_examples_sigmoid/post.md (pure NumPy, no derive).

1-1-1 network without biases: h = sigmoid(w1 x), y_hat = w2 h (linear output),
L = (y - y_hat)^2 (no 1/2); x = 1, w1 = 0.5, w2 = -1.0, y = 0.5; eta = 0.1.
Prints every figure the post writes, the true value, the value from the post's own rounded
figures, and a verdict (ok within one unit of the last written digit of the true value).
"""
from decimal import Decimal

import numpy as np

x, y, eta = 1.0, 0.5, 0.1
w1, w2 = 0.5, -1.0


def sig(z):
    return 1.0 / (1.0 + np.exp(-z))


def forward(w1, w2):
    z1 = w1 * x
    h = sig(z1)
    yh = w2 * h
    return z1, h, yh, (y - yh) ** 2


z1, h, yh, L = forward(w1, w2)
dL_dyh = -2 * (y - yh)
g_w2 = dL_dyh * h
sp = h * (1 - h)
g_w1 = dL_dyh * w2 * sp * x
w2_new = w2 - eta * g_w2
w1_new = w1 - eta * g_w1
L_new = forward(w1_new, w2_new)[3]
L_new_own = forward(0.447, -0.861)[3]          # from the post's rounded new weights


def ulp(s):
    return Decimal(1).scaleb(Decimal(s).as_tuple().exponent)


def verdict(post, true):
    return "ok" if abs(Decimal(post) - Decimal(repr(float(true)))) <= ulp(post) * Decimal("1.0000001") else "WRONG"


rows = [
    (22, "z_1", "0.5", z1, None),
    (23, "h = sigma(0.5)", "0.622", h, None),
    (24, "y_hat", "-0.622", yh, -1.0 * 0.622),
    (25, "L", "1.259", L, (0.5 + 0.622) ** 2),
    (29, "dL/dy_hat", "-2.244", dL_dyh, -2 * (0.5 + 0.622)),
    (31, "dL/dw_2", "-1.394", g_w2, -2.244 * 0.622),
    (36, "sigma'(z_1)", "0.235", sp, 0.622 * (1 - 0.622)),
    (37, "dL/dw_1", "0.527", g_w1, -2.244 * -1.0 * 0.235 * 1.0),
    (43, "w_2 after the step", "-0.861", w2_new, -1.0 - 0.1 * -1.394),
    (44, "w_1 after the step", "0.447", w1_new, 0.5 - 0.1 * 0.527),
    (46, "loss before the step", "1.259", L, (0.5 + 0.622) ** 2),
    (46, "loss after the step", "1.052", L_new, L_new_own),
]
print(f"{'line':>4}  {'quantity':22} {'post':>8} {'true':>12} {'from post':>12}  verdict")
for line, q, post, true, own in rows:
    o = f"{own:12.6f}" if own is not None else " " * 12
    print(f"{line:>4}  {q:22} {post:>8} {true:12.6f} {o}  {verdict(post, true)}")
print()
print(f"line 31: dL/dw2 = dL/dy_hat * h = {g_w2:.6f} (-1.397); the post's own -2.244 * 0.622 = {-2.244 * 0.622:.6f};")
print("         -1.394 is neither: a primary slip")
print("line 46: the loss after one step is", round(L_new, 6), "(with the post's rounded weights",
      round(L_new_own, 6), "); 1.052 is off by more than a unit of its last digit")
