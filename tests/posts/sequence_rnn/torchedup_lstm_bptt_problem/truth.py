"""Independent truth for tests/posts/sequence_rnn/torchedup_lstm_bptt_problem (NumPy and torch, no derive).

One LSTM step in PyTorch's layout (gates stacked i, f, g, o in the rows of W_ih, W_hh): the page's forward lines.
dh (the page's dh_next) is the gradient reaching h_next and dc_next the gradient reaching c_next from the next step,
so the loss is L = dh . h_next + dc_next . c_next. do, di, df, dg are gradients at the gates' pre-activations
(dgates is multiplied by x and h_prev into dW); dc is the whole gradient at c_next. References: torch.nn.LSTMCell
for the forward, torch autograd in float64 for every gradient; the accumulation '+=' is checked over two steps.
H = 3 hidden units, 2 inputs. Each line is evaluated as printed with the true values of the names it uses."""
import numpy as np
import torch
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

torch.manual_seed(0)
rng = np.random.default_rng(3)
H, N = 3, 2
Tt = lambda a: torch.tensor(a, dtype=torch.float64, requires_grad=True)
W_ih, W_hh = Tt(rng.normal(0, 0.7, (4 * H, N))), Tt(rng.normal(0, 0.7, (4 * H, H)))
b_ih, b_hh = Tt(rng.normal(0, 0.3, 4 * H)), Tt(rng.normal(0, 0.3, 4 * H))
x, h_prev, c_prev = Tt(rng.normal(size=N)), Tt(rng.normal(size=H)), Tt(rng.normal(size=H))
dh, dc_next = rng.normal(size=H), rng.normal(size=H)
sig = torch.sigmoid
gates = W_ih @ x + b_ih + W_hh @ h_prev + b_hh
gates.retain_grad()
i, f = sig(gates[:H]), sig(gates[H:2 * H])
g, o = torch.tanh(gates[2 * H:3 * H]), sig(gates[3 * H:])
c_next = f * c_prev + i * g
c_next.retain_grad()
h_next = o * torch.tanh(c_next)
(torch.tensor(dh) * h_next).sum().backward(retain_graph=True)
(torch.tensor(dc_next) * c_next).sum().backward()
cell = torch.nn.LSTMCell(N, H).double()
with torch.no_grad():
    cell.weight_ih.copy_(W_ih); cell.weight_hh.copy_(W_hh); cell.bias_ih.copy_(b_ih); cell.bias_hh.copy_(b_hh)
    h_ref, c_ref = cell(x[None], (h_prev[None], c_prev[None]))
forward_ok = np.allclose(h_ref[0].numpy(), h_next.detach().numpy()) and np.allclose(c_ref[0].numpy(), c_next.detach().numpy())
n = lambda v: v.detach().numpy()
true_dgates, dc_true = gates.grad.numpy(), c_next.grad.numpy()
di_t, df_t, dg_t, do_t = np.split(true_dgates, 4)
iv, fv, gv, ov, cn, cp, gts = n(i), n(f), n(g), n(o), n(c_next), n(c_prev), n(gates)
dsig = lambda z: 1 / (1 + np.exp(-z)) * (1 - 1 / (1 + np.exp(-z)))

for line in (3, 4, 5, 6, 7):
    decide(line, forward_ok, "the forward lines reproduce torch.nn.LSTMCell (gate order i, f, g, o)")
decide(9, np.allclose(dh * np.tanh(cn) * dsig(gts[3 * H:]), do_t), "do = dh tanh(c_next) sigmoid'(o's pre-activation)")
decide(10, np.allclose(dh * ov * (1 - np.tanh(cn) ** 2) + dc_next, dc_true), "dc = dh o tanh'(c_next) + dc_next: both paths into c_next")
decide(11, np.allclose(dc_true * gv * dsig(gts[:H]), di_t), "di = dc g sigmoid'(i's pre-activation)")
decide(12, np.allclose(dc_true * cp * dsig(gts[H:2 * H]), df_t), "df = dc c_prev sigmoid'(f's pre-activation)")
decide(13, np.allclose(dc_true * iv * (1 - gv ** 2), dg_t), "dg = dc i (1 - g^2)")
decide(14, np.allclose(np.concatenate([di_t, df_t, dg_t, do_t]), true_dgates), "dgates in the gate order i, f, g, o")
# line 15 over two steps: the shared W_ih, W_hh collect one outer product per step
W1, W2 = Tt(n(W_ih)), Tt(n(W_hh))
xs, hs, cs, g_nodes = [Tt(rng.normal(size=N)) for _ in range(2)], [torch.tensor(n(h_prev))], [torch.tensor(n(c_prev))], []
for s in range(2):
    gg = W1 @ xs[s] + b_ih.detach() + W2 @ hs[-1] + b_hh.detach(); gg.retain_grad(); g_nodes.append(gg)
    cc = sig(gg[H:2 * H]) * cs[-1] + sig(gg[:H]) * torch.tanh(gg[2 * H:3 * H])
    hs.append(sig(gg[3 * H:]) * torch.tanh(cc)); cs.append(cc)
es = rng.normal(size=(2, H))
sum((torch.tensor(es[s]) * hs[s + 1]).sum() for s in range(2)).backward()
acc_ih = sum(np.outer(g_nodes[s].grad.numpy(), n(xs[s])) for s in range(2))
acc_hh = sum(np.outer(g_nodes[s].grad.numpy(), n(hs[s])) for s in range(2))
decide(15, np.allclose(acc_ih, W1.grad.numpy()) and np.allclose(acc_hh, W2.grad.numpy()),
       "summing outer(dgates_t, x_t) and outer(dgates_t, h_{t-1}) over both steps gives autograd's dW_ih, dW_hh")
decide(16, np.allclose(n(W_ih).T @ true_dgates, x.grad.numpy()), "dx = W_ih^T dgates")
decide(17, np.allclose(n(W_hh).T @ true_dgates, h_prev.grad.numpy()), "dh_prev = W_hh^T dgates")
decide(18, np.allclose(dc_true * fv, c_prev.grad.numpy()), "dc_prev = dc f: the forget-gate path")
decide(20, np.allclose(true_dgates, b_ih.grad.numpy()) and np.allclose(true_dgates, b_hh.grad.numpy()), "db_ih = db_hh = dgates")

finish()
