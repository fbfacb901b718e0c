"""Independent truth for tests/posts/sequence_attention/pearblossom_flashattention_backward_zh (NumPy and torch, no derive).

Standard attention S = QK^T/sqrt(D), P = row softmax, O = PV with S_q = 3, S_k = 4, D = 2, L = sum(G (.) O) for a
random G = dO. torch autograd (float64) gives dQ, dK, dV, dP, dS and the softmax Jacobian; every printed
expression (matrix lines and the index lines, for every i, j, k) is evaluated as written and compared."""
import numpy as np
import torch
import torch.nn.functional as F
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(17)
Sq, Sk, D = 3, 4, 2
t = lambda a: torch.tensor(a, dtype=torch.float64, requires_grad=True)
Q, K, V = t(rng.normal(size=(Sq, D))), t(rng.normal(size=(Sk, D))), t(rng.normal(size=(Sk, D)))
G = rng.normal(size=(Sq, D))
Stemp = Q @ K.T; S = Stemp / np.sqrt(D); P = torch.softmax(S, 1); O = P @ V
for v in (Stemp, S, P, O):
    v.retain_grad()
(O * torch.tensor(G)).sum().backward()
n = lambda v: v.detach().numpy()
Qn, Kn, Vn, Sn, Pn, On = map(n, (Q, K, V, S, P, O))
dO, dP, dS, dSt = G, P.grad.numpy(), S.grad.numpy(), Stemp.grad.numpy()
dQ, dK, dV = Q.grad.numpy(), K.grad.numpy(), V.grad.numpy()
l = np.exp(Sn).sum(1)
J = np.stack([torch.autograd.functional.jacobian(lambda s: torch.softmax(s, 0), torch.tensor(Sn[i])).numpy() for i in range(Sq)])
# J[i, k, j] = dP_ik/dS_ij
E = np.exp(Sn)

# formulas 4 and 5: B_i = sum_j A_ij, and B_ij = A_i (broadcast), with L = sum(c (.) B)
A4 = t(rng.normal(size=(3, 4))); c4 = rng.normal(size=3); (A4.sum(1) * torch.tensor(c4)).sum().backward()
decide(6, np.allclose(np.repeat(c4[:, None], 4, 1), A4.grad.numpy()), "B_i = sum_j A_ij: dA_ij = dB_i")
decide(9, np.allclose(c4[:, None] * 1.0, A4.grad.numpy()), "dB_i/dA_ij = 1, so dA_ij = dB_i dB_i/dA_ij = dB_i")
A5 = t(rng.normal(size=3)); c5 = rng.normal(size=(3, 4)); (A5[:, None].expand(3, 4) * torch.tensor(c5)).sum().backward()
dA5 = A5.grad.numpy()
decide(16, np.allclose(c5.sum(1), dA5), "B_ij = A_i: dA_i = sum_j dB_ij")
first = np.array([sum(dA5[i] for j in range(4)) for i in range(3)])
decide(19, np.allclose(first, dA5) and np.allclose((c5 * 1.0).sum(1), dA5),
       f"the first step sum_j dL/dA_i = 4 dA_i ({first.round(3)} vs {dA5.round(3)}); the later steps are right")

ref = F.scaled_dot_product_attention(Q[None], K[None], V[None])[0].detach().numpy()
decide(28, np.allclose(Qn @ Kn.T / np.sqrt(D), Sn), "S = QK^T/sqrt(D)")
decide(29, np.allclose(np.exp(Sn) / l[:, None], Pn), "P = softmax(S) by rows")
decide(30, np.allclose(Pn @ Vn, ref), "O = PV = torch scaled_dot_product_attention")
decide(36, np.allclose(Pn.T @ dO, dV), "dV = P^T dO")
decide(37, np.allclose(dO @ Vn.T, dP), "dP = dO V^T")
delta = (dO * On).sum(1)
decide(38, np.allclose(delta, (dP * Pn).sum(1)), "delta = row_sum(dO (.) O) equals row_sum(dP (.) P)")
decide(39, np.allclose(Pn * (dP - delta[:, None]), dS), "dS = P (.) (dP - delta)")
decide(40, np.allclose(dS @ Kn / np.sqrt(D), dQ), "dQ = dS K/sqrt(D)")
decide(41, np.allclose(dS.T @ Qn / np.sqrt(D), dK), "dK = dS^T Q/sqrt(D)")

ii = range(Sq); jj = range(Sk)
decide(59, all(np.isclose(E[i, j] / l[i], Pn[i, j]) for i in ii for j in jj), "P_ij = exp(S_ij)/l_i, l_i = sum_k exp(S_ik)")
diag = np.array([[J[i, j, j] for j in jj] for i in ii])
decide(61, np.allclose(diag, np.array([[(E[i, j] * l[i] - E[i, j] ** 2) / l[i] ** 2 for j in jj] for i in ii])),
       "dP_ij/dS_ij = d/dS_ij [exp(S_ij)/l_i] (the quotient, whose derivative is the next line)")
