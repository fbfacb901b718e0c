"""Independent truth for tests/posts/sequence_blind_rnn/jaketae_dissecting_lstm (NumPy and torch, no derive).

Jake Tae's LSTM as the post's equations (1)-(7) write it, column vectors: v_t = [h_{t-1}, x_t] (h first),
f_t, i_t, o_t = sigmoid(W v_t + b), C~_t = tanh(W_C v_t + b_C), C_t = f_t C_{t-1} + i_t C~_t, h_t = o_t tanh(C_t),
y^_t = softmax(W_y h_t + b_y), and the cross-entropy at every step summed. Three steps; the lines are judged at
the middle step with the true dL/dh_t (the whole gradient at h_t, from the output and from the next step).
a_o = W_o v_t + b_o is a node of its own and W_o, b_o are cloned per step, so autograd gives this step's dL/da_o,
dL/db_o and dL/dW_o. References: torch.nn.LSTMCell for the forward (weight_ih and weight_hh the x and h column
blocks of each W, gate order i, f, g, o), autograd in float64 for every gradient. H = 3, D = 2, K = 3."""
import numpy as np
import torch
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(21)
H, D, K, T = 3, 2, 3, 3
P = lambda a: torch.tensor(a, dtype=torch.float64, requires_grad=True)
W = {g: P(rng.normal(0, 0.7, (H, H + D))) for g in "fiCo"}
B = {g: P(rng.normal(0, 0.3, H)) for g in "fiCo"}
Wy, by = P(rng.normal(0, 0.7, (K, H))), P(rng.normal(0, 0.3, K))
xs = [torch.tensor(rng.normal(size=D)) for _ in range(T)]
labels = [1, 2, 0]
h0, C0 = torch.tensor(rng.normal(0, 0.5, H)), torch.tensor(rng.normal(0, 0.5, H))


def keep(v):
    v.retain_grad()
    return v


steps, h, C, loss = [], h0, C0, 0
for t in range(T):
    S = {"v": torch.cat([h, xs[t]])}
    S["Wo"], S["bo"] = keep(W["o"].clone()), keep(B["o"].clone())
    S["a_o"] = keep(S["Wo"] @ S["v"] + S["bo"])
    f = torch.sigmoid(W["f"] @ S["v"] + B["f"])
    i = torch.sigmoid(W["i"] @ S["v"] + B["i"])
    Ct = torch.tanh(W["C"] @ S["v"] + B["C"])
    S["C"] = f * C + i * Ct
    S["o"] = keep(torch.sigmoid(S["a_o"]))
    S["h"] = keep(S["o"] * torch.tanh(S["C"]))
    S["yhat"] = torch.softmax(Wy @ S["h"] + by, 0)
    loss = loss - torch.log(S["yhat"][labels[t]])
    S["h_prev"], S["x"] = h, xs[t]
    steps.append(S)
    h, C = S["h"], S["C"]
loss.backward()

# forward against torch.nn.LSTMCell
cell = torch.nn.LSTMCell(D, H).double()
with torch.no_grad():
    order = "ifCo"                                           # PyTorch's i, f, g, o
    cell.weight_ih.copy_(torch.cat([W[g][:, H:] for g in order]))
    cell.weight_hh.copy_(torch.cat([W[g][:, :H] for g in order]))
    cell.bias_ih.copy_(torch.cat([B[g] for g in order])); cell.bias_hh.zero_()
    hr, cr = h0[None], C0[None]
    forward_ok = True
    for t in range(T):
        hr, cr = cell(xs[t][None], (hr, cr))
        forward_ok &= np.allclose(hr[0].numpy(), steps[t]["h"].detach().numpy()) and np.allclose(cr[0].numpy(), steps[t]["C"].detach().numpy())
        y_ref = torch.softmax(Wy @ hr[0] + by, 0)
        forward_ok &= np.allclose(y_ref.numpy(), steps[t]["yhat"].detach().numpy())
for line in (5, 6, 7, 8, 9, 10, 11):
    decide(line, forward_ok, "(1)-(7) reproduce torch.nn.LSTMCell (W [h_{t-1}, x_t]: the h and x column blocks) and the softmax read-out")
decide(18, forward_ok, "(5) restated")

S = steps[1]
n = lambda v: v.detach().numpy()
o, Cv, hprev, x = n(S["o"]), n(S["C"]), n(S["h_prev"]), n(S["x"])
dLdh, dLdo, dLda = S["h"].grad.numpy(), S["o"].grad.numpy(), S["a_o"].grad.numpy()
dLdWo, dLdbo = S["Wo"].grad.numpy(), S["bo"].grad.numpy()
sig = lambda z: 1 / (1 + np.exp(-z))
doda = torch.autograd.functional.jacobian(torch.sigmoid, S["a_o"].detach()).numpy()
decide(26, np.allclose(dLdo @ doda, dLda), "dL/da_o = dL/do_t do_t/da_o (do_t/da_o = diag(o_t (1 - o_t)))")
p27 = dLdh * np.tanh(Cv) * sig(o) * (1 - sig(o))
print(f"   (with o_t (1 - o_t) in place of sigma(o_t) (1 - sigma(o_t)) the line is right: "
      f"{np.allclose(dLdh * np.tanh(Cv) * o * (1 - o), dLda)})")
decide(27, np.allclose(p27, dLda), "sigma(o_t)(1 - sigma(o_t)) applies the sigmoid to o_t, already a sigmoid's output: "
       "the derivative is sigma(a_o)(1 - sigma(a_o)) = o_t (1 - o_t)")
decide(36, np.allclose(dLda @ np.eye(H), dLdbo), "dL/db_o = dL/da_o da_o/db_o, da_o/db_o = I")
decide(37, np.allclose(dLda, dLdbo), "dL/db_o = dL/da_o")
v = np.concatenate([hprev, x])
dadW = torch.autograd.functional.jacobian(lambda Wm: Wm @ torch.tensor(v) + B["o"].detach(), W["o"].detach()).numpy()
decide(46, np.allclose(np.einsum("a,aij->ij", dLda, dadW), dLdWo), "dL/dW_o = dL/da_o da_o/dW_o, contracted over a_o")
X = np.concatenate([x, hprev])                              # the post's X = (x_t | h_{t-1})
cands = []
for Xm in (X.reshape(-1, 1), X.reshape(1, -1)):              # X as a column or as a row
    for dm in (dLda.reshape(-1, 1), dLda.reshape(1, -1)):    # dL/da_o as a column or as a row
        try:
            cands.append(Xm.T @ dm)
        except ValueError:
            pass
ok47 = any(c.shape == dLdWo.shape and np.allclose(c, dLdWo) for c in cands)
print(f"   (dL/da_o [h_{{t-1}}; x_t]^T equals autograd's dL/dW_o: {np.allclose(np.outer(dLda, v), dLdWo)}; "
      f"shapes X^T dL/da_o can take: {[c.shape for c in cands]}, W_o is {dLdWo.shape})")
decide(47, ok47, "for a_o = W_o [h_{t-1}, x_t] + b_o (column vectors, as (5) writes it) dL/dW_o = dL/da_o v^T, an H x (H + D) "
       "matrix; X^T dL/da_o is undefined or its (H + D) x H transpose, with x's rows first")
decide(54, X.shape == v.shape and np.allclose(X, v), "(5) multiplies W_o by [h_{t-1}, x_t] (h first); X = (x_t | h_{t-1}) "
       "puts x_t first, so its entries do not line up with W_o's columns")

finish()
