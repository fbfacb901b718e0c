"""Independent truth for tests/posts/conv_blind17/tfjgeorge_batchnorm_matrix_form (NumPy and torch, no derive).

The post (a Jekyll note exported from LyX, 'Derivatives through a batch norm layer', tfjgeorge.github.io, 2019)
writes batch norm without gamma and beta after a linear layer y = W x, with the unbiased variance
var(y_i) = y_i^T (I - 11^T/n) y_i / (n - 1) of each column y_i = Y_{:i} of the n x d design matrix Y = X W^T
(n the batch size, d the feature size, the last feature also called m), then the Jacobian of a column,
dL/dy_i, the gradient for the whole design matrix, for one line of W, for the whole W and for X.
Everything is evaluated as printed in float64: n = 5 samples, 4 inputs, d = 3 features, eps = 1e-5,
L = sum(G * Y_hat) with G random, so nabla_{Y_hat} = G (dL/dy_hat_i = G[:, i] as a row vector). References are torch
autograd on the post's own forward (checked against torch's unbiased var) and torch.autograd.functional.jacobian,
whose layout (rows = outputs) is the post's definition (f(x)_i by x_j). Feature indices are Strict: a column y_n of a
design matrix with d < n columns does not exist. A free index (the i in rows that should run 1..m) is evaluated for each
of its values; such a line is right only if right for all of them."""
import sys
from pathlib import Path

import numpy as np
import torch

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, finish and Strict
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import Strict, decide, finish  # noqa: E402

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(1702)
T = lambda a: torch.tensor(np.asarray(a, dtype=np.float64))
jac = torch.autograd.functional.jacobian
eps = 1e-5


def bn(Y):
    """the post's batch norm of every column (eq. bn1): P y_i / sqrt(y_i^T P y_i / (n-1) + eps)"""
    n = Y.shape[0]
    P = torch.eye(n) - torch.ones(n, n) / n
    var = torch.einsum("ti,tu,ui->i", Y, P, Y) / (n - 1)
    return (P @ Y) / torch.sqrt(var + eps)


def case(n, nin, d):
    X, W, G = rng.normal(size=(n, nin)), rng.normal(size=(d, nin)), rng.normal(size=(n, d))
    Xt, Wt = T(X).requires_grad_(), T(W).requires_grad_()
    Y = Xt @ Wt.T
    Y.retain_grad()
    Yh = bn(Y)
    (Yh * T(G)).sum().backward()
    return dict(X=X, W=W, G=G, Y=Y.detach().numpy(), Yh=Yh.detach().numpy(), dY=Y.grad.numpy(), dW=Wt.grad.numpy(),
                dX=Xt.grad.numpy())


n, nin, d = 5, 4, 3
c = case(n, nin, d)
X, W, G, Y, Yh, dY, dW, dX = (c[k] for k in ("X", "W", "G", "Y", "Yh", "dY", "dW", "dX"))
P = np.eye(n) - np.ones((n, n)) / n
one = np.ones(n)
var = Y.var(0, ddof=1)
s = np.sqrt(var + eps)
Sinv = np.diag(1 / s)
Cm = np.diag([G[:, k] @ Yh[:, k] for k in range(d)]) / (n - 1)         # C with the indices 1..m the post means
assert np.allclose(torch.var(T(Y), 0, unbiased=True).numpy(), var)

# ---- section 1 (lines 20-69)
decide(20, np.allclose((Y - Y.mean(0)) / np.sqrt(var + eps), Yh), "y_hat = (y - mu_y)/sqrt(var(y) + eps) per "
       "feature over the batch (definition; var the unbiased variance of section 2)")
mux = X.mean(0)
decide(43, np.allclose((X @ W.T - mux @ W.T) / np.sqrt((X @ W.T).var(0, ddof=1) + eps), Yh),
       "y_hat = (W x - W mu_x)/sqrt(var(W x) + eps): mu_y = W mu_x")
covx = np.cov(X.T)                                                       # in x in, unbiased like var
try:
    d44 = np.diag(W.T @ covx @ W)
    r44 = f"defined, {d44}"
except ValueError as err:
    r44 = f"undefined for W of {d} x {nin}: {err}"
Wsq = rng.normal(size=(nin, nin))                                        # a square W, where W^T cov(x) W exists
right_sq = np.allclose(np.diag(Wsq @ covx @ Wsq.T), (X @ Wsq.T).var(0, ddof=1))
post_sq = np.allclose(np.diag(Wsq.T @ covx @ Wsq), (X @ Wsq.T).var(0, ddof=1))
print(f"   (line 44: diag(W^T cov(x) W) is {r44}; with a square W, var(Wx) = diag(W cov(x) W^T): {right_sq}, "
      f"= diag(W^T cov(x) W): {post_sq})")
