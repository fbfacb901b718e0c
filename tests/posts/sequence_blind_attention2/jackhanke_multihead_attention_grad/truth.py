"""Independent truth for tests/posts/sequence_blind_attention2/jackhanke_multihead_attention_grad (NumPy and torch,
no derive).

The notes' multi-head attention: head_i = S_i Vbar_i with S_i = softmax(T_i / sqrt(d_k)) by rows, T_i = Qbar_i Kbar_i^T,
Qbar_i = Q W^Q_i, Kbar_i = K W^K_i, Vbar_i = V W^V_i, C = Concat(head_1, ..., head_h), M = C W^O, and the loss as
printed, L = 1/2 ||M - Mhat||_2 (the norm of the entries, not squared). n = 4 positions, d_model = 4, h = 2 heads of
d_k = d_v = 2; Q, K, V, the weights and Mhat random. References from torch autograd in float64: the gradient of L at
every node (M, C, head_i, S_i, T_i, Qbar_i, Kbar_i, Vbar_i) and at every weight, and the softmax Jacobian dS_i/dT_i from
torch.autograd.functional.jacobian. The slice A[d_k (i-1): d_k i] is read as the d_k columns of head i (the notes'
i counts from 1; the code takes A[:, :, d_k*i:d_k*(i+1)] with i from 0), and softmax' as the notes define it
(softmax (1 - softmax), entry by entry); a product with B_i or softmax' is evaluated both as the Hadamard product and
as the matrix product (the code's np.matmul), and with the true Jacobian contracted where a line's own form is
checked. Each backward line is evaluated with the notes' own earlier values (the chain as printed) against autograd;
for a line whose own step is right the local step with autograd's inputs is printed too."""
import numpy as np
import torch
import torch.nn.functional as F
from torch.autograd.functional import jacobian
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, unchecked, finish  # noqa: E402

rng = np.random.default_rng(21)
n, dm, h = 4, 4, 2
dk = dm // h
t = lambda a: torch.tensor(a, dtype=torch.float64, requires_grad=True)
Q, K, V = (t(rng.normal(size=(n, dm))) for _ in range(3))
WQ, WK, WV = ([t(rng.normal(0, 0.8, (dm, dk))) for _ in range(h)] for _ in range(3))
WO = t(rng.normal(0, 0.6, (dm, dm)))
Mhat = torch.tensor(rng.normal(size=(n, dm)))

Qb = [Q @ WQ[i] for i in range(h)]
Kb = [K @ WK[i] for i in range(h)]
Vb = [V @ WV[i] for i in range(h)]
T = [Qb[i] @ Kb[i].T for i in range(h)]
S = [torch.softmax(T[i] / np.sqrt(dk), dim=1) for i in range(h)]
head = [S[i] @ Vb[i] for i in range(h)]
C = torch.cat(head, dim=1)
M = C @ WO
for v in Qb + Kb + Vb + T + S + head + [C, M]:
    v.retain_grad()
L = 0.5 * torch.linalg.norm((M - Mhat).reshape(-1))
L.backward()
n_ = lambda v: v.detach().numpy()
g = lambda v: v.grad.numpy()
close = lambda a, b: np.shape(a) == np.shape(b) and np.allclose(a, b, atol=1e-12)
Qn, Kn, Vn, Cn, Mn, WOn, Mh = n_(Q), n_(K), n_(V), n_(C), n_(M), n_(WO), Mhat.numpy()
sl = lambda X, i: X[:, dk * i:dk * (i + 1)]            # head i's columns (i from 0 here, i - 1 in the notes)
allh = lambda f: all(f(i) for i in range(h))

# forward
ref = torch.cat([F.scaled_dot_product_attention(Qb[i][None], Kb[i][None], Vb[i][None])[0] for i in range(h)], 1) @ WO
decide(5, close(n_(ref), Mn), "Concat(head_1, head_2) W^O = M (each head from torch scaled_dot_product_attention)")
decide(6, allh(lambda i: close(n_(Qb[i]), Qn @ n_(WQ[i])) and close(n_(head[i]), n_(F.scaled_dot_product_attention(
    (Q @ WQ[i])[None], (K @ WK[i])[None], (V @ WV[i])[None])[0]))), "head_i = Attention(Q W^Q_i, K W^K_i, V W^V_i)")
decide(7, allh(lambda i: close(n_(torch.softmax(Qb[i] @ Kb[i].T / np.sqrt(dk), 1) @ Vb[i]), n_(head[i]))),
       "Attention(Q, K, V) = softmax(QK^T/sqrt(d_k)) V, against torch's scaled_dot_product_attention")
