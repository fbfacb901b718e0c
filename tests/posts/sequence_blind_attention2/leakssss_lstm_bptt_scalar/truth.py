"""Independent truth for tests/posts/sequence_blind_attention2/leakssss_lstm_bptt_scalar (NumPy and torch, no derive).

The notes' LSTM with a single unit (W_kh, h_t, c_t scalars) and N = 3 input features: u_kt = sum_i W_ki x_ti +
W_kh h_{t-1} + b_k for k in f, I, s, o; f_t, I_t, o_t = sigmoid(u), s_t = tanh(u_st); c_t = f_t c_{t-1} + I_t s_t,
h_t = o_t tanh(c_t), from h_0 = c_0 = 0 (the notes: 'h_{t-1} is set to 0 at the start'), T = 4 steps, sequence to
one with yhat = h_T and the loss the notes leave open instantiated as l = 1/2 (y - h_T)^2. A derivative d(node)/d(weight)
is the total derivative through every path (what the recursion is for); d(node)/d(node) in a chain is the local one
(the others held), as the notes evaluate them (dh_t/do_t = tanh(c_t), dc_t/df_t = c_{t-1}, ...). References: every
total derivative from torch.autograd.functional.jacobian in float64 (one weight at a time, all intermediates at all
steps). Lines for a general t are checked at t = 4 (every path exists there) with the fixed feature index i = 2; the
t = 1, 2 lines at their own t. Each right side is evaluated as printed, with the true values of what it names, and
compared with the true left side; where a row's own step is right but it carries an earlier slip, the script says so."""
import numpy as np
import torch
from torch.autograd.functional import jacobian
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, unchecked, finish  # noqa: E402

rng = np.random.default_rng(11)
N, T, i = 3, 4, 1                                      # i = 1 is the notes' feature i = 2
P0 = {}
for k in "fIso":
    P0["W" + k] = rng.normal(0, 0.9, N)                # W_ki
    P0["W" + k + "h"] = rng.normal(0, 1.2)             # W_kh (scalar)
    P0["b" + k] = rng.normal(0, 0.4)
X = torch.tensor(rng.normal(size=(T + 1, N)))         # X[t] for t = 1..T (row 0 unused)
y = 0.3
NODES = ["u_f", "u_I", "u_s", "u_o", "f", "I", "s", "o", "c", "h"]


def forward(P):
    v = {k: [None] for k in NODES}
    h, c = torch.tensor(0.0, dtype=torch.float64), torch.tensor(0.0, dtype=torch.float64)
    v["h"][0], v["c"][0] = h, c
    for t in range(1, T + 1):
        u = {k: (P["W" + k] * X[t]).sum() + P["W" + k + "h"] * h + P["b" + k] for k in "fIso"}
        f, I, o, s = torch.sigmoid(u["f"]), torch.sigmoid(u["I"]), torch.sigmoid(u["o"]), torch.tanh(u["s"])
        c = f * c + I * s
        h = o * torch.tanh(c)
        for k in "fIso":
            v["u_" + k].append(u[k])
        for name, val in (("f", f), ("I", I), ("s", s), ("o", o), ("c", c), ("h", h)):
            v[name].append(val)
    return v


def as_t(P):
    return {k: torch.tensor(val, dtype=torch.float64) for k, val in P.items()}


V = {k: [None if a is None else float(a) for a in lst] for k, lst in forward(as_t(P0)).items()}
V["c"][0] = V["h"][0] = 0.0


def D(param, idx=None):
    """Total derivatives of every node at every step (and of L) with respect to one weight (an entry idx of W_ki)."""
    def f(p):
        P = as_t(P0)
        if idx is None:
            P[param] = p
        else:
            P[param] = torch.cat([P[param][:idx], p.reshape(1), P[param][idx + 1:]])
        v = forward(P)
        out = [v[k][t] for k in NODES for t in range(1, T + 1)] + [0.5 * (y - v["h"][T]) ** 2]
        return torch.stack(out)
    p0 = torch.tensor(P0[param] if idx is None else P0[param][idx], dtype=torch.float64)
    j = jacobian(f, p0).numpy()
    res = {k: [0.0] + list(j[n * T:(n + 1) * T]) for n, k in enumerate(NODES)}   # step 0 (h_0, c_0) constant: 0
    res["L"] = j[-1]
    return res


