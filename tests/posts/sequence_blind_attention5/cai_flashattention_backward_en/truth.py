"""Independent truth for tests/posts/sequence_blind_attention5/cai_flashattention_backward_en (NumPy and torch, no
derive).

The post's standard attention, one head, row layout, no scale: S = Q K^T, P = softmax(S) by rows, O = P V, with
Q, K, V in R^{N x d}; N = 5 positions, d = 3 (N != d, so that a wrong shape shows). The loss, which the post leaves open
('a scalar-valued loss function L'), is L = sum(G (.) tanh(O)) with a random G. References from torch autograd in
float64: dL/dO, dL/dP, dL/dS, dL/dQ, dL/dK, dL/dV (P and S as intermediate nodes), the directional derivatives of L
(torch.func.jvp) for the post's differential lines dL = Tr(...), the Jacobian of the softmax and of O with respect to V
and P (torch.autograd.functional.jacobian), and O from torch's own scaled_dot_product_attention with scale 1. The post's
operator dsoftmax is the one it defines in line 63: the softmax Jacobian diag(y) - y y^T at row i of S, applied to a
column vector (row i of dL/dP or of dS); dL/dS = dsoftmax(dL/dP) is that, row by row ('with a slight abuse of
notation', line 71). A differential dX is a small direction E (any E: the lines are linear in it); lines that state a
differential identity are judged with the exact change (for the linear maps O(V) and O(P)) or with the directional
derivative. The generic chain-rule lines (82, 88, 94) are checked on concrete maps f: R^4 -> R^3, g: R^3 -> R^2 and a
scalar g."""
import numpy as np
import torch
import torch.nn.functional as F_
from torch.autograd.functional import jacobian
from torch.func import jvp
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(5401)
N, d = 5, 3
T = lambda a: torch.tensor(a, dtype=torch.float64)
Qt, Kt, Vt = (T(rng.normal(size=(N, d))).requires_grad_() for _ in range(3))
G = T(rng.normal(size=(N, d)))


def loss_of_O(O):
    return (G * torch.tanh(O)).sum()


S = Qt @ Kt.T
P = torch.softmax(S, dim=1)
O = P @ Vt
for v in (S, P, O):
    v.retain_grad()
Lval = loss_of_O(O)
Lval.backward()
n_ = lambda v: v.detach().numpy()
close = lambda a, b: np.shape(a) == np.shape(b) and np.allclose(a, b, atol=1e-11)
Q, K, V, Sn, Pn, On = (n_(v) for v in (Qt, Kt, Vt, S, P, O))
dO, dP, dS, dQ, dK, dV = (v.grad.numpy() for v in (O, P, S, Qt, Kt, Vt))


def dsoftmax(y):
    """the post's line 63: the Jacobian of softmax at output y, diag(y) - y y^T"""
    return np.diag(y) - np.outer(y, y)


# ---------------- forward
ref = n_(F_.scaled_dot_product_attention(Qt[None], Kt[None], Vt[None], scale=1.0)[0])
decide(8, close(Q @ K.T, Sn) and Sn.shape == (N, N) and close(Pn, np.exp(Sn) / np.exp(Sn).sum(1, keepdims=True))
       and close(Pn @ V, ref) and ref.shape == (N, d),
       "S = Q K^T (N x N), P = softmax(S) by rows, O = P V (N x d), against torch's scaled_dot_product_attention "
       "with scale 1")

# ---------------- the five backward formulas
decide(16, close(Pn.T @ dO, dV), "dL/dV = P^T dL/dO, N x d")
decide(20, close(dO @ V.T, dP) and dP.shape == (N, N), "dL/dP = dL/dO V^T, N x N")
rows_dsm = np.stack([dsoftmax(Pn[i]) @ dP[i] for i in range(N)])
decide(24, close(rows_dsm, dS), "dL/dS = dsoftmax(dL/dP), row i: (diag(P_i) - P_i P_i^T) dL/dP_i (the operator of "
       "line 63)")
decide(28, close(dS @ K, dQ), "dL/dQ = dL/dS K, N x d (no scale: S = Q K^T)")
decide(32, close(dS.T @ Q, dK), "dL/dK = (dL/dS)^T Q, N x d")

