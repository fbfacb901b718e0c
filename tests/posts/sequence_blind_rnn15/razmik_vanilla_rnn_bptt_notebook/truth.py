"""Independent truth for tests/posts/sequence_blind_rnn15/razmik_vanilla_rnn_bptt_notebook (NumPy and torch, no derive).

Razmik Melikbekyan's notebook 'Vanilla RNN implementation' (razmikmelikbekyan/ML-playground, RNN/Vanilla RNN
implementation.ipynb at commit 10a5790), its markdown cells from the first '###### Mathematically' to the last formula
cell before '#### Implementation'. The notebook's own network, column vectors, no biases (it writes none):
z_t = W_hh h_{t-1} + W_xh x_t, h_t = f(z_t) with f = tanh (the cases of line 155-165 are checked for the sigmoid too),
y_t = W_hy h_t, p_t = softmax(y_t), J_t the cross-entropy of p_t against a one-hot label (the notebook allows
'crossentropy, MSE or something else'; its dJ_t/dy_t = p_t - labels_t is the cross-entropy's), J = sum_{t=1}^T J_t,
h_0 = 0 (line 127). W_hx and W_xh are the one input matrix (the notebook uses both names; line 120 gives it the size
(hidden_size, vocab_size)). D = H = 3 (so the W_hh term written into the W_xh expansion of line 104 is compared by
value, not only by shape), K = 4, T = 4, dense random inputs x_t (a one-hot x_t gives the same verdicts).

References from torch autograd in float64: the gradient of every J_t and of J with respect to W_hy, W_hh, W_xh; the
total gradient dJ_t/dh_k (every path from h_k to J_t); the total Jacobian dh_t/dh_k; the one-step dh_{j+1}/dh_j; the
immediate d+h_k/dW (h_{k-1} held, the notebook's definition on lines 110-111); dz_k/dW (h_{k-1} held), dh_k/dz_k,
dz_t/dh_{t-1}, dJ_t/dy_t and dy_t/dW_hy, all from torch.autograd.functional.jacobian in numerator layout (output axes
first). A product of partials is the product of the Jacobians in the printed order, contracted over the shared index;
each printed right side is evaluated with the true values of what it names and compared with its left side. Vectors
written side by side without a transpose are read as the only product their shapes allow (lines 151, 153, 178); the
'= x' and '= h_{t-1}' of lines 169 and 171 are read as the non-zero rows of the 3-index Jacobian. An index range is
read literally: a term that needs a quantity the forward pass never defines (z_0) has no value.
"""
import numpy as np
import torch
from torch.autograd.functional import jacobian
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish, unchecked  # noqa: E402,F401

torch.set_default_dtype(torch.float64)
Tt = lambda a: torch.tensor(a, dtype=torch.float64)
nv = lambda x: x.detach().numpy().copy()
close = lambda a, b: np.shape(a) == np.shape(b) and np.allclose(a, b, atol=1e-12)
rng = np.random.default_rng(1515)
D, H, K, T = 3, 3, 4, 4
P = {"Whh": rng.normal(0, 0.7, (H, H)), "Wxh": rng.normal(0, 0.7, (H, D)), "Why": rng.normal(0, 0.9, (K, H))}
X = {t: rng.normal(0, 1.0, D) for t in range(1, T + 1)}
LAB = {t: np.eye(K)[rng.integers(K)] for t in range(1, T + 1)}
TS = range(1, T + 1)

zf = lambda hp, x, Whh, Wxh: Whh @ hp + Wxh @ Tt(x)                      # line 129
Jt = lambda y, t: -(Tt(LAB[t]) * torch.log_softmax(y, 0)).sum()          # cross-entropy of p_t = softmax(y_t)


def run(Whh, Wxh, Why, f=torch.tanh, start=None):
    """Forward pass from h_0 = 0 (or from h_k = start[1] at step start[0])."""
    k0, hk = (0, torch.zeros(H)) if start is None else start
    hs, zs = {k0: hk}, {}
    for t in range(k0 + 1, T + 1):
        zs[t] = zf(hs[t - 1], X[t], Whh, Wxh)
        hs[t] = f(zs[t])
    ys = {t: Why @ hs[t] for t in hs if t >= 1}
    return zs, hs, ys, {t: Jt(ys[t], t) for t in ys}


