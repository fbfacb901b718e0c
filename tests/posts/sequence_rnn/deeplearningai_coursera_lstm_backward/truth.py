"""Independent truth for tests/posts/sequence_rnn/deeplearningai_coursera_lstm_backward (NumPy and torch, no derive).

One LSTM cell as the assignment's forward section defines it (columns are the m examples of a batch):
concat = [a_prev; x_t], Gamma_f = sigmoid(W_f concat + b_f), Gamma_u = sigmoid(W_u concat + b_u),
c~ = tanh(W_c concat + b_c), c_next = Gamma_f * c_prev + Gamma_u * c~, Gamma_o = sigmoid(W_o concat + b_o),
a_next = Gamma_o * tanh(c_next). da_next is the whole gradient reaching a_next and dc_next the gradient reaching
c_next from the next step, so the loss is taken as L = sum(da_next * a_next) + sum(dc_next * c_next). Each dGamma,
dc~ is the gradient at the gate's pre-activation (the assignment's dW = dGamma [a_prev; x_t]^T says so). References:
torch autograd in float64 on random values, n_a = 3, n_x = 2, m = 4. Formulas are evaluated as printed, '*' and
juxtaposition element-wise, left to right with the usual precedence (products before sums)."""
import numpy as np
import torch
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(7)
n_a, n_x, m = 3, 2, 4
T = lambda a: torch.tensor(a, dtype=torch.float64, requires_grad=True)
P = {g: T(rng.normal(0, 0.7, (n_a, n_a + n_x))) for g in "fuco"}
B = {g: T(rng.normal(0, 0.3, (n_a, 1))) for g in "fuco"}
a_prev, x_t, c_prev = T(rng.normal(size=(n_a, m))), T(rng.normal(size=(n_x, m))), T(rng.normal(size=(n_a, m)))
da_next, dc_next = rng.normal(size=(n_a, m)), rng.normal(size=(n_a, m))
concat = torch.cat([a_prev, x_t], 0)
pre = {g: P[g] @ concat + B[g] for g in "fuco"}
for v in pre.values():
    v.retain_grad()
Gf, Gu, Go = torch.sigmoid(pre["f"]), torch.sigmoid(pre["u"]), torch.sigmoid(pre["o"])
cct = torch.tanh(pre["c"])
c_next = Gf * c_prev + Gu * cct
a_next = Go * torch.tanh(c_next)
L = (torch.tensor(da_next) * a_next).sum() + (torch.tensor(dc_next) * c_next).sum()
L.backward()
d = {g: pre[g].grad.numpy() for g in "fuco"}                        # true dGamma_f, dGamma_u, dc~, dGamma_o
dW = {g: P[g].grad.numpy() for g in "fuco"}; db = {g: B[g].grad.numpy() for g in "fuco"}
Gf, Gu, Go, cct, c_n = (v.detach().numpy() for v in (Gf, Gu, Go, cct, c_next))
ap, xt, cp = a_prev.detach().numpy(), x_t.detach().numpy(), c_prev.detach().numpy()
th = np.tanh(c_n)
i_t = Gu                                             # the undefined i_t of (8) read as the update gate Gamma_u

decide(9, np.allclose(da_next * th * Go * (1 - Go), d["o"]), "(7) dGamma_o = da_next tanh(c_next) Gamma_o (1 - Gamma_o)")
p8 = dc_next * Gu + Go * (1 - th ** 2) * i_t * da_next * cct * (1 - np.tanh(cct) ** 2)
right8 = (dc_next + Go * (1 - th ** 2) * da_next) * Gu * (1 - cct ** 2)
print(f"   (right dc~ = (dc_next + Gamma_o (1 - tanh^2 c_next) da_next) Gamma_u (1 - c~^2): {np.allclose(right8, d['c'])})")
decide(11, np.allclose(p8, d["c"]), "(8) as printed: the dc_next term lacks tanh' of the candidate, the da_next term has an "
       "extra factor c~ and 1 - tanh(c~)^2 where 1 - c~^2 belongs")
p9 = dc_next * cct + Go * (1 - th ** 2) * cct * da_next * Gu * (1 - Gu)
bracketed9 = (dc_next * cct + Go * (1 - th ** 2) * cct * da_next) * Gu * (1 - Gu)
print(f"   ((9) with the sum bracketed before Gamma_u (1 - Gamma_u): {np.allclose(bracketed9, d['u'])})")
decide(13, np.allclose(p9, d["u"]), "(9) as printed: Gamma_u (1 - Gamma_u) multiplies only the second term; dc_next c~ lacks it")
p10 = dc_next * cp + Go * (1 - th ** 2) * cp * da_next * Gf * (1 - Gf)      # the generous reading: c~_prev as c_prev
decide(15, np.allclose(p10, d["f"]), "(10) writes c~_prev for c_prev in the first term, and even read as c_prev, "
       "Gamma_f (1 - Gamma_f) multiplies only the second term")
cat = np.vstack([ap, xt])
for line, g in ((19, "f"), (20, "u"), (21, "c"), (22, "o")):
    decide(line, np.allclose(d[g] @ cat.T, dW[g]), f"dW_{g} = d(pre-activation) [a_prev; x_t]^T, summed over the batch by the product")
decide(24, all(np.allclose(d[g].sum(axis=1, keepdims=True), db[g]) for g in "fuco"), "db = the pre-activation gradient summed over axis 1 (the batch)")
da_prev = sum(P[g].detach().numpy()[:, :n_a].T @ d[g] for g in "fuco")
decide(28, np.allclose(da_prev, a_prev.grad.numpy()), "(15) with each W the a_prev block W[:, :n_a]")
Wf = P["f"].detach().numpy()
decide(29, Wf[:n_a, :].shape == (n_a, n_a) and np.allclose(Wf[:n_a, :], Wf[:, :n_a]),
       f"W_f is (n_a, n_a + n_x) = {Wf.shape}: W_f[:n_a,:] is the whole matrix {Wf[:n_a, :].shape}; the a_prev block is "
       "W_f[:, :n_a] (and the equation is (15), not 13)")
decide(31, np.allclose(dc_next * Gf + Go * (1 - th ** 2) * Gf * da_next, c_prev.grad.numpy()), "(16) dc_prev")
dx = sum(P[g].detach().numpy()[:, n_a:].T @ d[g] for g in "fuco")
decide(32, np.allclose(dx, x_t.grad.numpy()), "(17) with each W the x block W[:, n_a:]")
decide(33, Wf[n_a:, :].shape == (n_a, n_x), f"W_f[n_a:,:] has shape {Wf[n_a:, :].shape} (no rows left); the x block is "
       "W_f[:, n_a:] (and the equation is (17), not 15)")

finish()
