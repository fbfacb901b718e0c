"""Independent truth for tests/posts/sequence_blind_rnn17/vaxherra_rnn_backprop_derivatives (NumPy and torch, no derive).

Robert Kwapich's 'Bacterial name generator with RNNs: Backpropagation derivatives' (statics/RNNbackprop.md of his
Jekyll site, stored as the copy musab7890/vaxherra.github.io at commit 3d39b9d), from 'a) tanh derivative' to the
closing 'Ufff...' line. The post's network, Andrew Ng's notation with column vectors:
p^<t> = W_ax x^<t> + W_aa a^<t-1> + b_a, a^<t> = tanh(p^<t>), z^<t> = W_ya a^<t> + b_y, y^^<t> = softmax(z^<t>),
L_t = -y^<t> . log y^^<t> against a one-hot y^<t> (the inner product), from a^<0> = 0 (the main post's sampling
section). D = 3 inputs, H = 4 hidden units, K = 5 classes, T = 3 steps, every claim checked at every step.

The post derives the one-step pieces of BPTT: the derivatives of tanh and softmax, dL_t/dW_ya and dL_t/db_y, the
'time gradients' da^<t>/dW_aa, da^<t>/db_a, da^<t>/dW_ax (with a^<t-1> held, the immediate derivative the chain
through p writes), dL_t/da^<t> (J_t reads a^<t> only through z^<t>) and da^<t>/da^<t-1>. References from torch
autograd in float64 (torch.autograd.functional.jacobian, numerator layout: output axes first). A product of partials is
the product of the Jacobians in the printed order, contracted over the shared index. Readings: e^z_j is e^{z_j};
'1/d z_i (...)' is the operator d/dz_i; 'const.', 'contst_1' and 'const_1' name constants; y^{<t_i>} is the i-th
entry of y^<t>, and the index l of lines 110-118 is the i before it (the post's own sentence: 'except k = l');
a^{2<t>} is the elementwise square of a^<t>; an unbalanced '(1 - tanh^2(p^<t>)' is closed before the product; a
vector written beside a vector or matrix is the only product the shapes allow ((y^ - y) . a^<t> the outer product,
(1 - a^2) a^<t-1> the non-zero rows of the 3-index Jacobian, (1 - a^2) W_aa the rows of W_aa scaled, (y^ - y) W_ya
the row (y^ - y)^T W_ya); '= 1' for dz/db_y and dp/db_a is the identity Jacobian.
"""
import numpy as np
import torch
from torch.autograd.functional import jacobian
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish, unchecked  # noqa: E402,F401

torch.set_default_dtype(torch.float64)
Tt = lambda a: torch.tensor(a, dtype=torch.float64)
nv = lambda x: x.detach().numpy().copy()
close = lambda a, b: np.shape(a) == np.shape(b) and np.allclose(a, b, atol=1e-12)
rng = np.random.default_rng(1717)
D, H, K, T = 3, 4, 5, 3
TS = range(1, T + 1)
P = {"Wax": rng.normal(0, 0.7, (H, D)), "Waa": rng.normal(0, 0.7, (H, H)), "ba": rng.normal(0, 0.3, H),
     "Wya": rng.normal(0, 0.9, (K, H)), "by": rng.normal(0, 0.3, K)}
PT = {k: Tt(v) for k, v in P.items()}
X = {t: rng.normal(0, 1.0, D) for t in TS}
Y = {t: np.eye(K)[rng.integers(K)] for t in TS}

pre = lambda x, ap, Wax, Waa, ba: Wax @ Tt(x) + Waa @ ap + ba             # line 149: p^<t>
Lt = lambda yh, t: -(Tt(Y[t]) * torch.log(yh)).sum()                       # line 86, the inner product


def run(Wax, Waa, ba, Wya, by):
    a, ps, zs, yh = {0: torch.zeros(H)}, {}, {}, {}
    for t in TS:
        ps[t] = pre(X[t], a[t - 1], Wax, Waa, ba)
        a[t] = torch.tanh(ps[t])
        zs[t] = Wya @ a[t] + by
        yh[t] = torch.softmax(zs[t], 0)
    return a, ps, zs, yh, {t: Lt(yh[t], t) for t in TS}


