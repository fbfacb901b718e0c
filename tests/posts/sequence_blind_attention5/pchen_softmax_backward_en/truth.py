"""Independent truth for tests/posts/sequence_blind_attention5/pchen_softmax_backward_en (NumPy and torch, no derive).

The note's setting: one attention head, S = Q K^T (no scale, as the note writes it), the softmax applied to each row of
S, O = P V, with Q, K, V in R^{N x d}; N = 5 positions, d = 3. The loss, which the note leaves open ('a scalar loss'), is
L = sum(G (.) tanh(O)) with a random G. References from torch autograd in float64: dL/dO, dL/dP, dL/dS (P and S
intermediate nodes), the softmax Jacobian of one row (torch.autograd.functional.jacobian), and O from torch's own
scaled_dot_product_attention with scale 1. The first part of the note works on one row ('Everything below applies per
row'): S, P, dP, dS there are row i of the matrices, indexed from 0 as the note's sums are; each per-row line is checked
on every row. D in lines 154-190 is the scalar of the row; D[i], dP[i][j], O[i][l] in the second part index the
matrices (row i, column j or l). A display whose right side runs over several rows is claimed on the row that completes
it."""
import numpy as np
import torch
import torch.nn.functional as F_
from torch.autograd.functional import jacobian
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(5402)
N, d = 5, 3
T = lambda a: torch.tensor(a, dtype=torch.float64)
Qt, Kt, Vt = (T(rng.normal(size=(N, d))).requires_grad_() for _ in range(3))
G = T(rng.normal(size=(N, d)))
S = Qt @ Kt.T
P = torch.softmax(S, dim=1)
O = P @ Vt
for v in (S, P, O):
    v.retain_grad()
(G * torch.tanh(O)).sum().backward()
n_ = lambda v: v.detach().numpy()
close = lambda a, b: np.shape(a) == np.shape(b) and np.allclose(a, b, atol=1e-11)
Q, K, V, Sm, Pm, Om = (n_(v) for v in (Qt, Kt, Vt, S, P, O))
dOm, dPm, dSm = (v.grad.numpy() for v in (O, P, S))
R = range(N)
e = np.exp


def every_row(check):
    return all(check(Sm[r], Pm[r], dPm[r], dSm[r]) for r in R)


# ---------------- forward
decide(10, every_row(lambda s, p, dp, ds: close(p, np.array([e(s[i]) / sum(e(s[k]) for k in range(N))
                                                               for i in range(N)]))),
       "P[i] = e^{S[i]} / sum_{k=0}^{N-1} e^{S[k]} is each row of torch's softmax")
decide(13, bool((Pm > 0).all()) and close(Pm.sum(1), np.ones(N)), "P[i] > 0 and sum_i P[i] = 1")
ref = n_(F_.scaled_dot_product_attention(Qt[None], Kt[None], Vt[None], scale=1.0)[0])
decide(15, close(Q @ K.T, Sm) and close(Pm @ V, ref), "S = Q K^T, softmax on each row (O = PV against torch's "
       "scaled_dot_product_attention with scale 1)")

# ---------------- the chain rule and the partial derivatives (per row)
Jrows = [jacobian(lambda x: torch.softmax(x, 0), S.detach()[r]).numpy() for r in R]   # J[j, i] = dP[j]/dS[i]
decide(69, all(close(np.array([sum(dPm[r][j] * Jrows[r][j, i] for j in range(N)) for i in range(N)]), dSm[r])
               for r in R),
       "dS[i] = sum_{j=0}^{N-1} dP[j] dP[j]/dS[i] (dL/dP . dP/dS[i], the sum of the pointwise product)")
decide(87, every_row(lambda s, p, dp, ds: all(np.isclose(p[i], e(s[i]) / e(s).sum()) for i in range(N))),
       "P[i] = e^{S[i]} / sum_k e^{S[k]}")
Z = lambda s: e(s).sum()
decide(94, all(np.isclose(Jrows[r][i, i], (e(Sm[r][i]) * Z(Sm[r]) - e(Sm[r][i]) * e(Sm[r][i])) / Z(Sm[r]) ** 2)
               for r in R for i in range(N)),
       "dP[i]/dS[i] = (e^{S[i]} sum_k e^{S[k]} - e^{S[i]} e^{S[i]}) / (sum_k e^{S[k]})^2 (torch's jacobian)")
decide(98, all(np.isclose(Jrows[r][i, i], e(Sm[r][i]) / Z(Sm[r]) - (e(Sm[r][i]) / Z(Sm[r])) ** 2)
               for r in R for i in range(N)), "= e^{S[i]}/sum - (e^{S[i]}/sum)(e^{S[i]}/sum)")
decide(102, all(np.isclose(Jrows[r][i, i], Pm[r][i] - Pm[r][i] ** 2)
                and np.isclose(Pm[r][i] - Pm[r][i] ** 2, Pm[r][i] * (1 - Pm[r][i])) for r in R for i in range(N)),
       "= P[i] - P[i]^2 = P[i](1 - P[i])")
decide(108, every_row(lambda s, p, dp, ds: all(np.isclose(p[j], e(s[j]) / e(s).sum()) for j in range(N))),
       "P[j] = e^{S[j]} / sum_k e^{S[k]}")