PT = {k: Tt(v) for k, v in P.items()}
zs, hs, ys, Js = run(**PT)
zv = {t: nv(z) for t, z in zs.items()}
hv = {t: nv(h) for t, h in hs.items()}
yv = {t: nv(y) for t, y in ys.items()}
pv = {t: nv(torch.softmax(ys[t], 0)) for t in TS}

# forward definitions: the cell is torch's tanh RNN cell without biases
ref = torch.nn.RNNCell(D, H, bias=False, nonlinearity="tanh")
with torch.no_grad():
    ref.weight_ih.copy_(PT["Wxh"]), ref.weight_hh.copy_(PT["Whh"])
cell_ok = all(close(nv(ref(Tt(X[t])[None], hs[t - 1][None])[0]), hv[t]) for t in TS)


def grad(t, name):
    """dJ_t/d(name) through every path (t = 0: dJ/d(name), J = sum_t J_t)."""
    leaf = {k: Tt(v).requires_grad_(k == name) for k, v in P.items()}
    _, _, _, L = run(**leaf)
    return nv(torch.autograd.grad(L[t] if t else sum(L.values()), leaf[name])[0])


G = {(t, n): grad(t, n) for t in range(0, T + 1) for n in P}


def dJt_dhk(t, k):
    """Total dJ_t/dh_k (every path from h_k to J_t), k <= t."""
    hk = Tt(hv[k]).requires_grad_()
    _, _, _, L = run(**PT, start=(k, hk))
    return nv(torch.autograd.grad(L[t], hk)[0])


def dht_dhk(t, k):
    """Total Jacobian dh_t/dh_k (H, H)."""
    return nv(jacobian(lambda hk: run(**PT, start=(k, hk))[1][t], Tt(hv[k])))


step = {j: dht_dhk(j + 1, j) for j in range(0, T)}   # one-step dh_{j+1}/dh_j
# immediate d+h_k/dW with h_{k-1} held: (H, H, H) for W_hh, (H, H, D) for W_xh
plus = {("Whh", k): nv(jacobian(lambda W: torch.tanh(zf(Tt(hv[k - 1]), X[k], W, PT["Wxh"])), PT["Whh"])) for k in TS}
plus.update({("Wxh", k): nv(jacobian(lambda W: torch.tanh(zf(Tt(hv[k - 1]), X[k], PT["Whh"], W)), PT["Wxh"]))
             for k in TS})
dz_dW = {("Whh", k): nv(jacobian(lambda W: zf(Tt(hv[k - 1]), X[k], W, PT["Wxh"]), PT["Whh"])) for k in TS}
dz_dW.update({("Wxh", k): nv(jacobian(lambda W: zf(Tt(hv[k - 1]), X[k], PT["Whh"], W), PT["Wxh"])) for k in TS})
dh_dz = {k: nv(jacobian(torch.tanh, Tt(zv[k]))) for k in TS}
dJ_dy = {t: nv(jacobian(lambda y: Jt(y, t), Tt(yv[t]))) for t in TS}                          # (K,)
dy_dW = {t: nv(jacobian(lambda W: W @ Tt(hv[t]), PT["Why"])) for t in TS}                      # (K, K, H)
dJ_dh = {t: dJt_dhk(t, t) for t in TS}
row = lambda g, J: np.einsum("i,i...->...", g, J)   # a row gradient times a Jacobian, contracted over the first axis

# ---------------------------------------------------------------- forward definitions
decide(3, cell_ok, "h_t = f(W_hh h_{t-1} + W_xh x_t), f = tanh, is torch's RNNCell without biases")
decide(5, all(close(yv[t], P["Why"] @ hv[t]) for t in TS), "y_t = W_hy h_t, the read-out the truth builds")
decide(27, close(nv(sum(Js.values())), sum(nv(Js[t]) for t in TS)), "J = sum_t J_t, the loss the truth differentiates")
decide(33, all(close(G[(0, n)], sum(G[(t, n)] for t in TS)) for n in P),
       "J is the sum of the J_t, so each gradient of J is the sum of the gradients of the J_t")