decide(44, post_sq and "undefined" not in r44, "= W(x - mu_x)/sqrt(diag(W^T cov(x) W) + eps): y = W x has the "
       "covariance W cov(x) W^T, so var(W x) = diag(W cov(x) W^T); with cov(x) in x in (line 69) and W out x in, "
       "W^T cov(x) W is not even defined unless out = in, and for a square W it is a different matrix")
decide(69, covx.shape == (nin, nin), "cov(x) is in x in")

# ---- section 2 (lines 157-211), one column y_i (all columns checked)
ok157 = ok174 = ok194 = ok195 = ok196 = ok197 = ok211 = True
for i in range(d):
    y = Y[:, i]
    ok157 &= np.isclose(sum(y[t] for t in range(n)) / n, one @ y / n)
    v174 = (y - np.outer(one, one) @ y / n) @ (y - np.outer(one, one) @ y / n) / (n - 1)
    ok174 &= np.isclose(v174, var[i])
    ok194 &= np.isclose(y @ P.T @ P @ y / (n - 1), var[i])
    ok195 &= np.isclose(y @ (np.eye(n) - 2 / n * np.outer(one, one) + np.outer(one, one) @ np.outer(one, one) / n ** 2)
                        @ y / (n - 1), var[i])
    ok196 &= np.isclose(y @ (np.eye(n) - 2 / n * np.outer(one, one) + np.outer(one, one) / n) @ y / (n - 1), var[i])
    ok197 &= np.isclose(y @ P @ y / (n - 1), var[i])
    ok211 &= np.allclose(P @ y / np.sqrt(y @ P @ y / (n - 1) + eps), Yh[:, i])
decide(157, ok157, "(1/n) sum_t (y_i)_t = (1/n) 1^T y_i")
decide(174, ok174, "var(y_i) = (1/(n-1)) (y_i - 11^T y_i/n)^T (y_i - 11^T y_i/n) = torch's unbiased var")
decide(194, ok194, "= (1/(n-1)) y_i^T P^T P y_i, P = I - 11^T/n")
decide(195, ok195, "= (1/(n-1)) y_i^T (I - (2/n) 11^T + (1/n^2) 11^T 11^T) y_i")
decide(196, ok196, "= (1/(n-1)) y_i^T (I - (2/n) 11^T + (1/n) 11^T) y_i (1^T 1 = n)")
decide(197, ok197, "= (1/(n-1)) y_i^T (I - 11^T/n) y_i")
decide(211, ok211, "y_hat_i = P y_i / sqrt(y_i^T P y_i/(n-1) + eps), eq. bn1, against the forward")

# ---- section 3 (lines 241-301): f: R^m -> R^n with m = 4, n = 2
mm, nn = 4, 2
A = T(rng.normal(size=(nn, mm)))
f = lambda v: torch.tanh(A @ v) + v[:nn] ** 2
x0 = T(rng.normal(size=mm))
Jf = jac(f, x0).numpy()
decide(241, Jf.shape == (mm, nn), f"'its jacobian is a m x n matrix': with (df/dx)_ij = df(x)_i/dx_j (line 249) the "
       f"row index i runs over the n outputs and j over the m inputs, so the Jacobian is n x m (here {Jf.shape} for "
       f"m = {mm}, n = {nn})")
fd = (f(x0 + T(np.eye(mm)[1]) * 1e-6) - f(x0 - T(np.eye(mm)[1]) * 1e-6)).numpy() / 2e-6
decide(249, np.allclose(Jf[:, 1], fd, atol=1e-6), "(df/dx)_ij = df(x)_i/dx_j (definition): torch's Jacobian, column "
       "j against central differences")
B = T(rng.normal(size=(3, nn)))
g_ = lambda u: torch.sin(B @ u)
decide(266, np.allclose(jac(lambda v: g_(f(v)), x0).numpy(), jac(g_, f(x0)).numpy() @ Jf), "df/dx = dg(h)/dh "
       "dh(x)/dx for f = g o h (h the f above, g = sin(B .))")
dxs = [1e-2, 1e-3, 1e-4]
rem = [np.linalg.norm((f(x0 + T(u)) - f(x0)).numpy() - Jf @ u) / np.linalg.norm(u)
       for u in (h * rng.normal(size=mm) for h in dxs)]
decide(283, rem[2] < rem[1] < rem[0] and rem[2] < 1e-3, f"f(x+dx) = f(x) + (df/dx) dx + o(dx): the remainder over "
       f"|dx| shrinks, {np.round(rem, 7).tolist()}")
