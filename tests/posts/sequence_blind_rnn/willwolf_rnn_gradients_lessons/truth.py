"""Independent truth for tests/posts/sequence_blind_rnn/willwolf_rnn_gradients_lessons (NumPy and torch, no derive).

Will Wolf's network: column vectors, z_t = W^xh x_t + W^hh h_{t-1}, h_t = tanh(z_t), y_t = W^hy h_t,
p_t = softmax(y_t), J_t = crossentropy(p_t, labels_t) = -log p_t[label_t], over t = 1, 2, 3 from a fixed initial
state h_0 (no biases, as the post has none). References: torch.nn.RNNCell (bias=False) for the forward, autograd in
float64 for every gradient and torch.autograd.functional.jacobian for the Jacobians the post multiplies. The
chain-rule products are contracted over the intermediate's index (p, y, z are vectors, dy/dW a 3-tensor); the
'Analytical Derivatives' list is evaluated as printed with column vectors (a juxtaposition is a matrix product).
H = 3 hidden units, D = 4 inputs, K = 4 classes."""
import numpy as np
import torch
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

torch.manual_seed(0)
rng = np.random.default_rng(11)
H, D, K, T = 3, 4, 4, 3
Tt = lambda a: torch.tensor(a, dtype=torch.float64, requires_grad=True)
Wxh, Whh, Why = Tt(rng.normal(0, 0.8, (H, D))), Tt(rng.normal(0, 0.8, (H, H))), Tt(rng.normal(0, 0.8, (K, H)))
xs = [torch.tensor(rng.normal(size=D)) for _ in range(T + 1)]          # xs[1..3] used
labels = [None, 2, 0, 3]
h0 = torch.tensor(rng.normal(0, 0.5, H))
n = lambda v: v.detach().numpy()


def run(Wxh, Whh, Why):
    hs, zs, ys, ps, Js = {0: h0}, {}, {}, {}, {}
    for t in range(1, T + 1):
        zs[t] = Wxh @ xs[t] + Whh @ hs[t - 1]
        hs[t] = torch.tanh(zs[t])
        ys[t] = Why @ hs[t]
        ps[t] = torch.softmax(ys[t], 0)
        Js[t] = -torch.log(ps[t][labels[t]])
    return hs, zs, ys, ps, Js


hs, zs, ys, ps, Js = run(Wxh, Whh, Why)
# forward lines against torch's own RNN cell and cross-entropy
cell = torch.nn.RNNCell(D, H, bias=False, nonlinearity="tanh").double()
with torch.no_grad():
    cell.weight_ih.copy_(Wxh); cell.weight_hh.copy_(Whh)
    h_ref = h0[None]
    ok_h, ok_J = True, True
    for t in range(1, T + 1):
        h_ref = cell(xs[t][None], h_ref)
        ok_h &= np.allclose(h_ref[0].numpy(), n(hs[t]))
        ok_J &= np.isclose(torch.nn.functional.cross_entropy((Why @ h_ref[0])[None], torch.tensor([labels[t]])).item(), Js[t].item())
decide(1, ok_h, "z_t = W^xh x_t + W^hh h_{t-1} (x read as x_t): with h_t = tanh(z_t) it is torch.nn.RNNCell without bias")
decide(2, ok_h, "h_t = tanh(z_t)")
decide(3, ok_J, "y_t = W^hy h_t are the logits")
decide(4, ok_J, "p_t = softmax(y_t)")
decide(5, ok_J, "J_t = crossentropy(p_t, labels_t) = -log p_t[label] (F.cross_entropy of the logits)")


def grad_of(J, wrt):
    return torch.autograd.grad(J, wrt, retain_graph=True)[0].numpy()


def onehot(i):
    v = np.zeros(K); v[i] = 1.0; return v


def chain_Why(t):
    """dJ_t/dp_t . dp_t/dy_t . dy_t/dW^hy, contracted over p and y (the post's three factors)."""
    p_leaf = Tt(n(ps[t]))
    dJdp = torch.autograd.grad(-torch.log(p_leaf[labels[t]]), p_leaf)[0].numpy()
    dpdy = torch.autograd.functional.jacobian(lambda y: torch.softmax(y, 0), ys[t].detach()).numpy()
    dydW = torch.autograd.functional.jacobian(lambda W: W @ hs[t].detach(), Why.detach()).numpy()   # (K, K, H)
    return np.einsum("p,py,yij->ij", dJdp, dpdy, dydW)


dJ3_dWhy = grad_of(Js[3], Why)
decide(13, np.allclose(chain_Why(3), dJ3_dWhy), "dJ_3/dW^hy = dJ_3/dp_3 dp_3/dy_3 dy_3/dW^hy: W^hy reaches J_3 only through y_3")
decide(17, np.allclose(chain_Why(2), grad_of(Js[2], Why)), "dJ_2/dW^hy = dJ_2/dp_2 dp_2/dy_2 dy_2/dW^hy")
print(f"   (the third right side equals dJ_1/dW^hy: {np.allclose(chain_Why(1), grad_of(Js[1], Why))})")
decide(21, np.allclose(chain_Why(1), dJ3_dWhy), "the third line writes dJ_3/dW^hy on the left and the J_1, p_1, y_1 chain "
       "(dJ_1/dW^hy) on the right: the left side should be dJ_1/dW^hy")

