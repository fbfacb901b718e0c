"""Independent truth for tests/posts/sequence_blind_rnn3/dscamiss_attention_explicit_gradient (NumPy and torch, no derive).

The post's unscaled attention map Att(Q, K, V) = sigma(Q K^t) V with sigma the softmax of each row (its own choice:
no 1/sqrt(d)), Q, K, V in R^{n x d}; here n = 4, d = 3. e_i are the columns of the n x n identity, p_i = K Q^t e_i
(a column), d sigma(x) = diag(sigma(x)) - sigma(x) sigma(x)^t the softmax's Jacobian (checked against autograd), and
<A, B>_F = tr(A^t B). The directions Q~, K~, V~ and the matrix P are random; the smooth scalar function ell on
R^{n x d} is ell(A) = sum(G * A) + sum(A^2) / 2 with a random G (any smooth ell would do), so Lambda = d ell(Att) =
G + Att. References from torch autograd in float64: the directional derivatives d_X Att . X~ (jvp), the adjoints
d_X Att^* . P (vjp), and the gradients of ell(Att(Q, K, V)) with respect to Q, K, V. Every row of the post's chains
of equalities is evaluated as printed and compared with the true value of the chain's left side."""
import numpy as np
import torch
from torch.autograd.functional import jvp, vjp, jacobian
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(31)
n, d = 4, 3
Tt = lambda a: torch.tensor(a, dtype=torch.float64)
Q, K, V, Qd, Kd, Vd, P, G = (Tt(rng.normal(size=(n, d))) for _ in range(8))
att = lambda q, k, v: torch.softmax(q @ k.T, dim=1) @ v
ell = lambda A: (G * A).sum() + (A ** 2).sum() / 2
N = lambda t: t.detach().numpy()
Qn, Kn, Vn, Qdn, Kdn, Vdn, Pn, Gn = map(N, (Q, K, V, Qd, Kd, Vd, P, G))
e = np.eye(n)
sm = lambda x: np.exp(x - x.max()) / np.exp(x - x.max()).sum()
p = [Kn @ Qn.T @ e[:, [i]] for i in range(n)]                         # p_i, columns
s = [sm(pi) for pi in p]                                              # sigma(p_i), columns
ds = [np.diag(si[:, 0]) - si @ si.T for si in s]                      # d sigma(p_i)
ds_ok = all(np.allclose(jacobian(lambda x: torch.softmax(x, 0), Tt(p[i][:, 0])).numpy(), ds[i]) for i in range(n))
F = lambda A, B: np.trace(A.T @ B)
close = lambda a, b: np.allclose(a, b, atol=1e-12)
A_ = N(att(Q, K, V))

decide(22, close(A_, N(torch.nn.functional.scaled_dot_product_attention(Q[None], K[None], V[None], scale=1.0)[0])),
       "Att(Q, K, V) = sigma(Q K^t) V, the row softmax, unscaled (as the post chooses) = torch's attention with scale 1")
decide(29, close(sum(e[:, [i]] @ sm((e[:, [i]].T @ Qn @ Kn.T).T).T @ Vn for i in range(n)), A_),
       "sum_i e_i sigma((e_i^t Q K^t)^t)^t V, row by row")
decide(30, close(sum(e[:, [i]] @ s[i].T @ Vn for i in range(n)), A_), "sum_i e_i sigma(K Q^t e_i)^t V")
jQ = N(jvp(lambda q: att(q, K, V), Q, Qd)[1])
jK = N(jvp(lambda k: att(Q, k, V), K, Kd)[1])
jV = N(jvp(lambda v: att(Q, K, v), V, Vd)[1])
decide(42, ds_ok and close(sum(e[:, [i]] @ (ds[i] @ Kn @ Qdn.T @ e[:, [i]]).T @ Vn for i in range(n)), jQ),
       "d_Q Att . Q~ = sum_i e_i [d sigma(p_i) K Q~^t e_i]^t V (p_i moves by K Q~^t e_i); d sigma the softmax Jacobian")
decide(44, close(sum(e[:, [i]] @ (ds[i] @ Kdn @ Qn.T @ e[:, [i]]).T @ Vn for i in range(n)), jK),
       "d_K Att . K~ = sum_i e_i [d sigma(p_i) K~ Q^t e_i]^t V")
decide(46, close(sum(e[:, [i]] @ s[i].T @ Vdn for i in range(n)), jV), "d_V Att . V~ = sum_i e_i sigma(p_i)^t V~")
decide(60, True, "L = ell o Att (definition)")

