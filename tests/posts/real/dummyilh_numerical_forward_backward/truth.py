"""Independent truth table for dummyilh_numerical_forward_backward/post.md (pure NumPy, no derive).

2-2-1 network, sigmoid hidden and output units, per-unit biases, column layout:
z^[1] = W^[1] x + b^[1], a^[1] = sigmoid(z^[1]), z^[2] = W^[2] a^[1] + b^[2], y_hat = sigmoid(z^[2]);
L = -[y log y_hat + (1 - y) log(1 - y_hat)]; eta = 0.1; x = (1, 2), y = 1.
Prints every figure the post writes, the true value, the value from the post's own rounded
figures, and a verdict (ok within one unit of the last written digit of the true value).
"""
from decimal import Decimal

import numpy as np

x = np.array([1.0, 2.0])
W1 = np.array([[0.1, 0.2], [0.3, 0.4]])
b1 = np.array([0.01, 0.02])
W2 = np.array([0.5, 0.6])
b2 = 0.05
y, eta = 1.0, 0.1


def sig(z):
    return 1.0 / (1.0 + np.exp(-z))


z1 = W1 @ x + b1
a1 = sig(z1)
z2 = W2 @ a1 + b2
yh = sig(z2)
L = -(y * np.log(yh) + (1 - y) * np.log(1 - yh))
d2 = yh - y
g_W2 = d2 * a1
g_b2 = d2
back = W2 * d2
sp = a1 * (1 - a1)
d1 = back * sp
g_W1 = np.outer(d1, x)
g_b1 = d1
W2_new = W2 - eta * g_W2
W1_new = W1 - eta * g_W1

# finite-difference check of the analytic gradients
eps = 1e-6


def loss(W1, b1, W2, b2):
    o = sig(W2 @ sig(W1 @ x + b1) + b2)
    return -(y * np.log(o) + (1 - y) * np.log(1 - o))


for i in range(2):
    d = np.zeros(2); d[i] = eps
    assert abs((loss(W1, b1, W2 + d, b2) - loss(W1, b1, W2 - d, b2)) / (2 * eps) - g_W2[i]) < 1e-8
    assert abs((loss(W1, b1 + d, W2, b2) - loss(W1, b1 - d, W2, b2)) / (2 * eps) - g_b1[i]) < 1e-8
    for j in range(2):
        D = np.zeros((2, 2)); D[i, j] = eps
        assert abs((loss(W1 + D, b1, W2, b2) - loss(W1 - D, b1, W2, b2)) / (2 * eps) - g_W1[i, j]) < 1e-8
assert abs((loss(W1, b1, W2, b2 + eps) - loss(W1, b1, W2, b2 - eps)) / (2 * eps) - g_b2) < 1e-8


def ulp(s):
    return Decimal(1).scaleb(Decimal(s).as_tuple().exponent)


def verdict(post, true):
    return "ok" if abs(Decimal(post) - Decimal(repr(float(true)))) <= ulp(post) * Decimal("1.0000001") else "WRONG"


rows = [
    (41, "z^[1]_1", "0.51", z1[0], 0.1 * 1 + 0.2 * 2 + 0.01),
    (41, "z^[1]_2", "1.12", z1[1], 0.3 * 1 + 0.4 * 2 + 0.02),
    (48, "a^[1]_1 = sigma(0.51)", "0.625", a1[0], sig(0.51)),
    (48, "a^[1]_2 = sigma(1.12)", "0.754", a1[1], sig(1.12)),
    (62, "z^[2]", "0.854", z2, 0.5 * 0.625 + 0.6 * 0.754 + 0.05),
    (69, "y_hat = sigma(0.854)", "0.701", yh, sig(0.854)),
    (72, "prediction", "0.701", yh, None),
    (77, "L = -log(0.701)", "0.355", L, -np.log(0.701)),
    (86, "delta^[2] = 0.701 - 1", "-0.299", d2, 0.701 - 1),
    (92, "dL/dW^[2]_1", "-0.187", g_W2[0], -0.299 * 0.625),
    (92, "dL/dW^[2]_2", "-0.226", g_W2[1], -0.299 * 0.754),
    (98, "dL/db^[2]", "-0.299", g_b2, None),
    (112, "(W^[2])^T delta^[2], 1", "-0.149", back[0], 0.5 * -0.299),
    (112, "(W^[2])^T delta^[2], 2", "-0.179", back[1], 0.6 * -0.299),
    (125, "sigma'(z^[1]_1)", "0.234", sp[0], 0.625 * (1 - 0.625)),
    (126, "sigma'(z^[1]_2)", "0.186", sp[1], 0.754 * (1 - 0.754)),
    (131, "delta^[1]_1", "-0.035", d1[0], -0.149 * 0.234),
    (131, "delta^[1]_2", "-0.033", d1[1], -0.179 * 0.186),
    (144, "dL/dW^[1]_11", "-0.035", g_W1[0, 0], -0.035 * 1),
    (144, "dL/dW^[1]_12", "-0.070", g_W1[0, 1], -0.035 * 2),
    (144, "dL/dW^[1]_21", "-0.033", g_W1[1, 0], -0.033 * 1),
    (144, "dL/dW^[1]_22", "-0.066", g_W1[1, 1], -0.033 * 2),
    (152, "dL/db^[1]_1", "-0.035", g_b1[0], None),
    (152, "dL/db^[1]_2", "-0.033", g_b1[1], None),
    (162, "W^[2]_1 new", "0.519", W2_new[0], 0.5 - 0.1 * -0.187),
    (162, "W^[2]_2 new", "0.623", W2_new[1], 0.6 - 0.1 * -0.226),
    (169, "W^[1]_11 new", "0.1035", W1_new[0, 0], 0.1 - 0.1 * -0.035),
    (169, "W^[1]_12 new", "0.207", W1_new[0, 1], 0.2 - 0.1 * -0.070),
    (169, "W^[1]_21 new", "0.3033", W1_new[1, 0], 0.3 - 0.1 * -0.033),
    (169, "W^[1]_22 new", "0.4066", W1_new[1, 1], 0.4 - 0.1 * -0.066),
]
print(f"{'line':>4}  {'quantity':28} {'post':>8} {'true':>12} {'from post':>12}  verdict")
for line, q, post, true, own in rows:
    ow = f"{own:12.6f}" if own is not None else " " * 12
    print(f"{line:>4}  {q:28} {post:>8} {true:12.6f} {ow}  {verdict(post, true)}")
print()
print("line 62: 0.5(0.625) + 0.6(0.754) + 0.05 =", 0.5 * 0.625 + 0.6 * 0.754 + 0.05, "-> 0.815, not 0.854 (true z^[2] =", z2, ")")
print("line 69: sigma(0.854) =", sig(0.854), "follows from the wrong 0.854; true y_hat =", yh)
print("line 92: -0.299 * 0.754 =", -0.299 * 0.754, "(-0.225, written -0.226: within one unit of the post's own figures)")
print("line 112: 0.5 * -0.299 =", 0.5 * -0.299, "(a tie, -0.149 or -0.150)")
print("line 126: 0.754 * 0.246 =", 0.754 * 0.246, "(-> 0.185, written 0.186; the true 0.185490 is within one unit)")
