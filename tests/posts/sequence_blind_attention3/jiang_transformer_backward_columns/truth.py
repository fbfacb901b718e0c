"""Independent truth for tests/posts/sequence_blind_attention3/jiang_transformer_backward_columns (NumPy and torch,
no derive).

Hui Jiang's transformer post, column layout: X = [x_1 .. x_T] (d x T), q_i = A x_i, k_i = B x_i, v_i = C x_i
(A, B, C in R^{h x d}), c_it = q_i^T k_t / sqrt(h), a_it = softmax over i (the column-wise softmax of
Q^T K / sqrt(h)), z_t = sum_i a_it v_i (Z = V A), then zbar_t = x_t + LN_{gamma,beta}(z_t) (layer norm of each column)
and y_t = zbar_t + W_2 ReLU(W_1 zbar_t). d = h = o = 4 (the residual needs d = h, the post's E is o x T with Z's
columns in R^h), h' = 6, T = 5; the objective F, which the post leaves open, is F = sum(G (.) tanh(Y)) with a random G.
References from torch autograd in float64: E = dF/dZ (Z.grad), the gradient of F at the attention matrix (the a_it),
at the scores c_it, at q_i, k_i, v_i (the columns of Q, K, V) and at A, B, C, X; each path's share of dF/dX as the
gradient of F through that path alone (the other two projections fed a detached copy of X). The post's lines are
evaluated as printed in its own layout: [dF/da_i(t)], [dF/dc_i(t)] and [a_i(t)] are T x T with row i and column t
(as its own [dF/da_i(t)] = V^T E makes them); [dF/dq_i] etc. are h x T with column i; '(x)' is the post's batch of
the column operations a_t (.) g_t - (a_t^T g_t) a_t. Backward lines are judged with the true values of what they
name; a line with several equalities is wrong if any is."""
import numpy as np
import torch
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(3052023)
d = h = 4
hp, T = 6, 5
t_ = lambda a: torch.tensor(a, dtype=torch.float64, requires_grad=True)
X = t_(rng.normal(size=(d, T)))
A, B, C = (t_(rng.normal(0, 0.7, (h, d))) for _ in range(3))
gam, bet = t_(rng.normal(1, 0.3, (h, 1))), t_(rng.normal(0, 0.3, (h, 1)))
W1, W2 = t_(rng.normal(0, 0.6, (hp, h))), t_(rng.normal(0, 0.6, (h, hp)))
G = torch.tensor(rng.normal(size=(h, T)))
eps = 1e-5
n_ = lambda v: v.detach().numpy()
close = lambda a, b: np.shape(a) == np.shape(b) and np.allclose(a, b, atol=1e-11)


def LN(Zm):
    """layer norm of each column (over the h features), gain gamma and bias beta per feature"""
    mu = Zm.mean(0, keepdim=True)
    var = ((Zm - mu) ** 2).mean(0, keepdim=True)
    return gam * (Zm - mu) / torch.sqrt(var + eps) + bet


def forward(Xq, Xk, Xv, Xr):
    Q, K, V = A @ Xq, B @ Xk, C @ Xv
    Cs = Q.T @ K / np.sqrt(h)                 # c_it = q_i^T k_t / sqrt(h): row i, column t
    Am = torch.softmax(Cs, dim=0)             # normalised over i (column-wise)
    Z = V @ Am
    Zb = Xr + LN(Z)
    Y = Zb + W2 @ torch.relu(W1 @ Zb)
    return Q, K, V, Cs, Am, Z, Zb, Y


Q, K, V, Cs, Am, Z, Zb, Y = forward(X, X, X, X)
for v in (Q, K, V, Cs, Am, Z):
    v.retain_grad()
