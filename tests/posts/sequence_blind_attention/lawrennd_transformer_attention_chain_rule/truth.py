"""Independent truth for tests/posts/sequence_blind_attention/lawrennd_transformer_attention_chain_rule (NumPy and
torch, no derive).

One sequence X of T = 4 positions and d_model = d_k = d_v = 4 (square, so that every printed product is defined);
Q = X W_Q, K = X W_K, V = X W_V, logits Z = QK^T/sqrt(d_k), A = row softmax(Z), O = AV, L = sum(G (.) O) for a random
G = dL/dO. Each printed right-hand side is evaluated as printed, with the post's own earlier gradients where it
names them, against torch autograd; a line whose local step is right but whose input is an earlier wrong line is
carried (the local step is also printed with autograd's inputs)."""
import numpy as np
import torch
import torch.nn.functional as F
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, unchecked, finish  # noqa: E402

rng = np.random.default_rng(8)
T_, d = 4, 4
dk = d
t = lambda a: torch.tensor(a, dtype=torch.float64, requires_grad=True)
X, WQ, WK, WV = (t(rng.normal(size=(T_, d)) if i == 0 else rng.normal(size=(d, d)) * 0.7) for i in range(4))
G = rng.normal(size=(T_, d))
Q, K, V = X @ WQ, X @ WK, X @ WV
Z = Q @ K.T / np.sqrt(dk)
A = torch.softmax(Z, dim=1)
O = A @ V
for v in (Q, K, V, Z, A, O):
    v.retain_grad()
(O * torch.tensor(G)).sum().backward()
n = lambda v: v.detach().numpy()
gr = lambda v: v.grad.numpy()
Xn, WQn, WKn, WVn, Qn, Kn, Vn, Zn, An, On = map(n, (X, WQ, WK, WV, Q, K, V, Z, A, O))

decide(4, np.allclose(Qn, Xn @ WQn), "Q = X W_Q (definition)")
decide(5, np.allclose(Kn, Xn @ WKn), "K = X W_K (definition)")
decide(6, np.allclose(Vn, Xn @ WVn), "V = X W_V (definition)")
decide(10, np.allclose(np.exp(Qn @ Kn.T / np.sqrt(dk)) / np.exp(Qn @ Kn.T / np.sqrt(dk)).sum(1, keepdims=True), An),
       "A = softmax(QK^T/sqrt(d_k)) by rows")
decide(12, np.allclose(An @ Vn, F.scaled_dot_product_attention(Q[None], K[None], V[None])[0].detach().numpy()),
       "O = AV = torch scaled_dot_product_attention(Q, K, V)")
unchecked(18, "the 'standard NN' one-path chain rule: a network the slides do not define")

# line 19: the three-path chain rule, each dY/dX a Jacobian contracted with dL/dY
Xt = torch.tensor(Xn)
jac = lambda W: torch.autograd.functional.jacobian(lambda x: x @ torch.tensor(W), Xt).numpy()   # [a, b, i, j]
paths = sum(np.einsum('ab,abij->ij', gr(Y), jac(W)) for Y, W in ((Q, WQn), (K, WKn), (V, WVn)))
decide(19, np.allclose(paths, gr(X)), "dL/dX = dL/dQ dQ/dX + dL/dK dK/dX + dL/dV dV/dX (Jacobian contractions)")

dV_post = G @ An.T
decide(26, np.allclose(dV_post, gr(V)),
       f"dL/dO A^T (defined only because T = d_v here) is not dL/dV; A^T dL/dO is: {np.allclose(An.T @ G, gr(V))}")
dA_post = G @ Vn.T
decide(27, np.allclose(dA_post, gr(A)), "dL/dA = dL/dO V^T")
decide(33, np.allclose(Qn @ Kn.T / np.sqrt(dk), Zn), "logits = QK^T/sqrt(d_k)")
r = sum(dA_post[:, j] * An[:, j] for j in range(T_))          # sum over columns j of dL/dA_{:,j} (.) A_{:,j}
dZ_post = An * (dA_post - r[:, None])
decide(34, np.allclose(dZ_post, gr(Z)),
       "A (.) (dL/dA - sum_j dL/dA_{:,j} (.) A_{:,j}): the column sum is the vector of row sums, broadcast over each row")
dQ_post = dZ_post @ Kn
decide(40, np.allclose(dQ_post, gr(Q)),
       f"dL/dlogits K is sqrt(d_k) = {np.sqrt(dk):g} times dL/dQ: {np.allclose(dQ_post / np.sqrt(dk), gr(Q))}")
dK_post = dZ_post.T @ Qn
decide(42, np.allclose(dK_post, gr(K)),
       f"(dL/dlogits)^T Q is sqrt(d_k) times dL/dK: {np.allclose(dK_post / np.sqrt(dk), gr(K))}")
local48 = np.allclose(gr(Q) @ WQn.T + gr(K) @ WKn.T + gr(V) @ WVn.T, gr(X))
decide(48, np.allclose(dQ_post @ WQn.T + dK_post @ WKn.T + dV_post @ WVn.T, gr(X)),
       f"with the slides' dL/dQ, dL/dK (lines 40, 42) and dL/dV (line 26) the sum misses dL/dX; "
       f"the three-path sum with autograd's gradients holds: {local48}")
decide(54, np.allclose(Xn.T @ dQ_post, gr(WQ)),
       f"X^T dL/dQ with line 40's dL/dQ; with autograd's: {np.allclose(Xn.T @ gr(Q), gr(WQ))}")
decide(55, np.allclose(Xn.T @ dK_post, gr(WK)),
       f"X^T dL/dK with line 42's dL/dK; with autograd's: {np.allclose(Xn.T @ gr(K), gr(WK))}")
decide(56, np.allclose(Xn.T @ dV_post, gr(WV)),
       f"X^T dL/dV with line 26's dL/dV; with autograd's: {np.allclose(Xn.T @ gr(V), gr(WV))}")

finish()
