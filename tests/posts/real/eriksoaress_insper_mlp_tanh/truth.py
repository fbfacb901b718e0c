"""Independent truth table for eriksoaress_insper_mlp_tanh/post.md (pure NumPy, no derive).

2-2-1 network, tanh in both layers: z1 = W1 x + b1, h1 = tanh(z1), u2 = W2 h1 + b2, y_hat = tanh(u2);
L = (1/N)(y - y_hat)^2 with N = 1; x = (0.5, -0.2), y = 1.0, eta = 0.3. Prints every figure of the
post's output block with the true value and a verdict (ok within one unit of the last written
digit). The 16-digit b2 is checked against a 40-digit Decimal evaluation.
"""
from decimal import Decimal, getcontext

import numpy as np

x = np.array([0.5, -0.2])
y = 1.0
W1 = np.array([[0.3, -0.1], [0.2, 0.4]])
b1 = np.array([0.1, -0.2])
W2 = np.array([0.5, -0.3])
b2 = 0.2
eta = 0.3

z1 = W1 @ x + b1
h1 = np.tanh(z1)
u2 = W2 @ h1 + b2
yh = np.tanh(u2)
L = (y - yh) ** 2
dL_dyh = -2 * (y - yh)
dyh_du2 = 1 - yh ** 2
delta2 = dL_dyh * dyh_du2
g_W2 = delta2 * h1
du2_dh1 = W2
dL_dh1 = delta2 * W2
dh1_dz1 = 1 - h1 ** 2
delta1 = dL_dh1 * dh1_dz1
g_W1 = np.outer(delta1, x)
W1_new = W1 - eta * g_W1
b1_new = b1 - eta * delta1
W2_new = W2 - eta * g_W2
b2_new = b2 - eta * delta2

getcontext().prec = 40


def dtanh(v):
    e = (2 * v).exp()
    return (e - 1) / (e + 1)


Dz = [Decimal("0.3") * Decimal("0.5") + Decimal("-0.1") * Decimal("-0.2") + Decimal("0.1"),
      Decimal("0.2") * Decimal("0.5") + Decimal("0.4") * Decimal("-0.2") + Decimal("-0.2")]
Dh = [dtanh(v) for v in Dz]
Dyh = dtanh(Decimal("0.5") * Dh[0] + Decimal("-0.3") * Dh[1] + Decimal("0.2"))
Db2_new = Decimal("0.2") - Decimal("0.3") * (2 * (Dyh - 1) * (1 - Dyh * Dyh))


def ulp(s):
    return Decimal(1).scaleb(Decimal(s).as_tuple().exponent)


def verdict(post, true):
    true = true if isinstance(true, Decimal) else Decimal(repr(float(true)))
    return "ok" if abs(Decimal(post) - true) <= ulp(post) * Decimal("1.0000001") else "WRONG"


rows = [
    (51, "target", "1", y),
    (52, "y_hat", "0.3672", yh),
    (53, "L", "0.4004", L),
    (55, "dL/dy_hat", "-1.2655", dL_dyh),
    (56, "dy_hat/du2", "0.8651", dyh_du2),
    (57, "delta2 = dL/du2", "-1.0948", delta2),
    (58, "dL/db2", "-1.0948", delta2),
    (59, "dL/dW2[0]", "-0.28862383", g_W2[0]),
    (59, "dL/dW2[1]", "0.19496791", g_W2[1]),
    (61, "du2/dh1[0]", "0.5", du2_dh1[0]),
    (61, "du2/dh1[1]", "-0.3", du2_dh1[1]),
    (62, "dL/dh1[0]", "-0.54741396", dL_dh1[0]),
    (62, "dL/dh1[1]", "0.32844837", dL_dh1[1]),
    (63, "dh1/dz1[0]", "0.93050195", dh1_dz1[0]),
    (63, "dh1/dz1[1]", "0.9682872", dh1_dz1[1]),
    (64, "delta1[0]", "-0.50936975", delta1[0]),
    (64, "delta1[1]", "0.31803236", delta1[1]),
    (65, "dL/db1[0]", "-0.50936975", delta1[0]),
    (65, "dL/db1[1]", "0.31803236", delta1[1]),
    (67, "dL/dW1[0,0]", "-0.25468488", g_W1[0, 0]),
    (67, "dL/dW1[0,1]", "0.10187395", g_W1[0, 1]),
    (68, "dL/dW1[1,0]", "0.15901618", g_W1[1, 0]),
    (68, "dL/dW1[1,1]", "-0.06360647", g_W1[1, 1]),
    (73, "W1 new[0,0]", "0.37640546", W1_new[0, 0]),
    (73, "W1 new[0,1]", "-0.13056219", W1_new[0, 1]),
    (74, "W1 new[1,0]", "0.15229515", W1_new[1, 0]),
    (74, "W1 new[1,1]", "0.41908194", W1_new[1, 1]),
    (76, "b1 new[0]", "0.25281093", b1_new[0]),
    (76, "b1 new[1]", "-0.29540971", b1_new[1]),
    (78, "W2 new[0]", "0.58658715", W2_new[0]),
    (78, "W2 new[1]", "-0.35849037", W2_new[1]),
    (80, "b2 new (float64)", "0.5284483744140799", b2_new),
    (80, "b2 new (40 digits)", "0.5284483744140799", Db2_new),
]
print(f"{'line':>4}  {'quantity':20} {'post':>20} {'true':>22}  verdict")
for line, q, post, true in rows:
    t = f"{true:.19f}" if isinstance(true, Decimal) else f"{true:22.12f}"
    print(f"{line:>4}  {q:20} {post:>20} {t:>22}  {verdict(post, true)}")
print()
print("z1 =", z1, " h1 =", h1, " u2 =", u2)
print("formulas (lines 3, 24-27, 30, 33, 41-44) checked by hand: all right for this network")