dWoi, dWoh, dbo = D("Wo", i), D("Woh"), D("bo")
dWfi, dWfh, dbf = D("Wf", i), D("Wfh"), D("bf")
dWIi = D("WI", i)
x = lambda t: float(X[t, i])
Woh, Wfh = P0["Woh"], P0["Wfh"]
tanh, o, c, h, f, I, s = np.tanh, V["o"], V["c"], V["h"], V["f"], V["I"], V["s"]
close = lambda a, b: np.allclose(a, b, atol=1e-12)
t = T

# forward (definitions)
Pt = as_t(P0)
decide(3, all(close(V["u_" + k][t], float((Pt["W" + k] * X[t]).sum()) + P0["W" + k + "h"] * h[t - 1] + P0["b" + k])
              for k in "fIso" for t in range(1, T + 1)), "u_kt = sum_i W_ki x_ti + W_kh h_{t-1} + b_k (definition)")
sg = lambda z: 1 / (1 + np.exp(-z))
decide(10, all(close(f[t], sg(V["u_f"][t])) for t in range(1, T + 1)), "f_t = sigmoid(u_ft)")
decide(11, all(close(I[t], sg(V["u_I"][t])) for t in range(1, T + 1)), "I_t = sigmoid(u_It)")
decide(12, all(close(s[t], np.tanh(V["u_s"][t])) for t in range(1, T + 1)), "s_t = tanh(u_st)")
decide(13, all(close(o[t], sg(V["u_o"][t])) for t in range(1, T + 1)), "o_t = sigmoid(u_ot)")
decide(19, all(close(c[t], f[t] * c[t - 1] + I[t] * s[t]) for t in range(1, T + 1)), "c_t = f_t c_{t-1} + I_t s_t")
decide(20, all(close(h[t], o[t] * tanh(c[t])) for t in range(1, T + 1)), "h_t = o_t tanh(c_t)")
unchecked(28, "the loss, left open (l instantiated as 1/2 (y - h_T)^2 in this script)")
unchecked(29, "yhat = h_t, the notes' choice of read-out")

dLdh = h[T] - y
decide(39, close(dLdh * tanh(c[t]) * o[t] * (1 - o[t]) * dWoi["u_o"][t], dWoi["L"]),
       f"the single chain through o_t misses the path through c_t (f_t, I_t, s_t and c_{{t-1}} depend on W_oi through "
       f"h_{{t-1}}): {dLdh * tanh(c[t]) * o[t] * (1 - o[t]) * dWoi['u_o'][t]:.6f} against dL/dW_oi = {dWoi['L']:.6f}")
decide(40, close(dLdh * o[t] * (1 - tanh(c[t]) ** 2) * c[t - 1] * f[t] * (1 - f[t]) * dWfi["u_f"][t], dWfi["L"]),
       "the single chain through f_t misses the paths through o_t, I_t, s_t (all through h_{t-1}) and c_{t-1}")
decide(41, close(dLdh * o[t] * (1 - tanh(c[t]) ** 2) * s[t] * I[t] * (1 - I[t]) * dWIi["u_I"][t], dWIi["L"]),
       "the single chain through I_t misses the paths through o_t, f_t, s_t and c_{t-1}")

decide(53, close(x(t) + Woh * dWoi["h"][t - 1], dWoi["u_o"][t]), "d/dW_oi of the sum (total derivative): x_ti + "
       "W_oh dh_{t-1}/dW_oi")
decide(54, close(x(t) + Woh * dWoi["h"][t - 1], dWoi["u_o"][t]), "the dropped terms do not depend on W_oi")
decide(55, close(x(t) + Woh * dWoi["h"][t - 1], dWoi["u_o"][t]), "x_ti + W_oh d(h_{t-1})/dW_oi")
decide(63, close(x(t) + Woh * dWoi["h"][t - 1], dWoi["u_o"][t]), "x_ti + W_oh dh_{t-1}/dW_oi")
r64 = x(t) + Woh * tanh(c[t - 1]) * dWoi["o"][t - 1]
decide(64, close(r64, dWoi["u_o"][t]), f"dh_{{t-1}}/dW_oi = tanh(c_{{t-1}}) do_{{t-1}}/dW_oi + o_{{t-1}} (1 - tanh^2) "
       f"dc_{{t-1}}/dW_oi; the row drops the second term ({o[t - 1] * (1 - tanh(c[t - 1]) ** 2) * dWoi['c'][t - 1]:.6f})")
