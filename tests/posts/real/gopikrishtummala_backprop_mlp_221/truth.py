"""Independent truth table for gopikrishtummala_backprop_mlp_221/post.md (pure NumPy, no derive).

2-2-1 network, no biases: z^(1) = W x (column layout, W = [[w11, w12], [w21, w22]]), h = sigmoid(z^(1)),
o = sigmoid(v . h); E = 1/2 (y - o)^2; alpha = 0.5; x = (1, 0), y = 1.
Prints every figure the post writes, the true value, the value from the post's own rounded
figures, and a verdict (ok within one unit of the last written digit).
"""
from decimal import Decimal

import numpy as np

x = np.array([1.0, 0.0])
W = np.array([[0.5, 0.4], [0.3, 0.6]])
v = np.array([0.7, 0.8])
y, alpha = 1.0, 0.5


def sig(z):
    return 1.0 / (1.0 + np.exp(-z))


z1 = W @ x
h = sig(z1)
z2 = v @ h
o = sig(z2)
E = 0.5 * (y - o) ** 2
d2 = (o - y) * o * (1 - o)
d1 = h * (1 - h) * v * d2
g_v = d2 * h
g_W = np.outer(d1, x)
v_new = v - alpha * g_v
W_new = W - alpha * g_W
h_new = sig(W_new @ x)
z2_new = v_new @ h_new
o_new = sig(z2_new)

# finite-difference check of the analytic gradients
eps = 1e-6


def loss(W, v):
    return 0.5 * (y - sig(v @ sig(W @ x))) ** 2


for i in range(2):
    dv = np.zeros(2); dv[i] = eps
    assert abs((loss(W, v + dv) - loss(W, v - dv)) / (2 * eps) - g_v[i]) < 1e-8
    for j in range(2):
        dW = np.zeros((2, 2)); dW[i, j] = eps
        assert abs((loss(W + dW, v) - loss(W - dW, v)) / (2 * eps) - g_W[i, j]) < 1e-8


def ulp(s):
    return Decimal(1).scaleb(Decimal(s).as_tuple().exponent)


def verdict(post, true):
    return "ok" if abs(Decimal(post) - Decimal(repr(float(true)))) <= ulp(post) * Decimal("1.0000001") else "WRONG"


rows = [
    (18, "z_1^(1)", "0.5", z1[0], None),
    (20, "h_1", "0.6225", h[0], None),
    (22, "z_2^(1)", "0.3", z1[1], None),
    (24, "h_2", "0.5744", h[1], None),
    (28, "z^(2)", "0.8953", z2, 0.7 * 0.6225 + 0.8 * 0.5744),
    (30, "o = sigma(0.8953)", "0.7101", o, sig(0.8953)),
    (32, "E", "0.0420", E, 0.5 * (1 - 0.7101) ** 2),
    (40, "1 - o (as -0.2899)", "-0.2899", o - y, 0.7101 - 1),
    (40, "o(1 - o)", "0.2058", o * (1 - o), 0.7101 * (1 - 0.7101)),
    (40, "delta^(2)", "-0.0596", d2, -0.2899 * 0.2058),
    (48, "delta_1^(1)", "-0.0098", d1[0], 0.6225 * 0.3775 * 0.7 * -0.0596),
    (54, "delta_2^(1)", "-0.0117", d1[1], 0.5744 * 0.4256 * 0.8 * -0.0596),
    (60, "dE/dv_1", "-0.0371", g_v[0], -0.0596 * 0.6225),
    (62, "dE/dv_2", "-0.0342", g_v[1], -0.0596 * 0.5744),
    (66, "dE/dw_11", "-0.0098", g_W[0, 0], -0.0098 * 1),
    (68, "dE/dw_12", "0", g_W[0, 1], -0.0098 * 0),
    (70, "dE/dw_21", "-0.0117", g_W[1, 0], -0.0117 * 1),
    (72, "dE/dw_22", "0", g_W[1, 1], -0.0117 * 0),
    (78, "v_1 new", "0.7186", v_new[0], 0.7 - 0.5 * -0.0371),
    (80, "v_2 new", "0.8171", v_new[1], 0.8 - 0.5 * -0.0342),
    (82, "w_11 new", "0.5049", W_new[0, 0], 0.5 - 0.5 * -0.0098),
    (84, "w_21 new", "0.3059", W_new[1, 0], 0.3 - 0.5 * -0.0117),
    (90, "h_1 new", "0.6236", h_new[0], sig(0.5049)),
    (92, "h_2 new", "0.5759", h_new[1], sig(0.3059)),
    (94, "z^(2) new (in sigma(0.9190))", "0.9190", z2_new, 0.7186 * 0.6236 + 0.8171 * 0.5759),
    (94, "o new", "0.7148", o_new, sig(0.9190)),
    (96, "o before -> after", "0.7101", o, None),
]
print(f"{'line':>4}  {'quantity':30} {'post':>8} {'true':>12} {'from post':>12}  verdict")
for line, q, post, true, own in rows:
    ow = f"{own:12.6f}" if own is not None else " " * 12
    print(f"{line:>4}  {q:30} {post:>8} {true:12.6f} {ow}  {verdict(post, true)}")
print()
print("line 30: sigma(0.8953) =", sig(0.8953), "-> 0.7100, not 0.7101")
print("line 40: 0.7101 * 0.2899 =", 0.7101 * 0.2899, "-> 0.2059; -0.2899 * 0.2058 =", -0.2899 * 0.2058, "-> -0.0597")
print("line 94: 0.7186 * 0.6236 + 0.8171 * 0.5759 =", 0.7186 * 0.6236 + 0.8171 * 0.5759, "-> 0.9187, not 0.9190")
