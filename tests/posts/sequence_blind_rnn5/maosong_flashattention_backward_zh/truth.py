"""Independent truth for tests/posts/sequence_blind_rnn5/maosong_flashattention_backward_zh (NumPy and torch, no derive).

The notes' attention (FlashAttention paper notes): S = Q K^T (no 1/sqrt(d)), P = softmax(S) row by row, O = P V,
Q, K, V in R^{N x d} taken as given, a loss phi left open: the truth takes phi = sum(G (.) O) for a random G, so
dO = G. N = 5, d = 3. Vectors q_i, k_j, v_j, o_i, do_i, dq_i, dk_j, dv_j are the ROWS of Q, K, V, O, dO, dQ, dK, dV
(as columns in the formulas: q_i^T k_j = S_ij), P_{i:}, dP_{i:}, dS_{i:} the i-th rows; the notes' prose calls q_i,
k_j, v_j, o_i 'the i-th/j-th column' (第 i 列), which cannot be meant (the indices run to N, the formulas need the
rows); that prose is not claimed. References from torch autograd in float64: dQ, dK, dV, the gradient at S and at
P, and the row softmax's Jacobian (torch.autograd.functional.jacobian). Each printed equality of a line is evaluated
as written (sums over the printed index and range) and compared with the true value; a line is right only if every
equality holds for every index."""
import numpy as np
import torch
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(83)
N, d = 5, 3
Tt = lambda a: torch.tensor(a, dtype=torch.float64)
Qt, Kt, Vt = (Tt(rng.normal(0, 0.8, (N, d))).requires_grad_() for _ in range(3))
G = rng.normal(0, 1.0, (N, d))
St = Qt @ Kt.T
St.retain_grad()
Pt = torch.softmax(St, dim=1)
Pt.retain_grad()
Ot = Pt @ Vt
(Ot * Tt(G)).sum().backward()
Q, K, V = (a.detach().numpy() for a in (Qt, Kt, Vt))
S, P, O = (a.detach().numpy() for a in (St, Pt, Ot))
dQ, dK, dV, dS, dP = Qt.grad.numpy(), Kt.grad.numpy(), Vt.grad.numpy(), St.grad.numpy(), Pt.grad.numpy()
dO = G
close = lambda a, b: np.shape(a) == np.shape(b) and np.allclose(a, b, atol=1e-12)
rows = range(N)

assert close(S, Q @ K.T) and close(P, np.exp(S) / np.exp(S).sum(1, keepdims=True)) and close(O, P @ V)
decide(4, True, "S = QK^T, P = softmax(S) by rows, O = PV (definitions, checked against torch)")
decide(7, all(close(S[i, j], Q[i] @ K[j]) for i in rows for j in rows),
       "S_ij = q_i^T k_j with q_i, k_j the rows of Q and K (the prose's 'column' not claimed)")
L = np.exp(S).sum(1)
decide(10, close(L, np.array([sum(np.exp(Q[i] @ K[j]) for j in rows) for i in rows])),
       "L_i = sum_j exp(q_i^T k_j) (definition of the normaliser; P_ij = exp(S_ij)/L_i)")
decide(18, all(close(O[i], P[i] @ V) and close(O[i], sum(P[i, j] * V[j] for j in rows))
               and close(O[i], sum(np.exp(Q[i] @ K[j]) / L[i] * V[j] for j in rows)) for i in rows),
       "o_i = P_{i:} V = sum_j P_ij v_j = sum_j exp(q_i^T k_j)/L_i v_j")
decide(23, close(P.T @ dO, dV), "dV = P^T dO")
decide(26, all(close(sum(P[i, j] * dO[i] for i in rows), dV[j])
               and close(sum(np.exp(Q[i] @ K[j]) / L[i] * dO[i] for i in rows), dV[j]) for j in rows),
       "dv_j = sum_i P_ij do_i = sum_i exp(q_i^T k_j)/L_i do_i")
