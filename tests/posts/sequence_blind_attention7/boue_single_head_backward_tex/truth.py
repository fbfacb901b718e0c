"""Independent truth for tests/posts/sequence_blind_attention7/boue_single_head_backward_tex (NumPy and torch, no derive).

The paper's single attention head h (its forward, eqs. queries/keys/values:forward and selfAttention:forward, outside
the excerpt): q = a_{i-1} w_q + b_q~, k = a_{i-1} w_k (the paper drops b_k), v = a_{i-1} w_v + b_v~ (row layout, the
tilde a bias broadcast to every token), rho_raw = q k^t, rho_scaled = rho_raw / sqrt(d_rho), rho_causal = the causal
mask m applied (-inf above the diagonal), rho = softmax of each row, a_i^h = rho v. n_T = 5 tokens, d = 4 input
features, d_rho = 3, d_h = 2 (all different, so that a wrong shape shows). The loss, which the excerpt leaves open
(L_seq is the sequence cross-entropy further on), is L = sum(G (.) tanh(a_i^h)) with a random G; Delta^h_i = dL/da_i^h.
References from torch autograd in float64: dL/drho, dL/dv, dL/drho_causal, dL/dw_v, dL/db_v and the v-path share of
dL/da_{i-1} (autograd of v = a w_v + b_v with the true dL/dv); the forward is compared with torch's
scaled_dot_product_attention (is_causal). The paper's notation: 'X . Y' between matrices is the Frobenius product
sum(X (.) Y); '(.)' written \\circ is the elementwise product; 'A \\ominus B' is the vector of row-wise dot products
(the paper: 'since we consider one row ..., the operator ominus reduces to a dot-product'), and the tilde broadcasts
it back to every column; 'd X' is a direction (a differential). A line 'G . dX = ...' is checked as an identity in
random directions, and against the directional derivative of L (torch.func.jvp) where it states one. Underbraced
terms are claimed on the line that holds the braced expression."""
import numpy as np
import torch
from torch.func import jvp
import torch.nn.functional as F_
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(7031)
nT, d, dr, dh = 5, 4, 3, 2
T = lambda a: torch.tensor(a, dtype=torch.float64)
A = T(rng.normal(size=(nT, d))).requires_grad_()
wq, wk, wv = (T(rng.normal(size=s)).requires_grad_() for s in ((d, dr), (d, dr), (d, dh)))
bq, bv = T(rng.normal(size=dr)).requires_grad_(), T(rng.normal(size=dh)).requires_grad_()
G = T(rng.normal(size=(nT, dh)))
mask = torch.triu(torch.ones(nT, nT, dtype=torch.bool), 1)


def forward(A, wq, wk, wv, bq, bv):
    q, k, v = A @ wq + bq, A @ wk, A @ wv + bv
    raw = q @ k.T
    scaled = raw / np.sqrt(dr)
    causal = scaled.masked_fill(mask, float("-inf"))
    rho = torch.softmax(causal, dim=1)
    return q, k, v, causal, rho, rho @ v


q, k, v, causal, rho, out = forward(A, wq, wk, wv, bq, bv)
for t in (v, causal, rho, out):
    t.retain_grad()
L = (G * torch.tanh(out)).sum()
L.backward()
n_ = lambda t: t.detach().numpy()
Am, Wv, V, R, O = n_(A), n_(wv), n_(v), n_(rho), n_(out)
Dl = out.grad.numpy()                      # Delta^h_i
dRho, dV, dCausal = rho.grad.numpy(), v.grad.numpy(), causal.grad.numpy()
dWv, dBv = wv.grad.numpy(), bv.grad.numpy()
# the v-path share of dL/da_{i-1}: autograd of v = a w_v + b_v with the true dL/dv
Ad = A.detach().clone().requires_grad_()
(Ad @ wv.detach() + bv.detach()).backward(torch.tensor(dV))
dA_v = Ad.grad.numpy()
close = lambda a, b: np.shape(a) == np.shape(b) and np.allclose(a, b, atol=1e-11)
fro = lambda X, Y: float((X * Y).sum())
ominus = lambda X, Y: (X * Y).sum(1)                      # row-wise dot products, a vector of n_T
tilde = lambda x: np.repeat(np.asarray(x)[:, None], nT, 1)  # broadcast to every column (n_T x n_T)
dirs = [rng.normal(size=(nT, nT)) for _ in range(3)]

# ---------------- setting
ref = n_(F_.scaled_dot_product_attention(q[None], k[None], v[None], is_causal=True)[0])
decide(3, Dl.shape == (nT, dh) and O.shape == (nT, dh),
       "Delta^h_i and a_i^h are n_T x d_h")
decide(5, close(R @ V, O) and close(O, ref),
       "a_i^h = rho v (against torch's causal scaled_dot_product_attention)")

# ---------------- the split into two branches (directions dRho, dv)
Dr, Dv = rng.normal(size=(nT, nT)), rng.normal(size=(nT, dh))
_, tang = jvp(lambda r, vv: r @ vv, (rho.detach(), v.detach()), (T(Dr), T(Dv)))
lhs = fro(Dl, tang.numpy())
decide(7, np.isclose(lhs, fro(Dl, Dr @ V + R @ Dv)),
       "Delta . d a = Delta . [(d rho) v + rho dv] (jvp of a = rho v)")
