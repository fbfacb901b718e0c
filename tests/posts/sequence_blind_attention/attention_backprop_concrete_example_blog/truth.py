"""Independent truth for tests/posts/sequence_blind_attention/attention_backprop_concrete_example_blog (NumPy and
torch, no derive).

The post's 3 x 3 example with the scale dropped, as the post says it does: S = QK^T, P = row softmax(S), O = PV,
L = sum(G (.) O) for a random G = dL/dO. Each written-out matrix row is evaluated entry by entry as printed (p_ij the
entries of P, dL/do_ij those of G) against torch autograd; the row-1 softmax Jacobian against
torch.autograd.functional.jacobian."""
import numpy as np
import torch
import torch.nn.functional as F
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(21)
n = 3
t = lambda a: torch.tensor(a, dtype=torch.float64, requires_grad=True)
Q, K, V = (t(rng.normal(size=(n, n))) for _ in range(3))
G = rng.normal(size=(n, n))
S = Q @ K.T                      # line 1: the scale 1/sqrt(head_dim) is ignored; line 53: S = QK^T
P = torch.softmax(S, dim=1)
O = P @ V
for v in (S, P, O):
    v.retain_grad()
(O * torch.tensor(G)).sum().backward()
nn_ = lambda v: v.detach().numpy()
Pn, On, Qn, Kn, Vn = map(nn_, (P, O, Q, K, V))
dV, dP, dS, dQ, dK = (v.grad.numpy() for v in (V, P, S, Q, K))
assert np.allclose(On, F.scaled_dot_product_attention(Q[None], K[None], V[None], scale=1.0)[0].detach().numpy())
p = lambda i, j: Pn[i - 1, j - 1]
g = lambda i, j: G[i - 1, j - 1]

# lines 11-13: the written-out dL/dV, row r column c
row1 = [p(1, 1) * g(1, c) + p(2, 1) * g(2, c) + p(3, 1) * g(3, c) for c in (1, 2, 3)]
row2 = [p(1, 2) * g(1, c) + p(2, 2) * g(2, c) + p(3, 2) * g(3, c) for c in (1, 2, 3)]
row3 = [p(3, 1) * g(3, 1) + p(3, 2) * g(3, 2) + p(3, 3) * g(3, 3)] * 3   # as printed: the same sum in every column
decide(11, np.allclose(row1, dV[0]), "row 1: sum_a p_a1 dL/do_ac = dL/dv_1c")
decide(12, np.allclose(row2, dV[1]), "row 2: sum_a p_a2 dL/do_ac = dL/dv_2c")
right3 = [p(1, 3) * g(1, c) + p(2, 3) * g(2, c) + p(3, 3) * g(3, c) for c in (1, 2, 3)]
decide(13, np.allclose(row3, dV[2]),
       f"row 3 as printed is p_31 dL/do_31 + p_32 dL/do_32 + p_33 dL/do_33 in all three columns = {np.round(row3, 4)}; "
       f"autograd dL/dv_3c = {np.round(dV[2], 4)} = sum_a p_a3 dL/do_ac: {np.allclose(right3, dV[2])}")
decide(20, np.allclose(Pn.T @ G, dV), "dL/dV = P^T dL/dO")

# lines 27-29: the row-1 softmax Jacobian, J[k, j] = dp_1k/ds_1j (symmetric)
J = torch.autograd.functional.jacobian(lambda s: torch.softmax(s, 0), torch.tensor(nn_(S)[0])).numpy()
r1 = [p(1, 1) * (1 - p(1, 1)), -p(1, 1) * p(1, 2), -p(1, 1) * p(1, 3)]
r2 = [-p(1, 1) * p(1, 2), p(2, 2) * (1 - p(2, 2)), -p(1, 2) * p(1, 3)]
r3 = [-p(1, 1) * p(1, 3), -p(1, 2) * p(1, 3), p(3, 3) * (1 - p(3, 3))]
decide(27, np.allclose(r1, J[0]), "row 1: p11(1 - p11), -p11 p12, -p11 p13")
decide(28, np.allclose(r2, J[1]),
       f"row 2's diagonal p22(1 - p22) = {r2[1]:.4f} uses p_22 (row 2 of P); dp_12/ds_12 = p12(1 - p12) = {J[1, 1]:.4f}")
decide(29, np.allclose(r3, J[2]),
       f"row 3's diagonal p33(1 - p33) = {r3[2]:.4f} uses p_33 (row 3 of P); dp_13/ds_13 = p13(1 - p13) = {J[2, 2]:.4f}")
P1 = Pn[0:1]
decide(34, np.allclose(np.diag(Pn[0]) - P1.T @ P1, J), "diag(P_1) - P_1^T P_1 is the row-1 softmax Jacobian")
dP1 = dP[0:1]
decide(40, np.allclose(dP1 * P1 - (dP1 @ P1.T) * P1, dS[0:1]),
       "dL/dS_1 = dL/dP_1 (.) P_1 - (dL/dP_1 P_1^T) P_1 (a scalar times the row)")
decide(49, np.allclose(dP * Pn - (G * On).sum(1, keepdims=True) * Pn, dS),
       "dL/dS = dL/dP (.) P - ROW_SUM(dL/dO (.) O) (.) P, the row sums broadcast over each row")
decide(56, np.allclose(dS @ Kn, dQ), "dL/dQ = dL/dS K for S = QK^T")
decide(60, np.allclose(dS.T @ Qn, dK), "dL/dK = (dL/dS)^T Q for S = QK^T")
print(f"   (with the 1/sqrt(head_dim) of the post's opening formula, dL/dQ and dL/dK would each need that factor)")

finish()