A, PS, ZS, YH, LS = run(**PT)
av = {t: nv(v) for t, v in A.items()}
pv = {t: nv(v) for t, v in PS.items()}
zv = {t: nv(v) for t, v in ZS.items()}
yv = {t: nv(v) for t, v in YH.items()}

# the network the truth builds is torch's tanh RNN cell (bias_ih = b_a, bias_hh = 0) with a softmax read-out
rc = torch.nn.RNNCell(D, H, nonlinearity="tanh")
with torch.no_grad():
    rc.weight_ih.copy_(PT["Wax"]), rc.weight_hh.copy_(PT["Waa"]), rc.bias_ih.copy_(PT["ba"]), rc.bias_hh.zero_()
cell_ok = all(close(nv(rc(Tt(X[t])[None], A[t - 1][None])[0]), av[t]) for t in TS)


def grad_Lt(t, name):
    """dL_t/d(name) through every path, from autograd."""
    leaf = {k: Tt(v).requires_grad_(k == name) for k, v in P.items()}
    return nv(torch.autograd.grad(run(**leaf)[4][t], leaf[name])[0])


G = {(t, n): grad_Lt(t, n) for t in TS for n in ("Wya", "by")}

# Jacobians at step t (numerator layout)
J_L_yh = {t: nv(jacobian(lambda y: Lt(y, t), YH[t])) for t in TS}                              # (K,)
J_yh_z = {t: nv(jacobian(lambda z: torch.softmax(z, 0), ZS[t])) for t in TS}                   # (K, K)
J_z_Wya = {t: nv(jacobian(lambda W: W @ A[t] + PT["by"], PT["Wya"])) for t in TS}              # (K, K, H)
J_z_by = {t: nv(jacobian(lambda b: PT["Wya"] @ A[t] + b, PT["by"])) for t in TS}               # (K, K)
J_z_a = {t: nv(jacobian(lambda a: PT["Wya"] @ a + PT["by"], A[t])) for t in TS}                # (K, H)
J_L_z = {t: nv(jacobian(lambda z: Lt(torch.softmax(z, 0), t), ZS[t])) for t in TS}             # (K,)
J_L_a = {t: nv(jacobian(lambda a: Lt(torch.softmax(PT["Wya"] @ a + PT["by"], 0), t), A[t])) for t in TS}  # (H,)
J_a_p = {t: nv(jacobian(torch.tanh, PS[t])) for t in TS}                                       # (H, H)
J_p_W = {(t, n): nv(jacobian(lambda W: pre(X[t], A[t - 1], **{**{k: PT[k] for k in ("Wax", "Waa", "ba")}, n: W}),
                             PT[n])) for t in TS for n in ("Wax", "Waa", "ba")}              # (H, *W.shape)
J_p_aprev = {t: nv(jacobian(lambda ap: pre(X[t], ap, PT["Wax"], PT["Waa"], PT["ba"]), A[t - 1])) for t in TS}
# immediate da^<t>/dW (a^<t-1> held) and the one-step da^<t>/da^<t-1>
J_a_W = {(t, n): nv(jacobian(lambda W: torch.tanh(pre(X[t], A[t - 1], **{**{k: PT[k] for k in ("Wax", "Waa", "ba")},
                                                                         n: W})), PT[n]))
         for t in TS for n in ("Wax", "Waa", "ba")}
J_a_aprev = {t: nv(jacobian(lambda ap: torch.tanh(pre(X[t], ap, PT["Wax"], PT["Waa"], PT["ba"])), A[t - 1])) for t in TS}
row = lambda g, J: np.einsum("i,i...->...", g, J)   # a row gradient times a Jacobian, contracted over the first axis


def rows_are(J, v):
    """J[i, j, :] = c_i v for j = i and 0 otherwise, with c given: the non-zero rows of a 3-index Jacobian."""
    c, v = v
    return all(close(J[i, j], c[i] * v if i == j else np.zeros_like(v)) for i in range(J.shape[0])
               for j in range(J.shape[1]))


