"""Independent truth for tests/posts/sequence_blind_rnn8/bitjoy_rnn_bptt_zh (NumPy and torch, no derive).

The post's RNN (WildML's notation, column vectors, no biases): s_t = sigma(U x_t + W s_{t-1}) (4), yhat_t =
softmax(V s_t) (5), E_t = - y_t log yhat_t with one-hot y_t (6), read as the dot product y_t^T log yhat_t, and
E = sum_t E_t (7)-(8). sigma is left open ('tanh or ReLU'): tanh here. Steps t = 0..3 (the post's E_3 and sums
from k = 0) of D = 3 inputs, H = 4 hidden units, K = 5 classes, from a random s_{-1} (a constant; W multiplies it at
t = 0, so the immediate ds_0/dW is not zero). The forward pass is also checked against torch.nn.RNNCell (tanh, no
bias) with the same weights. References from torch autograd in float64: the gradient of E and of E_3 at every node
and weight; the Jacobians the chains name (torch.autograd.functional.jacobian): the total ds_3/dW (through every
s_k), the total ds_3/ds_k, the one-step ds_j/ds_{j-1} and the immediate ds_k/dW (s_{k-1} held fixed). The chains
are read in numerator layout, as written left to right from the loss (a gradient a row, a Jacobian output x input,
a Jacobian by a matrix contracted over its last two indices), and a product over j in the chain's order
(ds_3/ds_k = ds_3/ds_2 ... ds_{k+1}/ds_k); (x) is the outer product."""
import numpy as np
import torch
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(731)
D, H, K, T = 3, 4, 5, 4
Tt = lambda a: torch.tensor(a, dtype=torch.float64)
close = lambda a, b: np.shape(a) == np.shape(b) and np.allclose(a, b, atol=1e-12)
nv = lambda x: x.detach().numpy()
shapes = dict(U=(H, D), W=(H, H), V=(K, H))
Pn = {k: rng.normal(0, 0.8, s) for k, s in shapes.items()}
X = [rng.normal(0, 1.0, (D, 1)) for _ in range(T)]
labels = rng.integers(0, K, T)
Y = [np.eye(K)[[labels[t]]].T for t in range(T)]  # one-hot columns y_t
s_init = rng.normal(0, 0.5, (H, 1))  # s_{-1}

P = {k: Tt(v).requires_grad_() for k, v in Pn.items()}
nodes, Es = [], []
sp = Tt(s_init)
for t in range(T):
    a = P["U"] @ Tt(X[t]) + P["W"] @ sp
    s = torch.tanh(a)
    z = P["V"] @ s  # the post's z_t = V s_t of line 26
    yhat = torch.softmax(z, 0)
    for v in (a, s, z, yhat):
        v.retain_grad()
    nodes.append(dict(sin=sp, a=a, s=s, z=z, yhat=yhat))
    Es.append(-(Tt(Y[t]) * torch.log(yhat)).sum())
    sp = s
E = sum(Es)
gr = lambda out, wrt: torch.autograd.grad(out, wrt, retain_graph=True, allow_unused=True)[0]
val = [{k: nv(v) for k, v in d.items()} for d in nodes]
gradE = {k: nv(gr(E, p)) for k, p in P.items()}
gradE3 = {k: nv(gr(Es[3], p)) for k, p in P.items()}
dEt_ds = [nv(gr(Es[t], nodes[t]["s"])) for t in range(T)]  # dE_t/ds_t (column) = (dE_t/dyhat_t dyhat_t/ds_t)^T

# lines 3, 5: the forward definitions, re-evaluated in NumPy and against torch.nn.RNNCell (tanh, no bias)
cell = torch.nn.RNNCell(D, H, bias=False, nonlinearity="tanh")
with torch.no_grad():
    cell.weight_ih.copy_(Tt(Pn["U"]))
    cell.weight_hh.copy_(Tt(Pn["W"]))