r65 = x(t) + Woh * tanh(c[t - 1]) * o[t - 1] * (1 - o[t - 1]) * dWoi["u_o"][t - 1]
decide(65, close(r65, dWoi["u_o"][t]), f"do/dW = do/du du/dW is right (equals row 64: {close(r65, r64)}); row 64's "
       f"missing term stays")
decide(80, close(x(1), dWoi["u_o"][1]), "t = 1: h_0 = 0 is fixed, du_o1/dW_oi = x_1i")
decide(82, close(x(2) + Woh * tanh(c[1]) * o[1] * (1 - o[1]) * dWoi["u_o"][1], dWoi["u_o"][2]),
       f"t = 2: c_1 does not depend on W_oi (h_0 = 0), so the path through o_1 is the only one (dc_1/dW_oi = "
       f"{dWoi['c'][1]:g})")
decide(83, close(x(2) + Woh * tanh(c[1]) * o[1] * (1 - o[1]) * x(1), dWoi["u_o"][2]), "with du_o1/dW_oi = x_1i")
decide(89, True, "dh_t/do_t, local: d/do_t (o_t tanh(c_t)); c_t does not depend on o_t")
decide(90, close(tanh(c[t]), float(jacobian(lambda q: q * torch.tanh(torch.tensor(c[t])), torch.tensor(o[t])))),
       "= tanh(c_t)")
decide(91, True, "do_t/du_ot = d/du sigmoid(u_ot)")
decide(92, close(sg(V["u_o"][t]) * (1 - sg(V["u_o"][t])),
                 float(jacobian(torch.sigmoid, torch.tensor(V["u_o"][t])))), "= sigmoid(u)(1 - sigmoid(u))")
decide(93, close(o[t] * (1 - o[t]), sg(V["u_o"][t]) * (1 - sg(V["u_o"][t]))), "= o_t (1 - o_t)")
decide(99, close(r65, dWoi["u_o"][t]), "row 65 again (at t = 4): the c-path term is still missing")
decide(100, close(r65, dWoi["u_o"][t]), "the local derivatives substituted (right); the missing term stays")

decide(112, close(h[t - 1] + Woh * dWoh["h"][t - 1], dWoh["u_o"][t]), "h_{t-1} + du_ot/dh_{t-1} dh_{t-1}/dW_oh")
decide(113, close(h[t - 1] + Woh * dWoh["h"][t - 1], dWoh["u_o"][t]), "du_ot/dh_{t-1} = W_oh")
r114 = h[t - 1] + Woh * tanh(c[t - 1]) * o[t - 1] * (1 - o[t - 1]) * dWoh["u_o"][t - 1]
decide(114, close(r114, dWoh["u_o"][t]), "dh_{t-1}/dW_oh through o_{t-1} only: the path through c_{t-1} is dropped")
decide(115, close(r114, dWoh["u_o"][t]), "the local derivatives substituted into row 114 (right); its missing term stays")
decide(125, close(1 + Woh * dbo["h"][t - 1], dbo["u_o"][t]), "1 + du_ot/dh_{t-1} dh_{t-1}/db_o")
decide(126, close(1 + Woh * dbo["h"][t - 1], dbo["u_o"][t]), "= 1 + W_oh dh_{t-1}/db_o")
r127 = 1 + Woh * tanh(c[t - 1]) * o[t - 1] * (1 - o[t - 1]) * dbo["u_o"][t - 1]
decide(127, close(r127, dbo["u_o"][t]), "dh_{t-1}/db_o through o_{t-1} only: the path through c_{t-1} is dropped")
decide(128, close(r127, dbo["u_o"][t]), "row 127 with the local derivatives (du_{o,t-1}/dW_bo read as du_{o,t-1}/db_o)")
decide(140, close(r65, dWoi["u_o"][t]), "row 100 restated")
decide(142, close(r114, dWoh["u_o"][t]), "row 115 restated")
decide(144, close(r127, dbo["u_o"][t]), "row 128 restated")