F = (G * torch.tanh(Y)).sum()
F.backward()
Xn, An, Bn, Cn = n_(X), n_(A), n_(B), n_(C)
Qn, Kn, Vn, Csn, Amn, Zn = (n_(v) for v in (Q, K, V, Cs, Am, Z))
E = Z.grad.numpy()                          # dF/dZ, column t = dF/dz_t
dAm, dCs, dQ, dK, dV = (v.grad.numpy() for v in (Am, Cs, Q, K, V))
dA, dB, dC, dX = (v.grad.numpy() for v in (A, B, C, X))
cols = lambda f: np.stack([f(t) for t in range(T)], 1)

# ---------------- forward definitions
decide(6, close(np.stack([Xn[:, t] for t in range(T)], 1), Xn) and Xn.shape == (d, T),
       "X packs the inputs x_t as its columns (d x T)")
Yn = n_(Y)
decide(10, Yn.shape == (h, T), "Y packs the outputs y_t as its columns (o x T, o = h here)")
decide(24, all(close(An @ Xn[:, i], Qn[:, i]) for i in range(T)), "q_i = A x_i")
decide(25, all(close(Bn @ Xn[:, i], Kn[:, i]) for i in range(T)), "k_i = B x_i")
decide(26, all(close(Cn @ Xn[:, i], Vn[:, i]) for i in range(T)), "v_i = C x_i")
decide(34, close(An @ Xn, Qn), "Q = A X (the q_i lined up column by column)")
decide(35, close(Bn @ Xn, Kn), "K = B X")
decide(36, close(Cn @ Xn, Vn), "V = C X")
cit = np.array([[Qn[:, i] @ Kn[:, t] / np.sqrt(h) for t in range(T)] for i in range(T)])
decide(44, close(cit, Csn), "c_it = q_i^T k_t / sqrt(h)")
ait = np.array([[np.exp(cit[i, t]) / np.exp(cit[:, t]).sum() for t in range(T)] for i in range(T)])
decide(51, close(ait, Amn), "a_it = e^{c_it} / sum_j e^{c_jt}, normalised over i")
decide(58, close(n_(torch.softmax(torch.tensor(Qn.T @ Kn / np.sqrt(h)), dim=0)), Amn),
       "the column-wise softmax of Q^T K / sqrt(h) is the matrix of the a_it")
decide(66, close(cols(lambda t: sum(ait[i, t] * Vn[:, i] for i in range(T))), Zn), "z_t = sum_i a_it v_i")
decide(74, close(Vn @ Amn, Zn), "Z = V A = V softmax(Q^T K / sqrt(h))")

# line 80: causal attention as printed: z_t = sum_{i <= t} a_it v_i with the a_it of line 51 (normalised over all T)
z_causal_post = lambda Xt: torch.stack([sum(torch.softmax((A @ Xt).T @ (B @ Xt) / np.sqrt(h), 0)[i, t] * (C @ Xt)[:, i]
                                            for i in range(t + 1)) for t in range(T)], 1)
Xd = torch.tensor(Xn)
Zpost = z_causal_post(Xd)
# the reference: masked scores before the softmax (each z_t attends to i <= t only), from torch's own SDPA
ref = torch.nn.functional.scaled_dot_product_attention((B @ Xd).T[None], (A @ Xd).T[None], (C @ Xd).T[None],
                                                       is_causal=True, scale=1 / np.sqrt(h))[0].T
# row t of the SDPA is the query k_t against keys q_i (c_it = q_i^T k_t), so its causal mask keeps i <= t
Jac = torch.autograd.functional.jacobian(z_causal_post, Xd)          # dz_t[a] / dx_j[b]
leak = max(float(Jac[:, t, :, j].abs().max()) for t in range(T) for j in range(t + 1, T))
decide(80, close(n_(Zpost), n_(ref)) and leak < 1e-12,
       f"with the a_it of line 51 (normalised over all T) z_t still depends on later inputs through the softmax "
       f"denominator (largest |dz_t/dx_j| for j > t: {leak:.3f}) and differs from causal attention, whose weights are "
       f"normalised over i <= t: max difference {float((Zpost - ref).detach().abs().max()):.3f}")
