"""Independent truth for tests/posts/sequence_attention/markusheimerl_gpt_attention_readme (NumPy and torch, no derive).

One sequence X of T = 5 positions and d = 4 features; Q = XW_q, K = XW_k, V = XW_v (weights on the right),
S = QK^T/sqrt(d), A = row softmax, Z = AV, Y = ZW_o; L = sum(G (.) Y) for a random G = dL/dY. Every printed
right-hand side is evaluated with autograd's upstream gradients and compared with autograd's own."""
import numpy as np
import torch
import torch.nn.functional as F
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, unchecked, finish  # noqa: E402

rng = np.random.default_rng(5)
T_, d = 5, 4
t = lambda a: torch.tensor(a, dtype=torch.float64, requires_grad=True)
X, Wq, Wk, Wv, Wo = (t(rng.normal(size=s)) for s in ((T_, d), (d, d), (d, d), (d, d), (d, d)))
G = rng.normal(size=(T_, d))
Q, K, V = X @ Wq, X @ Wk, X @ Wv
S = Q @ K.T / np.sqrt(d); A = torch.softmax(S, dim=1); Z = A @ V; Y = Z @ Wo
for v in (Q, K, V, S, A, Z, Y):
    v.retain_grad()
(Y * torch.tensor(G)).sum().backward()
n = lambda v: v.detach().numpy()
gr = lambda v: v.grad.numpy()
Xn, Qn, Kn, Vn, Sn, An, Zn = map(n, (X, Q, K, V, S, A, Z))

decide(8, np.allclose(Qn, Xn @ n(Wq)), "Q = XW_q (definition)")
decide(9, np.allclose(Kn, Xn @ n(Wk)), "K = XW_k (definition)")
decide(10, np.allclose(Vn, Xn @ n(Wv)), "V = XW_v (definition)")
ref = F.scaled_dot_product_attention(Q[None], K[None], V[None])[0].detach().numpy()
decide(11, np.allclose(Qn @ Kn.T / np.sqrt(d), Sn), "S = QK^T/sqrt(d), the scale of scaled_dot_product_attention")
decide(12, np.allclose(np.exp(Sn) / np.exp(Sn).sum(1, keepdims=True), An), "A_ij = e^{S_ij}/sum_k e^{S_ik}: the row softmax")
decide(13, np.allclose(An @ Vn, ref), "Z = AV = torch scaled_dot_product_attention(Q, K, V)")
decide(14, np.allclose(Zn @ n(Wo), n(Y)), "Y = ZW_o")
unchecked(22, "the README never defines L; Y - Y_true is the gradient of (1/2)||Y - Y_true||^2")
decide(23, np.allclose(Zn.T @ gr(Y), gr(Wo)), "dL/dW_o = Z^T dL/dY")
decide(24, np.allclose(gr(Y) @ n(Wo).T, gr(Z)), "dL/dZ = dL/dY W_o^T")
decide(25, np.allclose(gr(Z) @ Vn.T, gr(A)), "dL/dA = dL/dZ V^T")
decide(26, np.allclose(An.T @ gr(Z), gr(V)), "dL/dV = A^T dL/dZ")
decide(27, np.allclose(An * (gr(A) - (gr(A) * An).sum(1, keepdims=True)), gr(S)),
       "dL/dS = A (.) (dL/dA - sum_j dL/dA (.) A), sum over the row's keys j")
decide(28, np.allclose(gr(S) @ Kn / np.sqrt(d), gr(Q)), "dL/dQ = dL/dS K/sqrt(d)")
decide(29, np.allclose(gr(S).T @ Qn / np.sqrt(d), gr(K)), "dL/dK = (dL/dS)^T Q/sqrt(d)")
decide(30, np.allclose(Xn.T @ gr(Q), gr(Wq)), "dL/dW_q = X^T dL/dQ")
decide(31, np.allclose(Xn.T @ gr(K), gr(Wk)), "dL/dW_k = X^T dL/dK")
decide(32, np.allclose(Xn.T @ gr(V), gr(Wv)), "dL/dW_v = X^T dL/dV")
decide(33, np.allclose(gr(Q) @ n(Wq).T + gr(K) @ n(Wk).T + gr(V) @ n(Wv).T, gr(X)), "dL/dX sums the three paths")

finish()
