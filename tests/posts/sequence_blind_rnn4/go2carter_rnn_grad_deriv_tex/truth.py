"""Independent truth for tests/posts/sequence_blind_rnn4/go2carter_rnn_grad_deriv_tex (NumPy and torch, no derive).

Carter N Brown's RNN in WildML's notation, column vectors: s_t = tanh(U x_t + W s_{t-1}), q_t = V s_t,
y^_t = softmax(q_t), E_t = -y_t . log y^_t (one-hot y_t), L = -(1/N) sum_t y_t . log y^_t; steps t = 0..3 from
s_{-1} = 0 (WildML's initial state, so the step-0 state has no immediate dependence on W), one-hot inputs x_t of 4
symbols, 3 hidden units. Index expressions are read with Einstein's convention, as the document says (repeated indices
summed). References from torch autograd in float64: the gradients of E_t with respect to V, W, U and to every state
s_k (through every later path), the Jacobians ds_a/ds_k (every path), the one-step ds_{k+1}/ds_k, the immediate
ds_k/dW and ds_k/dU (s_{k-1} held), the total ds_t/dW, ds_t/dU, the softmax's Jacobian and dq_t/dV, from
torch.autograd.functional.jacobian. In the BPTT sums ds_{r}/dW on the right is the immediate part and ds_t/dW on the
left the total (the document writes both alike); dE/ds_k in the E_3 expansion is the gradient of E_3 at s_k through
every later path, as the document's next three lines define it; the t in the bound t - 1 of the Sigma line is 3, the
E_3 the line expands. The generic chain rule (the document's F(x(r), y(r), z(r))) is instantiated with N = 1 and
smooth x, y, z; the line in index notation with N = 3."""
import numpy as np
import torch
from torch.autograd.functional import jacobian
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

Tt = lambda a: torch.tensor(a, dtype=torch.float64)
close = lambda a, b: np.shape(a) == np.shape(b) and np.allclose(a, b, atol=1e-12)
rng = np.random.default_rng(23)
V_, H, T = 4, 3, 4                                   # vocabulary, hidden units, steps t = 0..3
U, W, Vm = Tt(rng.normal(0, 0.8, (H, V_))), Tt(rng.normal(0, 0.8, (H, H))), Tt(rng.normal(0, 0.8, (V_, H)))
x = {t: Tt(np.eye(V_)[[i]].T).reshape(-1) for t, i in enumerate(rng.integers(0, V_, T))}
y = {t: Tt(np.eye(V_)[[i]].T).reshape(-1) for t, i in enumerate(rng.integers(0, V_, T))}
s_init = torch.zeros(H, dtype=torch.float64)          # s_{-1}
step = lambda sp, t, U_, W_: torch.tanh(U_ @ x[t] + W_ @ sp)
def states(U_, W_):
    s, out = s_init, {-1: s_init}
    for t in range(T):
        s = step(s, t, U_, W_)
        out[t] = s
    return out
s = {t: v for t, v in states(U, W).items()}
q = {t: Vm @ s[t] for t in range(T)}
yh = {t: torch.softmax(q[t], 0) for t in range(T)}
E = lambda t, U_, W_, V__: -(y[t] * torch.log(torch.softmax(V__ @ states(U_, W_)[t], 0))).sum()
n = lambda v: v.detach().numpy()
gE = {(t, k): n(torch.autograd.functional.vjp(lambda U_, W_, V__: E(t, U_, W_, V__), (U, W, Vm))[1][i])
      for t in range(T) for i, k in enumerate(("U", "W", "V"))}

def ds_ds(a, k):
    """ds_a/ds_k through every path (k <= a)."""
    def f(sk):
        ss = sk
        for j in range(k + 1, a + 1):
            ss = step(ss, j, U, W)
        return ss
    return n(jacobian(f, s[k]))
imm = {(k, w): n(jacobian(lambda M: step(s[k - 1], k, *((M, W) if w == "U" else (U, M))), U if w == "U" else W))
       for k in range(T) for w in ("U", "W")}                           # immediate ds_k/dw, (H,) + w.shape
tot = {(t, w): n(jacobian(lambda M: states(*((M, W) if w == "U" else (U, M)))[t], U if w == "U" else W))
       for t in range(T) for w in ("U", "W")}                           # total ds_t/dw
def dE_ds(t, k):
    """gradient of E_t at s_k through every later path."""
    g_s = -(y[t] / yh[t]) @ jacobian(lambda z: torch.softmax(z, 0), q[t]) @ Vm    # dE_t/ds_t
    return n(g_s) @ ds_ds(t, k)

decide(4, True, "s_t = tanh(U x_t + W s_{t-1}) (definition)")
decide(5, True, "y^_t = softmax(V s_t) (definition)")
decide(13, True, "L = -(1/N) sum_t y_t . log y^_t (definition)")
decide(19, True, "E_t = -y_t . log y^_t (definition)")

