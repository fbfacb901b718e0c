"""Independent truth for tests/posts/sequence_attention/uesina15max_numpy_transformer_readme (NumPy and torch, no derive).

A post-norm encoder block on X (B = 2, T = 3, d = 4) with 2 heads (d_k = 2): Q, K, V = XW + b, per head
A = QK^T/sqrt(d_k), A-hat = softmax, head = A-hat V, MHA = Concat W^O + b^O, Z = LN(X + MHA), FFN with ReLU,
O = LN(Z + FFN(Z)), L = ||O - X||^2/(B T d). torch autograd (float64) gives every reference gradient; the README's
attention formulas are evaluated per head with delta Y = dL/dConcat(heads) (line 23's reading), its layer-norm
formulas on a random vector against torch.nn.functional.layer_norm."""
import numpy as np
import torch
import torch.nn.functional as F
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, unchecked, finish  # noqa: E402

rng = np.random.default_rng(21)
B, T, d, H = 2, 3, 4, 2
dk = d // H
t = lambda *s: torch.tensor(rng.normal(size=s), dtype=torch.float64, requires_grad=True)
X = t(B, T, d)
Wq, Wk, Wv, Wo = t(d, d), t(d, d), t(d, d), t(d, d)
bq, bk, bv, bo = t(d), t(d), t(d), t(d)
W1, b1, W2, b2 = t(d, 6), t(6), t(6, d), t(d)
split = lambda a: a.reshape(B, T, H, dk).transpose(1, 2)
Q, K, V = split(X @ Wq + bq), split(X @ Wk + bk), split(X @ Wv + bv)
A = Q @ K.transpose(-1, -2) / np.sqrt(dk); Ah = torch.softmax(A, -1); heads = Ah @ V
concat = heads.transpose(1, 2).reshape(B, T, d); mha = concat @ Wo + bo
Z = F.layer_norm(X + mha, (d,)); ffn = torch.relu(Z @ W1 + b1) @ W2 + b2; O = F.layer_norm(Z + ffn, (d,))
for v in (Q, K, V, A, Ah, heads, concat, mha, O):
    v.retain_grad()
L = ((O - X) ** 2).sum() / (B * T * d)
L.backward()
n = lambda v: v.detach().numpy()
gr = lambda v: v.grad.numpy()

pos, i = np.arange(7)[:, None], np.arange(0, 8, 2)
div = np.exp(i * (-np.log(10000.0) / 8))
decide(6, np.allclose(np.sin(pos / 10000 ** (i / 8)), np.sin(pos * div)) and np.allclose(np.cos(pos / 10000 ** (i / 8)), np.cos(pos * div)),
       "PE(pos, 2i) = sin(pos/10000^{2i/d}), PE(pos, 2i+1) = cos(...), the sinusoidal encoding (d = 8)")
decide(7, np.allclose(n(Q), n(split(X @ Wq + bq))), "Q, K, V = XW + b (definitions)")
ref = F.scaled_dot_product_attention(Q, K, V)
decide(8, np.allclose(n(A), n(Q @ K.transpose(-1, -2)) / np.sqrt(dk)), "A = QK^T/sqrt(d_k), per head")
decide(9, np.allclose(n(Ah), np.exp(n(A)) / np.exp(n(A)).sum(-1, keepdims=True)), "A-hat = softmax(A) by rows")
decide(10, np.allclose(n(heads), n(ref)), "head_i = A-hat_i V_i = torch scaled_dot_product_attention per head")
decide(11, np.allclose(n(mha), n(concat) @ n(Wo) + n(bo)), "MHA = Concat(heads) W^O + b^O")
decide(12, np.allclose(n(Z), n(F.layer_norm(X + mha, (d,)))), "Z = LayerNorm(X + MHA(X)) (definition, post-norm)")
decide(13, np.allclose(n(ffn), np.maximum(0, n(Z) @ n(W1) + n(b1)) @ n(W2) + n(b2)), "FFN(x) = max(0, xW_1 + b_1)W_2 + b_2")
decide(14, np.allclose(n(O), n(F.layer_norm(Z + ffn, (d,)))), "O = LayerNorm(Z + FFN(Z)) (definition)")

dY = gr(heads)                   # line 23: dL/dConcat(heads), split per head
other = split(torch.tensor(gr(mha))).numpy()   # the other reading: dL/dMHA(X), split per head
print(f"   (line 23: dL/dConcat = dL/dMHA W^O^T: {np.allclose(gr(mha) @ n(Wo).T, gr(concat))}; read as dL/dMHA, "
      f"A-hat^T delta Y = dL/dV: {np.allclose(np.swapaxes(n(Ah), -1, -2) @ other, gr(V))})")
