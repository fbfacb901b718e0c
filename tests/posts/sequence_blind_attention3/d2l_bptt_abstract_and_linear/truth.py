"""Independent truth for tests/posts/sequence_blind_attention3/d2l_bptt_abstract_and_linear (NumPy and torch, no
derive).

Two networks, as the section has them. (1) The abstract recurrence h_t = f(x_t, h_{t-1}, w), o_t = g(h_t, w) with one
parameter w shared by f and g, L = sum_t l(y_t, o_t); the section leaves f, g and l open, so the truth instantiates
scalars: f(x, h, w) = tanh(w x + 0.3 h + 0.2 w h), g(h, w) = w h + 0.5 h^2, l(y, o) = (o - y)^2 / 2, T = 5, a random
h_0. Its notation: d_w l(y_t, o_t) and d_w h_t the total derivatives with respect to w, d_w f, d_h f, d_w g, d_h g the
partial derivatives of f and g in one argument with the others held (taken from autograd on f and g with detached
inputs); sum_{i=t}^1 runs i from t down to 1 and prod_{j=t}^i runs j from t down to i. (2) The linear RNN
h_t = W_hx x_t + W_hh h_{t-1}, o_t = W_qh h_t, L = (1/T) sum_t l(o_t, y_t), column vectors, d = 2 inputs, h = 3 hidden
units, q = 4 outputs, T = 4, a random h_0; the loss l, left open, is the softmax cross-entropy with a label y_t.
References from torch autograd in float64: dL/dw and dh_t/dw for every t (network 1); dL/do_t, dL/dh_t and the weight
gradients (network 2). Every line is evaluated as printed and compared with autograd; a line with several equalities
is wrong if any is; 'prod' is the section's chain-rule operator (the products its right sides spell out)."""
import numpy as np
import torch
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(2019)
tt = lambda a, g=False: torch.tensor(a, dtype=torch.float64, requires_grad=g)
close = lambda a, b: np.shape(a) == np.shape(b) and np.allclose(a, b, atol=1e-12)

# ---------------- network 1: the abstract recurrence, scalars
T1 = 5
xs, ys = rng.normal(size=T1), rng.normal(size=T1)
h0s = 0.3
f = lambda x, h, w: torch.tanh(w * x + 0.3 * h + 0.2 * w * h)
g = lambda h, w: w * h + 0.5 * h ** 2
l = lambda y, o: 0.5 * (o - y) ** 2


def partial(fn, args, k):
    """the partial derivative of fn in argument k, the other arguments held (autograd on detached copies)"""
    a = [tt(float(v), i == k) for i, v in enumerate(args)]
    return float(torch.autograd.grad(fn(*a), a[k])[0])


w = tt(0.8, True)
hs, os_ = [tt(h0s)], []
for t in range(T1):
    hs.append(f(xs[t], hs[-1], w))
    os_.append(g(hs[-1], w))
Ls = [l(ys[t], os_[t]) for t in range(T1)]
Lw = sum(Ls)
dLdw = float(torch.autograd.grad(Lw, w, retain_graph=True)[0])
dhdw = [0.0] + [float(torch.autograd.grad(hs[t + 1], w, retain_graph=True)[0]) for t in range(T1)]   # d h_t / dw
hv = [float(v.detach()) for v in hs]
ov = [float(v.detach()) for v in os_]
wv = float(w.detach())
fw = [None] + [partial(f, (xs[t], hv[t], wv), 2) for t in range(T1)]   # d_w f(x_t, h_{t-1}, w), index t = 1..T
fh = [None] + [partial(f, (xs[t], hv[t], wv), 1) for t in range(T1)]   # d_h f(x_t, h_{t-1}, w)
gw = [None] + [partial(g, (hv[t + 1], wv), 1) for t in range(T1)]      # d_w g(h_t, w)
gh = [None] + [partial(g, (hv[t + 1], wv), 0) for t in range(T1)]      # d_h g(h_t, w)
lo = [None] + [ov[t] - ys[t] for t in range(T1)]                        # d_{o_t} l(y_t, o_t)
Tr = range(1, T1 + 1)

decide(5, all(abs(hv[t] - float(f(xs[t - 1], tt(hv[t - 1]), tt(wv)))) < 1e-14 for t in Tr)
       and all(abs(ov[t - 1] - float(g(tt(hv[t]), tt(wv)))) < 1e-14 for t in Tr),
       "h_t = f(x_t, h_{t-1}, w) and o_t = g(h_t, w) define the recurrence the truth builds (f, g instantiated)")
decide(9, abs(float(Lw.detach()) - sum(0.5 * (ov[t] - ys[t]) ** 2 for t in range(T1))) < 1e-14, "L = sum_t l(y_t, o_t)")
dl_total = [None] + [float(torch.autograd.grad(Ls[t - 1], w, retain_graph=True)[0]) for t in Tr]
decide(14, abs(sum(dl_total[t] for t in Tr) - dLdw) < 1e-12, "d_w L = sum_t d_w l(y_t, o_t) (total derivatives)")
row15 = sum(lo[t] * gw[t] * dhdw[t] for t in Tr)
row15_total_g = sum(lo[t] * (gw[t] + gh[t] * dhdw[t]) * dhdw[t] for t in Tr)
truth15 = sum(lo[t] * (gw[t] + gh[t] * dhdw[t]) for t in Tr)
decide(15, abs(row15 - dLdw) < 1e-12 and abs(truth15 - dLdw) < 1e-12,
       f"sum_t d_o l d_w g(h_t, w) d_w h_t = {row15:.6f} against dL/dw = {dLdw:.6f}; the chain runs through d_h g, and g's "
       f"own d_w g adds a direct term: sum_t d_o l (d_w g + d_h g d_w h_t) = {truth15:.6f}; with d_w g read as the total "
       f"derivative of g the printed product is {row15_total_g:.6f}")
