"""Independent truth for tests/posts/sequence_attention/goubasarian_attention_backprop (NumPy and torch, no derive).

Single-head attention C = softmax(QK^T/sqrt(d_k)) V, Q, K, V of n = 4 rows and h = d_k = 3 columns, L = sum(G (.) C)
for a random G = dL/dC. The post's softmax split B_1 = exp(W), B_2 = B_1 1, B_3 = 1/B_2, B_4 = B_3 1^T, B = B_1 (.) B_4
is built in torch with every intermediate's gradient kept; each zeta is evaluated as printed (from the post's own
earlier zetas) and against autograd; where a line's local step is right but its input is wrong it is carried."""
import numpy as np
import torch
import torch.nn.functional as F
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

torch.manual_seed(3)
T = lambda a: torch.tensor(a, dtype=torch.float64)
rng = np.random.default_rng(11)
n, h = 4, 3
dk = h
Qn, Kn, Vn, G = rng.normal(size=(n, h)), rng.normal(size=(n, h)), rng.normal(size=(n, h)), rng.normal(size=(n, h))
Q, K, V = (T(a).requires_grad_() for a in (Qn, Kn, Vn))
W = Q @ K.T / np.sqrt(dk); B1 = torch.exp(W); B2 = B1.sum(1, keepdim=True); B3 = B2 ** -1
B4 = B3 @ torch.ones(1, n, dtype=torch.float64); B = B1 * B4; C = B @ V
for t in (W, B1, B2, B3, B4, B, C):
    t.retain_grad()
(C * T(G)).sum().backward()
g = {k: v.grad.numpy() for k, v in dict(W=W, B1=B1, B2=B2, B3=B3, B4=B4, B=B, Q=Q, K=K, V=V).items()}
Bn, B1n, B2n, B4n = B.detach().numpy(), B1.detach().numpy(), B2.detach().numpy(), B4.detach().numpy()
one = np.ones((n, 1))
sdpa = F.scaled_dot_product_attention(T(Qn)[None], T(Kn)[None], T(Vn)[None])[0].numpy()

# preliminaries: Y1 = W X1, Y2 = X2 W, Z = Y1 + Y2, W (n x m), X1, X2 (m x n)
nn_, m = 3, 2
Wp, X1, X2 = rng.normal(size=(nn_, m)), rng.normal(size=(m, nn_)), rng.normal(size=(m, nn_))
try:
    _ = Wp @ X1 + X2 @ Wp
    adds = True
except ValueError:
    adds = False
decide(1, adds, f"with n = {nn_}, m = {m}: WX_1 is {(Wp @ X1).shape}, X_2W is {(X2 @ Wp).shape}; they do not add")
Ws = T(rng.normal(size=(3, 3))).requires_grad_(); X1s = T(rng.normal(size=(3, 3))).requires_grad_()
X2s = T(rng.normal(size=(3, 3))).requires_grad_(); Gz = rng.normal(size=(3, 3))
Y1 = Ws @ X1s; Y2 = X2s @ Ws; Y1.retain_grad(); Y2.retain_grad(); Z = Y1 + Y2
(Z * T(Gz)).sum().backward()
decide(4, np.allclose(Gz @ X1s.detach().numpy().T + X2s.detach().numpy().T @ Gz, Ws.grad.numpy()),
       "n = m: the two paths' contractions dL/dZ X_1^T + X_2^T dL/dZ = autograd dL/dW")
decide(6, np.allclose(Ws.detach().numpy().T @ Y1.grad.numpy(), X1s.grad.numpy()), "dL/dX_1 = W^T dL/dY_1")
decide(8, np.allclose(Y2.grad.numpy() @ Ws.detach().numpy().T, X2s.grad.numpy()), "dL/dX_2 = dL/dY_2 W^T")
decide(10, np.allclose(Ws.detach().numpy() @ Y2.grad.numpy().T, X2s.grad.numpy().T), "dL/dX_2^T = W (dL/dY_2)^T")
Xm = T(rng.normal(size=(4, 2))).requires_grad_(); xv = T(rng.normal(size=(4, 1))).requires_grad_()
y1 = Xm @ torch.ones(2, 1, dtype=torch.float64); y2 = xv @ torch.ones(1, 2, dtype=torch.float64)
gy1, gy2 = rng.normal(size=(4, 1)), rng.normal(size=(4, 2))
((y1 * T(gy1)).sum() + (y2 * T(gy2)).sum()).backward()
decide(16, np.allclose(gy1 @ np.ones((1, 2)), Xm.grad.numpy()), "y_1 = X 1_m: dL/dX = dL/dy_1 1_m^T")
decide(18, np.allclose(gy2 @ np.ones((2, 1)), xv.grad.numpy()), "y_2 = x 1_m^T: dL/dx = dL/dy_2 1_m")
Xe, We_, Ge = (T(rng.normal(size=(3, 4))) for _ in range(3))
Xe.requires_grad_(); (Xe * We_ * Ge).sum().backward()
decide(22, np.allclose(Ge.numpy() * We_.numpy(), Xe.grad.numpy()), "Y = X (.) W: dL/dX = dL/dY (.) W")