# ---------------------------------------------------------------- a) tanh (lines 4, 8, 12)
zz = Tt(rng.normal(0, 1.0, 6))
dtanh = nv(torch.diagonal(jacobian(torch.tanh, zz)))
sech2 = 1 / np.cosh(nv(zz)) ** 2
decide(4, close(dtanh, sech2), "d tanh(z)/dz = sech^2(z)")
decide(8, close(np.tanh(nv(zz)) ** 2 + sech2, np.ones(6)) and close(sech2, 1 - np.tanh(nv(zz)) ** 2),
       "tanh^2 + sech^2 = 1 (cosh^2 - sinh^2 = 1 divided by cosh^2), so sech^2 = 1 - tanh^2")
decide(12, close(dtanh, 1 - np.tanh(nv(zz)) ** 2), "d tanh(z)/dz = 1 - tanh^2(z)")

# ---------------------------------------------------------------- b) softmax (lines 18-79)
zk = Tt(rng.normal(0, 1.0, K))
s = nv(torch.softmax(zk, 0))
e = np.exp(nv(zk))
Js = nv(jacobian(lambda z: torch.softmax(z, 0), zk))          # Js[j, i] = d softmax(z_j)/d z_i
pairs = [(i, j) for i in range(K) for j in range(K)]


def d_dzi(f, i):
    """The operator d/dz_i applied to f(z) (a scalar), at zk."""
    return nv(jacobian(f, zk))[i]


decide(18, all(np.isclose(Js[j, i], d_dzi(lambda z: torch.exp(z[j]) / torch.exp(z).sum(), i)) for i, j in pairs),
       "softmax(z_j) = e^{z_j} / sum_k e^{z_k}: its d/dz_i is the derivative of the definition")
others = lambda z, j: sum(torch.exp(z[k]) for k in range(K) if k != j)
decide(25, all(np.isclose(Js[j, j], d_dzi(lambda z: torch.exp(z[j]) / (torch.exp(z[j]) + others(z, j)), j))
               for j in range(K)), "i = j: the denominator split into e^{z_j} and the sum over k != j")
decide(33, all(np.isclose(Js[i, i], d_dzi(lambda z: torch.exp(z[i]) / (torch.exp(z[i]) + others(zk, i)), i))
               for i in range(K)), "i = j, the sum over k != j held constant (it does not depend on z_j)")

# line 37: the quotient rule, on f = sin, g = exp + 2 at random points
xq = Tt(rng.normal(0, 1.0, 5))
fq, gq = torch.sin, lambda x: torch.exp(x) + 2
lhs37 = nv(torch.diagonal(jacobian(lambda x: fq(x) / gq(x), xq)))
rhs37 = (np.cos(nv(xq)) * nv(gq(xq)) - np.sin(nv(xq)) * np.exp(nv(xq))) / nv(gq(xq)) ** 2
decide(37, close(lhs37, rhs37), "the quotient rule (f/g)' = (f' g - f g') / g^2")

c_ = {j: float(others(zk, j)) for j in range(K)}
ok42 = all(np.isclose(Js[j, j], (d_dzi(lambda z: torch.exp(z[j]), j) * (e[j] + c_[j])
                                  - e[j] * d_dzi(lambda z: torch.exp(z[j]) + c_[j], j)) / (e[j] + c_[j]) ** 2)
           and np.isclose(Js[j, j], (e[j] * (e[j] + c_[j]) - e[j] * e[j]) / (e[j] + c_[j]) ** 2) for j in range(K))
decide(42, ok42, "i = j: d e^{z_j}/dz_j = e^{z_j} and d(e^{z_j} + const.)/dz_j = e^{z_j}; both right sides hold")
decide(47, all(np.isclose(Js[j, j], s[j] - s[j] ** 2) for j in range(K)), "i = j: softmax(z_j) - softmax^2(z_j)")
decide(53, all(np.isclose(Js[j, i], d_dzi(lambda z: torch.exp(z[j]) / (torch.exp(z[i]) + others(z, i)), i))
               for i, j in pairs if i != j), "j != i: the denominator split into e^{z_i} and the sum over k != i")