LNn = n_(LN(Z))
decide(89, close(Xn + LNn, n_(Zb)), "zbar_t = x_t + LN(z_t), the subscript X + gamma, beta read as LN_{gamma,beta}")
W1n, W2n = n_(W1), n_(W2)
Zbn = n_(Zb)
decide(93, close(Zbn + W2n @ np.maximum(W1n @ Zbn, 0), Yn), "y_t = zbar_t + W_2 ReLU(W_1 zbar_t)")
decide(99, close(Xn + LNn + W2n @ np.maximum(W1n @ (Xn + LNn), 0), Yn), "the compact matrix form of step 4")

# ---------------- backward
decide(118, close(cols(lambda t: E[:, t]), E), "E = dF/dZ has dF/dz_t as its column t")
decide(126, close(cols(lambda t: sum(Amn[i, t] * Vn[:, i] for i in range(T))), Zn), "z_t = sum_i a_i(t) v_i (restated)")
decide(134, close(np.array([[Vn[:, i] @ E[:, t] for t in range(T)] for i in range(T)]), dAm),
       "dF/da_i(t) = v_i^T dF/dz_t (the product of the two column vectors read as their inner product)")
decide(143, close(Vn.T @ E, dAm), "[dF/da_i(t)] = V^T E (row i, column t)")
decide(146, close(np.exp(Csn) / np.exp(Csn).sum(0, keepdims=True), Amn), "a_i(t) = e^{c_i(t)} / sum_j e^{c_j(t)} (restated)")
Jsm = [np.diag(Amn[:, t]) - np.outer(Amn[:, t], Amn[:, t]) for t in range(T)]
Jtrue = [torch.autograd.functional.jacobian(lambda c: torch.softmax(c, 0), torch.tensor(Csn[:, t])).numpy() for t in range(T)]
decide(166, all(close(Jsm[t] @ dAm[:, t], dCs[:, t]) for t in range(T)), "dF/dc_t = J_sm(t) dF/da_t")
decide(170, all(close(Jsm[t], Jtrue[t]) for t in range(T)), "J_sm(t) = diag(a_t) - a_t a_t^T is the softmax's Jacobian")
post176 = [(Jsm[t] @ dAm[:, t], Amn[:, t] * dAm[:, t] - (Amn[:, t] @ dAm[:, t]) * Amn[:, t]) for t in range(T)]
decide(176, all(close(a, dCs[:, t]) and close(b, dCs[:, t]) for t, (a, b) in enumerate(post176)),
       "J_sm(t) dF/da_t = a_t (.) dF/da_t - (a_t^T dF/da_t) a_t = dF/dc_t")
otimes = lambda Am_, Gm: cols(lambda t: Am_[:, t] * Gm[:, t] - (Am_[:, t] @ Gm[:, t]) * Am_[:, t])
Gc = otimes(Amn, Vn.T @ E)
decide(185, close(Gc, dCs), "[dF/dc_i(t)] = A (x) [dF/da_i(t)], the column operation batched (row i, column t)")
decide(190, close(Qn.T @ Kn / np.sqrt(h), Csn), "c_i(t) = q_i^T k_t / sqrt(h) (restated)")
decide(198, close(cols(lambda i: sum(dCs[i, t] * Kn[:, t] for t in range(T)) / np.sqrt(h)), dQ),
       "dF/dq_i = (1/sqrt(h)) sum_t dF/dc_i(t) k_t")
decide(206, close(Kn @ dCs / np.sqrt(h), dQ),
       f"column i of K [dF/dc_i(t)] is sum_t k_t dF/dc_t(i), the sum over the wrong index; (1/sqrt(h)) K [dF/dc_i(t)]^T is "
       f"dF/dQ: {close(Kn @ dCs.T / np.sqrt(h), dQ)}")
