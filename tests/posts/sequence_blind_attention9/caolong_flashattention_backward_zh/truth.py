"""Independent truth for tests/posts/sequence_blind_attention9/caolong_flashattention_backward_zh (NumPy and torch,
no derive).

The note's attention (its forward lines 6-10 and the forward section above the excerpt): S = scale * Q K^T with
scale = 1/sqrt(D), P = softmax(S) row by row (exp(S - M) / sum exp(S - M), M the row maximum), O = P V; rows are
positions. N = 6 positions, D = 3 (so a wrong shape shows), unmasked as the derivation is (the note's kernel is
causal; the derivation does not use the mask). The loss the note leaves open (it starts from dO) is
L = sum(G (.) tanh(O)) with a random G. References from torch autograd in float64: dO, dP (= dL/dP), dS (= dL/dS,
S the scaled scores), dV, dQ, dK, and the Jacobian dP_j/dS_i of each row (torch.autograd.functional.jacobian). The
note's '*' between matrices is the matrix product (O = P * V), '*' between scalars the product, '\\circ' the
elementwise product; dS_i, dP_j, P_j are the entries of one row (line 21 fixes the row); Delta is broadcast over the
row's columns. Index sums are evaluated for every index. The Triton block lines are checked by accumulating over blocks
of 2 query rows and 3 key rows."""
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish, unchecked  # noqa: E402

rng = np.random.default_rng(9091)
N, D = 6, 3
scale = 1 / np.sqrt(D)
T = lambda a: torch.tensor(a, dtype=torch.float64)
Qt, Kt, Vt = (T(rng.normal(size=(N, D))).requires_grad_() for _ in range(3))
G = T(rng.normal(size=(N, D)))
St = scale * (Qt @ Kt.T)
St.retain_grad()
Pt = torch.softmax(St, dim=1)
Pt.retain_grad()
Ot = Pt @ Vt
Ot.retain_grad()
(G * torch.tanh(Ot)).sum().backward()
n_ = lambda t: t.detach().numpy()
Q, K, V, S, P, O = map(n_, (Qt, Kt, Vt, St, Pt, Ot))
dO, dP, dS = Ot.grad.numpy(), Pt.grad.numpy(), St.grad.numpy()
dQ, dK, dV = Qt.grad.numpy(), Kt.grad.numpy(), Vt.grad.numpy()
close = lambda a, b: np.shape(a) == np.shape(b) and np.allclose(a, b, atol=1e-11)
Jac = [torch.autograd.functional.jacobian(lambda s: torch.softmax(s, 0), T(S[r])).numpy() for r in range(N)]  # [j, i]
Delta = (P * dP).sum(1)            # the row sum the softmax backward needs, sum_k P_ik dP_ik
ref = n_(torch.nn.functional.scaled_dot_product_attention(Qt[None], Kt[None], Vt[None])[0])

# ---------------- the forward
decide(6, close(S, scale * (Q @ K.T)), "S = scale * (Q K^T), scale = 1/sqrt(D) (re-evaluated)")
M = S.max(1, keepdims=True)
decide(8, close(P, np.exp(S - M) / np.exp(S - M).sum(1, keepdims=True)),
       "P = softmax(S) = exp(S - M) / sum exp(S - M) by rows, M the row maximum")
decide(10, close(O, P @ V) and close(O, ref), "O = P V (against torch's scaled_dot_product_attention)")

# ---------------- dV, dP, the softmax row by row
decide(14, close(P.T @ dO, dV), "dV = P^T dO")
decide(18, close(dO @ V.T, dP), "dP = dO V^T")
decide(21, all(close(np.array([sum(dP[r, j] * Jac[r][j, i] for j in range(N)) for i in range(N)]), dS[r])
               for r in range(N)), "dS_i = sum_j dP_j dP_j/dS_i (autograd Jacobian), every row")
decide(24, all(np.isclose(Jac[r][i, i], P[r, i] * (1 - P[r, i])) for r in range(N) for i in range(N)),
       "i = j: dP_j/dS_i = P_j (1 - P_j)")
decide(25, all(np.isclose(Jac[r][j, i], -P[r, j] * P[r, i]) for r in range(N) for i in range(N) for j in range(N)
               if i != j), "i != j: dP_j/dS_i = -P_j P_i")
first_all = [[sum(dP[r, j] * (-P[r, j] * P[r, i]) for j in range(N)) + dP[r, i] * P[r, i] * (1 - P[r, i])
              for i in range(N)] for r in range(N)]
first_ne = [[sum(dP[r, j] * (-P[r, j] * P[r, i]) for j in range(N) if j != i) + dP[r, i] * P[r, i] * (1 - P[r, i])
             for i in range(N)] for r in range(N)]
ok_first = close(np.array(first_all), dS)
print("   line 26, first equality with the sum over every j:", ok_first, "; over j != i:",
      close(np.array(first_ne), dS))
second_any_j = any(all(np.isclose(sum(dP[r, jj] * (-P[r, jj] * P[r, i]) for jj in range(N)) + dP[r, i] * dP[r, j],
                                  dS[r, i]) for r in range(N) for i in range(N)) for j in range(N))
second_fixed = close(np.array([[sum(dP[r, j] * (-P[r, j] * P[r, i]) for j in range(N)) + dP[r, i] * P[r, i]
                                for i in range(N)] for r in range(N)]), dS)
