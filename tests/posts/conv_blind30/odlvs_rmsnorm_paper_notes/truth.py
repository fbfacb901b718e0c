"""Independent truth for tests/posts/conv_blind30/odlvs_rmsnorm_paper_notes (NumPy and torch, no derive).

The post ('《Root Mean Square Layer Normalization》论文阅读笔记', odlvs/notebook-RMSNorm-paper, README.md, at the commit
pinned in truth.toml), Chinese reading notes on the RMSNorm paper: a = W x (W n x m), the LayerNorm and RMSNorm forward
without eps (abar_i = a_i/RMS(a) g_i, RMS(a) = sqrt((1/n) sum_i a_i^2)), the 2-norm of abar, the scaling invariance of
RMS, then y = f(v), v = a/RMS(a) . g + b and the gradients dL/dg, dL/db, the paper's dL/dW = sum_i [x^T (x) (diag(g .
dL/dv) x R)]_i with R = (1/RMS(a))(I - (Wx)(Wx)^T/(n RMS(a)^2)), and how R and dL/dW change when x or W is scaled by
delta.

Checked in float64 on one sample x in R^3 with n = 4 outputs, eps = 0 as the post writes it, f = tanh, L = sum(G * y)
for a random G (so dL/dv = G (1 - tanh(v)^2)), against torch's layer_norm / rms_norm and autograd. Reading choices:
alpha and delta are positive scale factors (the post's '缩放因子'; for a negative one RMS(alpha x) = |alpha| RMS(x));
(x) is the Kronecker product, [.]_i the i-th row of the n x (m n) matrix x^T (x) M, so the sum over i is a row of m n
entries, entry (j, k) in np.kron's order, compared with dL/dW_kj; R is the Jacobian of a -> a/RMS(a); the abar of line
32 is the one line 25 defines, with the gain g. A display row with a chain of equalities is claimed as a whole: the
line is right only if every equality in it holds."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(3001)
m, n = 3, 4
x = rng.normal(size=m)
W = rng.normal(0.0, 0.8, size=(n, m))
g, b = rng.normal(1.0, 0.5, n), rng.normal(size=n)
G = rng.normal(size=n)                                        # dL/dy
alpha, delta = 2.3, 1.7                                       # positive scale factors
T = lambda a: torch.tensor(np.asarray(a, dtype=np.float64))
num = lambda t: t.detach().numpy()
ok = lambda p, q: np.shape(p) == np.shape(q) and np.allclose(p, q, atol=1e-12)
I = np.eye(n)

RMS = lambda a: np.sqrt((a ** 2).mean())
a = W @ x
r = RMS(a)


def forward(x_, W_):
    """the layer of line 81 with f = tanh, in torch: returns L, and x, W as leaves"""
    xt, Wt, gt, bt = T(x_).requires_grad_(), T(W_).requires_grad_(), T(g).requires_grad_(), T(b).requires_grad_()
    v = F.rms_norm(Wt @ xt, (n,), weight=gt, eps=0.0) + bt
    y = torch.tanh(v)
    L = (y * T(G)).sum()
    L.backward()
    return dict(v=num(v), y=num(y), dx=num(xt.grad), dW=num(Wt.grad), dg=num(gt.grad), db=num(bt.grad))


ref = forward(x, W)
v = ref["v"]
dv = G * (1 - np.tanh(v) ** 2)                                # dL/dv, the 'known upstream gradient'
Rjac = lambda a_: torch.autograd.functional.jacobian(lambda t: t / torch.sqrt((t ** 2).mean()), T(a_)).numpy()


def R_of(a_):
    return (I - np.outer(a_, a_) / (n * RMS(a_) ** 2)) / RMS(a_)


def dW_formula(x_, Rm, dv_):
    """sum over the rows i of x^T (x) (diag(g . dL/dv) R), read back as an n x m matrix: entry (j, k) -> dL/dW_kj"""
    K = np.kron(x_[None, :], np.diag(g * dv_) @ Rm)          # n x (m n)
    return K.sum(0).reshape(m, n).T


# ---- the forward, lines 14, 25, 81
mu = a.mean()
sig = np.sqrt(((a - mu) ** 2).mean())
abar_ln = (a - mu) / sig * g
decide(14, ok(abar_ln, num(F.layer_norm(T(a), (n,), weight=T(g), eps=0.0)))
       and ok(np.tanh(abar_ln + b), num(torch.tanh(F.layer_norm(T(a), (n,), weight=T(g), eps=0.0) + T(b)))),
       "LayerNorm: abar_i = (a_i - mu)/sigma g_i with mu, sigma the mean and (1/n) standard deviation of a, y_i = "
       "f(abar_i + b_i): torch's layer_norm with eps = 0")
abar = a / r * g
decide(25, ok(abar, num(F.rms_norm(T(a), (n,), weight=T(g), eps=0.0))) and ok(r, np.sqrt((a ** 2).sum() / n)),
       "RMSNorm: abar_i = a_i/RMS(a) g_i, RMS(a) = sqrt((1/n) sum a_i^2): torch's rms_norm with eps = 0")
decide(81, ok(a / r * g + b, v) and ok(np.tanh(v), ref["y"]), "y = f(v), v = a/RMS(a) . g + b, a = W x: torch's "
       "rms_norm of W x (eps = 0) plus b")

# ---- the 2-norm of abar, line 32 (abar as line 25 defines it, with the gain g)
rows32 = [np.sqrt((abar ** 2).sum()), np.sqrt(((a / r) ** 2).sum()), np.sqrt((a ** 2).sum() / r ** 2),
          np.sqrt((a ** 2).sum() / ((a ** 2).sum() / n)), np.sqrt(n)]
print(f"   (line 32: ||abar||_2 = {np.linalg.norm(abar):.6g} with the gain g of line 25, sqrt(n) = {np.sqrt(n):.6g}; "
      f"without the gain ||a/RMS(a)||_2 = {np.linalg.norm(a / r):.6g})")
decide(32, all(ok(np.linalg.norm(abar), q) for q in rows32),
       "||abar||_2 = sqrt(sum abar_i^2) = sqrt(sum (a_i/RMS(a))^2) = ... = sqrt(n): abar_i = a_i/RMS(a) g_i (line 25), "
       "so the second step drops g; ||abar||_2 = sqrt(sum g_i^2 a_i^2)/RMS(a), which is sqrt(n) only when every |g_i| "
       "= 1 (the chain holds for the un-gained a/RMS(a))")

# ---- scaling invariance, lines 43, 49, 61
z = rng.normal(size=n)                                        # an n-vector: the x of lines 43-49 (its sums run to n)
xs = alpha * z
rows43 = [np.sqrt(((alpha * z) ** 2).sum() / n), np.sqrt(alpha ** 2 * (z ** 2).sum() / n),
          alpha * np.sqrt((z ** 2).sum() / n), alpha * RMS(z)]
decide(43, all(ok(RMS(xs), q) for q in rows43), "RMS(alpha x) = ... = alpha RMS(x), alpha a positive scale factor "
       "(for alpha < 0 the step sqrt(alpha^2 ...) = alpha sqrt(...) would need |alpha|)")
decide(49, ok(xs / RMS(xs), alpha * z / (alpha * RMS(z))) and ok(xs / RMS(xs), z / RMS(z)),
       "alpha x/RMS(alpha x) = alpha x/(alpha RMS(x)) = x/RMS(x)")
for a2 in (W @ (delta * x), (delta * W) @ x):
    assert ok(a2, delta * a)                                  # line 55: a' = delta a = W(delta x) or (delta W) x
yp = [np.tanh(delta * a / RMS(delta * a) * g + b), np.tanh(a / r * g + b)]
decide(61, ok(forward(delta * x, W)["y"], ref["y"]) and ok(forward(x, delta * W)["y"], ref["y"])
       and all(ok(q, ref["y"]) for q in yp),
       "y' = f(a'/RMS(a') . g + b) = f(delta a/RMS(delta a) . g + b) = f(a/RMS(a) . g + b) = y (forward with delta x "
       "and with delta W)")

# ---- the gradients, lines 93, 100
decide(93, ok(dv * (a / r), ref["dg"]) and ok(dv, ref["db"]), "dL/dg = dL/dv dv/dg = dL/dv . a/RMS(a) and dL/db = "
       "dL/dv dv/db = dL/dv for the one sample (autograd)")
R = R_of(a)
assert ok(R, Rjac(a))                                         # R is the Jacobian of a -> a/RMS(a) (eps = 0)
decide(100, ok(dW_formula(x, R, dv), ref["dW"]), "the paper's dL/dW = sum_i [x^T (x) (diag(g . dL/dv) x R)]_i with "
       "R = (1/RMS(a))(I - (Wx)(Wx)^T/(n RMS(a)^2)): read with (x) the Kronecker product and [.]_i the i-th row, the "
       "sum is x^T (x) (R^T (g . dL/dv))^T, whose entries are dL/dW_kj = (dL/da)_k x_j (autograd), as the line says "
       "in the paper's layout")

# ---- the scaled gradients, lines 112, 118, 124
Rp = Rjac(delta * a)
row112 = (I - np.outer(delta * a, delta * a) / (n * delta ** 2 * r ** 2)) / (delta * r)
decide(112, ok(Rp, row112) and ok(Rp, R / delta), "R' (R at a' = delta a) = (1/(delta RMS(a)))(I - (delta Wx)(delta "
       "Wx)^T/(n delta^2 RMS(a)^2)) = R/delta (Jacobian of a -> a/RMS(a) at delta a)")
gx = forward(delta * x, W)
decide(118, ok(gx["dW"], ref["dW"]) and ok(dW_formula(delta * x, R / delta, dv), ref["dW"])
       and ok(dW_formula(x, R, dv), ref["dW"]),
       "x' = delta x: sum_i [(delta x^T) (x) (diag(g . dL/dv) x R/delta)]_i = sum_i [x^T (x) (...) R]_i = dL/dW "
       "(v' = v, so dL/dv is unchanged; autograd at delta x gives the same dL/dW)")
gW = forward(x, delta * W)
decide(124, ok(gW["dW"], ref["dW"] / delta) and ok(dW_formula(x, R / delta, dv), ref["dW"] / delta),
       "W' = delta W: sum_i [x^T (x) (diag(g . dL/dv) x R/delta)]_i = (1/delta) sum_i [...]_i = (1/delta) dL/dW "
       "(autograd at delta W)")

finish()
