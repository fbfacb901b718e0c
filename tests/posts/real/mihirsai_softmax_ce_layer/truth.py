"""Independent truth table for mihirsai_softmax_ce_layer/post.md (pure NumPy, no derive).

One dense layer without bias, row layout: logits = X W (X 1x2, W 2x3), p = softmax(logits),
L = -sum y_true log p (natural log), target [0, 1, 0]; dL/dW = X^T (p - y); Delta W = -eta dL/dW,
eta = 0.1. Prints every figure the post writes, the true value, the value from the post's own
rounded figures, and a verdict (ok within one unit of the last written digit of the true value).
"""
from decimal import Decimal

import numpy as np

X = np.array([[1.0, 2.0]])
W = np.array([[0.2, -0.3, 0.5], [-0.5, 0.7, -0.2]])
Y = np.array([[0.0, 1.0, 0.0]])
eta = 0.1

Z = X @ W
shift = Z - Z.max()
E = np.exp(shift)
S = E.sum()
P = E / S
L = -(Y * np.log(P)).sum()
G = P - Y                       # dL/dlogits
GW = X.T @ G                    # dL/dW
DW = -eta * GW

own_P = np.array([0.149, 1.0, 0.368]) / 1.517
own_G = np.array([[0.098, -0.341, 0.242]])
own_GW = np.array([[1.0], [2.0]]) @ own_G


def ulp(s):
    return Decimal(1).scaleb(Decimal(s).as_tuple().exponent)


def verdict(post, true):
    return "ok" if abs(Decimal(post) - Decimal(repr(float(true)))) <= ulp(post) * Decimal("1.0000001") else "WRONG"


rows = []
for j, s in enumerate(["-0.8", "1.1", "0.1"]):
    rows.append((22, f"logit {j}", s, Z[0, j], None))
for j, s in enumerate(["-1.9", "0", "-1.0"]):
    rows.append((28, f"logit {j} - max", s, shift[0, j], None))
for j, s in enumerate(["0.149", "1.0", "0.368"]):
    rows.append((32, f"exp {j}", s, E[0, j], None))
rows.append((36, "sum of exps", "1.517", S, 0.149 + 1.0 + 0.368))
for j, s in enumerate(["0.098", "0.659", "0.242"]):
    rows.append((40, f"p {j}", s, P[0, j], own_P[j]))
rows.append((51, "loss -ln(p1)", "0.417", L, -np.log(0.659)))
for j, s in enumerate(["0.098", "-0.341", "0.242"]):
    rows.append((57, f"grad {j} = p - y", s, G[0, j], own_G[0, j]))
for i, r in enumerate([["0.098", "-0.341", "0.242"], ["0.196", "-0.682", "0.484"]]):
    for j, s in enumerate(r):
        rows.append((65, f"dL/dW[{i},{j}]", s, GW[i, j], own_GW[i, j]))
for i, r in enumerate([["-0.0098", "0.0341", "-0.0242"], ["-0.0196", "0.0682", "-0.0484"]]):
    for j, s in enumerate(r):
        rows.append((84, f"Delta W[{i},{j}]", s, DW[i, j], -0.1 * own_GW[i, j]))

print(f"{'line':>4}  {'quantity':16} {'post':>8} {'true':>12} {'from post':>12}  verdict")
for line, q, post, true, own in rows:
    o = f"{own:12.6f}" if own is not None else " " * 12
    v = verdict(post, true)
    if v != "ok" and own is not None and verdict(post, own) == "ok":
        v = "ok (post's own rounding)"
    print(f"{line:>4}  {q:16} {post:>8} {true:12.6f} {o}  {v}")
