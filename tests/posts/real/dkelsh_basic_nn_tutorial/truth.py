"""Independent truth table for dkelsh_basic_nn_tutorial/post.md (pure NumPy, no derive).

Mazur's 2-2-2 sigmoid network in the post's index notation w_{mi}^{l}: weight from unit m
of layer l-1 to unit i of layer l.  Half squared error summed over outputs, eta = 0.5.
Prints every figure the post writes with the true value, the value of the expression
as the post writes it, and a verdict (ok within one unit of the last written digit).
"""
from decimal import Decimal

import numpy as np

i = np.array([0.05, 0.10])
t = np.array([0.01, 0.99])
W1 = np.array([[0.15, 0.20], [0.25, 0.30]])   # rows h1, h2: [w_11^1, w_21^1], [w_12^1, w_22^1]
b1 = np.array([0.35, 0.35])                    # b_1, b_2
W2 = np.array([[0.40, 0.45], [0.50, 0.55]])   # rows o1, o2: [w_11^2, w_21^2], [w_12^2, w_22^2]
b2 = 0.60                                      # b_3
eta = 0.5


def sig(z):
    return 1.0 / (1.0 + np.exp(-z))


net_h = W1 @ i + b1
out_h = sig(net_h)
net_o = W2 @ out_h + b2
out_o = sig(net_o)
E = 0.5 * (t - out_o) ** 2
dE_dout = out_o - t
dout_dnet = out_o * (1 - out_o)
delta_o = dE_dout * dout_dnet
grad_W2 = np.outer(delta_o, out_h)
dE_douth = W2.T @ delta_o
delta_h = dE_douth * out_h * (1 - out_h)
grad_W1 = np.outer(delta_h, i)
W1_new = W1 - eta * grad_W1
W2_new = W2 - eta * grad_W2


def ulp(s):
    return Decimal(1).scaleb(Decimal(s).as_tuple().exponent)


def verdict(post, true):
    return "ok" if abs(Decimal(post) - Decimal(repr(float(true)))) <= ulp(post) * Decimal("1.0000001") else "WRONG"


rows = [
    # line, quantity, post's figure, true value, the expression as written
    (7, "net_h1", "0.3775", net_h[0], 0.15 * 0.05 + 0.20 * 0.10 + 0.35),
    (13, "out_h1", "0.593269992", out_h[0], 1 / (1 + np.exp(0.3775))),
    (17, "net_h2", "0.3925", net_h[1], 0.25 * 0.05 + 0.30 * 0.10 + 0.35),
    (19, "out_h2", "0.596884378", out_h[1], 1 / (1 + np.exp(0.3925))),
    (25, "net_o1", "1.105905967", net_o[0], 0.40 * 0.593269992 + 0.45 * 0.596884378 + 0.35),
    (29, "out_o1", "0.75136507", out_o[0], 1 / (1 + np.exp(1.105905967))),
    (33, "net_o2", "1.224921404", net_o[1], 0.50 * 0.593269992 + 0.45 * 0.596884378 + 0.55),
    (35, "out_o2", "0.772928465", out_o[1], 1 / (1 + np.exp(1.224921404))),
    (41, "E_o1", "0.274811083", E[0], 0.5 * (0.01 - 0.75136507) ** 2),
    (43, "E_o2", "0.023560026", E[1], 0.5 * (0.99 - 0.772928465) ** 2),
    (45, "E_total", "0.298371109", E.sum(), 0.274811083 + 0.023560026),
    (49, "dE/dout_o1", "0.74136507", dE_dout[0], -(0.01 - 0.75136507)),
    (53, "dout_o1/dnet_o1", "0.186815602", dout_dnet[0], 0.75136507 * (1 - 0.75136507)),
    (59, "dnet_o1/dw_11^2 = out_h1", "0.593269992", out_h[0], None),
    (63, "dE/dw_11^2", "0.0821671041", grad_W2[0, 0], 0.74136507 * 0.186815602 * 0.593269992),
    (65, "delta_o1", "0.13849856185", delta_o[0], 0.74136507 * 0.186815602),
    (69, "w_11^2+", "0.35891648", W2_new[0, 0], 0.40 - 0.5 * 0.0821671041),
    (73, "dE_o2/dout_h2", "-0.02095403013", delta_o[1] * W2[1, 1],
     -(0.99 - 0.772928465) * 0.772928465 * (1 - 0.772928465) * 0.55),
    (77, "dE/dw_22^1", "0.000995425455", grad_W1[1, 1], 0.00995425455 * 0.10),
    (77, "  (factor) delta_h2", "0.00995425455", delta_h[1], None),
    (79, "w_22^1+ (labelled w_21^1+)", "0.2995022873", W1_new[1, 1], 0.30 - 0.5 * 0.000995425455),
]

print(f"{'line':>4}  {'quantity':28} {'post':>15} {'true':>16} {'as written':>16}  verdict")
for line, q, post, true, written in rows:
    w = f"{written:16.11f}" if written is not None else " " * 16
    print(f"{line:>4}  {q:28} {post:>15} {true:16.11f} {w}  {verdict(post, true)}"
          + ("" if written is None else f" / written {verdict(post, written)}"))
print()
print("w_21^1 (what line 79 names) is 0.20, its update would be", W1_new[0, 1])
print("formula lines by hand: 3, 5, 15, 23, 31, 39, 47, 51, 57, 61 ok (55 ok up to a dropped superscript);")
print("  9, 11, 27 wrong (sigmoid without the minus / of out_o1); 71 wrong (1 - out_o1); 75 wrong (net_h1)")