# ---------------- the trace derivations
E = rng.normal(size=(N, d))                    # a direction dV
decide(37, close(Pn @ (V + E) - Pn @ V, Pn @ E), "with P fixed, dO = P(V + dV) - PV = P dV (exactly: O is linear in V)")


def L_of_V(Vv):
    return loss_of_O(torch.softmax(Qt.detach() @ Kt.detach().T, 1) @ Vv)


_, dL_V = jvp(L_of_V, (Vt.detach(),), (T(E),))
dL_V = float(dL_V)
decide(40, np.isclose(dL_V, np.trace(dO.T @ (Pn @ E))) and np.isclose(np.trace(dO.T @ (Pn @ E)),
                                                                         np.trace(dO.T @ Pn @ E)),
       "dL along dV is Tr((dL/dO)^T dO) with dO = P dV")
decide(46, np.isclose(dL_V, np.trace(dO.T @ Pn @ E)) and np.isclose(np.trace(dO.T @ Pn @ E),
                                                                    np.trace((Pn.T @ dO).T @ E))
       and close(Pn.T @ dO, dV), "Tr((dL/dO)^T P dV) = Tr((P^T dL/dO)^T dV), and P^T dL/dO is dL/dV")
decide(49, close(Pn.T @ dO, dV), "dL/dV = P^T dL/dO (restated)")
Ep = rng.normal(size=(N, N))                   # a direction dP
decide(51, close((Pn + Ep) @ V - Pn @ V, Ep @ V) and close(dO @ V.T, dP),
       "dO = (P + dP)V - PV = dP V (exactly), and the announced dL/dP = dL/dO V^T")


def L_of_P(Pp):
    return loss_of_O(Pp @ Vt.detach())


_, dL_P = jvp(L_of_P, (P.detach(),), (T(Ep),))
dL_P = float(dL_P)
chain53 = [np.trace(dO.T @ (Ep @ V)), np.trace(dO.T @ Ep @ V), np.trace(V @ dO.T @ Ep), np.trace((dO @ V.T).T @ Ep)]
decide(53, all(np.isclose(dL_P, c) for c in chain53) and close(dO @ V.T, dP),
       "dL along dP: Tr((dL/dO)^T dO) = Tr((dL/dO)^T dP V) = Tr(V (dL/dO)^T dP) = Tr((dL/dO V^T)^T dP), the last "
       "factor dL/dP")
A3, B3, C3 = rng.normal(size=(3, 4)), rng.normal(size=(4, 2)), rng.normal(size=(2, 3))
decide(55, np.isclose(np.trace(A3 @ B3 @ C3), np.trace(B3 @ C3 @ A3)) and close(dO @ V.T, dP),
       "Tr(ABC) = Tr(BCA) (non-square A, B, C), and dL/dP = dL/dO V^T")
decide(57, all(close(Pn[i], np.exp(Sn[i]) / np.exp(Sn[i]).sum()) for i in range(N)), "P_{i,:} = softmax(S_{i,:})")

# row i of S perturbed: dL = (dL/dP_i)^T dP_i with dP_i = dsoftmax dS_i (first order)
i0 = 2
Es = np.zeros((N, N))
Es[i0] = rng.normal(size=N)


def L_of_S(Ss):
    return loss_of_O(torch.softmax(Ss, 1) @ Vt.detach())


_, dL_S = jvp(L_of_S, (S.detach(),), (T(Es),))
dL_S = float(dL_S)
_, dP_dir = jvp(lambda Ss: torch.softmax(Ss, 1), (S.detach(),), (T(Es),))
J = dsoftmax(Pn[i0])
decide(60, np.isclose(dL_S, dP[i0] @ dP_dir.numpy()[i0]) and np.isclose(dL_S, dP[i0] @ (J @ Es[i0]))
       and close(dP_dir.numpy()[i0], J @ Es[i0]),
       "dL = (dL/dP_i)^T dP_i = (dL/dP_i)^T dsoftmax(dS_i) along a direction in row i of S")
Jt = jacobian(lambda x: torch.softmax(x, 0), S.detach()[i0]).numpy()
decide(63, close(Jt, J) and close(J, J.T), "the Jacobian of y = softmax(x) is diag(y) - y y^T (against torch's "
       "jacobian), n x n and symmetric")