unchecked(14, "the loss definition (read as printed: the norm of M - Mhat, not squared)")

# the identity, on a random A = BC with L = sum(G (.) A)
B_, C_ = t(rng.normal(size=(3, 5))), t(rng.normal(size=(5, 2)))
G_ = rng.normal(size=(3, 2))
((B_ @ C_) * torch.tensor(G_)).sum().backward()
decide(20, close(G_ @ n_(C_).T, g(B_)), "A = BC: dL/dB = dL/dA C^T")
decide(24, close(n_(B_).T @ G_, g(C_)), "A = BC: dL/dC = B^T dL/dA")

decide(32, close(Cn @ WOn, Mn) and close(Cn, np.hstack([n_(x) for x in head])), "M = C W^O with C the concatenated heads")
decide(34, allh(lambda i: close(n_(S[i]) @ n_(Vb[i]), n_(head[i]))), "head_i = S_i Vbar_i")
decide(38, allh(lambda i: close(n_(Qb[i]) @ n_(Kb[i]).T, n_(T[i]))), "T_i = Qbar_i Kbar_i^T")
decide(40, allh(lambda i: close(n_(F.softmax(T[i] / np.sqrt(dk), dim=-1)), n_(S[i]))), "S_i = softmax(T_i/sqrt(d_k))")
decide(42, allh(lambda i: close(Qn @ n_(WQ[i]), n_(Qb[i]))), "Qbar_i = Q W^Q_i")
decide(44, allh(lambda i: close(Kn @ n_(WK[i]), n_(Kb[i]))), "Kbar_i = K W^K_i")
decide(46, allh(lambda i: close(Vn @ n_(WV[i]), n_(Vb[i]))), "Vbar_i = V W^V_i")

# the true pieces
dM, dC = g(M), g(C)
r = np.linalg.norm(Mn - Mh)
assert close(dM, (Mn - Mh) / (2 * r))
J = [jacobian(lambda x: torch.softmax(x / np.sqrt(dk), dim=1), T[i].detach()).numpy() for i in range(h)]  # dS/dT
sm = [n_(S[i]) for i in range(h)]
Bpost = [s * (1 - s) / np.sqrt(dk) for s in sm]                              # the notes' B_i, entry by entry
viaJ = lambda G, i: np.einsum('ab,abcd->cd', G, J[i])                       # dL/dS contracted with dS/dT
readings = lambda G, i: (G * Bpost[i], G @ Bpost[i])                         # Hadamard, matrix product

A_post = (Mn - Mh) @ WOn.T
decide(55, close(A_post, dC), f"(M - Mhat)(W^O)^T is dL/dC only for L = 1/2 ||M - Mhat||^2; with the printed loss "
       f"dL/dM = (M - Mhat)/(2 ||M - Mhat||) = (M - Mhat)/{2 * r:.3f}")
decide(59, allh(lambda i: close(np.einsum('ab,ac,bd->abcd', Bpost[i], np.eye(n), np.eye(n)), J[i])),
       "dS_i/dT_i has the off-diagonal entries -s_ij s_ik/sqrt(d_k) within each row; (1/sqrt(d_k)) s (1 - s) entry by "
       "entry is only its diagonal")
decide(63, close(Cn.T @ (Mn - Mh), g(WO)), f"C^T (M - Mhat) uses line 55's dL/dM; C^T dL/dM with autograd's: "
       f"{close(Cn.T @ dM, g(WO))}")
decide(65, allh(lambda i: close(Vn.T @ sm[i].T @ sl(A_post, i), g(WV[i]))),
       f"V^T S_i^T A[head i] with line 55's A; with autograd's dL/dC: "
       f"{allh(lambda i: close(Vn.T @ sm[i].T @ sl(dC, i), g(WV[i])))}")
decide(67, allh(lambda i: any(close(Qn.T @ X @ n_(Kb[i]), g(WQ[i])) for X in readings(sl(A_post, i) @ n_(Vb[i]).T, i))),
       f"Q^T A Vbar^T B_i Kbar with lines 55 and 59 (B_i as Hadamard or matrix product); the same form with autograd's "
       f"dL/dC and the Jacobian: {allh(lambda i: close(Qn.T @ viaJ(sl(dC, i) @ n_(Vb[i]).T, i) @ n_(Kb[i]), g(WQ[i])))}")
