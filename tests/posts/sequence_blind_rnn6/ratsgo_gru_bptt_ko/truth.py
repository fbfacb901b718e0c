"""Independent truth for tests/posts/sequence_blind_rnn6/ratsgo_gru_bptt_ko (NumPy and torch, no derive).

The post's GRU, column vectors, no biases (as printed): z_t = sigma(W^(z) x_t + U^(z) h_{t-1}),
r_t = sigma(W^(r) x_t + U^(r) h_{t-1}), h~_t = tanh(W x_t + r_t (.) U h_{t-1}) (the reset gate applied AFTER the
recurrent product), h_t = z_t (.) h_{t-1} + (1 - z_t) (.) h~_t, y_t = W_out h_t and the Softmax-with-Loss layer
L_t = cross-entropy(softmax(y_t), target_t) at every step. The post's sequence has length 3 (delta_3, delta_2,
dL_1/dW_x, sum_{t=1}^{3}); n = 2 inputs, h = 3 hidden units, 4 classes, random h_0 (a constant). W_x is the post's
stack of the three input weights [W^(z), W^(r), W] and U_h the stack [U^(z), U^(r), U].
References from torch autograd in float64: the gradient of L_t at h_t and at h_{t-1}; the gradient of L_t (or of
L_1 + L_2 + L_3) with respect to step k's own copy of every weight (h_{k-1} held fixed: the immediate partial
dh_k/dW_x of the post's last line); and the total derivatives dL_t/dW_x with respect to the shared weights. The
post's Jacobian chains (numerator layout: dL/dh a row, dh_t/dh_{t-1} the h x h Jacobian) are evaluated with these
true factors; its "." between a gate's delta and x_t (or h_{t-1}) is read as the outer product, the layout of a
weight gradient."""
import numpy as np
import torch
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(613)
n, h, m, T = 2, 3, 4, 3
Tt = lambda a: torch.tensor(a, dtype=torch.float64)
names = ["Wz", "Wr", "W", "Uz", "Ur", "U", "Wout"]
shapes = dict(Wz=(h, n), Wr=(h, n), W=(h, n), Uz=(h, h), Ur=(h, h), U=(h, h), Wout=(m, h))
P = {k: Tt(rng.normal(0, 0.8, shapes[k])).requires_grad_() for k in names}
X = [Tt(rng.normal(0, 1.0, (n, 1))) for _ in range(T)]
tgt = rng.integers(0, m, T)
h0 = Tt(rng.normal(0, 0.5, (h, 1)))
close = lambda a, b: np.shape(a) == np.shape(b) and np.allclose(a, b, atol=1e-12)
nv = lambda x: x.detach().numpy()


def run(P):
    """The forward pass with one copy of every weight per step; returns the losses, the copies and the nodes."""
    keep, copies, L = [], [], []
    hp = h0.clone().requires_grad_()
    h_first = hp
    for t in range(T):
        C = {k: p.clone() for k, p in P.items()}
        copies.append(C)
        hin = hp  # step t's own view of h_{t-1}
        az = C["Wz"] @ X[t] + C["Uz"] @ hin; z = torch.sigmoid(az)
        ar = C["Wr"] @ X[t] + C["Ur"] @ hin; r = torch.sigmoid(ar)
        Uh = C["U"] @ hin
        Wx = C["W"] @ X[t]
        ah = Wx + r * Uh; hh = torch.tanh(ah)
        hn = z * hin + (1 - z) * hh
        y = C["Wout"] @ hn
        L.append(-torch.log_softmax(y, 0)[tgt[t], 0])
        for v in (az, ar, Uh, Wx, ah, hn, y):
            v.retain_grad()
        keep.append(dict(hin=hin, az=az, z=z, ar=ar, r=r, Uh=Uh, Wx=Wx, ah=ah, hh=hh, h=hn, y=y))
        hp = hn
    return L, copies, keep, h_first


L, copies, keep, h_first = run(P)
val = [{k: nv(v) for k, v in d.items()} for d in keep]
g = lambda out, wrt: torch.autograd.grad(out, wrt, retain_graph=True, allow_unused=True)[0]

# the forward definitions (lines 3, 8, 12) define the network built above; check the cell against a direct
# re-evaluation with the printed formulas in NumPy
sig = lambda a: 1 / (1 + np.exp(-a))
Pn = {k: nv(p) for k, p in P.items()}
hprev, ok_fwd = nv(h0), True
for t in range(T):
    x = nv(X[t])
    zz = sig(Pn["Wz"] @ x + Pn["Uz"] @ hprev); rr = sig(Pn["Wr"] @ x + Pn["Ur"] @ hprev)
    ht = np.tanh(Pn["W"] @ x + rr * (Pn["U"] @ hprev))
    hn = zz * hprev + (1 - zz) * ht
    ok_fwd &= close(zz, val[t]["z"]) and close(rr, val[t]["r"]) and close(ht, val[t]["hh"]) and close(hn, val[t]["h"])
    hprev = hn