sp_np, ok3, ok5 = s_init, True, True
for t in range(T):
    s = np.tanh(Pn["U"] @ X[t] + Pn["W"] @ sp_np)
    ref = nv(cell(Tt(X[t].T), Tt(sp_np.T))).T
    yh = np.exp(Pn["V"] @ s) / np.exp(Pn["V"] @ s).sum()
    ok3 &= close(s, val[t]["s"]) and close(ref, s)
    ok5 &= close(yh, val[t]["yhat"])
    sp_np = s
decide(3, ok3, "s_t = sigma(U x_t + W s_{t-1}) (sigma = tanh): the network's state, = torch RNNCell")
decide(5, ok5, "yhat_t = softmax(V s_t): the network's output")
# line 9: E_t = - y_t log yhat_t (dot product), the cross-entropy torch computes
ok9 = all(np.isclose(Es[t].item(), torch.nn.functional.cross_entropy(Tt(val[t]["z"].T), torch.tensor([labels[t]])).item())
          for t in range(T))
decide(9, ok9, "E_t = - y_t^T log yhat_t: torch's cross_entropy of step t")
# line 13: E = sum_t E_t = - sum_t y_t log yhat_t
decide(13, np.isclose(E.item(), sum(-(Y[t] * np.log(val[t]["yhat"])).sum() for t in range(T))),
       "E = sum_t E_t = - sum_t y_t^T log yhat_t")
# line 20: dE/dW = sum_t dE_t/dW
decide(20, close(gradE["W"], sum(nv(gr(Es[t], P["W"])) for t in range(T))), "dE/dW = sum_t dE_t/dW")

# line 24: (10) dE3/dV = dE3/dyhat3 dyhat3/dV (11) = dE3/dyhat3 dyhat3/dz3 dz3/dV (12) = - y3 . 1/yhat3 . yhat3 .
# (1 - yhat3) (x) s3 (13) = y3 (yhat3 - 1) (x) s3
y3, yh3, s3, z3 = Y[3], val[3]["yhat"], val[3]["s"], val[3]["z"]
dE3_dyhat = -(y3 / yh3)  # column
J_yhat_V = torch.autograd.functional.jacobian(lambda V: torch.softmax(V @ Tt(s3), 0), Tt(Pn["V"])).numpy()  # (K,1,K,H)
J_yhat_z = torch.autograd.functional.jacobian(lambda z: torch.softmax(z, 0), Tt(z3)).numpy().reshape(K, K)
J_z_V = torch.autograd.functional.jacobian(lambda V: V @ Tt(s3), Tt(Pn["V"])).numpy()  # (K,1,K,H)
e10 = np.einsum("ia,iajk->jk", dE3_dyhat, J_yhat_V)
e11 = np.einsum("i,iajk->jk", (dE3_dyhat.T @ J_yhat_z).ravel(), J_z_V)
e12 = (-y3 * (1 / yh3) * yh3 * (1 - yh3)) @ s3.T
e13 = (y3 * (yh3 - 1)) @ s3.T
true_V = gradE3["V"]
print(f"   (line 24: (10) {close(e10, true_V)}, (11) {close(e11, true_V)}, (12) {close(e12, true_V)}, "
      f"(13) {close(e13, true_V)}; (yhat3 - y3) (x) s3 = dE3/dV: {close((yh3 - y3) @ s3.T, true_V)})")
decide(24, close(e10, true_V) and close(e11, true_V) and close(e12, true_V) and close(e13, true_V),
       "(10) and (11) are the chain rule, but (12)-(13) keep only the diagonal of the softmax Jacobian: "
       "-y3 (1 - yhat3) (x) s3 = y3 (yhat3 - 1) (x) s3 is nonzero only in y3's class, where dE3/dV = (yhat3 - y3) (x) s3")


# line 28: (14) dE3/dW = dE3/dyhat3 dyhat3/ds3 ds3/dW, ds3/dW the total Jacobian (s2, s1, s0 depend on W, as the
# post says right after)
def s_of(W, upto):
    sp = Tt(s_init)
    for t in range(upto + 1):
        sp = torch.tanh(Tt(Pn["U"]) @ Tt(X[t]) + W @ sp)
    return sp


