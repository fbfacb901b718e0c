"""Independent truth for tests/posts/sequence_blind_rnn22/sakodashintaro_rtrl_sensitivity_ja (NumPy and torch, no derive).

SakodaShintaro/rtus, src/rtrl.md at commit 7cb9034 (Japanese notes on real-time recurrent learning after Irie et al.,
arXiv 2305.19044), the whole file. The post's network, row vectors: s(t) = x(t) W + B + h(t-1) R, h(t) = sigma(s(t)),
x(t) in R^D, s(t), h(t) in R^N, W (D x N), B (N), R (N x N); sigma is tanh here (the post leaves it open; its
SimpleCell's default). The post names no loss: L(t) is taken as the cross-entropy of a softmax read-out of h(t)
(y(t) = h(t) V + c against a class target), L^total(1, T) = sum_t L(t). D = N = 3 so that every printed index is
in range (with D != N the element-wise line's W_{k,n} cannot even be read), T = 4, a constant initial
s(0) (h(0) = sigma(s(0))) with ds(0)/d(anything) = 0. Every check runs on two cases (the spec's one-hot inputs and
targets, and random real inputs and random targets) and must hold in both.

References from torch autograd in float64: the sensitivities ds_k(t)/dW_ij, ds_k(t)/db_j, ds_k(t)/dR_ij through
every earlier step (torch.autograd.functional.jacobian of s(t) as a function of the whole weight), dL/dW, dL(t)/dW
for each step's own loss, and dL(t)/ds(t). Each recursion is checked locally: its right side evaluated with the true
s(t-1) and the true sensitivities at t-1, compared with the true sensitivity at t, for every k, i, j and every t.
Readings: 1_{k=i} is 1 when k = i, else 0; dR_{k,n}/dR_{i,j} is 1_{k=i} 1_{n=j}; b_k is the k-th entry of B.
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
rng = np.random.default_rng(2305)
D, N, T, C = 3, 3, 4, 3                                 # input size, state size, steps, read-out classes
TS = range(1, T + 1)
P = {"W": rng.normal(0, 0.8, (D, N)), "B": rng.normal(0, 0.3, N), "R": rng.normal(0, 0.8, (N, N)),
     "V": rng.normal(0, 0.9, (N, C)), "c": rng.normal(0, 0.3, C)}
S0 = rng.normal(0, 0.5, N)                              # s(0), a constant; h(0) = tanh(s(0))
sig, dsig = np.tanh, lambda v: 1 - np.tanh(v) ** 2
CASES = {
    "spec": ({t: np.eye(D)[i] for t, i in zip(TS, [0, 1, 2, 2])}, {t: j for t, j in zip(TS, [1, 2, 2, 0])}),
    "random": ({t: rng.normal(0, 1.0, D) for t in TS}, {t: int(rng.integers(C)) for t in TS}),
}


def states(X, W, B, R):
    """s(1..T) of the post's matrix form (line 9), s(0) constant."""
    s = {0: Tt(S0)}
    for t in TS:
        s[t] = Tt(X[t]) @ W + B + torch.tanh(s[t - 1]) @ R
    return s


def losses(s, J, V, c):
    return {t: torch.nn.functional.cross_entropy((torch.tanh(s[t]) @ V + c)[None], torch.tensor([J[t]])) for t in TS}


def reference(X, J):
    Rf = {"X": X, "J": J}
    leaf = {k: Tt(v).requires_grad_(True) for k, v in P.items()}
    s = states(X, leaf["W"], leaf["B"], leaf["R"])
    for t in TS:
        s[t].retain_grad()
    l = losses(s, J, leaf["V"], leaf["c"])
    sum(l.values()).backward()
    Rf["dL_W"] = nv(leaf["W"].grad)
    Rf["s"] = {t: nv(v) for t, v in s.items()}
    Rf["ds_L"] = {}                                     # dL(t)/dW and dL(t)/ds(t), step t's own loss
    Rf["dl_W"] = {}
    for t in TS:
        lf = {k: Tt(v).requires_grad_(True) for k, v in P.items()}
        st = states(X, lf["W"], lf["B"], lf["R"])
        st[t].retain_grad()
        losses(st, J, lf["V"], lf["c"])[t].backward()
        Rf["dl_W"][t] = nv(lf["W"].grad)
        Rf["ds_L"][t] = nv(st[t].grad)
    # sensitivities through every earlier step: S[t][k, i, j] = ds_k(t)/dtheta_ij
    PT = {k: Tt(v) for k, v in P.items()}
    Rf["SW"] = {0: np.zeros((N, D, N))}
    Rf["SB"] = {0: np.zeros((N, N))}
    Rf["SR"] = {0: np.zeros((N, N, N))}
    for t in TS:
        Rf["SW"][t] = nv(jacobian(lambda W: states(X, W, PT["B"], PT["R"])[t], PT["W"]))
        Rf["SB"][t] = nv(jacobian(lambda B: states(X, PT["W"], B, PT["R"])[t], PT["B"]))
        Rf["SR"][t] = nv(jacobian(lambda R: states(X, PT["W"], PT["B"], R)[t], PT["R"]))
    return Rf


