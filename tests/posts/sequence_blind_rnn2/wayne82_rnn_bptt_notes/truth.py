"""Independent truth for tests/posts/sequence_blind_rnn2/wayne82_rnn_bptt_notes (NumPy and torch, no derive).

The post's vanilla RNN, column vectors: h_t = f(W_hh h_{t-1} + W_xh x_t + b_h) with f = tanh (the first of the
post's 'commonly tanh or ReLU'), z_t = W_hy h_t + b_y, y^_t = softmax(z_t), L_t the cross-entropy of step t against
a one-hot y_t, L = sum over t. T = 4 steps from a random nonzero h_0 (constant, as the post says). References:
torch.nn.RNNCell for the forward, torch.autograd.functional.jacobian in float64 for every Jacobian the lines
multiply: dh_t/dW_hh in full (every path back to h_1), the immediate dh_k/dW_hh of one step with h_{k-1} held fixed
(the post's note on (8) names the first term of (8) so: 'the direct contribution from the weights at the current
time step'), dh_j/dh_{j-1} and the products of them. Products of a vector with a Jacobian are contracted over the
shared index; (y^_t - y_t) . h_t^T, with the post's column vectors, is an outer product, as (4) uses it.
H = 3 hidden units, D = 2 inputs, K = 4 classes."""
import numpy as np
import torch
from torch.autograd.functional import jacobian
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(26)
H, D, K, T = 3, 2, 4, 4
Tt = lambda a: torch.tensor(a, dtype=torch.float64)
Whh, Wxh, bh = Tt(rng.normal(0, 0.8, (H, H))), Tt(rng.normal(0, 0.8, (H, D))), Tt(rng.normal(0, 0.3, H))
Why, by = Tt(rng.normal(0, 0.8, (K, H))), Tt(rng.normal(0, 0.3, K))
xs = [None] + [Tt(rng.normal(size=D)) for _ in range(T)]
labels = [None, 2, 0, 3, 1]
Y = [None] + [Tt(np.eye(K)[labels[t]]) for t in range(1, T + 1)]
h0 = Tt(rng.normal(0, 0.5, H))


def step(W, hp, t, Wx=Wxh, b=bh):
    return torch.tanh(W @ hp + Wx @ xs[t] + b)


def states(W=Whh, Wx=Wxh, b=bh):
    hs = [h0]
    for t in range(1, T + 1):
        hs.append(step(W, hs[-1], t, Wx, b))
    return hs


def loss_t(h, t, W_y=Why, b_y=by):
    return -(Y[t] * torch.log_softmax(W_y @ h + b_y, 0)).sum()


hs = states()
hn = [h.numpy() for h in hs]
zs = [None] + [(Why @ hs[t] + by).numpy() for t in range(1, T + 1)]
yh = [None] + [np.exp(z) / np.exp(z).sum() for z in zs[1:]]
yv = [None] + [Y[t].numpy() for t in range(1, T + 1)]
L = lambda W=Whh, Wx=Wxh, b=bh, W_y=Why, b_y=by: sum(loss_t(h, t, W_y, b_y) for t, h in enumerate(states(W, Wx, b)) if t)

# forward
cell = torch.nn.RNNCell(D, H).double()
with torch.no_grad():
    cell.weight_ih.copy_(Wxh); cell.weight_hh.copy_(Whh); cell.bias_ih.copy_(bh); cell.bias_hh.zero_()
    hr, fwd = h0[None], True
    for t in range(1, T + 1):
        hr = cell(xs[t][None], hr)
        fwd &= np.allclose(hr[0].numpy(), hn[t])
decide(4, fwd, "h_t = f(W_hh h_{t-1} + W_xh x_t + b_h) with f = tanh is torch.nn.RNNCell")
decide(5, True, "z_t = W_hy h_t + b_y, the logits (definition)")
decide(6, True, "the softmax of the logits (definition; line 24 then renames it y^_t and calls y_t the label)")
ce = sum(torch.nn.functional.cross_entropy(torch.tensor(zs[t])[None], torch.tensor([labels[t]])).item() for t in range(1, T + 1))
mine = sum(-(yv[t] * np.log(yh[t])).sum() for t in range(1, T + 1))
decide(22, np.isclose(-(yv[2] * np.log(yh[2])).sum(), torch.nn.functional.cross_entropy(torch.tensor(zs[2])[None], torch.tensor([labels[2]])).item()),
       "L_t = -y_t . log y^_t, the cross-entropy of one step (the product of the two vectors read as their dot product)")