# line 34: sum over k of dJ_t/dh_t dh_t/dh_k dh_k/dz_k dz_k/dW^hh, t = 3; k = 0 contributes nothing (h_0 is given)
t = 3
h_leaf = Tt(n(hs[t]))
dJdh = torch.autograd.grad(-torch.log(torch.softmax(Why.detach() @ h_leaf, 0)[labels[t]]), h_leaf)[0].numpy()
Wd, Wxd = Whh.detach(), Wxh.detach()


def h_from(k, hk):
    h = hk
    for s in range(k + 1, t + 1):
        h = torch.tanh(Wxd @ xs[s] + Wd @ h)
    return h


total = np.zeros((H, H))
for k in range(1, t + 1):
    dht_dhk = torch.autograd.functional.jacobian(lambda hk: h_from(k, hk), hs[k].detach()).numpy()
    dhk_dzk = np.diag(1 - n(hs[k]) ** 2)
    dzk_dW = torch.autograd.functional.jacobian(lambda W: Wxd @ xs[k] + W @ hs[k - 1].detach(), Wd).numpy()
    total += np.einsum("a,ab,bc,cij->ij", dJdh, dht_dhk, dhk_dzk, dzk_dW)
decide(34, np.allclose(total, grad_of(Js[3], Whh)), "sum over k of dJ_3/dh_3 dh_3/dh_k dh_k/dz_k dz_k/dW^hh (immediate dz_k/dW^hh) "
       "is autograd's dJ_3/dW^hh; the k = 0 term is zero because h_0 is the given initial state")

# the analytical list at t = 2 (a middle step)
t = 2
pl = n(ps[t]) - onehot(labels[t])
decide(46, np.allclose(pl, grad_of(Js[t], ys[t])), "dJ_t/dy_t = p_t - labels_t")
col = lambda v: np.asarray(v).reshape(-1, 1)


def matmul_or_none(a, b):
    try:
        return a @ b
    except ValueError:
        return None


r47 = matmul_or_none(col(pl), col(n(hs[t])))
y_leaf = Tt(n(ys[t]))
W_leaf = Tt(n(Why))
Jt_local = -torch.log(torch.softmax(W_leaf @ hs[t].detach(), 0)[labels[t]])
dJt_dWhy = torch.autograd.grad(Jt_local, W_leaf)[0].numpy()
print(f"   (the outer product (p_t - labels_t) h_t^T equals dJ_t/dW^hy: {np.allclose(col(pl) @ col(n(hs[t])).T, dJt_dWhy)})")
decide(47, r47 is not None and np.allclose(r47, dJt_dWhy), "(p_t - labels_t) h_t is a (K x 1)(H x 1) product, undefined; "
       "dJ_t/dW^hy is the outer product (p_t - labels_t) h_t^T (transpose missing)")
h_leaf2 = Tt(n(hs[t]))
dJt_dht = torch.autograd.grad(-torch.log(torch.softmax(Why.detach() @ h_leaf2, 0)[labels[t]]), h_leaf2)[0].numpy()
r48 = matmul_or_none(col(pl), n(Why))
print(f"   (W^hy^T (p_t - labels_t) equals dJ_t/dh_t: {np.allclose(n(Why).T @ pl, dJt_dht)})")
decide(48, r48 is not None and np.allclose(r48.ravel(), dJt_dht), "(p_t - labels_t) W^hy is a (K x 1)(K x H) product, undefined; "
       "dJ_t/dh_t = W^hy^T (p_t - labels_t) (or its transpose as a row) (transpose missing)")
jac_hz = torch.autograd.functional.jacobian(torch.tanh, zs[t].detach()).numpy()
decide(49, np.allclose(jac_hz, np.diag(1 - np.tanh(n(zs[t])) ** 2)) and np.allclose(1 - np.tanh(n(zs[t])) ** 2, 1 - n(hs[t]) ** 2),
       "dh_t/dz_t = diag(1 - tanh^2 z_t) = diag(1 - h_t^2)")
jac_zh = torch.autograd.functional.jacobian(lambda h: Wxd @ xs[t] + Wd @ h, hs[t - 1].detach()).numpy()
decide(50, np.allclose(jac_zh, n(Whh)), "dz_t/dh_{t-1} = W^hh (the missing partial sign in the denominator is typographic)")
jac_zWx = torch.autograd.functional.jacobian(lambda W: W @ xs[t] + Wd @ hs[t - 1].detach(), Wxd).numpy()
expect = np.einsum("ij,k->ijk", np.eye(H), n(xs[t]))
decide(51, np.allclose(jac_zWx, expect), "dz_t/dW^xh = x_t in the usual shorthand dz_i/dW^xh_ij = x_t,j (the Jacobian is delta_ia x_t,j)")
jac_zWh = torch.autograd.functional.jacobian(lambda W: Wxd @ xs[t] + W @ hs[t - 1].detach(), Wd).numpy()
decide(52, np.allclose(jac_zWh, np.einsum("ij,k->ijk", np.eye(H), n(hs[t - 1]))),
       "dz_t/dW^hh = h_{t-1} in the same shorthand (the numerator's missing partial sign is typographic)")

finish()
