"""Independent truth for tests/posts/sequence_blind_rnn/fichou_rnn_units_vignette (NumPy and torch, no derive).

The vignette's RNN unit, row layout as its '*' products say: h_t = y_t = sigmoid(h_{t-1} W + x_t U), h (N x H),
x (N x D), W (H x H), U (D x H), no bias. delta1 is the error from the layer above at y_t = h_t, delta2 the error
from the future hidden state; the loss is taken as L = sum over t of sum(e_t * h_t), so delta1_t = e_t. The
vignette's figure (an R chunk, not in the excerpt) puts delta5 on x_t and delta6 on h_{t-1}: delta5 = dL/dx_t,
delta6 = the gradient reaching h_{t-1} through step t. sigmoid'(h_t) is read in output form, h_t (1 - h_t). '*' is
a matrix product and '.' element-wise, as the vignette states. The weight updates are run over the whole sequence
from zero accumulators (with the true deltas) against autograd's gradient of the summed loss. References: torch
autograd in float64, every use of h_{t-1} and x_t its own clone. N = 2, D = 2, H = 3, three steps."""
import numpy as np
import torch
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(12)
N, D, H, T = 2, 2, 3, 3
P = lambda a: torch.tensor(a, dtype=torch.float64, requires_grad=True)
W, U = P(rng.normal(0, 0.8, (H, H))), P(rng.normal(0, 0.8, (D, H)))
xs = [P(rng.normal(size=(N, D))) for _ in range(T)]
h0 = P(rng.normal(0, 0.5, (N, H)))
es = rng.normal(size=(T, N, H))


def keep(v):
    v.retain_grad()
    return v


steps, h, L = [], h0, 0
for t in range(T):
    S = {"h_prev": keep(h.clone()), "x": xs[t]}
    S["pre"] = keep(S["h_prev"] @ W + S["x"] @ U)
    S["h"] = keep(torch.sigmoid(S["pre"]))
    L = L + (torch.tensor(es[t]) * S["h"]).sum()
    steps.append(S)
    h = S["h"]
L.backward()
n = lambda v: v.detach().numpy()
Wn, Un = n(W), n(U)


def mm(a, b):
    try:
        return a @ b
    except ValueError:
        return None


def same(a, b):
    return a is not None and np.shape(a) == np.shape(b) and np.allclose(a, b)


decide(3, True, "definition of the unit: h_t = sigmoid(h_{t-1} W + x_t U)")
t = 1
S, Nx = steps[t], steps[t + 1]
d1, d2 = es[t], Nx["h_prev"].grad.numpy()
hv = n(S["h"])
d3 = d1 + d2
decide(13, np.allclose(d3, S["h"].grad.numpy()), "delta3 = delta1 + delta2 is the whole gradient at h_t")
d4 = d3 * hv * (1 - hv)
decide(15, np.allclose(d4, S["pre"].grad.numpy()), "delta4 = delta3 . h_t (1 - h_t), the gradient at the pre-activation")
dx_true, dhprev_true = S["x"].grad.numpy(), S["h_prev"].grad.numpy()
print(f"   (delta4 U^T is dL/dx_t: {np.allclose(d4 @ Un.T, dx_true)}; delta4 W^T is the gradient at h_(t-1): {np.allclose(d4 @ Wn.T, dhprev_true)})")
decide(17, same(mm(d4, Wn.T), dx_true), "delta5 (x_t's error in the figure) is delta4 U^T; delta4 W^T is h_{t-1}'s (N x H, not N x D)")
decide(18, same(mm(d4, Un.T), dhprev_true), "delta6 (h_{t-1}'s error) is delta4 W^T; delta4 U^T is x_t's (N x D, not N x H)")

# weight updates over the sequence with the true deltas
d4s = [s["pre"].grad.numpy() for s in steps]
d1s = list(es)
d2s = [steps[k + 1]["h_prev"].grad.numpy() if k + 1 < T else np.zeros((N, H)) for k in range(T)]
d5s = [s["x"].grad.numpy() for s in steps]                        # the true delta5 = dL/dx_t
hps = [n(s["h_prev"]) for s in steps]
xsn = [n(s["x"]) for s in steps]
dW_true, dU_true = W.grad.numpy(), U.grad.numpy()


def accumulate(terms):
    acc = None
    for term in terms:
        if term is None:
            return None
        acc = term if acc is None else (acc + term if acc.shape == term.shape else None)
        if acc is None:
            return None
    return acc


decide(24, same(accumulate(mm(hps[k].T, d4s[k]) for k in range(T)), dW_true), "dW += h_{t-1}^T delta4 over the steps is dL/dW")
print(f"   (dU += x_t^T delta4 would be dL/dU: {same(accumulate(mm(xsn[k].T, d4s[k]) for k in range(T)), dU_true)})")
decide(26, same(accumulate(mm(xsn[k].T, d5s[k]) for k in range(T)), dU_true), "x_t^T delta5 with delta5 = dL/dx_t is D x D, "
       "not dL/dU; the update needs delta4: dU += x_t^T delta4")
sp = hv * (1 - hv)
inner_a, inner_b = mm(d2, Wn.T), mm(d1, Un.T)
inner = inner_a + inner_b if inner_a is not None and inner_b is not None and inner_a.shape == inner_b.shape else None
p32 = mm(inner, sp) if inner is not None else None
decide(32, same(p32, dx_true) and same(p32, dhprev_true), "((delta2 W^T) + (delta1 U^T)) * sigmoid'(h_t): delta2 W^T is N x H and "
       "delta1 U^T is N x D, and the product with sigmoid'(h_t) is a matrix product; neither dL/dx_t = delta4 U^T nor "
       "the h_{t-1} gradient delta4 W^T, which also differ from each other")
decide(34, same(accumulate(mm(xsn[k].T, d1s[k]) for k in range(T)), dU_true), "dU += x_t^T delta1 uses the top error alone "
       "(no delta2, no sigmoid'); dL/dU sums x_t^T delta4")
decide(36, same(accumulate(mm(hps[k].T, d2s[k]) for k in range(T)), dW_true), "dW += h_{t-1}^T delta2 uses the future error alone "
       "(no delta1, no sigmoid'); dL/dW sums h_{t-1}^T delta4")

finish()