# ---------------------------------------------------------------- dJ_t/dW_hy as a chain (line 43)
decide(43, all(close(row(dJ_dy[t], dy_dW[t]), G[(t, "Why")]) for t in TS),
       "W_hy reaches J_t only through y_t: dJ_t/dy_t dy_t/dW_hy is dJ_t/dW_hy")


# ---------------------------------------------------------------- the two sums for W_hh and W_xh (lines 56-106)
def sum_immediate(t, n):
    return sum(row(dJt_dhk(t, k), plus[(n, k)]) for k in range(1, t + 1))


def sum_with_extra(t, n):
    """sum_k dJ_t/dh_k dh_t/dh_k d+h_k/dW (the printed second sum)."""
    return sum(row(dJt_dhk(t, k) @ dht_dhk(t, k), plus[(n, k)]) for k in range(1, t + 1))


for line, n in ((56, "Whh"), (87, "Wxh")):
    decide(line, all(close(sum_immediate(t, n), G[(t, n)]) for t in TS),
           f"sum_k (total dJ_t/dh_k)(immediate d+h_k/d{n}) is dJ_t/d{n}: every use of the weight is counted once")
for line, n, kind in ((59, "Whh", "primary"), (90, "Wxh", "primary")):
    print(f"   (line {line}: the k = t term is right, ||sum - true|| = "
          f"{np.abs(sum_with_extra(T, n) - G[(T, n)]).max():.3g} at t = {T})")
    decide(line, all(close(sum_with_extra(t, n), G[(t, n)]) for t in TS),
           "dJ_t/dh_k already contains dh_t/dh_k (the path from h_k to J_t runs through h_t); the extra factor "
           "dh_t/dh_k counts it twice for k < t")
decide(69, close(sum_with_extra(3, "Whh"), G[(3, "Whh")]), "line 59's second sum at t = 3 (carried)")
decide(100, close(sum_with_extra(3, "Wxh"), G[(3, "Wxh")]),
       "line 90's second sum at t = 3, the empty upper limit read as 3 (carried)")


def expansion3(n, middle):
    """dJ_3/dh_3 d+h_3/dW + dJ_3/dh_3 dh_3/dh_2 d+h_2/dW' + dJ_3/dh_3 dh_3/dh_2 dh_2/dh_1 d+h_1/dW."""
    return (row(dJ_dh[3], plus[(n, 3)]) + row(dJ_dh[3] @ step[2], plus[(middle, 2)])
            + row(dJ_dh[3] @ step[2] @ step[1], plus[(n, 1)]))


decide(75, close(expansion3("Whh", "Whh"), G[(3, "Whh")]),
       "the expansion over k = 3, 2, 1 with dJ_3/dh_3 and the one-step Jacobians is dJ_3/dW_hh")
print(f"   (line 106 with d+h_2/dW_xh in the middle term would be right: "
      f"{close(expansion3('Wxh', 'Wxh'), G[(3, 'Wxh')])})")
decide(106, close(expansion3("Wxh", "Whh"), G[(3, "Wxh")]),
       "the middle term (line 104) has d+h_2/dW_hh, the immediate derivative with respect to the recurrent weight, "
       "where d+h_2/dW_xh belongs")

# ---------------------------------------------------------------- the forward pass of the second part
decide(129, all(close(zv[t], P["Whh"] @ hv[t - 1] + P["Wxh"] @ X[t]) for t in TS), "z_t, the pre-activation")
decide(131, all(close(hv[t], np.tanh(zv[t])) for t in TS), "h_t = f(z_t), f = tanh")
decide(133, all(close(yv[t], P["Why"] @ hv[t]) for t in TS), "y_t = W_hy h_t")
decide(135, all(close(pv[t], np.exp(yv[t]) / np.exp(yv[t]).sum()) for t in TS), "p_t = softmax(y_t)")
decide(139, close(nv(sum(Js.values())), sum(nv(Js[t]) for t in TS)), "J = sum_{t=1}^T J_t")