print("   line 26, second expression with dP_i * P_i for dP_i * dP_j would hold:", second_fixed)
decide(26, ok_first and second_any_j,
       "dS_i = sum_j dP_j (-P_j P_i) + dP_i P_i (1 - P_i) = sum_j dP_j (-P_j P_i) + dP_i dP_j: the first sum over "
       "every j counts j = i twice, and the last term dP_i dP_j (j free) holds for no j; dP_i P_i belongs there")
lit27 = any(all(np.isclose(P[r, i] * (dP[r, i] - N * dP[r, j] * dP[r, j]), dS[r, i])
                for r in range(N) for i in range(N)) for j in range(N))
row27 = close(P * (dP - (dP * dP).sum(1, keepdims=True)), dS)
print("   line 27 with P_j dP_j in the sum would hold:", close(P * (dP - Delta[:, None]), dS))
decide(27, lit27 or row27, "P_i (dP_i - sum dP_j dP_j): neither as printed (sum over i of a term in a free j) nor "
       "with the sum over the row's j; the sum must be sum_j P_j dP_j")

# ---------------- Delta
decide(32, close((dP * dP).sum(1), Delta), "Delta_i = sum_k dP_ik dP_ik is not the row sum the softmax backward "
       "needs, sum_k P_ik dP_ik (the dP_j dP_j of line 27)")
decide(33, close(dO @ V.T, dP) and close(np.einsum("id,kd->ik", dO, V), dP),
       "dP_ik = dO_i V_k^T = sum_d dO_id V^T_dk = sum_d dO_id V_kd")
a34 = np.einsum("ik,id,kd->i", P, dO, V)
b34 = np.einsum("id,ik,kd->i", dO, P, V)
decide(34, close(a34, Delta) and close(b34, Delta),
       "Delta_i = sum_k P_ik sum_d dO_id V_kd = sum_d dO_id sum_k P_ik V_kd (Delta read as sum_k P_ik dP_ik)")
decide(35, close((dO * O).sum(1), Delta), "= sum_d dO_id O_id")
decide(36, close(np.sum(dO * O, axis=-1), Delta), "Delta = sum(dO * o, axis=-1), o the rows of O")
decide(37, close(P * (dP - Delta[:, None]), dS), "dS = P (.) (dP - Delta), Delta broadcast over the row")

# ---------------- dQ, dK
decide(44, close(dS @ K * scale, dQ), "dQ = dS K scale")
decide(45, close(dS.T @ Q * scale, dK), "dK = dS^T Q scale")

# ---------------- the Triton flow
B_, H_ = 2, 2
O4, dO4 = rng.normal(size=(B_, H_, N, D)), rng.normal(size=(B_, H_, N, D))
Delta4 = np.sum(O4 * dO4, axis=-1)
decide(57, close(np.sum(O * dO, axis=-1), Delta) and Delta4.shape == (B_, H_, N),
       "Delta = sum(O * dO, axis=-1) (= sum_k P_ik dP_ik)")
decide(59, Delta4.shape == (B_, H_, N), "Delta has shape [B, H, N] for O, dO of shape [B, H, N, D]")
unchecked(67, "S = QK^T for the recomputed block: without the scale of line 6 it is not S, and the note's kernel "
          "(outside the excerpt) multiplies K by scale * log2(e) before this product; which Q, K the line means is the "
          "question")
unchecked(69, "P = exp(S - M): with M the row maximum of the forward (and of line 8) this lacks the normalisation; "
          "the kernel subtracts the stored log-sum-exp (LSE) instead; the symbol's meaning is the question")
qb = [slice(0, 2), slice(2, 4), slice(4, 6)]
kb = [slice(0, 3), slice(3, 6)]
accV = [sum(P[q, k].T @ dO[q] for q in qb) for k in kb]
decide(71, all(close(accV[i], dV[k]) for i, k in enumerate(kb)),
       "dV += P^T dO over the query blocks gives dV of the key block")
decide(73, all((P[q, k].T @ dO[q]).shape == (3, D) and P[q, k].T.shape == (3, 2) for q in qb for k in kb),
       "[BLOCK_KV, BLOCK_Q] * [BLOCK_Q, D] = [BLOCK_KV, D]")
dSb = P * (dP - Delta[:, None])
accK = [sum(dSb[q, k].T @ Q[q] for q in qb) for k in kb]
print("   line 75 accumulated as printed equals dK:", all(close(accK[i], dK[k]) for i, k in enumerate(kb)),
      "; times scale afterwards:", all(close(accK[i] * scale, dK[k]) for i, k in enumerate(kb)))
unchecked(75, "dK += dS^T Q: accumulated as printed it lacks the scale of line 45; the kernel multiplies the "
          "accumulator by scale afterwards (outside the excerpt); the line is a sketch of that accumulator")
decide(77, all((dSb[q, k].T @ Q[q]).shape == (3, D) for q in qb for k in kb),
       "[BLOCK_KV, BLOCK_Q] * [BLOCK_Q, D] = [BLOCK_KV, D]")
accQ = [sum(dSb[q, k] @ K[k] for k in kb) for q in qb]
print("   line 85 accumulated as printed equals dQ:", all(close(accQ[i], dQ[q]) for i, q in enumerate(qb)),
      "; times scale afterwards:", all(close(accQ[i] * scale, dQ[q]) for i, q in enumerate(qb)))
unchecked(85, "dQ += dS K: as line 75, the scale of line 44 is applied to the accumulator afterwards in the kernel")

finish()
