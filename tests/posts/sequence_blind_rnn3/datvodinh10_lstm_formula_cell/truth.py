"""Independent truth for tests/posts/sequence_blind_rnn3/datvodinh10_lstm_formula_cell (NumPy and torch, no derive).

The notebook's LSTM cell of one step t, in the layout of its Shape cell: rows, the concatenation
z = [h_{t-1}, x_t] of shape (1, N_o + N_i), every W of shape (N_i + N_o, N_o) and every b of shape (1, N_o), so
'W_f[h_{t-1},x_t]' is z W_f (the only way the stated shapes multiply); delta(.) is the logistic sigmoid, '*' the
elementwise product; L = (h_t - y)^2 summed over the N_o entries. The Backward cell has no term from a later step,
so the cell is taken as it treats it: one step with given h_{t-1}, C_{t-1} (random, not functions of the weights),
N_i = 2, N_o = 3. References from torch autograd in float64: dL/dh_t, dL/do_t, dL/dC_t, dL/df_t, dL/di_t, dL/dC~_t
(every gate and the candidate its own leaf), the weight and bias gradients, and the Jacobians the middle expressions
name (dC_t/df_t, do_t/dW_o, ...). Every printed equality of a line is evaluated with the true values of the
quantities it names; a gate's row juxtaposed with the row [h_{t-1}, x_t] is read as their outer product laid out
like W (z^T delta, shape (N_o + N_i, N_o)), since the literal product of two rows is undefined."""
import numpy as np
import torch
from torch.autograd.functional import jacobian
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(5)
Ni, No = 2, 3
Tt = lambda a: torch.tensor(a, dtype=torch.float64)
hp, Cp, x, y = Tt(rng.normal(0, 0.6, (1, No))), Tt(rng.normal(0, 0.8, (1, No))), Tt(rng.normal(size=(1, Ni))), Tt(rng.normal(0, 0.5, (1, No)))
Wf, Wi, Wc, Wo = (Tt(rng.normal(0, 0.7, (No + Ni, No))).requires_grad_() for _ in range(4))
bf, bi, bc, bo = (Tt(rng.normal(0, 0.3, (1, No))).requires_grad_() for _ in range(4))
z = torch.cat([hp, x], dim=1)                              # [h_{t-1}, x_t], (1, N_o + N_i)

f_, i_, Ct_, o_ = (torch.sigmoid(z @ Wf + bf), torch.sigmoid(z @ Wi + bi), torch.tanh(z @ Wc + bc),
                   torch.sigmoid(z @ Wo + bo))
f, i, Ct, o = (v.detach().requires_grad_() for v in (f_, i_, Ct_, o_))   # leaves, to read dL/dgate
C = f * Cp + i * Ct
C.retain_grad()
h = o * torch.tanh(C)
h.retain_grad()
L = ((h - y) ** 2).sum()
L.backward()
gh, gC, gf, gi, gCt, go = (v.grad.numpy() for v in (h, C, f, i, Ct, o))
# the weight and bias gradients through the gates (same values, the leaves' gradients pushed through)
torch.autograd.backward([f_, i_, Ct_, o_], [f.grad, i.grad, Ct.grad, o.grad])
gW = {k: v.grad.numpy() for k, v in dict(Wf=Wf, Wi=Wi, Wc=Wc, Wo=Wo).items()}
gb = {k: v.grad.numpy() for k, v in dict(bf=bf, bi=bi, bc=bc, bo=bo).items()}
n = lambda v: v.detach().numpy()
F, I, CT, O, Cn, Cpn, hn, yn, zn = map(n, (f, i, Ct, o, C, Cp, h, y, z))
close = lambda a, b: a.shape == b.shape and np.allclose(a, b, atol=1e-12)
outer = lambda d: zn.T @ d                                  # z^T delta, laid out like W

for line, what in ((2, "f_t = sigmoid(z W_f + b_f)"), (3, "i_t = sigmoid(z W_i + b_i)"), (4, "C~_t = tanh(z W_c + b_C)"),
                   (5, "C_t = f_t * C_{t-1} + i_t * C~_t"), (6, "o_t = sigmoid(z W_o + b_o)"), (7, "h_t = o_t * tanh(C_t)"),
                   (8, "L = (h_t - y)^2, summed over the entries")):
    decide(line, True, what + " (definition)")

