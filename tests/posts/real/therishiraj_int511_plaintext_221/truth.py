"""Independent truth table for therishiraj_int511_plaintext_221/post.md (pure NumPy, no derive).

2-2-1 sigmoid network: z(h1) = w1 i1 + w2 i2 + bh1, z(h2) = w3 i1 + w4 i2 + bh2 (one bias per hidden unit,
both 0.35), z(o) = w5 h1 + w6 h2 + bo; i = (0.05, 0.10), t = 0.01, w1..w6 = 0.15, 0.20, 0.25, 0.30, 0.40, 0.45,
bo = 0.60; E = 1/2 (t - o)^2; eta = 0.5. Prints each figure the post writes, the true value, the value from the
post's own written (rounded) figures, and a verdict (ok within one unit of the last written digit of the true value).
"""
from decimal import Decimal

import numpy as np

sig = lambda z: 1.0 / (1.0 + np.exp(-z))
i1, i2, t, eta = 0.05, 0.10, 0.01, 0.5
w1, w2, w3, w4, w5, w6 = 0.15, 0.20, 0.25, 0.30, 0.40, 0.45
bh1, bh2, bo = 0.35, 0.35, 0.60

zh1 = w1 * i1 + w2 * i2 + bh1
h1 = sig(zh1)
zh2 = w3 * i1 + w4 * i2 + bh2
h2 = sig(zh2)
zo = w5 * h1 + w6 * h2 + bo
o = sig(zo)
E = 0.5 * (t - o) ** 2
dE_do = -(t - o)
do_dz = o * (1 - o)
d_o = dE_do * do_dz
g5, g6, gbo = d_o * h1, d_o * h2, d_o
d_h1 = d_o * w5 * h1 * (1 - h1)
d_h2 = d_o * w6 * h2 * (1 - h2)
g1, g2, g3, g4 = d_h1 * i1, d_h1 * i2, d_h2 * i1, d_h2 * i2


def ulp(s):
    return Decimal(1).scaleb(Decimal(s).as_tuple().exponent)


def verdict(post, true):
    return "ok" if abs(Decimal(post) - Decimal(repr(float(true)))) <= ulp(post) * Decimal("1.0000001") else "WRONG"


rows = [
    (21, "z(h1)", "0.3775", zh1, None),
    (26, "e^(-0.3775)", "0.6856", np.exp(-zh1), None),
    (27, "h1", "0.5933", h1, 1 / 1.6856),
    (34, "z(h2)", "0.3925", zh2, None),
    (39, "e^(-0.3925)", "0.6754", np.exp(-zh2), None),
    (40, "h2", "0.5968", h2, 1 / 1.6754),
    (46, "0.40*h1", "0.2373", w5 * h1, 0.40 * 0.5933),
    (46, "0.45*h2", "0.2686", w6 * h2, 0.45 * 0.5968),
    (47, "z(o)", "1.1059", zo, 0.2373 + 0.2686 + 0.60),
    (52, "e^(-z(o))", "0.3308", np.exp(-zo), np.exp(-1.1059)),
    (53, "1 + e^(-z(o))", "1.3308", 1 + np.exp(-zo), None),
    (53, "o", "0.7514", o, 1 / 1.3308),
    (60, "t - o", "-0.7414", t - o, 0.01 - 0.7514),
    (62, "(t - o)^2", "0.5497", (t - o) ** 2, 0.7414 ** 2),
    (63, "E", "0.2749", E, 0.5 * 0.5497),
    (69, "dE/do", "0.7414", dE_do, None),
    (73, "1 - o", "0.2486", 1 - o, 1 - 0.7514),
    (73, "o(1 - o)", "0.1868", do_dz, 0.7514 * 0.2486),
    (77, "delta_o", "0.1385", d_o, 0.7414 * 0.1868),
    (83, "dE/dw5", "0.0822", g5, 0.1385 * 0.5933),
    (84, "dE/dw6", "0.0826", g6, 0.1385 * 0.5968),
    (85, "dE/dbo", "0.1385", gbo, None),
    (91, "eta*dE/dw5", "0.0411", eta * g5, 0.5 * 0.0822),
    (91, "w5_new", "0.3589", w5 - eta * g5, 0.40 - 0.0411),
    (92, "eta*dE/dw6", "0.0413", eta * g6, 0.5 * 0.0826),
    (92, "w6_new", "0.4087", w6 - eta * g6, 0.45 - 0.0413),
    (93, "eta*dE/dbo", "0.0693", eta * gbo, 0.5 * 0.1385),
    (93, "bo_new", "0.5307", bo - eta * gbo, 0.60 - 0.0693),
    (100, "1 - h1", "0.4067", 1 - h1, 1 - 0.5933),
    (101, "h1(1 - h1)", "0.2413", h1 * (1 - h1), 0.5933 * 0.4067),
    (102, "delta_h1", "0.01337", d_h1, 0.1385 * 0.40 * 0.2413),
    (106, "1 - h2", "0.4032", 1 - h2, 1 - 0.5968),
    (107, "h2(1 - h2)", "0.2406", h2 * (1 - h2), 0.5968 * 0.4032),
    (108, "delta_h2", "0.01500", d_h2, 0.1385 * 0.45 * 0.2406),
    (114, "dE/dw1", "0.000669", g1, 0.01337 * 0.05),
    (115, "dE/dw2", "0.001337", g2, 0.01337 * 0.10),
    (116, "dE/dbh1", "0.01337", d_h1, None),
    (120, "dE/dw3", "0.000750", g3, 0.01500 * 0.05),
    (121, "dE/dw4", "0.001500", g4, 0.01500 * 0.10),
    (122, "dE/dbh2", "0.01500", d_h2, None),
    (127, "w1_new", "0.149666", w1 - eta * g1, 0.15 - 0.5 * 0.000669),
    (128, "w2_new", "0.199332", w2 - eta * g2, 0.20 - 0.5 * 0.001337),
    (129, "w3_new", "0.249625", w3 - eta * g3, 0.25 - 0.5 * 0.000750),
    (130, "w4_new", "0.299250", w4 - eta * g4, 0.30 - 0.5 * 0.001500),
    (131, "bh1_new", "0.343315", bh1 - eta * d_h1, 0.35 - 0.5 * 0.01337),
    (132, "bh2_new", "0.342500", bh2 - eta * d_h2, 0.35 - 0.5 * 0.01500),
]
print(f"{'line':>4}  {'quantity':14} {'post':>9} {'true':>13} {'from post':>13}  verdict (true)  verdict (from post)")
for line, q, post, true, own in rows:
    o_ = f"{own:13.8f}" if own is not None else " " * 13
    v_own = verdict(post, own) if own is not None else ""
    print(f"{line:>4}  {q:14} {post:>9} {true:13.8f} {o_}  {verdict(post, true):14}  {v_own}")