decide(209, close(An @ Xn, Qn), "q_i = A x_i (restated)")
decide(216, close(sum(np.outer(dQ[:, i], Xn[:, i]) for i in range(T)) / np.sqrt(h), dA)
       and close(dQ @ Xn.T / np.sqrt(h), dA),
       f"dF/dq_i (line 198) already carries 1/sqrt(h); q_i = A x_i gives dF/dA = sum_i dF/dq_i x_i^T = [dF/dq_i] X^T "
       f"({close(dQ @ Xn.T, dA)}), so the second 1/sqrt(h) makes it sqrt(h) = {np.sqrt(h):.0f} times too small")
post231 = Kn @ otimes(Amn, Vn.T @ E) @ Xn.T / np.sqrt(h)
decide(231, close(post231, dA),
       f"(1/sqrt(h)) K (A (x) V^T E) X^T carries line 206's missing transpose; (1/sqrt(h)) K (A (x) V^T E)^T X^T is "
       f"dF/dA: {close(Kn @ otimes(Amn, Vn.T @ E).T @ Xn.T / np.sqrt(h), dA)}")
decide(240, close(post231, dA), "the same product without the size labels (line 231's)")
decide(252, close(Qn @ otimes(Amn, Vn.T @ E) @ Xn.T / np.sqrt(h), dB), "dF/dB = (1/sqrt(h)) Q (A (x) V^T E) X^T")
decide(258, close(Vn @ Amn, Zn), "z_t = sum_i a_i(t) v_i (restated)")
decide(264, close(cols(lambda i: sum(Amn[i, t] * E[:, t] for t in range(T))), dV), "dF/dv_i = sum_t a_i(t) dF/dz_t")
decide(276, close(E @ Amn.T, dV), "[dF/dv_i] = [dF/dz_i] [a_i(t)]^T = E A^T")
decide(279, close(Cn @ Xn, Vn), "v_i = C x_i (restated)")
decide(286, close(sum(np.outer(dV[:, i], Xn[:, i]) for i in range(T)), dC) and close(dV @ Xn.T, dC),
       "dF/dC = sum_i dF/dv_i x_i^T = [dF/dv_i] X^T")
decide(292, close(E @ Amn.T @ Xn.T, dC), "dF/dC = E A^T X^T")


# line 301: the three paths; each path's share is the gradient of F through that projection alone
def share(which):
    Xg = X.detach().clone().requires_grad_()
    Xc = X.detach()
    args = [Xg if w == which else Xc for w in ("q", "k", "v")] + [Xc]
    Ff = (G * torch.tanh(forward(*args)[-1])).sum()
    return torch.autograd.grad(Ff, Xg)[0].numpy()


resid = torch.autograd.grad((G * torch.tanh(forward(X.detach(), X.detach(), X.detach(), X)[-1])).sum(), X)[0].numpy()
paths = [share(w) for w in ("q", "k", "v")]
decide(301, close(sum(paths) + resid, dX) and close(paths[0], An.T @ dQ) and close(paths[1], Bn.T @ dK)
       and close(paths[2], Cn.T @ dV),
       "X reaches the attention output through Q, K and V; the three path terms (each the gradient through that "
       "projection alone) add up, with the residual x_t + ... of step 4 that the post's attention-only backward leaves out")
decide(309, close(An.T @ dQ + Bn.T @ dK + Cn.T @ dV, sum(paths)), "A^T [dF/dq_i] + B^T [dF/dk_i] + C^T [dF/dv_i]")
Gm = otimes(Amn, Vn.T @ E)
post318 = (An.T @ Kn + Bn.T @ Qn) @ Gm / np.sqrt(h) + Cn.T @ E @ Amn.T
decide(318, close(post318, sum(paths)),
       f"the A^T K term carries line 206's missing transpose; (1/sqrt(h)) (A^T K (A (x) V^T E)^T + B^T Q (A (x) V^T E)) "
       f"+ C^T E A^T is the attention paths' dF/dX: "
       f"{close((An.T @ Kn @ Gm.T + Bn.T @ Qn @ Gm) / np.sqrt(h) + Cn.T @ E @ Amn.T, sum(paths))}")

finish()