own69 = allh(lambda i: close(Kn.T @ (n_(Vb[i]).T @ viaJ(sl(dC, i) @ n_(Vb[i]).T, i)).T, g(WK[i])))
with_Q = allh(lambda i: close(Kn.T @ (n_(Qb[i]).T @ viaJ(sl(dC, i) @ n_(Vb[i]).T, i)).T, g(WK[i])))
decide(69, own69, f"K^T (Vbar^T dL/dT)^T is not dL/dW^K even with autograd's dL/dC and the Jacobian; with Qbar^T "
       f"in place of the first Vbar^T it is: {with_Q}")

dM_post = Mn - Mh
decide(78, close(dM_post, dM), f"dL/dM = (M - Mhat)/(2 ||M - Mhat||) for the printed loss, not M - Mhat")
decide(82, close(Cn.T @ dM_post, g(WO)), f"C^T dL/dM with line 78's; with autograd's: {close(Cn.T @ dM, g(WO))}")
dC_post = dM_post @ WOn.T
decide(84, close(dC_post, dC), f"dL/dM (W^O)^T with line 78's; with autograd's: {close(dM @ WOn.T, dC)}")
dH_post = [sl(dC_post, i) for i in range(h)]
decide(86, allh(lambda i: close(dH_post[i], g(head[i]))), f"head i's columns of line 84's dL/dC; of autograd's: "
       f"{allh(lambda i: close(sl(dC, i), g(head[i])))}")
dS_post = [dH_post[i] @ n_(Vb[i]).T for i in range(h)]
decide(92, allh(lambda i: close(dS_post[i], g(S[i]))), f"dL/dhead_i Vbar_i^T with line 86's; with autograd's: "
       f"{allh(lambda i: close(g(head[i]) @ n_(Vb[i]).T, g(S[i])))}")
dVb_post = [sm[i].T @ dH_post[i] for i in range(h)]
decide(94, allh(lambda i: close(dVb_post[i], g(Vb[i]))), f"S_i^T dL/dhead_i with line 86's; with autograd's: "
       f"{allh(lambda i: close(sm[i].T @ g(head[i]), g(Vb[i])))}")
decide(98, allh(lambda i: close(Vn.T @ dVb_post[i], g(WV[i]))), f"V^T dL/dVbar_i with line 94's; with autograd's: "
       f"{allh(lambda i: close(Vn.T @ g(Vb[i]), g(WV[i])))}")
dT_post = [readings(dS_post[i], i) for i in range(h)]                        # (Hadamard, matrix product)
decide(100, allh(lambda i: any(close(X, g(T[i])) for X in dT_post[i])),
       f"dL/dS_i (1/sqrt(d_k)) softmax' with lines 92 and 102 (Hadamard or matrix product); with autograd's dL/dS and "
       f"softmax' the Jacobian: {allh(lambda i: close(viaJ(g(S[i]), i), g(T[i])))}")
Jraw = [jacobian(lambda x: torch.softmax(x, dim=1), (T[i] / np.sqrt(dk)).detach()).numpy() for i in range(h)]
decide(102, allh(lambda i: close(np.einsum('ab,ac,bd->abcd', sm[i] * (1 - sm[i]), np.eye(n), np.eye(n)), Jraw[i])),
       "the row softmax's derivative is diag(s) - s s^T in each row; s (1 - s) entry by entry is only its diagonal")
decide(106, allh(lambda i: any(close(X @ n_(Kb[i]), g(Qb[i])) for X in dT_post[i])),
       f"dL/dT_i Kbar_i with line 100's; with autograd's: {allh(lambda i: close(g(T[i]) @ n_(Kb[i]), g(Qb[i])))}")
decide(108, allh(lambda i: close(n_(Vb[i]).T @ g(T[i]), g(Kb[i]).T)),
       f"Vbar_i^T dL/dT_i is not dL/dKbar_i^T even with autograd's dL/dT (T = Qbar Kbar^T gives Qbar^T dL/dT): "
       f"{allh(lambda i: close(n_(Qb[i]).T @ g(T[i]), g(Kb[i]).T))}")
decide(112, allh(lambda i: any(close(Qn.T @ X @ n_(Kb[i]), g(WQ[i])) for X in dT_post[i])),
       f"Q^T dL/dQbar_i with line 106's; with autograd's: {allh(lambda i: close(Qn.T @ g(Qb[i]), g(WQ[i])))}")
decide(114, allh(lambda i: any(close(Kn.T @ (n_(Vb[i]).T @ X).T, g(WK[i])) for X in dT_post[i])),
       f"K^T (dL/dKbar^T)^T with line 108's; with autograd's: {allh(lambda i: close(Kn.T @ g(Kb[i]), g(WK[i])))}")

finish()