decide(31, close(dO @ V.T, dP), "dP = dO V^T")
decide(34, all(close(dO[i] @ V[j], dP[i, j]) for i in rows for j in rows), "dP_ij = do_i^T v_j")
Jac = [torch.autograd.functional.jacobian(lambda s: torch.softmax(s, 0), Tt(S[i])).numpy() for i in rows]
decide(39, all(close(Jac[i], np.diag(P[i]) - np.outer(P[i], P[i])) for i in rows),
       "P_{i:} = softmax(S_{i:}) (s_{i:} read as the i-th row of S) with Jacobian diag(y) - y y^T")
decide(42, all(close((np.diag(P[i]) - np.outer(P[i], P[i])) @ dP[i], dS[i])
               and close(P[i] * dP[i] - (P[i] @ dP[i]) * P[i], dS[i]) for i in rows),
       "dS_{i:} = (diag(P_{i:}) - P_{i:}P_{i:}^T) dP_{i:} = P_{i:} (.) dP_{i:} - (P_{i:}^T dP_{i:}) P_{i:}")
D = np.array([P[i] @ dP[i] for i in rows])
decide(48, all(close(D[i], sum(np.exp(Q[i] @ K[j]) / L[i] * (dO[i] @ V[j]) for j in rows))
               and close(D[i], dO[i] @ sum(np.exp(Q[i] @ K[j]) / L[i] * V[j] for j in rows))
               and close(D[i], dO[i] @ O[i]) for i in rows),
       "D_i = P_{i:}^T dP_{i:} = sum_j exp(q_i^T k_j)/L_i do_i^T v_j = do_i^T sum_j ... v_j = do_i^T o_i")
decide(56, all(close(P[i] * dP[i] - D[i] * P[i], dS[i]) for i in rows), "dS_{i:} = P_{i:} (.) dP_{i:} - D_i P_{i:}")
decide(62, all(close(P[i, j] * dP[i, j] - D[i] * P[i, j], dS[i, j]) and close(P[i, j] * (dP[i, j] - D[i]), dS[i, j])
               for i in rows for j in rows), "dS_ij = P_ij dP_ij - D_i P_ij = P_ij (dP_ij - D_i)")
decide(65, all(close(S[i, j], Q[i] @ K[j]) for i in rows for j in rows), "S_ij = q_i^T k_j (rows)")
decide(68, all(close(sum(dS[i, j] * K[j] for j in rows), dQ[i])
               and close(sum(P[i, j] * (dP[i, j] - D[i]) * K[j] for j in rows), dQ[i])
               and close(sum(np.exp(Q[i] @ K[j]) / L[i] * (dO[i] @ V[j] - D[i]) * K[j] for j in rows), dQ[i])
               for i in rows),
       "dq_i = sum_j dS_ij k_j = sum_j P_ij (dP_ij - D_i) k_j = sum_j exp(q_i^T k_j)/L_i (do_i^T v_j - D_i) k_j")
# line 76 as printed: the sum runs over j (the index of dk_j itself) with i free; for any i its value is
# q_i sum_j dS_ij, and the rows of dS sum to 0 (softmax), so every reading of the free i gives the zero vector
printed = {i: sum(dS[i, jj] * Q[i] for jj in rows) for i in rows}
print(f"   (line 76 as printed, sum over j of dS_ij q_i, for i = 0..N-1: max |value| = "
      f"{max(np.abs(v).max() for v in printed.values()):.1e}; max |dk_j| = {np.abs(dK).max():.2f}; with the sum over "
      f"i instead it is dk_j: {all(close(sum(dS[i, j] * Q[i] for i in rows), dK[j]) for j in rows)})")
printed2 = {i: sum(P[i, jj] * (dP[i, jj] - D[i]) * Q[i] for jj in rows) for i in rows}
printed3 = {i: sum(np.exp(Q[i] @ K[jj]) / L[i] * (dO[i] @ V[jj] - D[i]) * Q[i] for jj in rows) for i in rows}
decide(76, all(close(pr[i], dK[j]) for pr in (printed, printed2, printed3) for i in rows for j in rows),
       "dk_j = sum_i dS_ij q_i: the sum must run over the query index i; summed over j (with i left free) each "
       "term is q_i times a row sum of dS, which is 0")
finish()