decide(28, np.isclose(mine, ce), "L sums the steps' cross-entropies")

# output layer
gWhy = jacobian(lambda W: L(W_y=W), Why).numpy()
per_t = [jacobian(lambda W, t=t: loss_t(hs[t], t, W_y=W), Why).numpy() for t in range(1, T + 1)]
decide(36, np.allclose(sum(per_t), gWhy), "dL/dW_hy = sum_t dL_t/dW_hy")
chain = 0
for t in range(1, T + 1):
    dLdy = jacobian(lambda p, t=t: -(Y[t] * torch.log(p)).sum(), Tt(yh[t])).numpy()
    dydz = jacobian(lambda z: torch.softmax(z, 0), Tt(zs[t])).numpy()
    dzdW = jacobian(lambda W, t=t: W @ hs[t] + by, Why).numpy()
    chain = chain + np.einsum("k,kl,lij->ij", dLdy, dydz, dzdW)
decide(37, np.allclose(chain, gWhy), "sum_t dL_t/dy^_t dy^_t/dz_t dz_t/dW_hy, contracted")
decide(38, np.allclose(sum(np.outer(yh[t] - yv[t], hn[t]) for t in range(1, T + 1)), gWhy), "sum_t (y^_t - y_t) h_t^T")
gby = jacobian(lambda b: L(b_y=b), by).numpy()
decide(43, np.allclose(sum(jacobian(lambda b, t=t: loss_t(hs[t], t, b_y=b), by).numpy() for t in range(1, T + 1)), gby),
       "dL/db_y = sum_t dL_t/db_y")
chain_b = sum(np.einsum("k,kl,li->i", jacobian(lambda p, t=t: -(Y[t] * torch.log(p)).sum(), Tt(yh[t])).numpy(),
                        jacobian(lambda z: torch.softmax(z, 0), Tt(zs[t])).numpy(), np.eye(K)) for t in range(1, T + 1))
decide(44, np.allclose(chain_b, gby), "sum_t dL_t/dy^ dy^/dz dz/db_y")
decide(45, np.allclose(sum(yh[t] - yv[t] for t in range(1, T + 1)), gby), "sum_t (y^_t - y_t)")
decide(50, np.allclose(jacobian(lambda z: -(Y[2] * torch.log_softmax(z, 0)).sum(), Tt(zs[2])).numpy(), yh[2] - yv[2]),
       "dL_t/dz_t = y^_t - y_t")

# the recurrent weights
tot = {t: jacobian(lambda W, t=t: states(W)[t], Whh).numpy() for t in range(0, T + 1)}      # dh_t/dW_hh, every path
imm = {t: jacobian(lambda W, t=t: step(W, hs[t - 1], t), Whh).numpy() for t in range(1, T + 1)}   # h_{t-1} held fixed
Jst = {t: jacobian(lambda hp, t=t: step(Whh, hp, t), hs[t - 1]).numpy() for t in range(1, T + 1)}  # dh_t/dh_{t-1}


def J(t, k):                                     # dh_t/dh_k, the chain product (identity for k = t)
    M = np.eye(H)
    for j in range(t, k, -1):
        M = M @ Jst[j]
    return M


gWhh = jacobian(lambda W: L(W), Whh).numpy()
dLdh = {t: jacobian(lambda h, t=t: loss_t(h, t), hs[t]).numpy() for t in range(1, T + 1)}     # dL_t/dh_t
decide(58, np.allclose(sum(np.einsum("m,mij->ij", dLdh[t], tot[t]) for t in range(1, T + 1)), gWhh), "dL/dW_hh = sum_t dL_t/dW_hh")
chain_h = 0
for t in range(1, T + 1):
    dLdy = jacobian(lambda p, t=t: -(Y[t] * torch.log(p)).sum(), Tt(yh[t])).numpy()
    dydz = jacobian(lambda z: torch.softmax(z, 0), Tt(zs[t])).numpy()
    chain_h = chain_h + np.einsum("k,kl,lm,mij->ij", dLdy, dydz, Why.numpy(), tot[t])