g3 = dEt_ds[3].T  # the row dE3/dyhat3 dyhat3/ds3
J_s3_W = torch.autograd.functional.jacobian(lambda W: s_of(W, 3), Tt(Pn["W"])).numpy()  # (H,1,H,H)
decide(28, close(np.einsum("i,iajk->jk", g3.ravel(), J_s3_W), gradE3["W"]),
       "dE3/dyhat3 dyhat3/ds3 (total) ds3/dW = dE3/dW")


# line 32: (15) dE3/dW = sum_{k=0}^3 dE3/dyhat3 dyhat3/ds3 ds3/dsk dsk/dW (ds3/dsk total, dsk/dW immediate)
def step(t, W, sin):
    return torch.tanh(Tt(Pn["U"]) @ Tt(X[t]) + W @ sin)


J_imm = [torch.autograd.functional.jacobian(lambda W: step(k, W, Tt(val[k]["sin"])), Tt(Pn["W"])).numpy()
         for k in range(T)]  # immediate dsk/dW, (H,1,H,H)
J_one = [None] + [torch.autograd.functional.jacobian(lambda s: step(j, Tt(Pn["W"]), s), Tt(val[j - 1]["s"])).numpy()
                  .reshape(H, H) for j in range(1, T)]  # J_one[j] = ds_j/ds_{j-1}


def run_from(k, sk):
    """s_3 as a function of s_k (the later inputs and W fixed): the total ds3/dsk."""
    s = sk
    for t in range(k + 1, T):
        s = step(t, Tt(Pn["W"]), s)
    return s


J_tot = [torch.autograd.functional.jacobian(lambda s: run_from(k, s), Tt(val[k]["s"])).numpy().reshape(H, H)
         for k in range(T)]
c15 = sum(np.einsum("i,iajk->jk", (g3 @ J_tot[k]).ravel(), J_imm[k]) for k in range(T))
decide(32, close(c15, gradE3["W"]), "sum_k dE3/ds3 (total ds3/dsk) (immediate dsk/dW) = dE3/dW")


# line 38: (16) the same with ds3/dsk = prod_{j=k+1}^3 dsj/dsj-1, in the chain's order ds3/ds2 ... dsk+1/dsk
def chain_prod(k, factors, increasing=False):
    M = np.eye(H)
    order = range(k + 1, T) if increasing else range(T - 1, k, -1)
    for j in order:
        M = M @ factors[j]
    return M


ok_prod = all(close(chain_prod(k, J_one), J_tot[k]) for k in range(T))
c16 = sum(np.einsum("i,iajk->jk", (g3 @ chain_prod(k, J_one)).ravel(), J_imm[k]) for k in range(T))
decide(38, ok_prod and close(c16, gradE3["W"]), "prod of one-step Jacobians = ds3/dsk, and the sum = dE3/dW")

# line 42: (17) the factor W^T diag[sigma'(s_{j-1})]. The one-step Jacobian is ds_j/ds_{j-1} = diag(sigma'(a_j)) W,
# a_j = U x_j + W s_{j-1} the pre-activation of step j. Readings tried for the printed factor: sigma'(s_{j-1}) as
# tanh' at s_{j-1} (1 - tanh(s_{j-1})^2) or as tanh' written in its output (1 - s_{j-1}^2); the product in either
# order; compared with ds3/dsk (numerator) and with its transpose (denominator layout).
Wn = Pn["W"]
readings = {
    "tanh'(s_{j-1})": [None] + [Wn.T @ np.diag((1 - np.tanh(val[j - 1]["s"]) ** 2).ravel()) for j in range(1, T)],
    "1 - s_{j-1}^2": [None] + [Wn.T @ np.diag((1 - val[j - 1]["s"] ** 2).ravel()) for j in range(1, T)],
}
ok17 = False
for name, F in readings.items():
    for inc in (False, True):
        for target in ("ds3/dsk", "(ds3/dsk)^T"):
            m = all(close(chain_prod(k, F, inc), J_tot[k] if target == "ds3/dsk" else J_tot[k].T) for k in range(T))
            ok17 |= m
