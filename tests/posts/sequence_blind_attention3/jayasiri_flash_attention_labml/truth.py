"""Independent truth for tests/posts/sequence_blind_attention3/jayasiri_flash_attention_labml (NumPy and torch, no
derive).

The docstring's single attention head, row vectors: S_ij = sigma Q_i K_j^T (sigma the softmax scale), L_i = sum_j
e^{S_ij}, P_ij = e^{S_ij} / L_i, O_i = sum_j P_ij V_j; N = M = 6 positions, d = 4, sigma = 1/sqrt(d). The loss,
which the docstring leaves open (dO_i is 'the gradient vector on the output'), is F = sum(G (.) tanh(O)) with a random
G. References from torch autograd in float64: dO, dP, dS, dQ, dK, dV (the gradients of F at O, P, S, Q, K, V), and O
from torch's own scaled_dot_product_attention. The two online loops are run as printed: the first over single keys
from l_i = 0, O~_i = 0; the stable one over blocks of keys j1..j2 (three, two and one keys) from m_i = -inf, l_i = 0, O~_i = 0
(so that e^{m_i - m_i^new} = 0 at the first block), its '*' in P~_ij * V_j read as the block's product
sum_{j=j1}^{j2} P~_ij V_j. Backward lines are judged with the true values of what they name; each row of an align
block is its own claim."""
import numpy as np
import torch
import torch.nn.functional as F_
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, unchecked, finish  # noqa: E402

rng = np.random.default_rng(2205)
N, M, d = 6, 6, 4   # as many keys as queries, so that the output row O_j of key position j exists
sig = 1 / np.sqrt(d)
t_ = lambda a: torch.tensor(a, dtype=torch.float64, requires_grad=True)
Q, K, V = t_(rng.normal(size=(N, d))), t_(rng.normal(size=(M, d))), t_(rng.normal(size=(M, d)))
G = torch.tensor(rng.normal(size=(N, d)))
S = sig * Q @ K.T
P = torch.softmax(S, dim=1)
O = P @ V
for v in (S, P, O):
    v.retain_grad()
Fl = (G * torch.tanh(O)).sum()
Fl.backward()
n_ = lambda v: v.detach().numpy()
close = lambda a, b: np.shape(a) == np.shape(b) and np.allclose(a, b, atol=1e-12)
Qn, Kn, Vn, Sn, Pn, On = (n_(v) for v in (Q, K, V, S, P, O))
dO, dP, dS, dQ, dK, dV = (v.grad.numpy() for v in (O, P, S, Q, K, V))
rows = lambda f, n: np.stack([f(i) for i in range(n)], 0)

# ---------------- forward
ref = n_(F_.scaled_dot_product_attention(Q[None], K[None], V[None], scale=sig)[0])
decide(9, close(np.array([[sig * Qn[i] @ Kn[j] for j in range(M)] for i in range(N)]), Sn),
       "S_ij = sigma Q_i K_j^T (sigma the softmax scale, 1/sqrt(d) here)")
Ln = np.exp(Sn).sum(1)
decide(11, close(Ln, rows(lambda i: sum(np.exp(Sn[i, j]) for j in range(M)), N)), "L_i = sum_j e^{S_ij}")
decide(13, close(np.exp(Sn) / Ln[:, None], Pn), "P_ij = e^{S_ij} / L_i is the row softmax")
decide(15, close(rows(lambda i: sum(Pn[i, j] * Vn[j] for j in range(M)), N), ref) and close(On, ref),
       "O_i = sum_j P_ij V_j (against torch's scaled_dot_product_attention)")
decide(17, close(rows(lambda i: sum(np.exp(Sn[i, j]) * Vn[j] for j in range(M)) / Ln[i], N), On),
       "O_i = (1/L_i) sum_j e^{S_ij} V_j")
decide(31, close(sig * Qn @ Kn.T, Sn), "S_ij = sigma Q_i K_j^T (restated)")

# the first online loop, key by key from l_i = 0, O~_i = 0
l = np.zeros(N)
Ot_o, Ot_v = np.zeros((N, d)), np.zeros((N, d))
for j in range(M):
    l = l + np.exp(Sn[:, j])                                  # line 33
    Ot_o = Ot_o + np.exp(Sn[:, j])[:, None] * On[j]          # line 35 as printed: o_j, the output row O_j
    Ot_v = Ot_v + np.exp(Sn[:, j])[:, None] * Vn[j]          # with the value row V_j
decide(33, close(l, Ln), "l_i <- l_i + e^{S_ij} over all keys (from l_i = 0) ends at L_i")
decide(35, close(Ot_o / l[:, None], On),
       f"the only o the docstring defines is the output O (line 6); accumulating e^{{S_ij}} O_j gives O~_i / l_i = "
       f"sum_j P_ij O_j, not O_i (max difference {np.abs(Ot_o / l[:, None] - On).max():.3f}); with the value row V_j, "
       f"as line 15 has it, the loop gives O_i: {close(Ot_v / l[:, None], On)}")
