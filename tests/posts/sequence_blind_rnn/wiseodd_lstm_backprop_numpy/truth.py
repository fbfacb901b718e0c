"""Independent truth for tests/posts/sequence_blind_rnn/wiseodd_lstm_backprop_numpy (NumPy and torch, no derive).

Kristiadi's LSTM in the post's row layout (its forward code, not in the excerpt): X = [h_old, x] (1 x (H + D)),
hf = sigmoid(X @ Wf + bf), hi = sigmoid(X @ Wi + bi), ho = sigmoid(X @ Wo + bo), hc = tanh(X @ Wc + bc),
c = hf * c_old + hi * hc, h = ho * tanh(c), y = h @ Wy + by, prob = softmax(y) (1 x D), and the cross-entropy of
every step summed (train_step sums the per-step gradients). Three steps; the lines are judged at the middle step,
so dh_next (the gradient reaching h from the next step) and dc_next (the gradient reaching c from the next step)
are not zero. Every use is its own clone (per-step weights, X per gate, h_old and c_old per step, tanh(c) as a
node), so autograd gives the path gradients the lines name. dsigmoid and dtanh of a gate's output (ho, hf, hi, hc)
are read in output form (ho (1 - ho), 1 - hc^2); dtanh(c), c being tanh's input, as 1 - tanh(c)^2. H = 3, D = 4."""
import numpy as np
import torch
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(5)
H, D, T = 3, 4, 3
Z = H + D
P = lambda a: torch.tensor(a, dtype=torch.float64, requires_grad=True)
W = {g: P(rng.normal(0, 0.6, (Z, H))) for g in "fioc"}
B = {g: P(rng.normal(0, 0.3, (1, H))) for g in "fioc"}
Wy, by = P(rng.normal(0, 0.6, (H, D))), P(rng.normal(0, 0.3, (1, D)))
inputs, targets = [1, 3, 0], [3, 0, 2]
h0 = P(rng.normal(0, 0.5, (1, H)))
c0 = P(rng.normal(0, 0.5, (1, H)))


def keep(v):
    v.retain_grad()
    return v


steps, h, c, loss = [], h0, c0, 0
for s in range(T):
    x = torch.zeros(1, D, dtype=torch.float64); x[0, inputs[s]] = 1.0
    S = {"h_use": keep(h.clone()), "c_use": keep(c.clone())}
    S["X"] = keep(torch.cat([S["h_use"], x], 1))
    for g in "fioc":
        S["X" + g] = keep(S["X"].clone())
        S["W" + g] = keep(W[g].clone()); S["b" + g] = keep(B[g].clone())
        S["pre" + g] = keep(S["X" + g] @ S["W" + g] + S["b" + g])
        S["h" + g] = keep(torch.tanh(S["pre" + g]) if g == "c" else torch.sigmoid(S["pre" + g]))
    S["c"] = keep(S["hf"] * S["c_use"] + S["hi"] * S["hc"])
    S["tc"] = keep(torch.tanh(S["c"]))
    S["h"] = keep(S["ho"] * S["tc"])
    S["Wy"], S["by"] = keep(Wy.clone()), keep(by.clone())
    S["y"] = keep(S["h"] @ S["Wy"] + S["by"])
    S["prob"] = torch.softmax(S["y"], 1)
    loss = loss - torch.log(S["prob"][0, targets[s]])
    steps.append(S)
    h, c = S["h"], S["c"]
loss.backward()

s = 1
S, N = steps[s], steps[s + 1]
v = lambda k: S[k].detach().numpy()
g = lambda k: S[k].grad.numpy()
dh_next_in, dc_next_in = N["h_use"].grad.numpy(), N["c_use"].grad.numpy()
prob = S["prob"].detach().numpy()
dsig = lambda a: a * (1 - a)            # output form: the argument is the gate's output
dtanh_out = lambda a: 1 - a ** 2        # output form (hc)
dtanh_in = lambda a: 1 - np.tanh(a) ** 2  # input form (c is tanh's input)

