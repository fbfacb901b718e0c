"""Independent truth table for vortune_mazur_align/post.md (pure NumPy, no derive).

Mazur's 2-2-2 sigmoid network, half squared error summed over outputs, eta = 0.5.
Prints each figure the post writes, the true value and a verdict (ok within one unit of
the last written digit).
"""
from decimal import Decimal

import numpy as np

i = np.array([0.05, 0.10])
t = np.array([0.01, 0.99])
W1 = np.array([[0.15, 0.20], [0.25, 0.30]])   # rows h1 = [w1, w2], h2 = [w3, w4]
W2 = np.array([[0.40, 0.45], [0.50, 0.55]])   # rows o1 = [w5, w6], o2 = [w7, w8]
b1, b2, eta = 0.35, 0.60, 0.5


def sig(z):
    return 1.0 / (1.0 + np.exp(-z))


net_h = W1 @ i + b1
out_h = sig(net_h)
net_o = W2 @ out_h + b2
out_o = sig(net_o)
dE_dout = out_o - t
dout_dnet = out_o * (1 - out_o)
delta_o = dE_dout * dout_dnet
grad_W2 = np.outer(delta_o, out_h)
dEo_douth1 = delta_o * W2[:, 0]        # dE_o1/dout_h1, dE_o2/dout_h1
dE_douth = W2.T @ delta_o


def ulp(s):
    return Decimal(1).scaleb(Decimal(s).as_tuple().exponent)


def verdict(post, true):
    return "ok" if abs(Decimal(post) - Decimal(repr(float(true)))) <= ulp(post) * Decimal("1.0000001") else "WRONG"


rows = [
    (7, "net_o1", "1.105905967", net_o[0]),
    (9, "net_o1 as substituted into the sigmoid", "1.1059059067", net_o[0]),
    (10, "out_o1", "0.75136507", out_o[0]),
    (22, "dE_o1/dout_o1 = |0.01 - 0.75136507|", "0.74136507", dE_dout[0]),
    (32, "dout_o1/dnet_o1", "0.186815602", dout_dnet[0]),
    (43, "dE/dw5", "0.082167041", grad_W2[0, 0]),
    (53, "w5+", "0.35891648", W2[0, 0] - eta * grad_W2[0, 0]),
    (58, "dE_o2/dout_h1", "-0.01904919", dEo_douth1[1]),
    (65, "  dE_o1/dout_h1 (term)", "0.055399425", dEo_douth1[0]),
    (65, "  dE_o2/dout_h1 (term)", "-0.019049119", dEo_douth1[1]),
    (66, "dE_total/dout_h1", "0.036350306", dE_douth[0]),
    (73, "dnet_h1/dw1 = i1", "0.05", i[0]),
]
print(f"{'line':>4}  {'quantity':40} {'post':>14} {'true':>16}  verdict")
for line, q, post, true in rows:
    print(f"{line:>4}  {q:40} {post:>14} {true:16.11f}  {verdict(post, true)}")
print()
print("sigma(1.1059059067) =", sig(1.1059059067), " sigma(1.105905967) =", sig(1.105905967))
print("the chain on lines 38-41 (through out_h1, net_h1) is 0: net_h1 does not depend on w5;")
print("  true dE/dout_h1 * dout_h1/dnet_h1 * dnet_h1/dw1 would be", dE_douth[0] * out_h[0] * (1 - out_h[0]) * i[0])
print("out_o1 > target_o1, so |target_o1 - out_o1| = out_o1 - target_o1 = dE/dout_o1 here:", out_o[0] > t[0])