decide(3, ok_fwd, "z_t = sigma(W^(z) x_t + U^(z) h_{t-1}), r_t = sigma(W^(r) x_t + U^(r) h_{t-1}): the network's gates")
decide(8, ok_fwd, "h~_t = tanh(W x_t + r_t (.) U h_{t-1}): the network's candidate (reset after the recurrent product)")
decide(12, ok_fwd, "h_t = z_t (.) h_{t-1} + (1 - z_t) (.) h~_t: the network's update (z keeps the old state)")

# line 20: dL_t/dW_x = [dinput_z . x_t, dinput_r . x_t, dWx_t . x_t] = dL_t/dh_t dh_t/dW_x, and the same for U_h
# with h_{t-1}; dinput_* = the gradient of L_t at the gate's pre-activation, dWx_t at the node W x_t, dUh_{t-1}
# at the node U h_{t-1}; the weights are step t's own copy (h_{t-1} held fixed)
ok20 = True
for t in range(T):
    d = {k: g(L[t], keep[t][k]).numpy() for k in ("az", "ar", "Wx", "Uh")}
    x, hin = nv(X[t]), val[t]["hin"]
    printedW = [d["az"] @ x.T, d["ar"] @ x.T, d["Wx"] @ x.T]
    printedU = [d["az"] @ hin.T, d["ar"] @ hin.T, d["Uh"] @ hin.T]
    trueW = [g(L[t], copies[t][k]).numpy() for k in ("Wz", "Wr", "W")]
    trueU = [g(L[t], copies[t][k]).numpy() for k in ("Uz", "Ur", "U")]
    # the chain dL_t/dh_t dh_t/dW_x: dL_t/dh_t (row) times the Jacobian of h_t w.r.t. step t's weights
    dLdh = g(L[t], keep[t]["h"]).numpy()
    def h_of(Wz, Wr, W, Uz, Ur, U, t=t):
        hin_ = Tt(val[t]["hin"]); x_ = X[t]
        z_ = torch.sigmoid(Wz @ x_ + Uz @ hin_); r_ = torch.sigmoid(Wr @ x_ + Ur @ hin_)
        return z_ * hin_ + (1 - z_) * torch.tanh(W @ x_ + r_ * (U @ hin_))
    J = torch.autograd.functional.jacobian(h_of, tuple(Tt(Pn[k]) for k in ("Wz", "Wr", "W", "Uz", "Ur", "U")))
    chain = [np.einsum("ia,iajk->jk", dLdh, Jk.numpy()) for Jk in J]
    ok20 &= all(close(a, b) for a, b in zip(printedW, trueW)) and all(close(a, b) for a, b in zip(printedU, trueU))
    ok20 &= all(close(a, b) for a, b in zip(chain, trueW + trueU))
decide(20, ok20, "each block d(pre-activation) x_t^T (h_{t-1}^T) is the gradient of L_t w.r.t. step t's own copy of "
       "W^(z), W^(r), W (U^(z), U^(r), U), and equals dL_t/dh_t dh_t/dW_x with the immediate Jacobian")

# line 28: delta_t = dL_t/dy_t dy_t/dh_t dh_t/dh_{t-1}: the row dL_t/dh_t times the Jacobian of step t = dL_t/dh_{t-1}
def jac_step(t):
    """dh_t/dh_{t-1} of step t (the weights and x_t fixed), an h x h Jacobian."""
    def f(hin_):
        x_ = X[t]
        z_ = torch.sigmoid(Tt(Pn["Wz"]) @ x_ + Tt(Pn["Uz"]) @ hin_); r_ = torch.sigmoid(Tt(Pn["Wr"]) @ x_ + Tt(Pn["Ur"]) @ hin_)
        return z_ * hin_ + (1 - z_) * torch.tanh(Tt(Pn["W"]) @ x_ + r_ * (Tt(Pn["U"]) @ hin_))
    return torch.autograd.functional.jacobian(f, Tt(val[t]["hin"])).numpy().reshape(h, h)


Jh = [jac_step(t) for t in range(T)]
dLdh = {(s, t): g(L[s], keep[t]["h"]) for s in range(T) for t in range(T)}
row = lambda v: (np.zeros((h, 1)) if v is None else v.numpy()).T
dLdy = [g(L[t], keep[t]["y"]).numpy().T for t in range(T)]
Wout = Pn["Wout"]
delta = [dLdy[t] @ Wout @ Jh[t] for t in range(T)]
dLt_dhprev = [row(g(L[t], keep[t]["hin"])) for t in range(T)]
decide(28, all(close(delta[t], dLt_dhprev[t]) for t in range(T)),
       "delta_t = dL_t/dy_t W_out dh_t/dh_{t-1} is the gradient of L_t at h_{t-1} (a row), at every t")