decide(295, Jf.shape == (mm, nn), "'Since df/dx is a m x n matrix': the size of line 241 again (n x m)")
Jdx = Jf @ rng.normal(size=mm)
decide(301, Jdx.shape == (mm,), f"'(df/dx) dx is a m x 1 column vector': it is n x 1 ({Jdx.shape}), in R^n where f "
       f"lives, as the same sentence says; m x 1 follows from taking the Jacobian m x n")

# ---- section 4 (lines 330-347): the Jacobian of one column and dL/dy_i, row vectors
ok330 = ok331 = ok345 = ok346 = ok347 = True
for i in range(d):
    y = Y[:, i]
    col = lambda v: (T(P) @ v) / torch.sqrt(v @ T(P) @ v / (n - 1) + eps)
    Jc = jac(col, T(y)).numpy()
    v = y @ P @ y / (n - 1)
    l330 = P / np.sqrt(v + eps) - 0.5 / (v + eps) ** 1.5 * np.outer(P @ y, 2 / (n - 1) * (y @ P))
    l331 = (P - np.outer(Yh[:, i], Yh[:, i]) / (n - 1)) / s[i]
    ok330 &= np.allclose(l330, Jc)
    ok331 &= np.allclose(l331, Jc)
    g = G[:, i]                                                          # dL/dy_hat_i, a row vector
    ok345 &= np.allclose(g @ Jc, dY[:, i])
    ok346 &= np.allclose(g @ l331, dY[:, i])
    ok347 &= np.allclose((g @ P - (g @ Yh[:, i]) * Yh[:, i] / (n - 1)) / s[i], dY[:, i])
decide(330, ok330, "dy_hat_i/dy_i = P/sqrt(v + eps) - (1/2)(v + eps)^(-3/2) P y_i (2/(n-1)) y_i^T P against the "
       "autograd Jacobian")
decide(331, ok331, "= (1/sqrt(var(y_i) + eps)) (I - 11^T/n - y_hat_i y_hat_i^T/(n-1))")
decide(345, ok345, "dL/dy_i = dL/dy_hat_i dy_hat_i/dy_i (row vectors) against autograd's column i of nabla_Y")
decide(346, ok346, "= (1/sqrt(var + eps)) dL/dy_hat_i (P - y_hat_i y_hat_i^T/(n-1))")
decide(347, ok347, "= (1/sqrt(var + eps)) (dL/dy_hat_i P - dL/dy_hat_i y_hat_i y_hat_i^T/(n-1))")

# ---- section 5 (lines 387-431): nabla_Y, n x d
dLdy = lambda i: dY[:, i]                                                 # the row vector dL/dy_i, i = 1..d (0-based)
cols = Strict(dY.T)                                                      # a feature index past d does not exist
try:
    m387 = np.column_stack([cols(0), cols(n - 1)])
    r387 = "defined"
except IndexError as err:
    r387 = f"undefined: y_n is feature {n} of {d} ({err})"
print(f"   (line 387: the last column dL/dy_n with n = {n} the batch size: {r387}; with y_d it would be column d)")
decide(387, r387 == "defined" and np.allclose(m387[:, 1], dY[:, d - 1]), "nabla_Y = [(dL/dy_1)^T ... (dL/dy_n)^T]: "
       "the columns of the n x d matrix are the d features, but the last is written y_n, n the batch size (line "
       "374); no column y_n exists when n > d (the post names the last feature m elsewhere)")
decide(394, r387 == "defined", "= [-dL/dy_1- ; ... ; -dL/dy_n-]^T: the same last index n (carried from line 387)")
decide(396, np.allclose((G[:, 0] @ P - (G[:, 0] @ Yh[:, 0]) * Yh[:, 0] / (n - 1)) / s[0], dY[:, 0]),
       "row 1: (1/sqrt(var(y_1) + eps))(dL/dy_hat_1 P - dL/dy_hat_1 y_hat_1 y_hat_1^T/(n-1)) = dL/dy_1")
try:
    Strict(Yh.T)(n - 1)
    ok398 = True
except IndexError:
    ok398 = False
decide(398, ok398, "last row with var(y_n), dL/dy_hat_n, y_hat_n: the index n again (carried from line 387)")
# line 412: the stacked rows read dL/dy_hat_i (i free) and the diagonal starts with dL/dy_hat_i y_hat_1
intended = ((np.vstack([G[:, k] for k in range(d)]) @ P - Cm @ Yh.T).T @ Sinv)
res412 = []
for i in range(d):
    rows = np.vstack([G[:, i]] * d)
    diag = np.diag([G[:, i] @ Yh[:, 0]] + [G[:, k] @ Yh[:, k] for k in range(1, d)])
    res412.append(np.allclose((rows @ P - diag @ Yh.T / (n - 1)).T @ Sinv, dY))
