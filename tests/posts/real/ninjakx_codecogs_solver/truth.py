"""Independent truth table for ninjakx_codecogs_solver/post.md (pure NumPy, no derive).

The post's math sits URL-encoded inside codecogs image links; this script decodes each
line, then recomputes every figure on the 4-2-2-1 sigmoid network (no biases, half squared
error, target 0.6, eta = 0.2).  For each figure: the true value, the value of the post's
own expression, and a verdict (ok within one unit of the last written digit).
"""
import re
import urllib.parse
from decimal import Decimal
from pathlib import Path

import numpy as np

x = np.array([1.0, 2.0, -1.0, 1.0])
W1 = np.array([[0.5, 0.4, 0.1, 0.2], [0.65, 0.15, 0.2, 0.7]])   # H11, H12
W2 = np.array([[0.1, 0.2], [0.3, 0.4]])                           # H21, H22
W3 = np.array([[-0.25, 0.5]])                                     # O1
t, eta = 0.6, 0.2


def sig(z):
    return 1.0 / (1.0 + np.exp(-z))


n1 = W1 @ x; h1 = sig(n1)
n2 = W2 @ h1; h2 = sig(n2)
n3 = (W3 @ h2)[0]; o = sig(n3)
E = 0.5 * (t - o) ** 2
dEdo = o - t
so = o * (1 - o)
d3 = dEdo * so
g3 = d3 * h2
W3_new = W3[0] - eta * g3
dEdh2 = W3[0] * d3
sh2 = h2 * (1 - h2)
d2 = dEdh2 * sh2
g2 = np.outer(d2, h1)
W2_new = W2 - eta * g2


def ulp(s):
    return Decimal(1).scaleb(Decimal(s).as_tuple().exponent)


def verdict(post, true):
    return "ok" if abs(Decimal(post) - Decimal(repr(float(true)))) <= ulp(post) * Decimal("1.0000001") else "WRONG"


rows = [
    (6, "net_H11", "1.4", n1[0], 0.5 * 1 + 0.4 * 2 + 0.1 * -1 + 0.2 * 1),
    (6, "out_H11", "0.802184", h1[0], sig(1.4)),
    (6, "net_H12", "1.45", n1[1], 0.65 * 1 + 0.15 * 2 + 0.2 * -1 + 0.7 * 1),
    (6, "out_H12", "0.80998", h1[1], sig(1.45)),
    (9, "net_H21", "0.43", n2[0], 0.1 * 0.802184 + 0.2 * 0.80998),
    (9, "out_H21 = 1/(1+e^-0.43)", "0.80998", h2[0], sig(0.43)),
    (9, "net_H22", "1", n2[1], 0.3 * 0.802184 + 0.4 * 0.80998),
    (9, "out_H22 = 1/(1+e^-1)", "0.637529", h2[1], sig(1.0)),
    (9, "out_H21 used in net_O1", "0.56026", h2[0], None),
    (9, "net_O1", "0.17", n3, -0.25 * 0.56026 + 0.5 * 0.637529),
    (9, "out_O1 = 1/(1+e^{0.17})", "0.544556", o, 1 / (1 + np.exp(0.17))),
    (14, "E_o1", "0.001537", E, 0.5 * (0.6 - 0.544556) ** 2),
    (22, "dE/dout_O1", "0.055444", dEdo, -(0.6 - 0.544556)),
    (24, "dout_O1/dnet_O1", "0.248014762", so, 0.544556 * (1 - 0.544556)),
    (26, "dnet_O1/dw_O1.H21 = out_H21", "0.56026", h2[0], None),
    (28, "dE/dw_O1.H21", "0.007704096302", g3[0], 0.055444 * 0.248014762 * 0.56026),
    (34, "w_O1.H21+", "-0.24845918", W3_new[0], -0.25 - (-0.2 * 0.007704096302)),
    (37, "w_O1.H22+", "0.501753", W3_new[1], None),
    (47, "dE_O1/dnet_O1 (delta_O1)", "0.013750914", d3, 0.055444 * 0.2480144762),
    (56, "dnet_O1/dout_H21 = w_O1.H21", "-0.25", W3[0, 0], None),
    (58, "dE_O1/dout_H21", "-0.0034377285", dEdh2[0], 0.013750914 * -0.25),
    (60, "dE_total/dout_H21", "-0.0034377285", dEdh2[0], None),
    (64, "dout_H21/dnet_H21", "0.246368732", sh2[0], 0.56026 * (1 - 0.56026)),
    (68, "dnet_H21/dw_H21.H11 = H11", "0.802184", h1[0], None),
    (72, "dE/dw_H21.H11", "0.0006872264573", g2[0, 0], -0.0034377285 * 0.246368732 * 0.802184),
    (74, "w_H21.H11+", "0.099862554", W2_new[0, 0], 0.1 - (0.2 * -0.0006872264573)),
]
print(f"{'line':>4}  {'quantity':28} {'post':>16} {'true':>16} {'as written':>16}  verdict")
for line, q, post, true, written in rows:
    w = f"{written:16.12f}" if written is not None else " " * 16
    print(f"{line:>4}  {q:28} {post:>16} {float(true):16.12f} {w}  {verdict(post, true)}")

print()
print("decoded lines of the post (for reading):")
for i, line in enumerate(Path(__file__).with_name("post.md").read_text().split("\n"), 1):
    for m in re.finditer(r"gif\.latex\?([^)]*)\)", line):
        print(f"  {i:>3}: {urllib.parse.unquote(m.group(1).replace('&plus;', '+'))[:160]}")