# line 35: delta_3 = dL_3/dh_3 dh_3/dh_2 = dL_3/dy_3 dy_3/dh_3 dh_3/dh_2 (= dL_3/dh_2)
d3a = row(dLdh[(2, 2)]) @ Jh[2]
d3b = dLdy[2] @ Wout @ Jh[2]
decide(35, close(d3a, d3b) and close(d3a, row(g(L[2], keep[1]["h"]))),
       "delta_3 = dL_3/dh_3 dh_3/dh_2, both forms, = dL_3/dh_2")
# line 43: delta_2 = (delta_3 + dL_2/dh_2) dh_2/dh_1 = (...) dh_2/dh_1 (= d(L_2 + L_3)/dh_1)
d2a = (d3a + row(dLdh[(1, 1)])) @ Jh[1]
d2b = (dLdy[2] @ Wout @ Jh[2] + dLdy[1] @ Wout) @ Jh[1]
decide(43, close(d2a, d2b) and close(d2a, row(g(L[1] + L[2], keep[0]["h"]))),
       "delta_2 = (delta_3 + dL_2/dh_2) dh_2/dh_1, both forms, = d(L_2 + L_3)/dh_1")


# line 52: dL_1/dW_x = (delta_2 + dL_1/dy_1 dy_1/dh_1) dh_1/dW_x = ... (the immediate dh_1/dW_x of step 1)
def step_jac_W(t):
    def h_of(Wz, Wr, W, t=t):
        hin_ = Tt(val[t]["hin"]); x_ = X[t]
        z_ = torch.sigmoid(Wz @ x_ + Tt(Pn["Uz"]) @ hin_); r_ = torch.sigmoid(Wr @ x_ + Tt(Pn["Ur"]) @ hin_)
        return z_ * hin_ + (1 - z_) * torch.tanh(W @ x_ + r_ * (Tt(Pn["U"]) @ hin_))
    return torch.autograd.functional.jacobian(h_of, tuple(Tt(Pn[k]) for k in ("Wz", "Wr", "W")))


J1 = step_jac_W(0)
rhs52 = [np.einsum("ia,iajk->jk", (d2a + dLdy[0] @ Wout).T, Jk.numpy()) for Jk in J1]
true_L1 = [g(L[0], P[k]).numpy() for k in ("Wz", "Wr", "W")]
all_via_step1 = [g(L[0] + L[1] + L[2], copies[0][k]).numpy() for k in ("Wz", "Wr", "W")]
print("   (line 52: the printed right side equals the gradient of L_1 + L_2 + L_3 w.r.t. step 1's own copy of W_x: "
      f"{all(close(a, b) for a, b in zip(rhs52, all_via_step1))}; equals dL_1/dW_x: "
      f"{all(close(a, b) for a, b in zip(rhs52, true_L1))})")
decide(52, all(close(a, b) for a, b in zip(rhs52, true_L1)),
       "L_1 does not depend on h_2, h_3: dL_1/dW_x = dL_1/dh_1 dh_1/dW_x; the printed right side adds delta_2, the "
       "paths of L_2 and L_3 through h_1, i.e. it is step 1's share of d(L_1 + L_2 + L_3)/dW_x, not dL_1/dW_x")

# line 69: sum_{t=1}^{3} sum_{k=1}^{t} dL_t/dy_t dy_t/dh_t dh_t/dh_k dh_{tk}/dW_x, h_{tk} read as h_k: the total
# gradient dL/dW_x of L = L_1 + L_2 + L_3 (dh_k/dW_x the immediate Jacobian of step k)
Jk_all = [step_jac_W(k) for k in range(T)]
total = [np.zeros((h, n)) for _ in range(3)]
for t in range(T):
    for k in range(t + 1):
        chain = np.eye(h)
        for s in range(t, k, -1):
            chain = chain @ Jh[s]
        r_ = dLdy[t] @ Wout @ chain
        for q in range(3):
            total[q] += np.einsum("ia,iajk->jk", r_.T, Jk_all[k][q].numpy())
true_total = [g(L[0] + L[1] + L[2], P[k]).numpy() for k in ("Wz", "Wr", "W")]
decide(69, all(close(a, b) for a, b in zip(total, true_total)),
       "the double sum (h_{tk} read as h_k) is the total gradient d(L_1 + L_2 + L_3)/dW_x")
finish()