# the generic chain rule, N = 1: x = r^2, y = sin r, z = exp(r/2), F = x y + sin(z) x + z^2
r0 = Tt(0.7)
xf, yf, zf = (lambda r: r ** 2), (lambda r: torch.sin(r)), (lambda r: torch.exp(r / 2))
F = lambda a, b, c: a * b + torch.sin(c) * a + c ** 2
dF = n(jacobian(lambda r: F(xf(r), yf(r), zf(r)), r0))
Fx, Fy, Fz = (n(g) for g in jacobian(F, (xf(r0), yf(r0), zf(r0))))
dx, dy, dz = (n(jacobian(f, r0)) for f in (xf, yf, zf))
printed = Fx * dx + Fy * dy + Fz * (dz / dy)                       # dz/dy along the curve: z'(r) / y'(r)
decide(24, close(printed, dF), f"the last term must be dF/dz dz/dr; with dz/dy (dz/dr / dy/dr along the curve, N = 1) "
       f"the sum is {float(printed):.6f}, dF/dr is {float(dF):.6f}; with dz/dr it holds: {close(Fx*dx + Fy*dy + Fz*dz, dF)}")
# the chain rule in index notation, N = 3
a3 = Tt([0.3, -0.6, 0.9])
xv, yv, zv = (lambda r: torch.sin(a3 * r)), (lambda r: r * a3 ** 2), (lambda r: torch.cos(r + a3))
f3 = lambda a, b, c: (a * b).sum() + torch.tanh(c).sum() * a.sum()
df3 = n(jacobian(lambda r: f3(xv(r), yv(r), zv(r)), r0))
gx, gy, gz = (n(g) for g in jacobian(f3, (xv(r0), yv(r0), zv(r0))))
decide(29, close(gx @ n(jacobian(xv, r0)) + gy @ n(jacobian(yv, r0)) + gz @ n(jacobian(zv, r0)), df3),
       "df/dr = df/dx_i dx_i/dr + df/dy_j dy_j/dr + df/dz_k dz_k/dr (summed over i, j, k)")

ts = range(T)
decide(34, all(close(float(-(y[t] * torch.log(yh[t])).sum()), float(E(t, U, W, Vm))) for t in ts), "E_t = -y_{t_i} log y^_{t_i}")
Js = {t: n(jacobian(lambda z: torch.softmax(z, 0), q[t])) for t in ts}
dqdV = {t: n(jacobian(lambda M: M @ s[t], Vm)) for t in ts}           # (4, 4, 3): dq_l/dV_ij
gy_ = {t: n(-(y[t] / yh[t])) for t in ts}
decide(38, all(close(np.einsum("k,kl,lij->ij", gy_[t], Js[t], dqdV[t]), gE[(t, "V")]) for t in ts),
       "dE_t/dV_ij = dE_t/dy^_k dy^_k/dq_l dq_l/dV_ij")
decide(43, all(close(gy_[t], n(jacobian(lambda z: -(y[t] * torch.log(z)).sum(), yh[t]))) for t in ts), "dE_t/dy^_k = -y_k / y^_k")
Y = {t: n(yh[t]) for t in ts}
off = lambda t: ~np.eye(V_, dtype=bool)
decide(50, all(close(Js[t][off(t)], (-np.outer(Y[t], Y[t]))[off(t)]) for t in ts), "dy^_k/dq_l = -y^_k y^_l for k != l")
decide(51, all(close(np.diag(Js[t]), Y[t] * (1 - Y[t])) for t in ts), "dy^_k/dq_k = y^_k (1 - y^_k)")
yy = {t: n(y[t]) for t in ts}
row0 = lambda t, l: -yy[t][l] / Y[t][l] * Y[t][l] * (1 - Y[t][l]) + sum((-yy[t][k] / Y[t][k]) * (-Y[t][k] * Y[t][l]) for k in range(V_) if k != l)
decide(59, all(close(row0(t, l), -yy[t][l] + yy[t][l] * Y[t][l] + sum(yy[t][k] * Y[t][l] for k in range(V_) if k != l))
               for t in ts for l in range(V_)), "the sum over k, simplified")
decide(60, all(close(row0(t, l), -yy[t][l] + Y[t][l] * yy[t].sum()) for t in ts for l in range(V_)), "= -y_l + y^_l sum_k y_k")
gq = {t: gy_[t] @ Js[t] for t in ts}
decide(66, all(close(gq[t], Y[t] - yy[t]) for t in ts), "dE_t/dq_l = y^_l - y_l (one-hot y_t)")
Sn = {t: n(s[t]) for t in ts}
decide(71, all(close(dqdV[t], n(jacobian(lambda M: torch.einsum("lm,m->l", M, s[t]), Vm))) for t in ts),
       "dq_l/dV_ij = d(V_lm s_m)/dV_ij")
