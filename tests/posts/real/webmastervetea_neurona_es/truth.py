"""Independent truth table for webmastervetea_neurona_es/post.md (pure NumPy, no derive).

One sigmoid neuron: z = w1 x1 + w2 x2 + b, a = sigmoid(z); x = (0.5, 1.0), w = (0.3, 0.7), b = 0.1,
y = 0.8, L = 1/2 (y - a)^2, eta = 0.1. Prints each figure the post writes, the true value, the value from
the post's own rounded figures, and a verdict (ok within one unit of the last written digit of the true value).
"""
from decimal import Decimal

import numpy as np

x = np.array([0.5, 1.0])
w = np.array([0.3, 0.7])
b, y, eta = 0.1, 0.8, 0.1

z = w @ x + b
a = 1.0 / (1.0 + np.exp(-z))
L = 0.5 * (y - a) ** 2
dL_da = -(y - a)
da_dz = a * (1 - a)
dz_dw1 = x[0]
g_w1 = dL_da * da_dz * dz_dw1
w1_new = w[0] - eta * g_w1


def ulp(s):
    return Decimal(1).scaleb(Decimal(s).as_tuple().exponent)


def verdict(post, true):
    return "ok" if abs(Decimal(post) - Decimal(repr(float(true)))) <= ulp(post) * Decimal("1.0000001") else "WRONG"


rows = [
    (25, "z", "0.95", z, 0.15 + 0.7 + 0.1),
    (29, "a", "0.721", a, None),
    (34, "L", "0.00312", L, 0.5 * 0.079 ** 2),
    (45, "dL/da", "-0.079", dL_da, -(0.8 - 0.721)),
    (49, "da/dz", "0.201", da_dz, 0.721 * 0.279),
    (54, "dz/dw_1", "0.5", dz_dw1, None),
    (61, "dL/dw_1", "-0.00793", g_w1, -0.079 * 0.201 * 0.5),
    (70, "step", "0.000793", -eta * g_w1, -0.1 * -0.00793),
    (70, "w_1 new", "0.300793", w1_new, 0.3 + 0.000793),
]
print(f"{'line':>4}  {'quantity':10} {'post':>9} {'true':>12} {'from post':>12}  verdict")
for line, q, post, true, own in rows:
    o = f"{own:12.7f}" if own is not None else " " * 12
    print(f"{line:>4}  {q:10} {post:>9} {true:12.7f} {o}  {verdict(post, true)}")