# lines 57, 62: d/dx (c1 / (e^x + c2)) = c1 d/dx (1 / (e^x + c2)) = c1 (0 (e^x + c2) - 1 e^x) / (e^x + c2)^2
c1, c2 = 0.7, 1.9
xs = Tt(rng.normal(0, 1.0, 5))
d57 = nv(torch.diagonal(jacobian(lambda x: c1 / (torch.exp(x) + c2), xs)))
d57b = c1 * nv(torch.diagonal(jacobian(lambda x: 1 / (torch.exp(x) + c2), xs)))
ex = np.exp(nv(xs))
decide(57, close(d57, d57b), "a constant factor comes out of the derivative ('contst_1' read as const_1)")
decide(62, close(d57, c1 * (0 * (ex + c2) - 1 * ex) / (ex + c2) ** 2), "the quotient rule with f = 1, g = e^x + const_2")

S_ = lambda i: e[i] + c_[i]                                   # e^{z_i} + sum_{k != i} e^{z_k} = sum_k e^{z_k}
decide(65, all(np.isclose(Js[j, i], e[j] * d_dzi(lambda z: 1 / (torch.exp(z[i]) + others(z, i)), i))
               for i, j in pairs if i != j), "j != i: e^{z_j} is a constant factor of d/dz_i")
decide(68, all(np.isclose(Js[j, i], e[j] * (0 * S_(i) - 1 * e[i]) / S_(i) ** 2) for i, j in pairs if i != j),
       "the quotient rule on 1 / (e^{z_i} + const.): d(1)/dz_i = 0, d(e^{z_i} + const.)/dz_i = e^{z_i}")
decide(71, all(np.isclose(Js[j, i], e[j] * (0 - e[i]) / S_(i) ** 2) and np.isclose(Js[j, i], -e[j] * e[i] / S_(i) ** 2)
               and np.isclose(Js[j, i], -e[j] * e[i] / e.sum() ** 2) and np.isclose(Js[j, i], -s[i] * s[j])
               for i, j in pairs if i != j), "every equality of the chain holds: -softmax(z_i) softmax(z_j)")
decide(77, all(np.isclose(Js[j, j], s[j] - s[j] ** 2) for j in range(K)), "the summary, i = j")
decide(79, all(np.isclose(Js[j, i], -s[i] * s[j]) for i, j in pairs if i != j), "the summary, i != j")

# ---------------------------------------------------------------- the forward definitions (lines 86-88, 145-149, 185-189)
sm = lambda o: np.exp(o - o.max()) / np.exp(o - o.max()).sum()
fwd = {
    "L": all(np.isclose(float(LS[t]), -Y[t] @ np.log(yv[t])) for t in TS),
    "yhat": all(close(yv[t], sm(zv[t])) for t in TS),
    "z": all(close(zv[t], P["Wya"] @ av[t] + P["by"]) for t in TS),
    "a": cell_ok and all(close(av[t], np.tanh(pv[t])) for t in TS),
    "p": all(close(pv[t], P["Wax"] @ X[t] + P["Waa"] @ av[t - 1] + P["ba"]) for t in TS),
}
why = {"L": "L_t = -y^<t> log y^^<t>, the product of the one-hot y^<t> with log y^^<t> read as the inner product",
       "yhat": "y^^<t> = softmax(z^<t>)", "z": "z^<t> = W_ya a^<t> + b_y",
       "a": "a^<t> = tanh(p^<t>), torch's tanh RNNCell (bias_hh = 0)",
       "p": "p^<t> = W_ax x^<t> + W_aa a^<t-1> + b_a, the pre-activation the truth builds"}
for line, k in ((86, "L"), (87, "yhat"), (88, "z"), (145, "L"), (146, "yhat"), (147, "z"), (148, "a"), (149, "p"),
                (185, "L"), (186, "yhat"), (187, "z"), (188, "a"), (189, "p")):
    decide(line, fwd[k], why[k])

# ---------------------------------------------------------------- dL_t/dW_ya (lines 92-122)
decide(92, all(close(row(J_L_yh[t] @ J_yh_z[t], J_z_Wya[t]), G[(t, "Wya")]) for t in TS),
       "W_ya reaches L_t only through z and y^: the product of the three Jacobians is dL_t/dW_ya")
decide(94, all(rows_are(J_z_Wya[t], (np.ones(K), av[t])) for t in TS),
       "dz/dW_ya = a^<t> read as the non-zero rows of the 3-index Jacobian: dz_k/dW_ya(k,:) = a^<t>T")
