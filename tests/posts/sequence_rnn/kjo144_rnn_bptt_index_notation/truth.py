"""Independent truth for tests/posts/sequence_rnn/kjo144_rnn_bptt_index_notation (NumPy and torch, no derive).

The notes' RNN (as the repository's simple_RNN.py computes it): p_t = U x_t + W h_{t-1} + b_h, h_t = tanh(p_t),
q = V h_t + b_y, y_hat_t = softmax(q), E_t = -sum_k y_k log y_hat_k with one-hot x_t and y_t. Sizes: 4 symbols,
3 hidden units, t = 4 steps from a random nonzero h_0 (so h_{t-3} exists and every term of the series is nonzero).
References: torch autograd Jacobians in float64. Einstein sums over repeated indices are written out with einsum."""
import numpy as np
import torch
from torch.autograd.functional import jacobian
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(15)
V_, H, STEPS = 4, 3, 4
T = lambda a: torch.tensor(a, dtype=torch.float64)
U, W, V = rng.normal(0, 0.8, (H, V_)), rng.normal(0, 0.8, (H, H)), rng.normal(0, 0.8, (V_, H))
bh, by = rng.normal(0, 0.3, H), rng.normal(0, 0.3, V_)
xs = np.eye(V_)[[0, 2, 1, 3]]; yt = np.eye(V_)[1]; h0 = rng.normal(0, 0.5, H)


def states(Wm, Um=T(U), bhv=T(bh)):
    hs = [T(h0)]
    for s in range(STEPS):
        hs.append(torch.tanh(Um @ T(xs[s]) + Wm @ hs[-1] + bhv))
    return hs                                        # hs[k] = h_k, k = 0..t


t = STEPS
hs = [h.numpy() for h in states(T(W))]
p = [None] + [U @ xs[s] + W @ hs[s] + bh for s in range(STEPS)]          # p[k] = p_k
Tm = {k: np.diag(1 - np.tanh(p[k]) ** 2) for k in range(1, t + 1)}     # T^k
h = hs[t]
q = V @ h + by
yh = np.exp(q) / np.exp(q).sum()
E = lambda qq: -(T(yt) * torch.log_softmax(qq, 0)).sum()
J1 = jacobian(lambda yy: -(T(yt) * torch.log(yy)).sum(), T(yh)).numpy()           # dE/dy_hat_k
J2 = jacobian(lambda qq: torch.softmax(qq, 0), T(q)).numpy()                       # dy_hat_k/dq_l
J3 = jacobian(lambda Vm: Vm @ T(h) + T(by), T(V)).numpy()                          # dq_l/dV_ij
Vt = T(V).requires_grad_(); byt = T(by).requires_grad_()
E(Vt @ T(h) + byt).backward()
dEdV, dEdby = Vt.grad.numpy(), byt.grad.numpy()
dhdW = {k: jacobian(lambda Wm: states(Wm)[k], T(W)).numpy() for k in range(0, t + 1)}   # dh_k/dW_ij, total
dEdW = jacobian(lambda Wm: E(T(V) @ states(Wm)[t] + T(by)), T(W)).numpy()

decide(7, np.allclose(q, V @ h + by), "q = V h_t + b_y is the read-out simple_RNN.py computes (softmax(V h + by))")
decide(9, np.allclose(np.einsum("k,kl,lij->ij", J1, J2, J3), dEdV), "dE/dy_hat_k dy_hat_k/dq_l dq_l/dV_ij (summed over k, l) = autograd dE/dV")
decide(11, np.allclose(J1, -yt / yh), "dE_t/dy_hat = -y_t / y_hat_t element by element")
printed13 = np.array([[yh[k] * ((k == l) - yh[k]) for l in range(V_)] for k in range(V_)])
decide(13, np.allclose(printed13, J2), "y_hat_k (delta_kl - y_hat_k) is not the softmax Jacobian y_hat_k (delta_kl - y_hat_l): "
       f"max difference {np.abs(printed13 - J2).max():.3f}")
decide(17, np.allclose(J1 @ J2, yh - yt), "sum_k dE/dy_hat_k dy_hat_k/dq_l = (y_hat - y)_l")
decide(22, np.allclose(np.einsum("il,j->lij", np.eye(V_), h), J3), "dq_l/dV_ij = delta_il h_j")
decide(26, np.allclose(np.outer(yh - yt, h), dEdV), "dE/dV_ij = (y_hat_i - y_i) h_j")
decide(31, np.allclose(yh - yt, dEdby), "dE/db_y_i = y_hat_i - y_i")
decide(41, np.allclose(np.einsum("k,kl,lm,mij->ij", J1, J2, V, dhdW[t]), dEdW),
       "dE/dy_hat_k dy_hat_k/dq_l dq_l/dh_m dh_m/dW_ij (total dh_t/dW) = autograd dE/dW")