decide(62, np.allclose(diag, (E * l[:, None] - E * E) / l[:, None] ** 2), "[exp(S_ij) l_i - exp(S_ij)^2]/l_i^2 = Jacobian diagonal")
decide(63, np.allclose(diag, E / l[:, None] * (1 - E / l[:, None])), "exp(S_ij)/l_i [1 - exp(S_ij)/l_i]")
decide(64, np.allclose(diag, Pn * (1 - Pn)), "P_ij (1 - P_ij)")
off = [(i, k, j) for i in ii for k in jj for j in jj if k != j]
decide(70, all(np.isclose(E[i, k] / l[i], Pn[i, k]) for i, k, _ in off), "P_ik = exp(S_ik)/l_i")
decide(72, all(np.isclose(J[i, k, j], (0 - E[i, k] * E[i, j]) / l[i] ** 2) for i, k, j in off),
       "dP_ik/dS_ij = d/dS_ij [exp(S_ik)/l_i] (evaluated through the next line)")
decide(73, all(np.isclose(J[i, k, j], (0 - E[i, k] * E[i, j]) / l[i] ** 2) for i, k, j in off), "[0 - exp(S_ik) exp(S_ij)]/l_i^2")
decide(74, all(np.isclose(J[i, k, j], -E[i, k] / l[i] * E[i, j] / l[i]) for i, k, j in off), "-exp(S_ik)/l_i exp(S_ij)/l_i")
decide(75, all(np.isclose(J[i, k, j], -Pn[i, k] * Pn[i, j]) for i, k, j in off), "-P_ik P_ij")
decide(82, np.allclose(diag, Pn * (1 - Pn)), "summary, k = j: P_ij (1 - P_ij)")
decide(83, all(np.isclose(J[i, k, j], -Pn[i, k] * Pn[i, j]) for i, k, j in off), "summary, k != j: -P_ik P_ij")
decide(95, np.allclose(np.einsum('ik,ikj->ij', dP, J), dS), "dS_ij = sum_k dL/dP_ik dP_ik/dS_ij")
nk = lambda i, j, f: sum(f(k) for k in jj if k != j)
lines101 = {
    101: lambda i, j: dP[i, j] * Pn[i, j] * (1 - Pn[i, j]) + nk(i, j, lambda k: dP[i, k] * (-Pn[i, k] * Pn[i, j])),
    102: lambda i, j: dP[i, j] * Pn[i, j] * (1 - Pn[i, j]) - Pn[i, j] * nk(i, j, lambda k: dP[i, k] * Pn[i, k]),
    103: lambda i, j: dP[i, j] * Pn[i, j] - dP[i, j] * Pn[i, j] ** 2 - Pn[i, j] * nk(i, j, lambda k: dP[i, k] * Pn[i, k]),
    104: lambda i, j: dP[i, j] * Pn[i, j] - Pn[i, j] * (dP[i, j] * Pn[i, j] + nk(i, j, lambda k: dP[i, k] * Pn[i, k])),
    105: lambda i, j: dP[i, j] * Pn[i, j] - Pn[i, j] * sum(dP[i, k] * Pn[i, k] for k in jj),
}
for ln, f in lines101.items():
    decide(ln, all(np.isclose(f(i, j), dS[i, j]) for i in ii for j in jj), "dS_ij step, every i, j, against autograd")
dlt = np.array([sum(dP[i, k] * Pn[i, k] for k in jj) for i in ii])
decide(111, np.allclose(Pn * (dP - dlt[:, None]), dS), "dS_ij = P_ij (dP_ij - delta_i)")
decide(119, np.allclose((dP * Pn).sum(1), dlt), "delta = row_sum(dP (.) P)")
decide(120, np.allclose(Pn * (dP - dlt[:, None]), dS), "dS = P (.) (dP - delta[:, None])")
steps = {
    130: lambda i: sum(dP[i, j] * Pn[i, j] for j in jj),
    131: lambda i: sum(sum(dO[i, k] * Vn[j, k] for k in range(D)) * Pn[i, j] for j in jj),
    132: lambda i: sum(dO[i, k] * sum(Vn[j, k] * Pn[i, j] for j in jj) for k in range(D)),
    133: lambda i: sum(dO[i, k] * sum(Pn[i, j] * Vn[j, k] for j in jj) for k in range(D)),
    134: lambda i: sum(dO[i, k] * On[i, k] for k in range(D)),
}
for ln, f in steps.items():
    decide(ln, all(np.isclose(f(i), dlt[i]) for i in ii), "a step of delta_i = sum_k dO_ik O_ik")
decide(140, np.allclose((dO * On).sum(1), dlt), "delta = row_sum(dO (.) O)")
decide(169, np.allclose(dS / np.sqrt(D), dSt), "S = S_temp/sqrt(D): dS_temp = dS/sqrt(D)")
decide(181, np.allclose(dSt @ Kn, dQ), "dQ = dS_temp K")
decide(182, np.allclose((dS / np.sqrt(D)) @ Kn, dQ), "(dS/sqrt(D)) K")
decide(183, np.allclose(dS @ Kn / np.sqrt(D), dQ), "dS K/sqrt(D)")
decide(191, np.allclose(dSt.T @ Qn, dK), "dK = dS_temp^T Q")
decide(192, np.allclose((dS / np.sqrt(D)).T @ Qn, dK), "(dS/sqrt(D))^T Q")
decide(193, np.allclose(dS.T @ Qn / np.sqrt(D), dK), "dS^T Q/sqrt(D)")

finish()
