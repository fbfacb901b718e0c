"""Independent truth for tests/posts/sequence_blind_rnn/karpathy_min_char_rnn_lossfun (NumPy and torch, no derive).

Karpathy's min-char-rnn: one-hot x_t (vocab x 1), h_t = tanh(Wxh x_t + Whh h_{t-1} + bh), y_t = Why h_t + by,
p_t = softmax(y_t), loss = sum over t of -log p_t[target_t], from a given hprev. References: torch.nn.RNNCell and
F.cross_entropy for the forward, autograd in float64 for the gradients of the summed loss; h_t, its uses and the
pre-activation are separate nodes so autograd gives the gradient reaching h_t from the next step (dhnext) and the
gradient at the pre-activation (dhraw). The accumulating lines ('+=') are run as printed over the whole sequence
from zero accumulators and compared with autograd's gradient of the summed loss; the other backward lines are
judged at the middle step with the true values they name. vocab = 4, hidden = 3, four steps."""
import numpy as np
import torch
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(4)
V, Hn = 4, 3
inputs, targets = [0, 2, 1, 3], [2, 1, 3, 0]
Wxh_n, Whh_n, Why_n = rng.normal(0, 0.6, (Hn, V)), rng.normal(0, 0.6, (Hn, Hn)), rng.normal(0, 0.6, (V, Hn))
bh_n, by_n = rng.normal(0, 0.3, (Hn, 1)), rng.normal(0, 0.3, (V, 1))
hprev = rng.normal(0, 0.5, (Hn, 1))
P = lambda a: torch.tensor(a, dtype=torch.float64, requires_grad=True)
Wxh, Whh, Why, bh, by = P(Wxh_n), P(Whh_n), P(Why_n), P(bh_n), P(by_n)


def keep(v):
    v.retain_grad()
    return v


xs, hs, hs_use, raws, ys = {}, {-1: P(hprev)}, {}, {}, {}
loss = 0
for t in range(len(inputs)):
    xs[t] = torch.zeros((V, 1), dtype=torch.float64); xs[t][inputs[t]] = 1
    hs_use[t] = keep(hs[t - 1].clone())                         # h_{t-1} as step t uses it
    raws[t] = keep(Wxh @ xs[t] + Whh @ hs_use[t] + bh)
    hs[t] = keep(torch.tanh(raws[t]))
    ys[t] = keep(Why @ hs[t] + by)
    loss = loss - torch.log_softmax(ys[t], 0)[targets[t], 0]
loss.backward()
n = lambda v: v.detach().numpy()
ps = {t: np.exp(n(ys[t])) / np.sum(np.exp(n(ys[t]))) for t in ys}

# forward lines against torch's own cell and loss
cell = torch.nn.RNNCell(V, Hn).double()
with torch.no_grad():
    cell.weight_ih.copy_(Wxh); cell.weight_hh.copy_(Whh); cell.bias_ih.copy_(bh[:, 0]); cell.bias_hh.zero_()
    h = torch.tensor(hprev.T)
    ok_h, ok_p, ref_loss = True, True, 0.0
    for t in range(len(inputs)):
        h = cell(xs[t].T, h)
        ok_h &= np.allclose(h[0].numpy(), n(hs[t])[:, 0])
        logits = (Why @ h.T + by).T
        ok_p &= np.allclose(torch.softmax(logits, 1)[0].numpy(), ps[t][:, 0])
        ref_loss += torch.nn.functional.cross_entropy(logits, torch.tensor([targets[t]])).item()
decide(21, ok_h, "hs[t] = tanh(Wxh xs[t] + Whh hs[t-1] + bh) is torch.nn.RNNCell")
decide(22, ok_p, "ys[t] = Why hs[t] + by, the logits")
decide(23, ok_p, "ps[t] = softmax(ys[t])")
decide(24, np.isclose(ref_loss, loss.item()), "loss sums -log ps[t][target] (F.cross_entropy per step)")

# the post's backward loop, as printed, from zero accumulators
dWxh, dWhh, dWhy = np.zeros_like(Wxh_n), np.zeros_like(Whh_n), np.zeros_like(Why_n)
dbh, dby = np.zeros_like(bh_n), np.zeros_like(by_n)
hsn = {t: n(hs[t]) for t in hs}
xsn = {t: n(xs[t]) for t in xs}
dhnext = np.zeros_like(hsn[0])
for t in reversed(range(len(inputs))):
    dy = np.copy(ps[t])
    dy[targets[t]] -= 1
    dWhy += np.dot(dy, hsn[t].T)
    dby += dy
    dh = np.dot(Why_n.T, dy) + dhnext
    dhraw = (1 - hsn[t] * hsn[t]) * dh
    dbh += dhraw
    dWxh += np.dot(dhraw, xsn[t].T)
    dWhh += np.dot(dhraw, hsn[t - 1].T)
    dhnext = np.dot(Whh_n.T, dhraw)

t = 1
dy_t = ps[t].copy(); dy_t[targets[t]] -= 1
decide(31, np.allclose(dy_t, ys[t].grad.numpy()), "dy = ps[t] - onehot(target): the softmax cross-entropy gradient at the logits")
decide(32, np.allclose(dWhy, Why.grad.numpy()), "dWhy += dy hs[t]^T summed over the steps is autograd's dL/dWhy")
decide(33, np.allclose(dby, by.grad.numpy()), "dby += dy summed over the steps")
dhnext_true = hs_use[t + 1].grad.numpy()                        # the gradient reaching h_t from step t + 1
decide(34, np.allclose(Why_n.T @ ys[t].grad.numpy() + dhnext_true, hs[t].grad.numpy()), "dh = Why^T dy + dhnext: both uses of h_t")
decide(35, np.allclose((1 - hsn[t] ** 2) * hs[t].grad.numpy(), raws[t].grad.numpy()), "dhraw = (1 - h^2) dh, the gradient at the pre-activation")
decide(36, np.allclose(dbh, bh.grad.numpy()), "dbh += dhraw summed over the steps")
decide(37, np.allclose(dWxh, Wxh.grad.numpy()), "dWxh += dhraw xs[t]^T summed over the steps")
decide(38, np.allclose(dWhh, Whh.grad.numpy()), "dWhh += dhraw hs[t-1]^T summed over the steps (hs[-1] = hprev)")
decide(39, np.allclose(Whh_n.T @ raws[t].grad.numpy(), hs_use[t].grad.numpy()), "dhnext = Whh^T dhraw, the gradient reaching h_{t-1} through step t")
print(f"   (largest gradient entry {max(np.abs(g).max() for g in (dWxh, dWhh, dWhy, dbh, dby)):.3f}: the clip at 5 leaves them as they are)")

finish()