dlt = np.eye(V_), np.eye(H)
decide(72, all(close(np.einsum("il,jm,m->lij", dlt[0], dlt[1], Sn[t]), dqdV[t]) for t in ts), "= delta_il delta_jm s_m (summed over m)")
decide(74, all(close(np.einsum("il,j->lij", dlt[0], Sn[t]), dqdV[t]) for t in ts), "= delta_il s_j")
decide(79, all(close(np.outer(Y[t] - yy[t], Sn[t]), gE[(t, "V")]) for t in ts), "dE_t/dV_ij = (y^_i - y_i) s_j")
decide(83, all(close(np.outer(Y[t] - yy[t], Sn[t]), gE[(t, "V")]) for t in ts), "dE_t/dV = (y^_t - y_t) (x) s_t")

# E_3 and W
t3 = 3
contract = lambda g, J: np.einsum("a,aij->ij", g, J)
one = {k: ds_ds(k + 1, k) for k in range(T - 1)}                   # ds_{k+1}/ds_k
g3 = n(-(y[t3] / yh[t3]) @ jacobian(lambda z: torch.softmax(z, 0), q[t3]) @ Vm)   # dE_3/dy_3 dy_3/dq dq/ds_3
decide(88, close(sum(contract(dE_ds(t3, k), imm[(k, "W")]) for k in (1, 2, 3)), gE[(t3, "W")]),
       "dE_3/dW = sum over s_1, s_2, s_3 of (dE_3 at s_k) (immediate ds_k/dW); s_0 has no immediate dependence on W (s_{-1} = 0)")
decide(93, close(contract(dE_ds(t3, 1), imm[(1, "W")]), contract(g3 @ one[2] @ one[1], imm[(1, "W")])),
       "the s_1 term as the chain through s_3, s_2")
decide(98, close(contract(dE_ds(t3, 2), imm[(2, "W")]), contract(g3 @ one[2], imm[(2, "W")])), "the s_2 term")
decide(103, close(contract(dE_ds(t3, 3), imm[(3, "W")]), contract(g3, imm[(3, "W")])), "the s_3 term")
decide(112, close(contract(g3, imm[(3, "W")]) + contract(g3 @ one[2], imm[(2, "W")]) + contract(g3 @ one[2] @ one[1], imm[(1, "W")]),
                  gE[(t3, "W")]), "the three terms combined")
decide(121, close(contract(g3, imm[(3, "W")]) + contract(g3 @ one[2], imm[(2, "W")]) + contract(g3 @ ds_ds(3, 1), imm[(1, "W")]),
                  gE[(t3, "W")]), "with ds_3/ds_1 through every path")
sig_lit = sum(contract(g3 @ ds_ds(3, r), imm[(r, "W")]) for r in range(0, t3))        # r = 0..t-1 = 0..2
sig_full = sum(contract(g3 @ ds_ds(3, r), imm[(r, "W")]) for r in range(0, t3 + 1))
decide(124, close(sig_lit, gE[(t3, "W")]),
       f"Sigma_(r=0)^(t-1) with t = 3 runs over r = 0, 1, 2: it drops the r = 3 term ds_3/dW (the first term of the line "
       f"above) and adds r = 0, which is zero; with r = 0..t it holds: {close(sig_full, gE[(t3, 'W')])}")
for line, w in ((130, "W"), (148, "U")):
    decide(line, all(close(sum(np.einsum("ab,b...->a...", ds_ds(t, r), imm[(r, w)]) for r in range(0, t + 1)), tot[(t, w)])
                     for t in ts), f"ds_t/d{w}_ij = sum_(r=0)^t ds_t/ds_r (immediate ds_r/d{w}_ij), every t")
Vn = n(Vm)
decide(134, all(close(n(jacobian(lambda z: torch.einsum("lb,b->l", Vm, z), s[t])), Vn) for t in ts), "dq_l/ds_m = d(V_lb s_b)/ds_m")
decide(135, close(np.einsum("lb,bm->lm", Vn, np.eye(H)), Vn), "= V_lb delta_bm")
decide(136, all(close(n(jacobian(lambda z: Vm @ z, s[t])), Vn) for t in ts), "= V_lm")
for line, w in ((140, "W"), (152, "U")):
    decide(line, all(close(np.einsum("l,lm,m...->...", Y[t] - yy[t], Vn,
                                     sum(np.einsum("ab,b...->a...", ds_ds(t, r), imm[(r, w)]) for r in range(0, t + 1))),
                           gE[(t, w)]) for t in ts),
           f"dE_t/d{w}_ij = (y^_l - y_l) V_lm sum_(r=0)^t ds_(t_m)/ds_(r_n) ds_(r_n)/d{w}_ij, every t")
decide(144, all(close(np.einsum("k,kl,lm,m...->...", gy_[t], Js[t], Vn, tot[(t, "U")]), gE[(t, "U")]) for t in ts),
       "dE_t/dU_ij = dE_t/dy^_k dy^_k/dq_l dq_l/ds_m ds_m/dU_ij (the total ds_t/dU)")
finish()