xl = Tt(rng.uniform(0.5, 2.0, 4))
decide(96, close(nv(torch.diagonal(jacobian(torch.log, xl))), 1 / nv(xl)), "d log(x)/dx = 1/x")
decide(98, all(close(J_L_yh[t], -Y[t] / yv[t]) for t in TS), "dL_t/dy^^<t> = -y^<t> / y^^<t>, elementwise")


def line102(t, orient):
    """-y/y^ . B . a^<t> with B the printed bracket (s_i - s_j^2) + (-s_i s_j), i and j free, as a K x K matrix
    (either orientation) or with i = j (a diagonal); the row contracted with B, then the outer product with a^<t>."""
    st = yv[t]
    Bm = (st[:, None] - st[None, :] ** 2) - st[:, None] * st[None, :]          # Bm[i, j]
    B = {"ij": Bm, "ji": Bm.T, "diag": np.diag(np.diag(Bm))}[orient]
    return np.outer(J_L_yh[t] @ B, av[t])


for o in ("ij", "ji", "diag"):
    print(f"   (line 102, bracket read as {o}: right = {all(close(line102(t, o), G[(t, 'Wya')]) for t in TS)})")
print(f"   (line 102 with the bracket read case by case, the softmax Jacobian, would hold: "
      f"{all(close(np.outer(J_L_yh[t] @ J_yh_z[t], av[t]), G[(t, 'Wya')]) for t in TS)})")
decide(102, any(all(close(line102(t, o), G[(t, "Wya")]) for t in TS) for o in ("ij", "ji", "diag")),
       "the bracket adds the i = j formula and the i != j formula of the softmax derivative in one term; whichever "
       "way its free indices are read it is not the softmax Jacobian (diagonal s_i - s_i^2, off it -s_i s_j)")


ok106 = ok110 = ok114 = ok118 = True
for t in TS:
    yh_, y_ = yv[t], Y[t]
    for i in range(K):
        true = J_L_z[t][i]
        r106 = (-y_[i] / yh_[i]) * (yh_[i] - yh_[i] ** 2) + sum((-y_[k] / yh_[k]) * (-yh_[k] * yh_[i])
                                                             for k in range(K) if k != i)
        l = i                                           # the post's l is its i ('except k = l')
        r110 = -y_[i] + y_[i] * yh_[l] + sum(y_[k] * yh_[i] for k in range(K) if k != i)
        r114 = -y_[l] + yh_[l] * y_.sum()
        ok106 &= np.isclose(true, r106)
        ok110 &= np.isclose(true, r110)
        ok114 &= np.isclose(true, r114)
        ok118 &= np.isclose(true, -y_[l] + yh_[l]) and np.isclose(true, yh_[l] - y_[l])
decide(106, ok106, "dL_t/dz_i = sum_k dL_t/dy^_k dy^_k/dz_i, the k = i term and the k != i terms")
decide(110, ok110, "the simplification, the index l read as i (the next sentence: 'except k = l')")
decide(114, ok114, "-y_l + y^_l sum_k y_k, l = i")
decide(118, ok118, "sum_k y_k = 1 for the one-hot y: dL_t/dz = y^ - y")
decide(122, all(close(row(J_L_z[t], J_z_Wya[t]), G[(t, "Wya")]) and close(np.outer(yv[t] - Y[t], av[t]), G[(t, "Wya")])
                for t in TS),
       "dL_t/dz dz/dW_ya, and (y^ - y) . a^<t> read as the outer product (y^ - y) a^<t>T (K x H, W_ya's shape)")

# ---------------------------------------------------------------- dL_t/db_y (lines 127-136)
decide(133, all(close(J_z_by[t], np.eye(K)) for t in TS), "dz/db_y = 1, the identity Jacobian")
decide(131, all(close(J_L_yh[t] @ J_yh_z[t] @ J_z_by[t], G[(t, "by")]) for t in TS), "the chain through y^ and z")
decide(136, all(close(J_L_yh[t] @ J_yh_z[t] @ np.eye(K), G[(t, "by")]) and close(J_L_z[t], G[(t, "by")])
                and close(yv[t] - Y[t], G[(t, "by")]) for t in TS), "every equality holds: y^ - y")