decide(59, np.allclose(chain_h, gWhh), "sum_t dL_t/dy^ dy^/dz dz/dh_t dh_t/dW_hh, with dh_t/dW_hh every path back in time",)
t = T
decide(66, np.allclose(sum(np.einsum("ab,bij->aij", J(t, k), imm[k]) for k in range(1, t + 1)), tot[t]),
       "dh_t/dW_hh = sum_k dh_t/dh_k dh_k/dW_hh, dh_t/dh_k every path, dh_k/dW_hh the immediate one")
I4 = np.einsum("ai,bj->abij", np.eye(H), np.eye(H))                 # du/dW_hh for u = W_hh
dfdu, dfdv = imm[t], Jst[t]
decide(73, np.allclose(np.einsum("aij,ijkl->akl", dfdu, I4) + np.einsum("ab,bij->aij", dfdv, tot[t - 1]), tot[t]),
       "df/du du/dW_hh + df/dv dv/dW_hh with u = W_hh, v = h_{t-1}(W_hh)")
decide(74, np.allclose(dfdu + np.einsum("ab,bij->aij", dfdv, tot[t - 1]), tot[t]), "du/dW_hh = 1 (the identity)")
decide(75, np.allclose(dfdu + np.einsum("ab,bij->aij", Jst[t], tot[t - 1]), tot[t]), "df/dv = dh_t/dh_{t-1}")
decide(76, np.allclose(imm[t] + np.einsum("ab,bij->aij", Jst[t], tot[t - 1]), tot[t]),
       "(8): the immediate dh_t/dW_hh + dh_t/dh_{t-1} dh_{t-1}/dW_hh (the first term read as the post's note says)")
decide(87, np.allclose(imm[t - 1] + np.einsum("ab,bij->aij", Jst[t - 1], tot[t - 2]), tot[t - 1]), "(9) one step earlier")
decide(90, np.allclose(imm[1] + 0, tot[1]), "dh_1/dW_hh is its immediate part, h_0 being constant")
decide(91, np.allclose(imm[1], tot[1]), "the same")
nested = imm[1]
for kk in range(2, t + 1):
    nested = imm[kk] + np.einsum("ab,bij->aij", Jst[kk], nested)
decide(98, np.allclose(nested, tot[t]), "the nesting of (8) and (9) down to dh_1/dW_hh")
# (10) second line as printed: the last term's chain written dh_t/dh_{t-1} ... dh_t/dh_1
head = imm[t] + np.einsum("ab,bij->aij", Jst[t], imm[t - 1]) + np.einsum("ab,bij->aij", Jst[t] @ Jst[t - 1], imm[t - 2])
readings = {"dh_4/dh_3 dh_4/dh_1": Jst[t] @ J(t, 1), "dh_4/dh_3 dh_3/dh_2 dh_4/dh_1": Jst[t] @ Jst[t - 1] @ J(t, 1)}
vals = {r: head + np.einsum("ab,bij->aij", M, imm[1]) for r, M in readings.items()}
true_last = head + np.einsum("ab,bij->aij", J(t, 1), imm[1])
print(f"   (with dh_2/dh_1 for the last factor the line is right: {np.allclose(true_last, tot[t])}; readings of the printed "
      f"chain that match: {[r for r, v in vals.items() if np.allclose(v, tot[t])]})")
decide(99, any(np.allclose(v, tot[t]) for v in vals.values()), "the last term's chain ends in dh_t/dh_1 (h_t's Jacobian "
       "from h_1, every step) where dh_2/dh_1 belongs, so the chain counts the steps above h_1 twice")
decide(100, np.allclose(sum(np.einsum("ab,bij->aij", J(t, k), imm[k]) for k in range(1, t + 1)), tot[t]),
       "sum_k (prod_{j=k+1}^t dh_j/dh_{j-1}) dh_k/dW_hh (the product in the chain's order, empty for k = t)")
