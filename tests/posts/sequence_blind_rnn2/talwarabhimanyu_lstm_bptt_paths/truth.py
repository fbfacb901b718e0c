"""Independent truth for tests/posts/sequence_blind_rnn2/talwarabhimanyu_lstm_bptt_paths (NumPy and torch, no derive).

The post's LSTM, column vectors, as equations (1.1)-(2.4) write it: f, g, q, e = sigmoid(b + U x^(t) + W h^(t-1))
(the input feature vector e is a sigmoid too, as (2.4) writes it), s^(t) = f o s^(t-1) + g o e, h^(t) = q o
tanh(s^(t)); theta^(t) = U h^(t) + b, y^ = softmax(theta), J^(t) the cross-entropy of step t, J = sum over t.
T = 4 steps from random h^(0), s^(0); the lines are judged for J^(t) with t = 4 and k = 3 (so s^(k-1) = s^(2)).
Each step has its own clone W_f^(k) of W_f (the post's 'dummy variables'), f^(k), z_f^(k), s^(k) and h^(k) are
nodes, and s^(k-1) enters s^(k) through a clone s_a and tanh (for h^(k-1)) through a clone s_b, exactly the two
versions the post introduces, so autograd in float64 gives delta = dJ^(t)/ds^(k), gamma^(k) = dJ^(t)/dh^(k) and
each path. Jacobians of one step with its other inputs held fixed come from torch.autograd.functional.jacobian.
sigma'(z_f) is read at z_f (sigma's input), tanh'(s) at s. D = 3 hidden units, d = 2 inputs, V = 4 words."""
import numpy as np
import torch
from torch.autograd.functional import jacobian
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(18)
D, dx, V, T = 3, 2, 4, 4
t_loss, k = 4, 3
P = lambda a: torch.tensor(a, dtype=torch.float64, requires_grad=True)
Wp = {gname: (P(rng.normal(0, 0.8, (D, D))), P(rng.normal(0, 0.8, (D, dx))), P(rng.normal(0, 0.3, D))) for gname in "fgqe"}
Uo, bo = P(rng.normal(0, 0.8, (V, D))), P(rng.normal(0, 0.3, V))
xs = [None] + [torch.tensor(rng.normal(size=dx)) for _ in range(T)]
labels = [None, 1, 3, 0, 2]
h0, s0 = torch.tensor(rng.normal(0, 0.5, D)), torch.tensor(rng.normal(0, 0.5, D))


def keep(v):
    v.retain_grad()
    return v


st = {0: {"h": keep(h0.clone().requires_grad_()), "s": keep(s0.clone().requires_grad_())}}
st[0]["s_b"] = st[0]["s"]
for t in range(1, T + 1):
    c = {"h_prev": st[t - 1]["h"], "s_a": keep(st[t - 1]["s"].clone())}
    c["Wf"] = keep(Wp["f"][0].clone())
    c["z_f"] = keep(Wp["f"][2] + Wp["f"][1] @ xs[t] + c["Wf"] @ c["h_prev"])
    c["f"] = keep(torch.sigmoid(c["z_f"]))
    g, q, e = (torch.sigmoid(Wp[n][2] + Wp[n][1] @ xs[t] + Wp[n][0] @ c["h_prev"]) for n in "gqe")
    c["g"], c["q"], c["e"] = g, keep(q), e
    c["s"] = keep(c["f"] * c["s_a"] + g * e)
    c["s_b"] = keep(c["s"].clone())
    c["h"] = keep(c["q"] * torch.tanh(c["s_b"]))
    c["theta"] = keep(Uo @ c["h"] + bo)
    c["J"] = -torch.log_softmax(c["theta"], 0)[labels[t]]
    st[t] = c
st[t_loss]["J"].backward()
n = lambda v: v.detach().numpy()
gr = lambda v: v.grad.numpy()
K, Km = st[k], st[k - 1]

theta = n(st[2]["theta"])
printed13 = np.array([np.exp(theta[i]) / sum(np.exp(theta[i]) for j in range(V)) for i in range(V)])   # (3.1) as printed
soft = np.exp(theta) / np.exp(theta).sum()
decide(7, True, "theta^(t) = U h^(t) + b, the affine layer (definition)")
decide(13, np.allclose(printed13, soft), f"the denominator sums e^(theta_i) over j, V e^(theta_i): every entry 1/V = "
       f"{1 / V}, where the softmax is {np.round(soft, 3)} (theta_j belongs in the sum)")
ce = torch.nn.functional.cross_entropy(st[2]["theta"][None], torch.tensor([labels[2]])).item()
onehot = np.eye(V)[labels[2]]
decide(19, np.isclose(-(onehot * np.log(soft)).sum(), ce), "J^(t) = -sum y log y^ is the cross-entropy of step t (F.cross_entropy)")
decide(25, True, "J sums the steps' losses (definition)")
for line, what in ((31, "(1.1) h = q o tanh(s)"), (35, "(1.2) s = f o s^(t-1) + g o e"), (42, "(2.1) forget gate"),
                   (44, "(2.2) input gate"), (46, "(2.3) output gate"), (48, "(2.4) input feature vector, a sigmoid as written")):
    decide(line, True, f"definition of the post's LSTM: {what}")