unchecked(23, "defines delta Y; read as dL/dConcat(heads) split per head (the repository's code passes that on)")
decide(24, np.allclose(np.swapaxes(n(Ah), -1, -2) @ dY, gr(V)), "delta V = A-hat^T delta Y = autograd dL/dV, per head")
dAh = dY @ np.swapaxes(n(V), -1, -2)
decide(25, np.allclose(dAh, gr(Ah)), "delta A-hat = delta Y V^T = autograd dL/dA-hat")
An = n(Ah)
dA_matvec = An * (dAh - An @ dAh.sum(-1, keepdims=True))          # A-hat (delta A-hat 1), a matrix-vector product
dA_bcast = An * (dAh - An * dAh.sum(-1, keepdims=True))           # A-hat times the broadcast row sums
right = An * (dAh - (dAh * An).sum(-1, keepdims=True))
print(f"   (the right form A-hat (.) (dA-hat - rowsum(dA-hat (.) A-hat)) = autograd: {np.allclose(right, gr(A))})")
decide(26, np.allclose(dA_matvec, gr(A)) or np.allclose(dA_bcast, gr(A)),
       "A-hat (.) (delta A-hat - A-hat (delta A-hat 1)) misses autograd's dL/dA in both readings")
dA = dA_matvec
print(f"   (forms with autograd's dL/dA: dQ {np.allclose(gr(A) @ n(K) / np.sqrt(dk), gr(Q))}, "
      f"dK {np.allclose(np.swapaxes(gr(A), -1, -2) @ n(Q) / np.sqrt(dk), gr(K))})")
decide(27, np.allclose(dA @ n(K) / np.sqrt(dk), gr(Q)) or np.allclose(dA_bcast @ n(K) / np.sqrt(dk), gr(Q)),
       "delta A K/sqrt(d_k) with line 26's delta A is not dL/dQ")
decide(28, np.allclose(np.swapaxes(dA, -1, -2) @ n(Q) / np.sqrt(dk), gr(K)), "delta A^T Q/sqrt(d_k) with line 26's delta A is not dL/dK")

# layer norm, one vector of D = 6 features, eps = 1e-5, gamma, beta vectors
D, eps = 6, 1e-5
x = torch.tensor(rng.normal(1, 2, size=D), requires_grad=True); gam = rng.normal(size=D); bet = rng.normal(size=D)
gy = rng.normal(size=D)
yt = F.layer_norm(x, (D,), torch.tensor(gam), torch.tensor(bet), eps=eps); (yt * torch.tensor(gy)).sum().backward()
xn = n(x); mu = xn.sum() / D; var = ((xn - mu) ** 2).sum() / D
xhat = (xn - mu) / np.sqrt(var + eps)
decide(35, np.isclose(mu, xn.mean()) and np.isclose(var, xn.var()), "mu and the population variance sigma^2")
decide(36, np.allclose(gam * xhat + bet, n(yt)), "x-hat = (x - mu)/sqrt(sigma^2 + eps), y = gamma x-hat + beta = torch layer_norm")
g_xhat = gy * gam
xt = torch.tensor(xn, requires_grad=True); m_t = xt.mean(); v_t = ((xt - m_t) ** 2).mean()
xh_t = (xt - m_t) / torch.sqrt(v_t + eps); xh_t.retain_grad(); (torch.tensor(gy) * (torch.tensor(gam) * xh_t + torch.tensor(bet))).sum().backward()
decide(37, np.allclose(g_xhat, xh_t.grad.numpy()), "g_x-hat = dL/dy (.) gamma")
# partials of L through x-hat = (x - mu)(sigma^2 + eps)^{-1/2} with mu and sigma^2 as independent inputs
mu_t = torch.tensor(mu, requires_grad=True); s2 = torch.tensor(var, requires_grad=True)
(torch.tensor(g_xhat) * (torch.tensor(xn) - mu_t) / torch.sqrt(s2 + eps)).sum().backward()
g_s2 = (g_xhat * (xn - mu) * -0.5 * (var + eps) ** -1.5).sum()
decide(38, np.isclose(g_s2, s2.grad.item()), "g_sigma^2 = dL/dsigma^2 with mu held (central-route partial)")
g_mu = -(g_xhat / np.sqrt(var + eps)).sum() + g_s2 * (-2 * (xn - mu)).sum() / D
total_mu = mu_t.grad.item() + g_s2 * (-2 * (xn - mu)).mean()      # the direct partial plus the route through sigma^2
decide(39, np.isclose(g_mu, total_mu), "g_mu = the direct partial plus g_sigma^2 dsigma^2/dmu (whose sum vanishes)")
dx = g_xhat / np.sqrt(var + eps) + 2 * g_s2 * (xn - mu) / D + g_mu / D
decide(40, np.allclose(dx, n(x.grad)), "dL/dx_i against torch layer_norm's autograd")
Yh = n(O); Xn = n(X)
decide(50, np.isclose(((Yh - Xn) ** 2).sum() / (B * T * d), L.item()), "L = ||Y-hat - X||^2/(B T d), the mean squared error")
decide(51, np.allclose(2 / (B * T * d) * (Yh - Xn), gr(O)), "dL/dY-hat = 2(Y-hat - X)/(B T d)")

finish()