decide(116, all(np.isclose(Jrows[r][j, i], (0 - e(Sm[r][j]) * e(Sm[r][i])) / Z(Sm[r]) ** 2)
                and np.isclose(Jrows[r][j, i], -Pm[r][j] * Pm[r][i])
                for r in R for i in range(N) for j in range(N) if j != i),
       "for j != i: dP[j]/dS[i] = (0 - e^{S[j]} e^{S[i]}) / (sum_k e^{S[k]})^2 = -P[j] P[i]")

# ---------------- substitute back (per row)
def others(i):
    return [j for j in range(N) if j != i]


decide(125, every_row(lambda s, p, dp, ds: all(np.isclose(
    ds[i], dp[i] * p[i] * (1 - p[i]) + sum(dp[j] * (-p[j] * p[i]) for j in others(i))) for i in range(N))),
    "dS[i] = dP[i] P[i](1 - P[i]) + sum_{j != i} dP[j](-P[j] P[i])")
decide(132, every_row(lambda s, p, dp, ds: all(np.isclose(
    ds[i], p[i] * (dp[i] * (1 - p[i]) - sum(dp[j] * p[j] for j in others(i)))) for i in range(N))),
    "dS[i] = P[i](dP[i](1 - P[i]) - sum_{j != i} dP[j] P[j])")
decide(140, every_row(lambda s, p, dp, ds: all(np.isclose(
    ds[i], p[i] * (dp[i] - dp[i] * p[i] - sum(dp[j] * p[j] for j in others(i)))) for i in range(N))),
    "dS[i] = P[i](dP[i] - dP[i] P[i] - sum_{j != i} dP[j] P[j])")
decide(143, every_row(lambda s, p, dp, ds: all(np.isclose(
    dp[i] * p[i] + sum(dp[j] * p[j] for j in others(i)), sum(dp[j] * p[j] for j in range(N))) for i in range(N))),
    "dP[i] P[i] + sum_{j != i} dP[j] P[j] = sum_j dP[j] P[j]")
decide(148, every_row(lambda s, p, dp, ds: all(np.isclose(ds[i], p[i] * (dp[i] - sum(dp[j] * p[j] for j in range(N))))
                                               for i in range(N))),
       "dS[i] = P[i](dP[i] - sum_j dP[j] P[j])")
decide(154, every_row(lambda s, p, dp, ds: np.isclose(sum(dp[j] * p[j] for j in range(N)), dp @ p)),
       "D = sum_j dP[j] P[j] = dP . P (the dot product of the row vectors)")
decide(160, every_row(lambda s, p, dp, ds: close(p * (dp - dp @ p), ds)), "dS[i] = P[i](dP[i] - D)")
decide(178, every_row(lambda s, p, dp, ds: close(p * (dp - dp @ p), ds)), "dS[i] = P[i](dP[i] - D) (restated)")
decide(184, every_row(lambda s, p, dp, ds: np.isclose(sum(dp[j] * p[j] for j in range(N)), dp @ p)),
       "D = sum_j dP[j] P[j] (restated; with line 178 it gives the true dS)")
decide(190, every_row(lambda s, p, dp, ds: close(p * (dp - dp @ p), ds))
       and close(Pm * (dPm - (dPm * Pm).sum(1, keepdims=True)), dSm),
       "dS = P (.) (dP - D), D one scalar per row")

# ---------------- the flash-attention part (matrices)
Dm = (dPm * Pm).sum(1)
decide(206, close(np.array([sum(dPm[i][j] * Pm[i][j] for j in range(N)) for i in R]), Dm),
       "D[i] = sum_j dP[i][j] P[i][j] (the row scalar of the softmax backward, row i)")
decide(209, close(dOm @ V.T, dPm) and close(Pm @ V, Om), "O = PV and dP = dO . V^T")
decide(212, close(np.array([sum(sum(dOm[i][l] * V[j][l] for l in range(d)) * Pm[i][j] for j in range(N))
                            for i in R]), Dm),
       "D[i] = sum_j (sum_l dO[i][l] V[j][l]) P[i][j]")
decide(218, close(np.array([sum(dOm[i][l] * sum(Pm[i][j] * V[j][l] for j in range(N)) for l in range(d))
                            for i in R]), Dm) and close((dOm * Om).sum(1), Dm),
       "D[i] = sum_l dO[i][l] sum_j P[i][j] V[j][l] = sum_l dO[i][l] O[i][l]")
decide(221, all(np.isclose(sum(Pm[i][j] * V[j][l] for j in range(N)), Om[i][l]) for i in R for l in range(d)),
       "sum_j P[i][j] V[j][l] = O[i][l]")
decide(224, close((dOm * Om).sum(1), Dm), "D[i] = sum_l dO[i][l] O[i][l]")
decide(235, all(np.isclose(Sm[i][j], Q[i] @ K[j]) for i in R for j in range(N)), "S[i][j] = Q[i] . K[j]^T (rows)")
Lrow = e(Sm).sum(1)
decide(238, all(np.isclose(Pm[i][j], e(Sm[i][j]) / Lrow[i]) for i in R for j in range(N)),
       "P[i][j] = e^{S[i][j]} / L[i] with L[i] = sum_k e^{S[i][k]} (line 232)")

finish()