dy = prob.copy()
try:
    dy[1, targets[s]] -= 1.
    ok9 = np.allclose(dy, g("y"))
except IndexError:
    ok9 = False
dy0 = prob.copy(); dy0[0, targets[s]] -= 1.
print(f"   (dy[0, y_train] -= 1 gives autograd's dL/dy: {np.allclose(dy0, g('y'))})")
decide(9, ok9, "prob is 1 x D (softmax of h @ Wy + by): row 1 does not exist (IndexError); the gradient is prob - onehot, dy[0, y_train] -= 1")
dyt = g("y")
decide(12, np.allclose(v("h").T @ dyt, g("Wy")), "dWy = h^T dy, this step's share of dL/dWy")
decide(13, np.allclose(dyt, g("by")), "dby = dy")
decide(15, np.allclose(dyt @ Wy.detach().numpy().T + dh_next_in, g("h")), "dh = dy Wy^T + dh_next: the output path plus the next step's")
decide(18, np.allclose(np.tanh(v("c")) * g("h"), g("ho")), "dho = tanh(c) dh, the gradient at ho")
decide(19, np.allclose(dsig(v("ho")) * g("ho"), g("preo")), "dho = ho (1 - ho) dho, the gradient at ho's pre-activation")
p22 = v("ho") * g("h") + dc_next_in
print(f"   (true gradient at tanh(c): ho dh = {np.allclose(v('ho') * g('h'), g('tc'))}; true dc = ho dh tanh'(c) + dc_next: "
      f"{np.allclose(v('ho') * g('h') * dtanh_in(v('c')) + dc_next_in, g('c'))})")
decide(22, np.allclose(p22, g("tc")) or np.allclose(p22, g("c")), "ho dh + dc_next adds dc_next (a gradient at c) to the gradient at "
       "tanh(c); it is neither dL/dtanh(c) = ho dh nor dL/dc")
decide(23, np.allclose(dtanh_in(v("c")) * p22, g("c")), "tanh'(c) (ho dh + dc_next) scales dc_next by tanh'(c): the dc it gives "
       "carries line 22's slip (dL/dc = ho dh tanh'(c) + dc_next)")
dct = g("c")
decide(26, np.allclose(v("c_use") * dct, g("hf")), "dhf = c_old dc, the gradient at hf")
decide(27, np.allclose(dsig(v("hf")) * g("hf"), g("pref")), "dhf = hf (1 - hf) dhf")
decide(30, np.allclose(v("hc") * dct, g("hi")), "dhi = hc dc")
decide(31, np.allclose(dsig(v("hi")) * g("hi"), g("prei")), "dhi = hi (1 - hi) dhi")
decide(34, np.allclose(v("hi") * dct, g("hc")), "dhc = hi dc")
decide(35, np.allclose(dtanh_out(v("hc")) * g("hc"), g("prec")), "dhc = (1 - hc^2) dhc")
X = v("X")
for gate, (lw, lb, lx) in {"f": (38, 39, 40), "i": (42, 43, 44), "o": (46, 47, 48), "c": (50, 51, 52)}.items():
    d = g("pre" + gate)
    decide(lw, np.allclose(X.T @ d, g("W" + gate)), f"dW{gate} = X^T dh{gate}, this step's share of dL/dW{gate}")
    decide(lb, np.allclose(d, g("b" + gate)), f"db{gate} = dh{gate}")
    decide(lx, np.allclose(d @ W[gate].detach().numpy().T, g("X" + gate)), f"dX{gate} = dh{gate} W{gate}^T, the path through gate {gate}")
decide(55, np.allclose(g("Xo") + g("Xc") + g("Xi") + g("Xf"), g("X")), "dX sums the four gate paths")
decide(57, np.allclose(g("X")[:, :H], g("h_use")), "dh_next = dX[:, :H]: X = [h_old, x], the gradient reaching h_old through this step")
decide(59, np.allclose(v("hf") * dct, g("c_use")), "dc_next = hf dc, the gradient reaching c_old through this step")

finish()