sm = lambda s: np.exp(s) / np.exp(s).sum(1, keepdims=True)
decide(31, np.allclose(sm(Qn @ Kn.T / np.sqrt(dk)) @ Vn, sdpa), "softmax(QK^T/sqrt(d_k))V = torch scaled_dot_product_attention")
W43 = Qn @ Kn.T / dk
decide(43, np.allclose(sm(W43) @ Vn, sdpa), "softmax(QK^T/d_k)V differs from line 31's attention (d_k = 3, not sqrt 3)")
decide(44, np.allclose(sm(W.detach().numpy()), Bn), "B = row softmax of W")
decide(45, np.allclose(Bn @ Vn, C.detach().numpy()), "C = BV")
decide(51, np.allclose(sm(W43) @ Vn, sdpa), "C from line 43's W is not Attention(K, Q, V)")
z = rng.normal(size=5)
for ln, idx in ((60, 0), (61, 1), (63, 4)):
    decide(ln, np.isclose(np.exp(z[idx]) / np.exp(z).sum(), torch.softmax(T(z), 0)[idx].item()), f"softmax entry {idx + 1}")
Wn = W.detach().numpy()
decide(75, np.allclose(Bn, torch.softmax(W, 1).detach().numpy()), "B = softmax(W) by rows")
decide(76, np.allclose(np.exp(Wn) * ((np.exp(Wn) @ one) ** -1 @ one.T), Bn), "exp(W) (.) ((exp(W)1)^{-1} 1^T)")
decide(77, np.allclose(B1n * (B2n ** -1 @ one.T), Bn), "B_1 (.) (B_2^{-1} 1^T)")
decide(78, np.allclose(B1n * ((1 / B2n) @ one.T), Bn), "B_1 (.) (B_3 1^T)")
decide(79, np.allclose(B1n * B4n, Bn), "B_1 (.) B_4")
decide(85, np.allclose(B2n, B1n @ one) and np.allclose(B4n, (1 / B2n) @ one.T), "B_2 = B_1 1, B_3 = B_2^{-1}, B_4 = B_3 1^T as built")

z1 = Bn.T @ G
decide(92, np.allclose(z1, g["V"]), "zeta_1 = B^T dL/dC = autograd dL/dV")
z2 = z1 @ Vn.T
decide(93, np.allclose(z2, g["B"]), f"zeta_1 V^T is not dL/dB; dL/dC V^T is: {np.allclose(G @ Vn.T, g['B'])}")
z3 = B1n * z2
print(f"   (local steps with autograd's inputs: B_1 (.) dL/dB = dL/dB_4 {np.allclose(B1n * g['B'], g['B4'])}, "
      f"dL/dB_4 1 = dL/dB_3 {np.allclose(g['B4'] @ one, g['B3'])}, -B_2^-2 dL/dB_3 = dL/dB_2 {np.allclose(-g['B3'] / B2n ** 2, g['B2'])})")
decide(94, np.allclose(z3, g["B4"]), "zeta_3 = B_1 (.) zeta_2 is off by line 93's zeta_2")
z4 = z3 @ one
decide(95, np.allclose(z4, g["B3"]), "zeta_4 = zeta_3 1 carries line 93")
z5 = -(B2n * B2n) ** -1 * z4
decide(96, np.allclose(z5, g["B2"]), "zeta_5 carries line 93")
z6 = z5 @ one.T + z3 * B4n
right100 = np.allclose(g["B2"] @ one.T + g["B"] * B4n, g["B1"])
as_printed_true_inputs = np.allclose(g["B2"] @ one.T + (B1n * g["B"]) * B4n, g["B1"])
decide(100, np.allclose(z6, g["B1"]) or as_printed_true_inputs,
       f"even with autograd's dL/dB_2 and dL/dB_4, zeta_5 1^T + zeta_3 (.) B_4 misses dL/dB_1; zeta_5 1^T + (dL/dB) (.) B_4 "
       f"gives it: {right100}")
z7 = B1n * z6
decide(101, np.allclose(z7, g["W"]), f"B_1 (.) zeta_6 is off; the local step B_1 (.) dL/dB_1 = dL/dW: {np.allclose(B1n * g['B1'], g['W'])}")
decide(102, np.allclose(z7 @ Kn / np.sqrt(dk), g["Q"]),
       f"zeta_7 K/sqrt(d_k) is off; the form with autograd's dL/dW holds: {np.allclose(g['W'] @ Kn / np.sqrt(dk), g['Q'])}")
decide(104, np.allclose(Qn @ Kn.T, Kn @ Qn.T), "QK^T is not KQ^T (its transpose)")
decide(106, np.allclose(z7 @ Qn / np.sqrt(dk), g["K"]),
       f"zeta_7 Q/sqrt(d_k) is off; even autograd's dL/dW Q/sqrt(d_k) gives {np.allclose(g['W'] @ Qn / np.sqrt(dk), g['K'])}, "
       f"(dL/dW)^T Q/sqrt(d_k) gives {np.allclose(g['W'].T @ Qn / np.sqrt(dk), g['K'])}")

finish()