# the same factor at the right argument: W^T diag(sigma'(a_j)) = (ds_j/ds_{j-1})^T
Fa = [None] + [Wn.T @ np.diag((1 - val[j]["s"] ** 2).ravel()) for j in range(1, T)]
print("   (line 42: with sigma' at the pre-activation a_j of step j, prod_{j=k+1}^3 W^T diag(sigma'(a_j)) in increasing "
      f"j = (ds3/dsk)^T: {all(close(chain_prod(k, Fa, True), J_tot[k].T) for k in range(T))}; "
      "Pascanu et al.'s formula, whose x is the pre-activation)")
for inc in (False, True):
    c17 = sum(np.einsum("i,iajk->jk", (g3 @ chain_prod(k, readings["tanh'(s_{j-1})"], inc)).ravel(), J_imm[k])
              for k in range(T))
    print(f"   (line 42: the whole sum with the printed factor, {'increasing' if inc else 'decreasing'} j, "
          f"= dE3/dW: {close(c17, gradE3['W'])})")
decide(42, ok17, "prod_{j=k+1}^3 W^T diag[sigma'(s_{j-1})] is not ds3/dsk in either layout or order: sigma' must be "
       "taken at the pre-activation U x_j + W s_{j-1} of step j (1 - s_j^2), not at the state s_{j-1}")

# line 46: (18) the same factor for dE/dW over every t (ds_t/ds_k for t = 0..3); line 50: (19) the same factor for
# dE/dU. Both are right in form but keep (17)'s factor (carried).
def J_tot_t(t, k):
    def f(sk):
        s = sk
        for u in range(k + 1, t + 1):
            s = step(u, Tt(Pn["W"]), s)
        return s
    return torch.autograd.functional.jacobian(f, Tt(val[k]["s"])).numpy().reshape(H, H)


def prod_t(t, k, F, increasing):
    M = np.eye(H)
    for j in (range(k + 1, t + 1) if increasing else range(t, k, -1)):
        M = M @ F[j]
    return M


pairs = [(t, k) for t in range(T) for k in range(t + 1)]
Jtk = {(t, k): J_tot_t(t, k) for t, k in pairs}
ok18 = False
for name, F in readings.items():
    for inc in (False, True):
        for tr in (False, True):
            ok18 |= all(close(prod_t(t, k, F, inc), Jtk[(t, k)].T if tr else Jtk[(t, k)]) for t, k in pairs)
J_immU = {k: torch.autograd.functional.jacobian(
    lambda U: torch.tanh(U @ Tt(X[k]) + Tt(Pn["W"]) @ Tt(val[k]["sin"])), Tt(Pn["U"])).numpy() for k in range(T)}
J_immW = {k: J_imm[k] for k in range(T)}
for inc in (False, True):
    F = readings["tanh'(s_{j-1})"]
    c18 = sum(np.einsum("i,iajk->jk", (dEt_ds[t].T @ prod_t(t, k, F, inc)).ravel(), J_immW[k]) for t, k in pairs)
    c19 = sum(np.einsum("i,iajk->jk", (dEt_ds[t].T @ prod_t(t, k, F, inc)).ravel(), J_immU[k]) for t, k in pairs)
    print(f"   (lines 46, 50: printed factor, {'increasing' if inc else 'decreasing'} j: sum = dE/dW {close(c18, gradE['W'])}, "
          f"= dE/dU {close(c19, gradE['U'])})")
c18t = sum(np.einsum("i,iajk->jk", (dEt_ds[t].T @ Jtk[(t, k)]).ravel(), J_immW[k]) for t, k in pairs)
c19t = sum(np.einsum("i,iajk->jk", (dEt_ds[t].T @ Jtk[(t, k)]).ravel(), J_immU[k]) for t, k in pairs)
print(f"   (lines 46, 50: with the true ds_t/ds_k the double sums are dE/dW {close(c18t, gradE['W'])}, "
      f"dE/dU {close(c19t, gradE['U'])})")
decide(46, ok18, "(18) keeps (17)'s factor W^T diag[sigma'(s_{j-1})] for every t: prod_j of it is not ds_t/ds_k")
decide(50, ok18, "(19) keeps the same factor for dE/dU")
finish()