print(f"   (line 412: as printed, for i = 1..{d}: {res412}; with rows dL/dy_hat_1..dL/dy_hat_m and the diagonal "
      f"dL/dy_hat_k y_hat_k: {np.allclose(intended, dY)})")
decide(412, all(res412), "= ((rows -dL/dy_hat_i-) P - (1/(n-1)) diag(dL/dy_hat_i y_hat_1, ..., dL/dy_hat_m y_hat_m) "
       "(rows y_hat_k^T))^T Sigma^-1: every row of the stacked gradient is written dL/dy_hat_i and the diagonal "
       "starts with dL/dy_hat_i y_hat_1, where the rows must run dL/dy_hat_1 .. dL/dy_hat_m; for no value of i is the "
       "display nabla_Y")
decide(413, np.allclose((G.T @ P - Cm @ Yh.T).T @ Sinv, dY), "= (nabla_{Y_hat}^T P - C Y_hat^T)^T Sigma^-1 with "
       "C = diag(dL/dy_hat_k y_hat_k)/(n-1), Sigma^-1 = diag(1/sqrt(var(y_k) + eps)), against autograd")


def line414(Gm, Yhm, Cmm, Sinvm, nb):
    Pm = np.eye(nb) - np.ones((nb, nb)) / nb
    try:
        return (Pm @ Gm - Yhm @ Cmm).T @ Sinvm
    except ValueError as err:
        return f"undefined ({err})"


v414 = line414(G, Yh, Cm, Sinv, n)
sq = case(3, 4, 3)                                                       # n = d = 3: the product exists
Ysq, Yhsq, Gsq = sq["Y"], sq["Yh"], sq["G"]
Sinvsq = np.diag(1 / np.sqrt(Ysq.var(0, ddof=1) + eps))
Csq = np.diag([Gsq[:, k] @ Yhsq[:, k] for k in range(3)]) / 2
v414sq = line414(Gsq, Yhsq, Csq, Sinvsq, 3)
Psq = np.eye(3) - np.ones((3, 3)) / 3
print(f"   (line 414: for n = {n}, d = {d} the product is {v414 if isinstance(v414, str) else v414.shape}; for n = d = 3 "
      f"it equals nabla_Y: {np.allclose(v414sq, sq['dY'])}; without the outer transpose, (P nabla - Y_hat C) Sigma^-1: "
      f"{np.allclose((Psq @ Gsq - Yhsq @ Csq) @ Sinvsq, sq['dY'])})")
decide(414, not isinstance(v414, str) and np.allclose(v414, dY) and np.allclose(v414sq, sq["dY"]),
       "= ((I - 11^T/n) nabla_{Y_hat} - Y_hat C)^T Sigma^-1: transposing line 413's bracket gives P nabla_{Y_hat} - "
       "Y_hat C without a transpose; with it the line is a d x n matrix times d x d, undefined for n != d and not "
       "nabla_Y even for n = d")
res431 = [np.allclose(np.diag([G[:, i] @ Yh[:, 0]] + [G[:, k] @ Yh[:, k] for k in range(1, d)]) / (n - 1), Cm)
          for i in range(d)]
decide(431, all(res431), f"C's first entry dL/dy_hat_i y_hat_1: the matrix the formulas need has dL/dy_hat_1 y_hat_1 "
       f"there (right only for i = 1: {res431})")

# ---- sections 6-8 (lines 449-534)
decide(449, np.allclose(X @ W.T, Y) and all(np.allclose(W @ X[t], Y[t]) for t in range(n)), "Y = X W^T: its rows are "
       "(W x^(t))^T")
decide(452, all(np.allclose(Y[:, i], X @ W[i]) for i in range(d)), "y_i = (X W^T)_{:i} = X w_i, w_i^T = W_{i:}")
ok463 = ok464 = ok475 = ok476 = True
for i in range(d):
    colw = lambda w: bn((T(X) @ w)[:, None])[:, 0]
    Jw = jac(colw, T(W[i])).numpy()                                      # n x in
    Jc = jac(lambda v: bn(v[:, None])[:, 0], T(Y[:, i])).numpy()
    ok463 &= np.allclose(Jc @ X, Jw)
    l464 = (P - np.outer(Yh[:, i], Yh[:, i]) / (n - 1)) / s[i] @ X
    ok464 &= np.allclose(l464, Jw)
    ok475 &= np.allclose(G[:, i] @ Jw, dW[i])
    ok476 &= np.allclose(G[:, i] @ l464, dW[i])