# ---------------------------------------------------------------- the time gradients (lines 154-180)
decide(154, all(close(np.einsum("ij,j...->i...", J_a_p[t], J_p_W[(t, "Waa")]), J_a_W[(t, "Waa")]) for t in TS),
       "with a^<t-1> held (the immediate derivative), da^<t>/dp . dp/dW_aa is da^<t>/dW_aa")
decide(157, close(dtanh, 1 - np.tanh(nv(zz)) ** 2), "tanh' again")
decide(160, all(rows_are(J_p_W[(t, "Waa")], (np.ones(H), av[t - 1])) for t in TS),
       "dp_i/dW_aa(i,:) = a^<t-1>T, every other entry 0 (a^<t-1> held)")
decide(163, all(rows_are(J_a_W[(t, "Waa")], (1 - np.tanh(pv[t]) ** 2, av[t - 1]))
                and rows_are(J_a_W[(t, "Waa")], (1 - av[t] ** 2, av[t - 1])) for t in TS),
       "da_i/dW_aa(i,:) = (1 - tanh^2(p_i)) a^<t-1>T = (1 - a_i^2) a^<t-1>T, the parenthesis closed before the product")
decide(169, all(close(J_a_p[t] @ J_p_W[(t, "ba")], J_a_W[(t, "ba")]) for t in TS), "the chain through p")
decide(171, all(close(J_p_W[(t, "ba")], np.eye(H)) for t in TS), "dp/db_a = 1, the identity Jacobian")
decide(173, all(close(J_a_W[(t, "ba")], np.diag(1 - av[t] ** 2)) for t in TS),
       "da/db_a = diag(1 - a^2), '(1 - a^{2<t>})' read as its diagonal")
decide(178, all(close(np.einsum("ij,j...->i...", J_a_p[t], J_p_W[(t, "Wax")]), J_a_W[(t, "Wax")])
                and rows_are(J_a_W[(t, "Wax")], (1 - av[t] ** 2, X[t])) for t in TS),
       "the chain through p, and (1 - a^2) . x^<t> as the non-zero rows (1 - a_i^2) x^<t>T; 'W{ax}' read as W_ax")
decide(180, all(rows_are(J_p_W[(t, "Wax")], (np.ones(H), X[t])) and close(J_a_p[t], np.diag(1 - av[t] ** 2))
                for t in TS), "dp/dW_ax = x^<t> (non-zero rows) and da/dp = 1 - a^2 (diagonal)")

# ---------------------------------------------------------------- dL_t/da^<t> (lines 191-200)
decide(191, all(close(J_L_yh[t] @ J_yh_z[t] @ J_z_a[t], J_L_a[t]) for t in TS),
       "L_t reads a^<t> only through z^<t>: the three Jacobians multiply to dL_t/da^<t> (a_{<t>} read as a^<t>)")
decide(195, all(close(J_L_z[t], yv[t] - Y[t]) for t in TS), "dL_t/dz = y^ - y")
decide(197, all(close(J_z_a[t], P["Wya"]) for t in TS), "dz/da = W_ya")
print(f"   (line 200: the right side (y^ - y)^T W_ya is dL_t/da^<t>: "
      f"{all(close((yv[t] - Y[t]) @ P['Wya'], J_L_a[t]) for t in TS)}; dL_t/dW_ya has shape {G[(1, 'Wya')].shape})")
decide(200, all(close((yv[t] - Y[t]) @ P["Wya"], G[(t, "Wya")]) for t in TS),
       "the left side is dL_t/dW_ya, a K x H matrix ((y^ - y) a^<t>T, line 122), but the right side "
       "(y^ - y)^T W_ya is the H-vector dL_t/da^<t> the section computes")

# ---------------------------------------------------------------- da^<t>/da^<t-1> (lines 205, 209)
decide(205, all(close(J_a_p[t] @ J_p_aprev[t], J_a_aprev[t]) for t in TS), "the chain through p")
decide(209, all(close(J_a_aprev[t], np.diag(1 - np.tanh(pv[t]) ** 2) @ P["Waa"])
                and close(J_a_aprev[t], (1 - av[t] ** 2)[:, None] * P["Waa"]) for t in TS),
       "diag(1 - a^2) W_aa: (1 - a^{2<t>}) W_aa read as W_aa's rows scaled (a_{<t-1>} read as a^<t-1>)")
finish()
