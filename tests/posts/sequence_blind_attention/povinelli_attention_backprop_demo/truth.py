"""Independent truth for tests/posts/sequence_blind_attention/povinelli_attention_backprop_demo (NumPy and torch, no
derive).

The notebook's setting: n = 3 tokens, d_model = d_k = d_v = 4, Q = X W_Q, K = X W_K, V = X W_V, S = QK^T/sqrt(d_k),
P = row softmax(S), A = PV and L = (1/2)||A - T||^2 (random X, weights and target T here, float64). Every printed
right-hand side is evaluated with autograd's upstream gradients and compared with autograd's own; the softmax
Jacobian against torch.autograd.functional.jacobian, row by row."""
import numpy as np
import torch
import torch.nn.functional as F
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, unchecked, finish  # noqa: E402

rng = np.random.default_rng(31)
n_, d = 3, 4
dk = d
t = lambda a: torch.tensor(a, dtype=torch.float64, requires_grad=True)
X = t(rng.normal(size=(n_, d)))
WQ, WK, WV = (t(rng.normal(size=(d, d))) for _ in range(3))
Tn = rng.normal(size=(n_, d))
Q, K, V = X @ WQ, X @ WK, X @ WV
S = Q @ K.T / np.sqrt(dk)
P = torch.softmax(S, dim=-1)
A = P @ V
L = 0.5 * ((A - torch.tensor(Tn)) ** 2).sum()
for v in (Q, K, V, S, P, A):
    v.retain_grad()
L.backward()
n = lambda v: v.detach().numpy()
gr = lambda v: v.grad.numpy()
Xn, WQn, WKn, WVn, Qn, Kn, Vn, Sn, Pn, An = map(n, (X, WQ, WK, WV, Q, K, V, S, P, A))

decide(6, np.allclose(Qn, Xn @ WQn), "Q = X W_Q (definition)")
decide(7, np.allclose(Kn, Xn @ WKn), "K = X W_K (definition)")
decide(8, np.allclose(Vn, Xn @ WVn), "V = X W_V (definition)")
decide(11, np.allclose(Qn @ Kn.T / np.sqrt(dk), Sn), "S = QK^T/sqrt(d_k)")
decide(12, np.allclose(np.exp(Sn) / np.exp(Sn).sum(1, keepdims=True), Pn), "P = softmax(S), row-wise")
decide(13, np.allclose(Pn @ Vn, F.scaled_dot_product_attention(Q[None], K[None], V[None])[0].detach().numpy()),
       "A = PV = torch scaled_dot_product_attention(Q, K, V)")
unchecked(16, "the notebook's choice of loss, L = (1/2)||A - T||^2: a definition, no value to compare")
decide(23, np.allclose(An - Tn, gr(A)), "dL/dA = A - T for L = (1/2)||A - T||^2")
decide(28, np.allclose(Pn.T @ gr(A), gr(V)), "dL/dV = P^T dL/dA")
decide(29, np.allclose(gr(A) @ Vn.T, gr(P)), "dL/dP = dL/dA V^T")
Jt = [torch.autograd.functional.jacobian(lambda s: torch.softmax(s, 0), torch.tensor(Sn[i])).numpy() for i in range(n_)]
Jp = [np.diag(Pn[i]) - np.outer(Pn[i], Pn[i]) for i in range(n_)]
decide(36, all(np.allclose(a, b) for a, b in zip(Jp, Jt)), "J_softmax(p_i) = diag(p_i) - p_i p_i^T, every row i")
decide(33, all(np.allclose(Jp[i].T @ gr(P)[i], gr(S)[i]) for i in range(n_)),
       "dL/ds_i = J_softmax(p_i)^T dL/dp_i, every row i (the product continues on line 34)")
decide(42, np.allclose(gr(S) @ Kn / np.sqrt(dk), gr(Q)), "dL/dQ = (1/sqrt(d_k)) dL/dS K")
decide(46, np.allclose(gr(S).T @ Qn / np.sqrt(dk), gr(K)), "dL/dK = (1/sqrt(d_k)) (dL/dS)^T Q")
decide(52, np.allclose(Xn.T @ gr(Q), gr(WQ)), "dL/dW_Q = X^T dL/dQ")
decide(53, np.allclose(Xn.T @ gr(K), gr(WK)), "dL/dW_K = X^T dL/dK")
decide(54, np.allclose(Xn.T @ gr(V), gr(WV)), "dL/dW_V = X^T dL/dV")
decide(57, np.allclose(gr(Q) @ WQn.T + gr(K) @ WKn.T + gr(V) @ WVn.T, gr(X)), "dL/dX sums the three paths")

finish()