decide(45, np.allclose(J1 @ J2, yh - yt) and np.allclose(jacobian(lambda hh: T(V) @ hh + T(by), T(h)).numpy(), V),
       "the first two factors give (y_hat - y)_l and dq_l/dh_m = V_lm")
decide(46, all(np.allclose(hs[k + 1], np.tanh(p[k + 1])) for k in range(STEPS)), "p_t = U x_t + W h_{t-1} + b_h, h_t = tanh(p_t), as simple_RNN.py computes")
dpdW_total = jacobian(lambda Wm: T(U) @ T(xs[t - 1]) + Wm @ states(Wm)[t - 1] + T(bh), T(W)).numpy()
dhdp = jacobian(lambda pp: torch.tanh(pp), T(p[t])).numpy()
decide(49, np.allclose(np.einsum("mk,kij->mij", dhdp, dpdW_total), dhdW[t]), "dh_m/dp_k dp_k/dW_ij (dp/dW total) = dh_t/dW")
decide(51, np.allclose(dhdp, np.diag(1 - np.tanh(p[t]) ** 2)), "tanh' = 1 - tanh^2 at p_t")
decide(53, np.allclose(dhdp, Tm[t]), "dh_t/dp_t = T^t, diagonal")
decide(55, np.allclose(Tm[t], np.diag(1 - np.tanh(p[t]) ** 2)) and np.allclose(dhdp, Tm[t]), "T^t = diag(1 - tanh^2(p_t))")
decide(59, np.allclose(jacobian(lambda Wm: Wm @ states(Wm)[t - 1], T(W)).numpy(), dpdW_total),
       "U x_t and b_h do not depend on W: dp_k/dW_ij = d(W_kl h_{t-1,l})/dW_ij (total)")
decide(60, np.allclose(np.einsum("ik,j->kij", np.eye(H), hs[t - 1]) + np.einsum("kl,lij->kij", W, dhdW[t - 1]), dpdW_total),
       "delta_ik h_{t-1,j} + W_kl dh_{t-1,l}/dW_ij")
A = lambda k, hprev: np.einsum("mi,j->mij", Tm[k], hprev)                 # T^k_{mi} h_j
line67 = A(t, hs[t - 1]) + np.einsum("mk,kl,lij->mij", Tm[t], W, dhdW[t - 1])
decide(67, np.allclose(line67, dhdW[t]), "T^t_mi h_{t-1,j} + T^t_mk W_kl dh_{t-1,l}/dW_ij = dh_t/dW")
line68 = A(t, hs[t - 1]) + np.einsum("mk,kl,lij->mij", Tm[t], W, A(t - 1, hs[t - 2]) + np.einsum("ln,np,pij->lij", Tm[t - 1], W, dhdW[t - 2]))
decide(68, np.allclose(line68, dhdW[t]), "second unrolling against autograd")
M2 = Tm[t] @ W @ Tm[t - 1]
line69 = A(t, hs[t - 1]) + np.einsum("mi,j->mij", M2, hs[t - 2]) + np.einsum("mk,kij->mij", M2 @ W, A(t - 2, hs[t - 3]) + np.einsum("kn,np,pij->kij", Tm[t - 2], W, dhdW[t - 3]))
decide(69, np.allclose(line69, dhdW[t]), "third unrolling against autograd")
series, M = np.zeros((H, H, H)), np.eye(H)
for k in range(t, 0, -1):                                  # (T^t W T^{t-1} ... W T^k)_{mi} h_{k-1,j}, down to h_0
    M = M @ Tm[k] if k == t else M @ W @ Tm[k]
    series += np.einsum("mi,j->mij", M, hs[k - 1])
first3 = A(t, hs[t - 1]) + np.einsum("mi,j->mij", M2, hs[t - 2]) + np.einsum("mi,j->mij", M2 @ W @ Tm[t - 2], hs[t - 3])
print(f"   (the printed three terms are the series' first three: {np.allclose(first3, series - np.einsum('mi,j->mij', M, hs[0]))})")
decide(70, np.allclose(series, dhdW[t]), "the series sum_k (T^t W ... W T^k)_mi h_{k-1,j} down to h_0 = dh_t/dW")

finish()