true_f = dWfi["u_f"][t]
decide(160, False, f"x_{{fi}} is no quantity of the network (the input is x_ti); the rest, x_ti + du_ft/dh_{{t-1}} "
       f"dh_{{t-1}}/dW_fi, would hold: {close(x(t) + Wfh * dWfi['h'][t - 1], true_f)}")
decide(161, False, f"x_{{fi}} again; with x_ti, W_fh dh_{{t-1}}/dW_fi: {close(x(t) + Wfh * dWfi['h'][t - 1], true_f)}")
decide(169, False, "row 161 restated (x_{fi})")
r170 = x(t) + Wfh * o[t - 1] * (1 - tanh(c[t - 1]) ** 2) * dWfi["c"][t - 1]
decide(170, close(r170, true_f), f"dh_{{t-1}}/dW_fi through c_{{t-1}} only drops tanh(c_{{t-1}}) do_{{t-1}}/dW_fi "
       f"({tanh(c[t - 1]) * dWfi['o'][t - 1]:.6f}); wrong even with x_ti")
r171 = x(t) + Wfh * o[t - 1] * (1 - tanh(c[t - 1]) ** 2) * c[t - 2] * dWfi["f"][t - 1]
decide(171, close(r171, true_f), f"dc_{{t-1}}/dW_fi through f_{{t-1}} only drops f_{{t-1}} dc_{{t-2}}/dW_fi and the "
       f"I_{{t-1}}, s_{{t-1}} paths: dc_{{t-1}}/dW_fi = {dWfi['c'][t - 1]:.6f}, the row's part "
       f"{c[t - 2] * dWfi['f'][t - 1]:.6f}")
r172 = x(t) + Wfh * o[t - 1] * (1 - tanh(c[t - 1]) ** 2) * c[t - 2] * f[t - 1] * (1 - f[t - 1]) * dWfi["u_f"][t - 1]
decide(172, close(r172, true_f), f"df/dW = df/du du/dW is right (equals row 171 with x_ti: {close(r172, r171)}); the "
       f"earlier slips stay")
decide(180, True, "dh_t/dc_t = o_t d/dc tanh(c_t), local")
decide(181, close(o[t] * (1 - tanh(c[t]) ** 2),
                  float(jacobian(lambda q: torch.tensor(o[t]) * torch.tanh(q), torch.tensor(c[t])))),
       "= o_t (1 - tanh^2 c_t)")
decide(182, True, "dc_t/df_t, local: d/df_t (f_t c_{t-1} + I_t s_t)")
decide(183, close(c[t - 1], float(jacobian(lambda q: q * torch.tensor(c[t - 1]) + torch.tensor(I[t] * s[t]),
                                            torch.tensor(f[t])))), "= c_{t-1}")
decide(184, True, "df_t/du_ft = d/du sigmoid(u_ft)")
decide(185, close(f[t] * (1 - f[t]), float(jacobian(torch.sigmoid, torch.tensor(V["u_f"][t])))), "= f_t (1 - f_t)")
r192 = x(t) + Wfh * o[t - 1] * (1 - tanh(c[t - 1]) ** 2) * c[t - 2] * f[t] * (1 - f[t]) * dWfi["u_f"][t - 1]
decide(192, close(r192, true_f), f"row 172's df_{{t-1}}/du_{{f,t-1}} = f_{{t-1}}(1 - f_{{t-1}}) is substituted as "
       f"f_t (1 - f_t) (equal to row 172 with x_ti: {close(r192, r172)}); and the earlier slips stay")
decide(200, close(r192, true_f), "row 192 restated")
r201 = h[t - 1] + Wfh * o[t - 1] * (1 - tanh(c[t - 1]) ** 2) * c[t - 2] * f[t] * (1 - f[t]) * dWfh["u_f"][t - 1]
decide(201, close(r201, dWfh["u_f"][t]), "the same factors for W_fh (first term h_{t-1} right)")
r202 = 1 + Wfh * o[t - 1] * (1 - tanh(c[t - 1]) ** 2) * c[t - 2] * f[t] * (1 - f[t]) * dbf["u_f"][t - 1]
decide(202, close(r202, dbf["u_f"][t]), "the same factors for b_f")

finish()