decide(109, np.allclose(sum(np.einsum("m,mij->ij", dLdh[s], tot[s]) for s in range(1, T + 1)), gWhh), "dL/dW_hh = sum_t dL_t/dW_hh")
decide(110, np.allclose(chain_h, gWhh), "the chain of (6)")
# (11), third line: (y^_t - y_t) . W_hy^T . dh_t/dW_hh
shapes = []
for v in ((yh[2] - yv[2]).reshape(-1, 1), (yh[2] - yv[2]).reshape(1, -1)):
    try:
        shapes.append((v @ Why.numpy().T).shape)
    except ValueError:
        shapes.append(None)
right = sum(np.einsum("m,mij->ij", Why.numpy().T @ (yh[s] - yv[s]), tot[s]) for s in range(1, T + 1))
print(f"   ((y^ - y) . W_hy^T as a column and as a row: {shapes}; W_hy^T (y^ - y) contracted with dh_t/dW_hh gives dL/dW_hh: "
      f"{np.allclose(right, gWhh)})")
decide(111, any(sh is not None for sh in shapes), "(y^_t - y_t) is K x 1 (a column, as (4) uses it) and W_hy^T is H x K: the "
       "product is undefined, and so it is for a row; dL_t/dh_t is W_hy^T (y^_t - y_t) (or (y^_t - y_t)^T W_hy)")
decide(112, any(sh is not None for sh in shapes), "the same (y^_t - y_t) . W_hy^T, carried from the line above")
decide(118, any(sh is not None for sh in shapes), "(12) repeats the factor (y^_t - y_t) . W_hy^T")
decide(123, any(sh is not None for sh in shapes), "(13) repeats it too")

# vanishing gradients
decide(133, True, "h_j = f(W_hh h_{j-1} + W_xh x_j + b_h) restated")
decide(137, all(np.allclose(np.diag(1 - hn[j] ** 2) @ Whh.numpy(), Jst[j]) for j in range(1, T + 1)),
       "dh_j/dh_{j-1} = diag(f'(z_j)) W_hh: f'(.) . W_hh read as the diagonal of f' times W_hh")
zg = torch.linspace(-6, 6, 2001, dtype=torch.float64, requires_grad=True)
dt = torch.autograd.grad(torch.tanh(zg).sum(), zg)[0].numpy()
ds = torch.autograd.grad(torch.sigmoid(zg).sum(), zg)[0].numpy()
dr = torch.autograd.grad(torch.relu(zg).sum(), zg)[0].numpy()
zn = zg.detach().numpy()
decide(140, np.allclose(dt, 1 - np.tanh(zn) ** 2) and dt.min() >= 0 and dt.max() <= 1, "tanh' = 1 - tanh^2, within [0, 1]")
sg = 1 / (1 + np.exp(-zn))
decide(141, np.allclose(ds, sg * (1 - sg)) and ds.min() >= 0 and ds.max() <= 0.25, "sigmoid' = sigma (1 - sigma), within [0, 0.25]")
decide(142, np.allclose(dr[zn > 0], 1) and np.allclose(dr[zn < 0], 0), "relu' = 1 above 0, 0 below")
prod = lambda t_, k_: np.linalg.multi_dot([np.eye(H)] + [np.diag(1 - hn[j] ** 2) @ Whh.numpy() for j in range(t_, k_, -1)])
decide(146, all(np.allclose(prod(a, c), J(a, c)) for a in range(1, T + 1) for c in range(0, a)),
       "prod_j dh_j/dh_{j-1} = prod_j diag(f'_j) W_hh, in the chain's order")
decide(149, dt.max() <= 1 and ds.max() <= 1, "tanh' and sigmoid' are at most 1")
decide(151, max(a - c for a in range(1, T + 1) for c in range(1, a + 1)) == T - 1, "t - k <= T - 1 factors for 1 <= k <= t <= T")
gamma = max(np.abs(1 - hn[j] ** 2).max() for j in range(1, T + 1))
lam = np.linalg.norm(Whh.numpy(), 2)
decide(157, all(np.linalg.norm(J(a, c), 2) <= (gamma * lam) ** (a - c) + 1e-12 for a in range(1, T + 1) for c in range(1, a + 1)),
       "||prod dh_j/dh_{j-1}|| <= (gamma lambda)^(t-k) in the spectral norm, gamma bounding |f'|, lambda = ||W_hh||")

finish()