decide(21, all(abs(fw[t] + fh[t] * dhdw[t - 1] - dhdw[t]) < 1e-12 for t in Tr),
       "d_w h_t = d_w f(x_t, h_{t-1}, w) + d_h f(x_t, h_{t-1}, w) d_w h_{t-1} (h_0 a constant)")
prod = lambda lo_, hi: float(np.prod([fh[j] for j in range(lo_, hi + 1)])) if lo_ <= hi else 1.0
row22 = {t: sum(prod(i, t) * fw[i] for i in range(t, 0, -1)) for t in Tr}         # j from t down to i, inclusive
right22 = {t: sum(prod(i + 1, t) * fw[i] for i in range(t, 0, -1)) for t in Tr}   # j from t down to i + 1
decide(22, all(abs(row22[t] - dhdw[t]) < 1e-12 for t in Tr) and all(abs(right22[t] - dhdw[t]) < 1e-12 for t in Tr),
       f"with prod_{{j=t}}^i including j = i, every term carries one d_h f too many (at t = 1 it gives d_h f(x_1) d_w f(x_1) "
       f"= {row22[1]:.6f} for d_w h_1 = d_w f(x_1) = {dhdw[1]:.6f}); the unrolled recursion has prod_{{j=i+1}}^t: "
       f"{all(abs(right22[t] - dhdw[t]) < 1e-12 for t in Tr)}")

# ---------------- network 2: the linear RNN, column vectors
d, h, q, T = 2, 3, 4, 4
Whx, Whh, Wqh = tt(rng.normal(0, 0.7, (h, d)), True), tt(rng.normal(0, 0.5, (h, h)), True), tt(rng.normal(0, 0.7, (q, h)), True)
X = [tt(rng.normal(size=(d, 1))) for _ in range(T)]
lab = rng.integers(0, q, T)
h0 = tt(rng.normal(0, 0.5, (h, 1)))
H, O = [h0], []
for t in range(T):
    H.append(Whx @ X[t] + Whh @ H[-1])
    O.append(Wqh @ H[-1])
for v in H[1:] + O:
    v.retain_grad()
ell = [-torch.log_softmax(O[t], 0)[lab[t], 0] for t in range(T)]
L = sum(ell) / T
L.backward(retain_graph=True)
n_ = lambda v: v.detach().numpy()
Hn, On, Xn = [n_(v) for v in H], [n_(v) for v in O], [n_(v) for v in X]
Whxn, Whhn, Wqhn = n_(Whx), n_(Whh), n_(Wqh)
dO = [O[t].grad.numpy() for t in range(T)]
dH = [None] + [H[t].grad.numpy() for t in range(1, T + 1)]      # dH[t] = dL/dh_t, t = 1..T
allT = lambda fn: all(fn(t) for t in range(1, T + 1))

decide(27, allT(lambda t: close(Whxn @ Xn[t - 1] + Whhn @ Hn[t - 1], Hn[t])), "h_t = W_hx x_t + W_hh h_{t-1} (no bias, identity activation)")
decide(31, allT(lambda t: close(Wqhn @ Hn[t], On[t - 1])), "o_t = W_qh h_t")
ce = lambda o, y: float(-(o[y, 0] - np.log(np.exp(o).sum())))
decide(35, abs(float(L.detach()) - sum(ce(On[t], lab[t]) for t in range(T)) / T) < 1e-12, "L = (1/T) sum_t l(o_t, y_t), l the softmax cross-entropy")
dl_do = [torch.autograd.grad(ell[t], O[t], retain_graph=True)[0].numpy() for t in range(T)]
decide(54, all(close(dl_do[t] / T, dO[t]) for t in range(T)), "dL/do_t = dl(o_t, y_t) / (T do_t)")
decide(61, close(sum(dO[t] @ Hn[t + 1].T for t in range(T)), Wqh.grad.numpy()), "dL/dW_qh = sum_t dL/do_t h_t^T")
decide(69, close(Wqhn.T @ dO[T - 1], dH[T]), "dL/dh_T = W_qh^T dL/do_T")
decide(83, all(close(Whhn.T @ dH[t + 1] + Wqhn.T @ dO[t - 1], dH[t]) for t in range(1, T)),
       "dL/dh_t = W_hh^T dL/dh_{t+1} + W_qh^T dL/do_t for t < T")
mp = np.linalg.matrix_power
r90 = lambda t: sum(mp(Whhn.T, T - i) @ Wqhn.T @ dO[T + t - i - 1] for i in range(t, T + 1))
decide(90, allT(lambda t: close(r90(t), dH[t])),
       "sum_{i=t}^T (W_hh^T)^{T-i} W_qh^T dL/do_{T+t-i} is dL/dh_t (the index T+t-i runs from T down to t as i runs up)")
decide(101, close(sum(dH[t] @ Xn[t - 1].T for t in range(1, T + 1)), Whx.grad.numpy()), "dL/dW_hx = sum_t dL/dh_t x_t^T")
decide(104, close(sum(dH[t] @ Hn[t - 1].T for t in range(1, T + 1)), Whh.grad.numpy()), "dL/dW_hh = sum_t dL/dh_t h_{t-1}^T")

finish()