# ---------------------------------------------------------------- the step-by-step backward (lines 149-171)
decide(149, all(close(dJ_dy[t], pv[t] - LAB[t]) for t in TS), "softmax and cross-entropy: dJ_t/dy_t = p_t - labels_t")
decide(151, all(close(np.outer(pv[t] - LAB[t], hv[t]), G[(t, "Why")]) for t in TS),
       "read as the outer product (p_t - labels_t) h_t^T (K x H, W_hy's shape), the only product of the two columns")
decide(153, all(close((pv[t] - LAB[t]) @ P["Why"], dJ_dh[t]) for t in TS),
       "read as the row (p_t - labels_t)^T W_hy; J_t depends on h_t only through y_t")
sig = torch.sigmoid
decide(165, all(close(dh_dz[t], np.diag(1 - np.tanh(zv[t]) ** 2)) and close(dh_dz[t], np.diag(1 - hv[t] ** 2))
                and close(nv(jacobian(sig, Tt(zv[t]))), np.diag(nv(sig(Tt(zv[t])) * (1 - sig(Tt(zv[t]))))))
                for t in TS),
       "tanh' = 1 - tanh^2 = 1 - h_t^2 and sigma' = sigma(1 - sigma) = h_t(1 - h_t) with h_t = sigma(z_t) (diagonal)")
decide(167, all(close(nv(jacobian(lambda hp: zf(hp, X[t], PT["Whh"], PT["Wxh"]), Tt(hv[t - 1]))), P["Whh"])
                for t in TS), "dz_t/dh_{t-1} = W_hh (the Jacobian)")


def rows_are(J, v):
    """J[i, j, :] = v for j = i and 0 otherwise: the non-zero rows of dz/dW are v."""
    return all(close(J[i, j], v if i == j else np.zeros_like(v)) for i in range(H) for j in range(H))


decide(169, all(rows_are(dz_dW[("Wxh", t)], X[t]) for t in TS),
       "dz_{t,i}/dW_(i,:) = x_t^T, every other entry 0; 'x' read as x_t")
decide(171, all(rows_are(dz_dW[("Whh", t)], hv[t - 1]) for t in TS),
       "dz_{t,i}/dW_hh(i,:) = h_{t-1}^T with h_{t-1} held (the immediate derivative)")
decide(177, all(close(row(dJ_dy[t], dy_dW[t]), G[(t, "Why")]) for t in TS), "the chain of line 43 again")
decide(178, all(close(np.outer(pv[t] - LAB[t], hv[t]), G[(t, "Why")]) for t in TS),
       "(p_t - labels_t) h_t read as line 151")


# ---------------------------------------------------------------- the sums from k = 0 (lines 187, 196)
def sum_from(k0, t, n):
    """sum_{k=k0}^t dJ_t/dh_t dh_t/dh_k dh_k/dz_k dz_k/dW; z_k and d+z_k/dW exist for k >= 1 only."""
    total = 0
    for k in range(k0, t + 1):
        if k not in zv:
            raise KeyError(f"z_{k} is not defined: the forward pass starts from h_0 = 0")
        total = total + row(dJ_dh[t] @ dht_dhk(t, k) @ dh_dz[k], dz_dW[(n, k)])
    return total


for line, n in ((187, "Whh"), (196, "Wxh")):
    print(f"   (line {line} from k = 1 would be right: {all(close(sum_from(1, t, n), G[(t, n)]) for t in TS)})")
    try:
        ok = all(close(sum_from(0, t, n), G[(t, n)]) for t in TS)
        reason = "the sum from k = 0"
    except KeyError as e:
        ok, reason = False, f"the k = 0 term needs dh_0/dz_0 dz_0/dW, but {e.args[0]} (the line above says k = 1 -> tau)"
    decide(line, ok, reason)

decide(205, close(G[(0, "Whh")], sum(G[(t, "Whh")] for t in TS)), "dJ/dW_hh = sum_t dJ_t/dW_hh")
finish()