decide(8, np.isclose(lhs, fro(Dl, Dr @ V) + fro(Dl, R @ Dv)), "= Delta . (d rho) v + Delta . (rho dv)")
decide(9, np.isclose(lhs, fro(Dl @ V.T, Dr) + fro(R.T @ Dl, Dv)) and close(Dl @ V.T, dRho) and close(R.T @ Dl, dV),
       "= (Delta v^t) . d rho + (rho^t Delta) . dv; Delta v^t = dL/drho, rho^t Delta = dL/dv (autograd)")

# ---------------- the values branch
decide(16, close(V, Am @ Wv + n_(bv)[None, :]), "v = a_{i-1} w_v + b_v~ (the broadcast bias)")
decide(17, close(Am.T @ R.T @ Dl, dWv), "a_{i-1}^t rho^t Delta = dL/dw_v (underbraced, labelled on line 19)")
decide(20, close((R.T @ Dl).sum(0), dBv), "sum_tokens rho^t Delta = dL/db_v (labelled on line 22)")
decide(23, close(R.T @ Dl @ Wv.T, dA_v), "rho^t Delta w_v^t = Delta_{v_h}, the v-path share of dL/da_{i-1} "
       "(labelled on line 25)")
dA_, dW_, dB_ = rng.normal(size=(nT, d)), rng.normal(size=(d, dh)), rng.normal(size=dh)
dv_dir = dA_ @ Wv + Am @ dW_ + dB_[None, :]
decide(26, np.isclose(fro(R.T @ Dl, dv_dir),
                      fro(Am.T @ R.T @ Dl, dW_) + float((R.T @ Dl).sum(0) @ dB_) + fro(R.T @ Dl @ Wv.T, dA_)),
       "(rho^t Delta) . dv = [..] . dw_v + [..] . db_v + [..] . da_{i-1} (completes the display, lines 17-26)")
cols = np.stack([R[t] for t in range(nT)], 1)              # columns rho(t=1) ... rho(t=n_T)
decide(37, close((cols @ Dl).sum(0), dBv), "dL/db_v = sum_tokens (rho(t=1) | ... | rho(t=n_T)) Delta, the "
       "columns being the rows of rho, i.e. rho^t")
decide(39, close(np.array([R[t].sum() for t in range(nT)]) @ Dl, dBv),
       "= (sum_t' rho_{1t'}, ..., sum_t' rho_{n t'}) Delta")
decide(41, close(np.ones(nT) @ Dl, dBv), "= (1, ..., 1) Delta")
decide(42, close(Dl.sum(0), dBv) and Dl.sum(0).shape == (dh,), "dL/db_v = sum_tokens Delta ~ R^{d_h}")
decide(49, close(R.T @ Dl @ Wv.T, dA_v) and dA_v.shape == (nT, d), "Delta_{v_h} = rho^t Delta w_v^t ~ R^{n_T x d}")
decide(50, close((R @ Am).T @ Dl, dWv) and dWv.shape == (d, dh), "dL/dw_v = (rho a_{i-1})^t Delta ~ R^{d x d_h}")
decide(51, close(Dl.sum(0), dBv) and dBv.shape == (dh,), "dL/db_v = sum_tokens Delta ~ R^{d_h}")

# ---------------- the softmax branch, in directions D = d rho_causal
DV = Dl @ V.T


def dsoft(D):
    return jvp(lambda c: torch.softmax(c, dim=1), (causal.detach(),), (T(D),))[1].numpy()


def each(f):
    return all(np.isclose(f(D)[0], f(D)[1]) for D in dirs)


decide(59, each(lambda D: (fro(DV, dsoft(D)), fro(dRho, dsoft(D)))) and
       all(np.isclose(fro(DV, dsoft(D)), jvp(lambda c: (G * torch.tanh(torch.softmax(c, 1) @ v.detach())).sum(),
                                             (causal.detach(),), (T(D),))[1].item()) for D in dirs),
       "(Delta v^t) . d rho = (Delta v^t) . d(softmax rho_causal) = dL along d rho_causal")
decide(61, each(lambda D: (fro(DV, dsoft(D)), fro(DV, R * (D - tilde(ominus(R, D)))))),
       "= (Delta v^t) . [rho (.) (d rho_causal - (rho ominus d rho_causal)~)]")
decide(62, each(lambda D: (fro(DV, dsoft(D)), fro(DV, R * D - R * tilde(ominus(R, D))))),
       "= (Delta v^t) . [rho (.) d rho_causal - rho (.) (rho ominus d rho_causal)~]")
decide(63, each(lambda D: (fro(DV, dsoft(D)), fro(DV, R * D) - fro(DV, R * tilde(ominus(R, D))))),
       "= (Delta v^t) . [rho (.) d] - (Delta v^t) . [rho (.) (..)~]")
decide(65, each(lambda D: (fro(DV, dsoft(D)), fro(DV, R * D) - fro(DV * R, tilde(ominus(R, D))))),
       "= (Delta v^t) . [rho (.) d] - [(Delta v^t) (.) rho] . (rho ominus d)~")
decide(67, each(lambda D: (fro(DV, dsoft(D)), fro(DV * R, D) - fro(tilde(ominus(DV, R)) * R, D))),
       "= [(Delta v^t) (.) rho] . d - ([((Delta v^t) ominus rho)~] (.) rho) . d")
Dc = (DV - tilde(ominus(DV, R))) * R
decide(71, close(Dc, dCausal) and Dc.shape == (nT, nT) and each(lambda D: (fro(DV, dsoft(D)), fro(Dc, D))),
       "Delta_causal = [Delta v^t - ((Delta v^t) ominus rho)~] (.) rho ~ R^{n_T x n_T} = dL/drho_causal (autograd); "
       "the display completes on this line")

finish()