# the Q chain: <d_Q Att . Q~, P>_F
lhsQ = F(jQ, Pn)
rowsQ = {
    68: F(sum(e[:, [i]] @ (ds[i] @ Kn @ Qdn.T @ e[:, [i]]).T @ Vn for i in range(n)), Pn),
    69: sum(F(e[:, [i]] @ (ds[i] @ Kn @ Qdn.T @ e[:, [i]]).T @ Vn, Pn) for i in range(n)),
    70: sum(F(e[:, [i]] @ e[:, [i]].T @ Qdn @ Kn.T @ ds[i].T @ Vn, Pn) for i in range(n)),
    71: sum(np.trace(Vn.T @ ds[i] @ Kn @ Qdn.T @ e[:, [i]] @ e[:, [i]].T @ Pn) for i in range(n)),
    72: sum(np.trace(Qdn.T @ e[:, [i]] @ e[:, [i]].T @ Pn @ Vn.T @ ds[i] @ Kn) for i in range(n)),
    73: sum(F(Qdn, e[:, [i]] @ e[:, [i]].T @ Pn @ Vn.T @ ds[i] @ Kn) for i in range(n)),
    74: F(Qdn, sum(e[:, [i]] @ e[:, [i]].T @ Pn @ Vn.T @ ds[i] @ Kn for i in range(n))),
}
for line, v in rowsQ.items():
    decide(line, close(v, lhsQ), "a row of the Q chain, equal to <d_Q Att . Q~, P>_F")
adjQ = N(vjp(lambda q: att(q, K, V), Q, P)[1])
decide(80, close(sum(e[:, [i]] @ e[:, [i]].T @ Pn @ Vn.T @ ds[i] @ Kn for i in range(n)), adjQ),
       "d_Q Att^* . P = sum_i e_i e_i^t P V^t d sigma(p_i) K (the adjoint, autograd's vjp)")

Qg, Kg, Vg = (t.clone().requires_grad_() for t in (Q, K, V))
Ag = att(Qg, Kg, Vg)
Ag.retain_grad()
ell(Ag).backward()
gQ, gK, gV, Lam = N(Qg.grad), N(Kg.grad), N(Vg.grad), N(Ag.grad)
dLQ = F(gQ, Qdn)                                                   # d_Q L . Q~
rows86 = {86: dLQ, 87: F(Lam, jQ), 88: F(Qdn, N(vjp(lambda q: att(q, K, V), Q, Tt(Lam))[1])),
          89: F(Qdn, sum(e[:, [i]] @ e[:, [i]].T @ Lam @ Vn.T @ ds[i] @ Kn for i in range(n)))}
for line, v in rows86.items():
    decide(line, close(v, dLQ), "a row of the chain for d_Q L . Q~ (<x, 1>_R = x; d ell . Y = <Lambda, Y>_F)")
decide(94, close(Lam, Gn + A_), "Lambda = d ell(Att)^* . 1, identified with the gradient of ell at Att (here G + Att)")
OmQ = sum(e[:, [i]] @ e[:, [i]].T @ Lam @ Vn.T @ ds[i] @ Kn for i in range(n))
decide(98, close(OmQ, gQ), "d_Q L = sum_i e_i e_i^t Lambda V^t d sigma(p_i) K (autograd's dL/dQ)")

lhsK = F(jK, Pn)
rowsK = {
    105: F(sum(e[:, [i]] @ (ds[i] @ Kdn @ Qn.T @ e[:, [i]]).T @ Vn for i in range(n)), Pn),
    106: sum(F(e[:, [i]] @ (ds[i] @ Kdn @ Qn.T @ e[:, [i]]).T @ Vn, Pn) for i in range(n)),
    107: sum(F(e[:, [i]] @ e[:, [i]].T @ Qn @ Kdn.T @ ds[i].T @ Vn, Pn) for i in range(n)),
    108: sum(np.trace(Vn.T @ ds[i] @ Kdn @ Qn.T @ e[:, [i]] @ e[:, [i]].T @ Pn) for i in range(n)),
    109: sum(np.trace(Qn.T @ e[:, [i]] @ e[:, [i]].T @ Pn @ Vn.T @ ds[i] @ Kdn) for i in range(n)),
    110: sum(np.trace(Kdn.T @ ds[i].T @ Vn @ Pn.T @ e[:, [i]] @ e[:, [i]].T @ Qn) for i in range(n)),
    111: sum(F(Kdn, ds[i].T @ Vn @ Pn.T @ e[:, [i]] @ e[:, [i]].T @ Qn) for i in range(n)),
    112: F(Kdn, sum(ds[i].T @ Vn @ Pn.T @ e[:, [i]] @ e[:, [i]].T @ Qn for i in range(n))),
}
for line, v in rowsK.items():
    decide(line, close(v, lhsK), "a row of the K chain, equal to <d_K Att . K~, P>_F")