RS = {name: reference(*case) for name, case in CASES.items()}
holds = lambda f: all(f(Rf) for Rf in RS.values())
W, B, R = P["W"], P["B"], P["R"]
ind = lambda a, b: 1.0 if a == b else 0.0

# the network the truth builds is torch's tanh RNN cell (weight_ih = W^T, weight_hh = R^T, bias_ih = B, bias_hh = 0)
rc = torch.nn.RNNCell(D, N, nonlinearity="tanh")
with torch.no_grad():
    rc.weight_ih.copy_(Tt(W.T)), rc.weight_hh.copy_(Tt(R.T)), rc.bias_ih.copy_(Tt(B)), rc.bias_hh.zero_()
cell_ok = holds(lambda Rf: all(close(nv(rc(Tt(Rf["X"][t])[None], Tt(sig(Rf["s"][t - 1]))[None])[0]), sig(Rf["s"][t]))
                               for t in TS))

# ---------------------------------------------------------------- the forward (lines 9, 10, 18)
decide(9, cell_ok and holds(lambda Rf: all(close(Rf["s"][t], Rf["X"][t] @ W + B + sig(Rf["s"][t - 1]) @ R)
                                           for t in TS)),
       "s(t) = x(t) W + B + h(t-1) R, row vectors, the pre-activation of torch's tanh RNNCell (W^T, R^T, bias_hh = 0)")
decide(10, cell_ok, "h(t) = sigma(s(t)), sigma = tanh")


def line18(Rf, t):
    x, sp = Rf["X"][t], Rf["s"][t - 1]
    return close(np.array([sum(x[n] * W[k, n] for n in range(D)) + B[k] + sum(sig(sp[n]) * R[k, n] for n in range(N))
                           for k in range(N)]), Rf["s"][t])


def line18_fixed(Rf, t):
    x, sp = Rf["X"][t], Rf["s"][t - 1]
    return close(np.array([sum(x[n] * W[n, k] for n in range(D)) + B[k] + sum(sig(sp[n]) * R[n, k] for n in range(N))
                           for k in range(N)]), Rf["s"][t])


print(f"   (with W_(n,k) and R_(n,k) the element-wise form is s(t): {holds(lambda Rf: all(line18_fixed(Rf, t) for t in TS))})")
decide(18, holds(lambda Rf: all(line18(Rf, t) for t in TS)),
       "sum_n x_n W_(k,n) + b_k + sum_n sigma(s_n(t-1)) R_(k,n) is s(t) of x W + h R transposed: x(t) W has entry k "
       "sum_n x_n W_(n,k), h(t-1) R has sum_n h_n R_(n,k)")

# ---------------------------------------------------------------- the gradient of W (lines 28-29)
decide(28, holds(lambda Rf: close(sum(Rf["dl_W"][t] for t in TS), Rf["dL_W"])),
       "dL^total/dW_ij = sum_t dL(t)/dW_ij, L^total the sum of the steps' losses")
decide(29, holds(lambda Rf: close(sum(np.einsum("k,kij->ij", Rf["ds_L"][t], Rf["SW"][t]) for t in TS), Rf["dL_W"])
                 and all(close(np.einsum("k,kij->ij", Rf["ds_L"][t], Rf["SW"][t]), Rf["dl_W"][t]) for t in TS)),
       "sum_k dL(t)/ds_k(t) x ds_k(t)/dW_ij (the sensitivity through every earlier step) is dL(t)/dW_ij; summed over t")