decide(11, close(hn - yn, gh), f"dL/dh_t = 2 (h_t - y), not h_t - y (the printed value is half of it: "
       f"{close(2 * (hn - yn), gh)})")
decide(12, close(gh * np.tanh(Cn), go), "dL/do_t = dL/dh_t * tanh(C_t)")
decide(13, close(gh * O * (1 - np.tanh(Cn) ** 2), gC), "dL/dC_t = dL/dh_t * o_t * (1 - tanh(C_t)^2) (no later step)")
Jc = lambda which: jacobian(lambda v: {"f": v * Cp + i.detach() * Ct.detach(), "i": f.detach() * Cp + v * Ct.detach(),
                                       "c": f.detach() * Cp + i.detach() * v}[which], {"f": f, "i": i, "c": Ct}[which].detach())
mid = lambda g, Jm: np.einsum("ab,abcd->cd", g, Jm.numpy())
decide(14, close(mid(gC, Jc("f")), gf) and close(gC * Cpn, gf), "dL/dC_t dC_t/df_t = dL/dC_t * C_{t-1}")
decide(15, close(mid(gC, Jc("i")), gi) and close(gC * CT, gi), "dL/dC_t dC_t/di_t = dL/dC_t * C~_t")
decide(16, close(mid(gC, Jc("c")), gCt) and close(gC * I, gCt), "dL/dC_t dC_t/dC~_t = dL/dC_t * i_t")

gate = {"o": (lambda W: torch.sigmoid(z @ W + bo.detach()), Wo, go, O, O * (1 - O)),
        "f": (lambda W: torch.sigmoid(z @ W + bf.detach()), Wf, gf, F, F * (1 - F)),
        "i": (lambda W: torch.sigmoid(z @ W + bi.detach()), Wi, gi, I, I * (1 - I)),
        "c": (lambda W: torch.tanh(z @ W + bc.detach()), Wc, gCt, CT, 1 - CT ** 2)}
midW = {k: mid(g, jacobian(fn, W.detach())) for k, (fn, W, g, _, _) in gate.items()}   # dL/dgate d gate/dW
decide(17, close(midW["o"], gW["Wo"]) and close(outer(go * O * (1 - O)), gW["Wo"]),
       "dL/do_t do_t/dW_o = [h_{t-1}, x_t]^T (dL/do_t * o_t (1 - o_t))")
decide(18, close(midW["f"], gW["Wf"]) and close(outer(gi * F * (1 - F)), gW["Wf"]),
       f"the middle dL/df_t df_t/dW_f is right ({close(midW['f'], gW['Wf'])}); the right side uses dL/di_t where dL/df_t "
       f"belongs (with dL/df_t: {close(outer(gf * F * (1 - F)), gW['Wf'])})")
decide(19, close(midW["i"], gW["Wi"]) and close(outer(gi * I * (1 - I)), gW["Wi"]),
       "dL/di_t di_t/dW_i = [h_{t-1}, x_t]^T (dL/di_t * i_t (1 - i_t))")
decide(20, close(midW["c"], gW["Wc"]) and close(outer(gCt * CT * (1 - CT)), gW["Wc"]),
       f"the middle is right ({close(midW['c'], gW['Wc'])}); C~_t (1 - C~_t) is the sigmoid's derivative, the "
       f"candidate is a tanh: 1 - C~_t^2 belongs (with it: {close(outer(gCt * (1 - CT ** 2)), gW['Wc'])})")
for line, k, fin, what in ((21, "o", go * O * (1 - O), "o_t (1 - o_t) dL/do_t"),
                           (22, "f", gi * F * (1 - F), "dL/di_t f_t (1 - f_t)"),
                           (23, "i", gi * I * (1 - I), "dL/di_t i_t (1 - i_t)"),
                           (24, "c", gCt * CT * (1 - CT), "dL/dC~_t C~_t (1 - C~_t)")):
    right = close(fin, gb["b" + k])
    decide(line, close(midW[k], gb["b" + k]) and right,
           f"the middle names d{k}/dW_{k}: dL/d{k} d{k}/dW_{k} is the weight's gradient, shape {midW[k].shape}, "
           f"not dL/db_{k}, shape {gb['b' + k].shape}; the right side {what} is {'right' if right else 'wrong too'}")
finish()