decide(463, ok463, "dy_hat_i/dw_i = dy_hat_i/dy_i dy_i/dw_i (dy_i/dw_i = X) against the autograd Jacobian")
decide(464, ok464, "= (1/sqrt(var(y_i) + eps)) (I - 11^T/n - y_hat_i y_hat_i^T/(n-1)) X")
decide(475, ok475, "dL/dw_i = dL/dy_hat_i dy_hat_i/dw_i against autograd's row i of nabla_W")
decide(476, ok476, "= (1/sqrt(var + eps)) dL/dy_hat_i (P - y_hat_i y_hat_i^T/(n-1)) X")
rowk = lambda k: (G[:, k] @ (P - np.outer(Yh[:, k], Yh[:, k]) / (n - 1)) @ X) / s[k]
decide(494, np.allclose(rowk(0), dW[0]), "nabla_W = Sigma^-1 (rows): row 1, dL/dy_hat_1 (P - y_hat_1 y_hat_1^T/(n-1)) "
       "X / sqrt(var(y_1) + eps)")
decide(496, np.allclose(rowk(d - 1), dW[d - 1]), "row m (the last feature)")
res510 = []
for i in range(d):
    rows = np.vstack([G[:, i]] * d)
    diag = np.diag([G[:, i] @ Yh[:, 0]] + [G[:, k] @ Yh[:, k] for k in range(1, d)])
    res510.append(np.allclose(Sinv @ (rows @ P @ X - diag @ Yh.T @ X / (n - 1)), dW))
print(f"   (line 510: as printed, for i = 1..{d}: {res510}; with rows 1..m and the diagonal dL/dy_hat_k y_hat_k: "
      f"{np.allclose(Sinv @ (G.T @ P @ X - Cm @ Yh.T @ X), dW)})")
decide(510, all(res510), "= Sigma^-1 ((rows dL/dy_hat_i) P X - (1/(n-1)) diag(dL/dy_hat_i y_hat_1, ..., dL/dy_hat_m "
       "y_hat_m) (rows y_hat_k^T) X): the rows and the first diagonal entry again read dL/dy_hat_i for dL/dy_hat_1 .. "
       "dL/dy_hat_m; for no value of i is it nabla_W")
decide(511, np.allclose(Sinv @ (G.T @ P - Cm @ Yh.T) @ X, dW), "= Sigma^-1 (nabla_{Y_hat}^T P - C Y_hat^T) X against "
       "autograd")


def line534(Gm, Yhm, Cmm, Sinvm, Wm, nb):
    Pm = np.eye(nb) - np.ones((nb, nb)) / nb
    try:
        return Sinvm @ (Gm.T @ Pm - Cmm @ Yhm.T) @ Wm.T
    except ValueError as err:
        return f"undefined ({err})"


v534 = line534(G, Yh, Cm, Sinv, W, n)
sq4 = case(4, 4, 3)                                                      # n = in = 4: the product exists
Y4, Yh4, G4, W4 = sq4["Y"], sq4["Yh"], sq4["G"], sq4["W"]
Sinv4 = np.diag(1 / np.sqrt(Y4.var(0, ddof=1) + eps))
C4 = np.diag([G4[:, k] @ Yh4[:, k] for k in range(3)]) / 3
v534sq = line534(G4, Yh4, C4, Sinv4, W4, 4)
P4 = np.eye(4) - np.ones((4, 4)) / 4
right534 = (P4 @ G4 - Yh4 @ C4) @ Sinv4 @ W4                            # nabla_Y W
print(f"   (line 534: for n = {n}, in = {nin}, d = {d}: {v534 if isinstance(v534, str) else v534.shape}; for n = in = 4 "
      f"it is {v534sq.shape} where nabla_X is {sq4['dX'].shape}; nabla_Y W = (P nabla - Y_hat C) Sigma^-1 W is nabla_X: "
      f"{np.allclose(right534, sq4['dX'])})")
decide(534, (not isinstance(v534, str)) and v534.shape == dX.shape and np.allclose(v534, dX),
       "nabla_X = Sigma^-1 (nabla_{Y_hat}^T P - C Y_hat^T) W^T: that bracket is nabla_Y^T (d x n), so the chain rule "
       "through Y = X W^T gives nabla_X = nabla_Y W = (Sigma^-1 (...))^T W; the printed d x n matrix times the in x d "
       "W^T is undefined unless n = in, and even then a d x d matrix, not the n x in nabla_X")
finish()