decide(40, close(Ot_v / Ln[:, None], On), "O_i = O~_i / l_i with O~_i the unnormalised output sum_j e^{S_ij} V_j")

# the stable loop over blocks of three keys
blocks = [range(0, 3), range(3, 5), range(5, 6)]
m, l2, Ot = np.full(N, -np.inf), np.zeros(N), np.zeros((N, d))
ok53 = ok55 = ok57 = ok59 = True
for blk in blocks:
    js = list(blk)
    m_new = np.maximum(m, Sn[:, js].max(1))                                    # line 53
    Pt = np.exp(Sn[:, js] - m_new[:, None])                                    # line 55
    l2 = np.exp(m - m_new) * l2 + Pt.sum(1)                                    # line 57
    Ot = np.exp(m - m_new)[:, None] * Ot + Pt @ Vn[js]                         # line 59, the block product
    seen = js[-1] + 1
    ok53 &= close(m_new, Sn[:, :seen].max(1))
    ok55 &= close(Pt, np.exp(Sn[:, js] - Sn[:, :seen].max(1, keepdims=True)))
    ok57 &= close(l2, np.exp(Sn[:, :seen] - m_new[:, None]).sum(1))
    ok59 &= close(Ot, np.exp(Sn[:, :seen] - m_new[:, None]) @ Vn[:seen])
    m = m_new                                                                  # line 61
decide(53, ok53, "m_i^new = max(m_i, max over the block of S_ij) is the running max of the keys seen")
decide(55, ok55, "P~_ij = exp(S_ij - m_i^new)")
decide(57, ok57, "l_i <- e^{m_i - m_i^new} l_i + sum_{j=j1}^{j2} P~_ij is sum over the keys seen of e^{S_ij - m_i^new}")
decide(59, ok59, "O~_i <- e^{m_i - m_i^new} O~_i + P~_ij * V_j (read as the block product) is the rescaled unnormalised "
       "output of the keys seen")
decide(61, close(m, Sn.max(1)), "m_i <- m_i^new carries the running max; after the last block it is max_j S_ij")
decide(66, close(Ot / l2[:, None], On), "O_i = O~_i / l_i after the last block")

# ---------------- backward
decide(77, close(rows(lambda j: sum(Pn[i, j] * dO[i] for i in range(N)), M), dV), "dV_j = sum_i P_ij dO_i")
decide(79, close(np.array([[dO[i] @ Vn[j] for j in range(M)] for i in range(N)]), dP), "dP_ij = dO_i V_j^T")
unchecked(81, "dS_ij = dsoftmax(dP_ij): names an operator the docstring does not define; the next two rows give its value")
r83 = np.array([[sum(Pn[i, k] * ((j == k) - Pn[i, j]) * dP[i, k] for k in range(M)) for j in range(M)] for i in range(N)])
decide(83, close(r83, dS), "dS_ij = sum_k P_ik (delta_jk - P_ij) dP_ik, the row softmax's Jacobian dP_ik/dS_ij applied")
r85 = Pn * dP - Pn * (Pn * dP).sum(1, keepdims=True)
decide(85, close(r85, dS), "dS_ij = P_ij dP_ij - P_ij sum_k P_ik dP_ik")
decide(87, close(rows(lambda i: sig * sum(dS[i, j] * Kn[j] for j in range(M)), N), dQ), "dQ_i = sigma sum_j dS_ij K_j")
decide(89, close(rows(lambda j: sig * sum(dS[i, j] * Qn[i] for i in range(N)), M), dK), "dK_j = sigma sum_i dS_ij Q_i")
D = (Pn * dP).sum(1)
Dtrue = (dS - Pn * dP) / -Pn           # dS_ij = P_ij dP_ij - D_i P_ij, so D_i from the true dS in every column
decide(97, close(D[:, None] * np.ones((1, M)), Dtrue), "D_i = sum_k P_ik dP_ik is the D_i of dS_ij = P_ij dP_ij - D_i P_ij")
decide(99, close(rows(lambda i: sum(Pn[i, k] * (dO[i] @ Vn[k]) for k in range(M)), N), D), "sum_k P_ik dO_i V_k^T = D_i")
decide(101, close(rows(lambda i: dO[i] @ sum(Pn[i, k] * Vn[k] for k in range(M)), N), D), "dO_i sum_k P_ik V_k^T = D_i")
decide(103, close((dO * On).sum(1), D), "dO_i O_i^T = D_i")
decide(109, close(Pn * dP - D[:, None] * Pn, dS), "dS_ij = P_ij dP_ij - D_i P_ij")

finish()