# ---------------------------------------------------------------- the sensitivity recursions (lines 37, 45, 56)
def rec_W(Rf, t, fixed=False):
    x, sp, Sp = Rf["X"][t], Rf["s"][t - 1], Rf["SW"][t - 1]
    out = np.zeros((N, D, N))
    for k in range(N):
        for i in range(D):
            for j in range(N):
                if fixed:
                    out[k, i, j] = x[i] * ind(j, k) + sum(R[n, k] * dsig(sp[n]) * Sp[n, i, j] for n in range(N))
                else:
                    out[k, i, j] = x[j] * ind(k, i) + sum(R[k, n] * dsig(sp[n]) * Sp[n, i, j] for n in range(N))
    return close(out, Rf["SW"][t])


def rec_B(Rf, t, Rkn=True, last="W"):
    """line 45 as printed (R_(k,n), the last factor ds_n(t-1)/dW_(i,j), for every i) and its one-fix variants."""
    sp = Rf["s"][t - 1]
    Rm = R if Rkn else R.T                                # R_(k,n) as printed, or R_(n,k)
    ok = True
    for i in range(D if last == "W" else 1):
        Sp = Rf["SW"][t - 1][:, i, :] if last == "W" else Rf["SB"][t - 1]      # [n, j]
        out = np.array([[ind(k, j) + sum(Rm[k, n] * dsig(sp[n]) * Sp[n, j] for n in range(N)) for j in range(N)]
                        for k in range(N)])
        ok = ok and close(out, Rf["SB"][t])
    return ok


def rec_R(Rf, t, fixed=False):
    sp, Sp = Rf["s"][t - 1], Rf["SR"][t - 1]
    out = np.zeros((N, N, N))
    for k in range(N):
        for i in range(N):
            for j in range(N):
                if fixed:
                    out[k, i, j] = sum(sig(sp[n]) * ind(n, i) * ind(k, j) + R[n, k] * dsig(sp[n]) * Sp[n, i, j]
                                       for n in range(N))
                else:
                    out[k, i, j] = sum(sig(sp[n]) * ind(k, i) * ind(n, j) + R[k, n] * dsig(sp[n]) * Sp[n, i, j]
                                       for n in range(N))
    return close(out, Rf["SR"][t])


# every t is checked (at t = 1 the sensitivities at t - 1 are 0)
print(f"   (x_i 1_(j=k) + sum_n R_(n,k) sigma' ds_n(t-1)/dW_ij, the recursion of the matrix form: "
      f"{holds(lambda Rf: all(rec_W(Rf, t, fixed=True) for t in TS))}; "
      f"1_(k=j) + sum_n R_(n,k) sigma' ds_n(t-1)/db_j: {holds(lambda Rf: all(rec_B(Rf, t, Rkn=False, last='B') for t in TS))}; "
      f"sigma(s_i(t-1)) 1_(j=k) + sum_n R_(n,k) sigma' ds_n(t-1)/dR_ij: {holds(lambda Rf: all(rec_R(Rf, t, fixed=True) for t in TS))})")
print(f"   (line 45 with R_(n,k) but ds_n(t-1)/dW_ij kept: {holds(lambda Rf: all(rec_B(Rf, t, Rkn=False, last='W') for t in TS))}; "
      f"with ds_n(t-1)/db_j but R_(k,n) kept: {holds(lambda Rf: all(rec_B(Rf, t, Rkn=True, last='B') for t in TS))})")
decide(37, holds(lambda Rf: all(rec_W(Rf, t) for t in TS)),
       "x_j(t) 1_(k=i) + sum_n R_(k,n) sigma'(s_n(t-1)) ds_n(t-1)/dW_ij is not ds_k(t)/dW_ij: the recursion of the "
       "transposed element-wise form of line 18 (the true one is x_i(t) 1_(j=k) + sum_n R_(n,k) sigma' ds_n(t-1)/dW_ij)")
decide(45, holds(lambda Rf: all(rec_B(Rf, t) for t in TS)),
       "1_(k=j) + sum_n R_(k,n) sigma'(s_n(t-1)) ds_n(t-1)/dW_ij is not ds_k(t)/db_j: the last factor is W's "
       "sensitivity where b_j's belongs (it fails even with R_(n,k)), besides the transposed R_(k,n)")
decide(56, holds(lambda Rf: all(rec_R(Rf, t) for t in TS)),
       "sum_n [sigma(s_n(t-1)) dR_(k,n)/dR_ij + R_(k,n) sigma' ds_n(t-1)/dR_ij] = sigma(s_j(t-1)) 1_(k=i) + ... is not "
       "ds_k(t)/dR_ij: h(t-1) R has entry k sum_n h_n R_(n,k), so the true first term is sigma(s_i(t-1)) 1_(j=k)")
finish()