adjK = N(vjp(lambda k: att(Q, k, V), K, P)[1])
decide(117, close(sum(ds[i].T @ Vn @ Pn.T @ e[:, [i]] @ e[:, [i]].T @ Qn for i in range(n)), adjK),
       "d_K Att^* . P = sum_i d sigma(p_i)^t V P^t e_i e_i^t Q")
decide(121, close(sum(ds[i].T @ Vn @ Lam.T @ e[:, [i]] @ e[:, [i]].T @ Qn for i in range(n)), gK),
       "d_K L = sum_i d sigma(p_i)^t V Lambda^t e_i e_i^t Q (autograd's dL/dK)")

lhsV = F(jV, Pn)
rowsV = {128: F(sum(e[:, [i]] @ s[i].T @ Vdn for i in range(n)), Pn),
         129: sum(F(e[:, [i]] @ s[i].T @ Vdn, Pn) for i in range(n)),
         130: sum(F(Vdn, s[i] @ e[:, [i]].T @ Pn) for i in range(n)),
         131: F(Vdn, sum(s[i] @ e[:, [i]].T @ Pn for i in range(n)))}
for line, v in rowsV.items():
    decide(line, close(v, lhsV), "a row of the V chain, equal to <d_V Att . V~, P>_F")
adjV = N(vjp(lambda v: att(Q, K, v), V, P)[1])
decide(136, close(sum(s[i] @ e[:, [i]].T @ Pn for i in range(n)), adjV), "d_V Att^* . P = sum_i sigma(p_i) e_i^t P")
decide(140, close(sum(s[i] @ e[:, [i]].T @ Lam for i in range(n)), gV), "d_V L = sum_i sigma(p_i) e_i^t Lambda (autograd's dL/dV)")
Om = sum(e[:, [i]] @ e[:, [i]].T @ Lam @ Vn.T @ ds[i] for i in range(n))
decide(147, close(Om @ Kn, gQ) and close(Om.T @ Qn, gK) and close(sum(s[i] @ e[:, [i]].T @ Lam for i in range(n)), gV),
       "d L = (Omega K, Omega^t Q, sum_i sigma(p_i) e_i^t Lambda), all three against autograd")
decide(161, True, "Omega = sum_i e_i e_i^t Lambda V^t d sigma(p_i) (definition)")
decide(167, close(np.vstack([e[:, [i]].T @ Lam @ Vn.T @ ds[i] for i in range(n)]), Om), "row i of Omega is e_i^t Lambda V^t d sigma(p_i)")
decide(176, close(np.vstack([e[:, [i]].T @ Lam @ Vn.T @ (np.diag(s[i][:, 0]) - s[i] @ s[i].T) for i in range(n)]), Om),
       "d sigma(p_i) = Delta sigma(p_i) - sigma(p_i) sigma(p_i)^t with Delta the diagonal matrix")

# the example: ell(A) = e_j^t A eps_k, the (j, k) entry
j, k = 2, 1
eps = np.eye(d)
Qg, Kg, Vg = (t.clone().requires_grad_() for t in (Q, K, V))
Ag = att(Qg, Kg, Vg)
Ag.retain_grad()
Ag[j, k].backward()
LamE = N(Ag.grad)
decide(190, close(LamE, e[:, [j]] @ eps[:, [k]].T), "Lambda = e_j eps_k^t for the (j, k) entry")
OmE = sum(e[:, [i]] @ e[:, [i]].T @ LamE @ Vn.T @ ds[i] for i in range(n))
decide(196, close(e[:, [j]] @ eps[:, [k]].T @ Vn.T @ ds[j], OmE), "Omega = e_j eps_k^t V^t d sigma(p_j): only row j survives")
decide(202, close(e[:, [j]] @ eps[:, [k]].T @ Vn.T @ ds[j] @ Kn, N(Qg.grad))
       and close(ds[j].T @ Vn @ eps[:, [k]] @ e[:, [j]].T @ Qn, N(Kg.grad)) and close(s[j] @ eps[:, [k]].T, N(Vg.grad)),
       "the three components of d L for the (j, k) entry, against autograd")
finish()