decide(68, np.isclose(dL_S, dP[i0] @ (J @ Es[i0])) and np.isclose(dP[i0] @ (J @ Es[i0]), (J.T @ dP[i0]) @ Es[i0])
       and np.isclose((J.T @ dP[i0]) @ Es[i0], (J @ dP[i0]) @ Es[i0]),
       "(dL/dP_i)^T dsoftmax(dS_i) = (dsoftmax^T dL/dP_i)^T dS_i = (dsoftmax dL/dP_i)^T dS_i")
decide(71, close(J @ dP[i0], dS[i0]) and close(rows_dsm, dS),
       "dL/dS_i = dsoftmax(dL/dP_i), and row by row dL/dS = dsoftmax(dL/dP)")

# ---------------- the generic chain rule, on concrete maps
W1, W2, w3 = T(rng.normal(size=(3, 4))), T(rng.normal(size=(2, 3))), T(rng.normal(size=3))
f = lambda x: torch.tanh(W1 @ x)
g = lambda y: torch.sin(W2 @ y)
gs = lambda y: (w3 * torch.exp(y)).sum()
x0 = T(rng.normal(size=4))
y0 = f(x0)
Jf, Jg, Jgf = jacobian(f, x0).numpy(), jacobian(g, y0).numpy(), jacobian(lambda x: g(f(x)), x0).numpy()
decide(82, close(Jgf, Jg @ Jf), "the k x n Jacobian of g o f is the k x m Jacobian of g times the m x n Jacobian of f")
dLdx = jacobian(lambda x: gs(f(x)), x0).numpy()
dLdy = jacobian(gs, y0).numpy()
decide(88, close(dLdx, dLdy @ Jf), "for a scalar g: [dL/dx_1 .. dL/dx_n] = [dL/dy_1 .. dL/dy_m] times the Jacobian of f")
decide(94, close(dLdx, np.array([sum(dLdy[k] * Jf[k, j] for k in range(3)) for j in range(4)])),
       "dL/dx_j = sum_k dL/dy_k dy_k/dx_j")

# ---------------- component-wise
decide(96, all(close(On[:, j], Pn @ V[:, j]) for j in range(d)), "O_{:,j} = P V_{:,j}")
JOV = jacobian(lambda Vv: P.detach() @ Vv, Vt.detach()).numpy()     # [k, j, i, j']
ok98 = all(np.isclose(On[k, j], sum(Pn[k, m] * V[m, j] for m in range(N))) for k in range(N) for j in range(d))
ok98 &= all(np.isclose(JOV[k, j, i, j], Pn[k, i]) for k in range(N) for i in range(N) for j in range(d))
decide(98, ok98, "O_kj = sum_m P_km V_mj and dO_kj/dV_ij = P_ki (torch's jacobian of O in V)")
r103 = np.array([[sum(dO[k, j] * JOV[k, j, i, j] for k in range(N)) for j in range(d)] for i in range(N)])
decide(103, close(r103, dV) and close(np.array([[sum(dO[k, j] * Pn[k, i] for k in range(N)) for j in range(d)]
                                                for i in range(N)]), Pn.T @ dO),
       "dL/dV_ij = sum_k dL/dO_kj dO_kj/dV_ij = sum_k dL/dO_kj P_ki = (P^T dL/dO)_ij")
JOP = jacobian(lambda Pp: Pp @ Vt.detach(), P.detach()).numpy()      # [i, k, i', j]
ok105 = close(On.T, V.T @ Pn.T)
ok105 &= all(np.isclose(On[i, k], sum(Pn[i, m] * V[m, k] for m in range(N))) for i in range(N) for k in range(d))
ok105 &= all(np.isclose(JOP[i, k, i, j], V[j, k]) and np.isclose(JOP[i, k, i, j], V.T[k, j])
             for i in range(N) for k in range(d) for j in range(N))
decide(105, ok105, "O^T = V^T P^T, O_ik = sum_m P_im V_mk, dO_ik/dP_ij = V_jk = (V^T)_kj")
r108 = np.array([[sum(dO[i, k] * V[j, k] for k in range(d)) for j in range(N)] for i in range(N)])
decide(108, close(r108, dP) and close(r108, dO @ V.T), "dL/dP_ij = sum_k dL/dO_ik V_jk = (dL/dO V^T)_ij")

finish()