# Claim 1 at step k, for J^(t)
delta = gr(K["s"])                                              # dJ/ds^(k), every path
sig_p = n(K["f"]) * (1 - n(K["f"]))                              # sigma'(z_f) at z_f
s_km, h_km = n(Km["s"]), n(Km["h"])
dfdW = jacobian(lambda Wm: torch.sigmoid(Wp["f"][2].detach() + Wp["f"][1].detach() @ xs[k] + Wm @ Km["h"].detach()),
                K["Wf"].detach()).numpy()                        # [p, i, j], h^(k-1) held fixed
decide(58, np.allclose(np.einsum("p,pij->ij", gr(K["f"]), dfdW), gr(K["Wf"])),
       "dJ/dW_f^(k) = sum_p dJ/df_p^(k) df_p^(k)/dW_f^(k) (this step's own copy of W_f)")
off = np.array([[[dfdW[p, i, j] for j in range(D)] for i in range(D) if i != p] for p in range(D)])
decide(69, np.allclose(off, 0), "df_p/dW_f[i,j] = 0 for p != i")
decide(70, all(np.allclose(dfdW[i, i, :], sig_p[i] * h_km) for i in range(D)), "df_i/dW_f[i,j] = sigma'(z_f,i) h_j^(k-1)")
dsdf = jacobian(lambda fv: fv * Km["s"].detach() + (K["g"] * K["e"]).detach(), K["f"].detach()).numpy()
decide(79, np.allclose(delta @ dsdf, gr(K["f"])), "dJ/df_p = sum_m dJ/ds_m ds_m/df_p")
decide(80, np.allclose(delta * s_km, gr(K["f"])), "= delta_p s_p^(k-1)")
decide(88, np.allclose(np.outer(delta * sig_p * s_km, h_km), gr(K["Wf"])), "dJ/dW_f[i,j]^(k) = delta_i sigma'(z_f,i) s_i^(k-1) h_j^(k-1)")
decide(96, np.allclose(np.outer(delta * sig_p * s_km, h_km), gr(K["Wf"])), "(delta o sigma'(z_f) o s^(k-1)) (h^(k-1))^Tr")

# Claim 2: the two versions of s^(k-1)
gamma_km, gamma_k = gr(Km["h"]), gr(K["h"])                       # dJ/dh^(k-1), dJ/dh^(k)
total_s = gr(K["s_a"]) + gr(Km["s_b"])
decide(108, np.allclose(total_s, gr(Km["s"])),
       "dJ/ds^(k-1) = the path through s^(k) (s_a) + the path through h^(k-1) (s_b)")
dsds = jacobian(lambda sa: K["f"].detach() * sa + (K["g"] * K["e"]).detach(), Km["s"].detach()).numpy()
decide(115, np.allclose(delta @ dsds, gr(K["s_a"])), "sum_p dJ/ds_p^(k) ds_p^(k)/ds_a,i")
decide(116, np.allclose(delta * n(K["f"]), gr(K["s_a"])), "= delta_i f_i^(k)")
dhds = jacobian(lambda sb: Km["q"].detach() * torch.tanh(sb), Km["s"].detach()).numpy()   # [p, i]
print(f"   (the sum itself, with gamma^(k-1) = dJ/dh^(k-1), is right: {np.allclose(gamma_km @ dhds, gr(Km['s_b']))}; "
      f"with the labelled gamma^(k) = dJ/dh^(k) it is not: {np.allclose(gamma_k @ dhds, gr(Km['s_b']))})")
decide(124, np.allclose(gamma_k, gamma_km), "the underbrace names dJ/dh_p^(k-1) gamma^(k) (dJ/dh^(k), the next state's "
       "gradient); the next sentence (line 128) and zz2 use gamma^(k-1), which it is")
decide(128, True, "the first quantity, dJ/dh_p^(k-1), is the p-th element of gamma^(k-1) = dJ/dh^(k-1) (the post's gamma, "
       "the gradient at the hidden state of the step it names)")
decide(133, np.allclose(dhds - np.diag(np.diag(dhds)), 0), "dh_p^(k-1)/ds_b,i = 0 for p != i")
tanh_p = 1 - np.tanh(s_km) ** 2
decide(134, np.allclose(np.diag(dhds), n(Km["q"]) * tanh_p), "dh_i/ds_b,i = q_i^(k-1) tanh'(s_i^(k-1))")
decide(141, np.allclose(gamma_km * n(Km["q"]) * tanh_p, gr(Km["s_b"])), "dJ/ds_b,i = gamma_i^(k-1) q_i^(k-1) tanh'(s_i^(k-1))")
rhs = gamma_km * n(Km["q"]) * tanh_p + delta * n(K["f"])
decide(147, np.allclose(rhs, gr(Km["s"])), "dJ/ds_i^(k-1) = gamma_i^(k-1) q_i tanh'(s_i) + delta_i f_i^(k)")
decide(154, np.allclose(rhs, gr(Km["s"])), "the same in vector form")

finish()
