"""Independent truth for tests/posts/conv_blind3/cthorey_cs231n_conv_layer (NumPy and torch, no derive).

The post's layer (CS231n notation): x [N, C, H, W], filters w [F, C, HH, WW], bias b [F], stride S, zero padding P,
y [N, F, Hh, Hw] with y_{n,f,k,l} = sum_{c,p,q} x^pad_{n,c,p+kS,q+lS} w_{f,c,p,q} + b_f, p in 0..HH-1, q in 0..WW-1
(the post's own code: x_pad[n, :, k*S:k*S+HH, l*S:l*S+WW]); indices 0-based as the post writes them. torch conv2d
(a cross-correlation) and autograd are the reference. The example (lines 9-48) is one 5x5 image, one 3x3 filter,
S = 2, P = 0; the general lines are checked with N = 2, C = 2, F = 2, H = W = 5, HH = WW = 3, S = 2, P = 1.
Every sum is evaluated over the range the post prints; an entry outside the filter (w_{HH}) or outside the padded
input is undefined, so a sum that names one does not state a value (index ranges read literally, as in the corpus)."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import Strict, decide, finish  # noqa: E402

rng = np.random.default_rng(3)


def literal(fn):
    """The value of a printed formula, or None where it names an entry that does not exist."""
    try:
        return fn()
    except IndexError:
        return None


def close(v, ref):
    return v is not None and np.allclose(v, ref)


# ---- the example: one 5x5 image, one 3x3 filter, S = 2, P = 0 (lines 9-48)
H, HH, S, P = 5, 3, 2, 0
x1 = rng.normal(size=(H, H)); w1 = rng.normal(size=(HH, HH)); b1 = 0.4
y1 = F.conv2d(torch.tensor(x1)[None, None], torch.tensor(w1)[None, None], torch.tensor([b1], dtype=torch.float64), stride=S, padding=P)[0, 0].numpy()
decide(27, np.allclose(w1, x1[:HH, :HH]), "the display sets x = (w_00 ... w_22): the input x is not the filter w "
       "(the prose above it says 'the filter $w$')")
decide(37, y1.shape == (2, 2), f"torch conv2d of a 5x5 input, 3x3 filter, stride 2, no padding gives {y1.shape}")
ok39 = all(F.conv2d(torch.zeros(1, 1, h, h), torch.zeros(1, 1, k, k), stride=s, padding=p).shape[2] == 1 + (h + 2 * p - k) // s
           for h in range(3, 9) for k in (1, 2, 3) for s in (1, 2) for p in (0, 1) if (h + 2 * p - k) % s == 0)
decide(39, ok39 and 1 + (H + 2 * P - HH) // S == 2, "Hh = 1 + (H + 2P - HH)/S against torch (where S divides)")
W1 = Strict(w1)
# the row as printed: x_22 w_00 + x_23 w_01 + ... + x_43 w_21 + w_44 w_22, the '...' the window's other terms; no + b
v47 = literal(lambda: x1[2, 2] * W1(0, 0) + x1[2, 3] * W1(0, 1) + sum(x1[2 + a, 2 + c] * W1(a, c) for a in range(3)
                      for c in range(3) if (a, c) not in ((0, 0), (0, 1), (2, 1), (2, 2))) + x1[4, 3] * W1(2, 1) + W1(4, 4) * W1(2, 2))
v47_x44 = x1[2:5, 2:5].ravel() @ w1.ravel()          # with x_44 for w_44, still without b
decide(47, close(v47, y1[1, 1]), f"the last term w_44 w_22 names w_44, outside the 3x3 filter (x_44 w_22 belongs), and "
       f"the row has no + b: with x_44 it is {v47_x44:.4f}, y_11 = {y1[1, 1]:.4f} (b = {b1})")
p0 = q0 = S * 1
row48 = sum(x1[p, q] * w1[p - p0, q - q0] for p in range(2, 5) for q in range(2, 5)) + b1
decide(48, np.isclose(row48, y1[1, 1]), "sum_{p,q=2..4} x_pq w_{p-p0,q-q0} + b with p0 = q0 = S k = 2 (line 68)")

# ---- the general layer: N = 2, C = 2, F = 2, 5x5, 3x3 filters, S = 2, P = 1
N, C, Fn, H, W, HH, WW, S, P = 2, 2, 2, 5, 5, 3, 3, 2, 1
x = rng.normal(size=(N, C, H, W)); w = rng.normal(size=(Fn, C, HH, WW)); b = rng.normal(size=Fn)
xt = torch.tensor(x, requires_grad=True); wt = torch.tensor(w, requires_grad=True); bt = torch.tensor(b, requires_grad=True)
yt = F.conv2d(xt, wt, bt, stride=S, padding=P)
G = rng.normal(size=tuple(yt.shape)); (yt * torch.tensor(G)).sum().backward()
y = yt.detach().numpy(); dx, dw, db = xt.grad.numpy(), wt.grad.numpy(), bt.grad.numpy()
Hh, Hw = y.shape[2:]
xp = np.pad(x, ((0, 0), (0, 0), (P, P), (P, P)))
Wd, Xp, Gd = Strict(w), Strict(xp), Strict(G)


def forward(p_range, q_range, term):
    return np.array([[[[sum(term(n, f, c, k, l, p, q) for c in range(C) for p in p_range(k) for q in q_range(l)) + b[f]
                        for l in range(Hw)] for k in range(Hh)] for f in range(Fn)] for n in range(N)])


incl = lambda s: (lambda k: range(S * k, S * k + HH + 1)) if s == "p" else (lambda l: range(S * l, S * l + WW + 1))
v60 = literal(lambda: np.array([[[[sum(Xp(n, 0, p, q) * Wd(f, 0, p - S * k, q - S * l) for p in range(S * k, S * k + HH + 1)
                                       for q in range(S * l, S * l + WW + 1)) for l in range(Hw)] for k in range(Hh)]
                                  for f in range(Fn)] for n in range(N)]))
decide(60, close(v60, y), "sum_{p=p0}^{p0+HH} runs over HH+1 rows: it names w_{HH}, outside the HH x WW filter "
       "(the post's code sums k*S : k*S+HH, HH rows)")
v82 = literal(lambda: forward(incl("p"), incl("q"), lambda n, f, c, k, l, p, q: Xp(n, c, p, q) * Wd(f, c, p - S * k, q - S * l)))
decide(82, close(v82, y), "the same range p0 .. p0 + Delta p with Delta p = HH (carried from line 60)")
v84 = literal(lambda: forward(lambda k: range(HH + 1), lambda l: range(WW + 1),
                              lambda n, f, c, k, l, p, q: Xp(n, c, p + S * k, q + S * l) * Wd(f, c, p, q)))
decide(84, close(v84, y), "p = 0 .. Delta p = HH: HH+1 terms, naming w_{f,c,HH,q}")
decide(86, close(v84, y), "p = 0 .. HH, q = 0 .. WW: the same; with p < HH, q < WW it is torch conv2d: " + str(np.allclose(
    forward(lambda k: range(HH), lambda l: range(WW), lambda n, f, c, k, l, p, q: xp[n, c, p + S * k, q + S * l] * w[f, c, p, q]), y)))

# dL/dw
dy_dw = lambda n, f, k, l, f2, c2, i, j: (f == f2) * xp[n, c2, i + S * k, j + S * l]      # the true local derivative
chain112 = np.array([[[[sum(G[n, f, k, l] * dy_dw(n, f, k, l, f2, c2, i, j) for n in range(N) for f in range(Fn)
                            for k in range(Hh) for l in range(Hw)) for j in range(WW)] for i in range(HH)] for c2 in range(C)]
                     for f2 in range(Fn)])
decide(112, np.allclose(chain112, dw), "sum_{n,f,k,l} dL/dy dy/dw against autograd")
v121 = literal(lambda: [Wd(0, 0, HH, q) for q in range(WW + 1)])
decide(121, v121 is not None, "the bracket restates y with p = 0 .. Delta p = HH, naming w_{f,c,HH,q} (carried)")
v124 = literal(lambda: [[Xp(n, c, p + S * k, q + S * l) for p in range(HH + 1) for q in range(WW + 1)]
                        for n in range(N) for c in range(C) for k in range(Hh) for l in range(Hw)])
decide(124, v124 is not None, "p = 0 .. Delta p again: at the last k it names x^pad rows past the padded input (carried)")
ok126 = all(np.isclose(xp[n, c2, i + S * k, j + S * l], (F.conv2d(torch.tensor(xp[n:n + 1]), torch.tensor(
    np.eye(1, Fn * C * HH * WW, ((0 * C + c2) * HH + i) * WW + j).reshape(Fn, C, HH, WW)), stride=S)[0, 0, k, l]).item())
    for n in range(N) for c2 in range(C) for i in range(HH) for j in range(WW) for k in range(Hh) for l in range(Hw))
decide(126, ok126, "dy_{n,f',k,l}/dw_{f',c',i,j} = x^pad_{n,c',i+Sk,j+Sl} (y is linear in w: the conv of x^pad with a unit filter)")
dw135 = np.array([[[[sum(G[n, f, k, l] * (f == f2) * xp[n, c2, i + S * k, j + S * l] for n in range(N) for f in range(Fn)
                         for k in range(Hh) for l in range(Hw)) for j in range(WW)] for i in range(HH)] for c2 in range(C)]
                  for f2 in range(Fn)])
decide(135, np.allclose(dw135, dw), "sum_{n,f,k,l} dL/dy delta_{f,f'} x^pad against autograd")
dw137 = np.array([[[[sum(G[n, f2, k, l] * xp[n, c2, i + S * k, j + S * l] for n in range(N) for k in range(Hh) for l in range(Hw))
                     for j in range(WW)] for i in range(HH)] for c2 in range(C)] for f2 in range(Fn)])
decide(137, np.allclose(dw137, dw), "sum_{n,k,l} dL/dy_{n,f',k,l} x^pad_{n,c',i+Sk,j+Sl} against autograd")

# dL/db
decide(148, np.allclose([sum(G[n, f, k, l] * 1.0 * (f == f2) for n in range(N) for f in range(Fn) for k in range(Hh)
                             for l in range(Hw)) for f2 in range(Fn)], db), "sum dL/dy dy/db (dy/db_f' = delta_{f,f'})")
decide(150, np.allclose([sum(G[n, f, k, l] * (f == f2) for n in range(N) for f in range(Fn) for k in range(Hh)
                             for l in range(Hw)) for f2 in range(Fn)], db), "sum dL/dy delta_{f,f'} against autograd")
decide(151, np.allclose(G.sum(axis=(0, 2, 3)), db), "sum_{n,k,l} dL/dy_{n,f',k,l} against autograd")

# dL/dx


def dy_dx(n, f, k, l, n2, c2, i, j):
    """The true local derivative: w_{f,c',i+P-kS,j+P-lS} where that is inside the filter."""
    p, q = i + P - S * k, j + P - S * l
    return (n == n2) * (w[f, c2, p, q] if 0 <= p < HH and 0 <= q < WW else 0.0)


dx162 = np.array([[[[sum(G[n, f, k, l] * dy_dx(n, f, k, l, n2, c2, i, j) for n in range(N) for f in range(Fn)
                         for k in range(Hh) for l in range(Hw)) for j in range(W)] for i in range(H)] for c2 in range(C)]
                  for n2 in range(N)])
decide(162, np.allclose(dx162, dx), "sum_{n,f,k,l} dL/dy dy/dx against autograd")
decide(171, literal(lambda: Wd(0, 0, HH, 0)) is not None, "the bracket is y with sum p = 0 .. HH, naming w_{f,c,HH,q} (carried)")
decide(182, np.allclose(dx162, dx), "chain through x^pad: dy/dx = sum dy/dx^pad dx^pad/dx (x^pad a linear function of x)")
ok193 = True
for Pp in (0, 1, 2):
    xpp = np.pad(x, ((0, 0), (0, 0), (Pp, Pp), (Pp, Pp)))
    for ii in range(H + 2 * Pp):
        inside = Pp <= ii <= H - Pp                          # the printed indicator
        val = x[0, 0, ii - Pp, 0] if inside and 0 <= ii - Pp < H else (np.nan if inside else 0.0)
        ok193 &= np.isclose(val, xpp[0, 0, ii, Pp])
decide(193, ok193, "x^pad_{i''} = x_{i''-P} for P <= i'' <= H+P-1 and 0 elsewhere; the printed 1(P <= i'' <= H-P) drops "
       "the last P rows of x when P > 0 and names x_H (outside x) when P = 0")
ok201 = all((xp[:, :, ii, jj] == x[:, :, ii - P, jj - P]).all() for ii in range(P, H + P) for jj in range(P, W + P))
decide(201, ok201, "dx^pad_{n'',c'',i'',j''}/dx_{n',c',i,j} = delta delta delta_{i,i''-P} delta_{j,j''-P} (x^pad holds x shifted by P)")
decide(209, literal(lambda: Wd(0, 0, HH, 0)) is not None, "sum p = 0 .. HH inside the derivative: names w_{HH} (carried)")
decide(211, literal(lambda: Wd(0, 0, HH, 0)) is not None, "sum p = 0 .. HH of delta_{p+kS,i''} w_{f,c,p,q}: at i'' = HH + kS "
       "it names w_{f,c,HH,q}, outside the filter (carried)")
decide(213, literal(lambda: Wd(0, 0, HH, 0)) is not None, "the same range, c summed out (carried)")
decide(222, np.allclose(dx162, dx), "the chain through x^pad restated")
decide(224, literal(lambda: Wd(0, 0, HH, 0)) is not None, "row 224-227: sums p = 0 .. HH (carried)")
v228 = literal(lambda: np.array([[[[sum(G[n2, f, k, l] * (p + S * k == i + P) * (q + S * l == j + P) * Wd(f, c2, p, q)
                                         for f in range(Fn) for k in range(Hh) for l in range(Hw)
                                         for p in range(HH + 1) for q in range(WW + 1)) for j in range(W)] for i in range(H)]
                                    for c2 in range(C)] for n2 in range(N)]))
decide(228, close(v228, dx), "row 228-231: p = 0 .. HH names w_{HH} where p + kS = i + P allows it (carried)")
dx_fixed = np.array([[[[sum(G[n2, f, k, l] * (p + S * k == i + P) * (q + S * l == j + P) * w[f, c2, p, q]
                            for f in range(Fn) for k in range(Hh) for l in range(Hw) for p in range(HH) for q in range(WW))
                        for j in range(W)] for i in range(H)] for c2 in range(C)] for n2 in range(N)])
decide(239, np.allclose(dx162, dx), "sum_{n,f,k,l} dL/dy dy/dx restated")
decide(241, close(v228, dx), "the final sum runs p = 0 .. HH, q = 0 .. WW (carried); over p < HH, q < WW it matches "
       f"autograd: {np.allclose(dx_fixed, dx)}")
finish()
