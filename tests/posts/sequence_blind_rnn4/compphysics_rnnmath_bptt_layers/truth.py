"""Independent truth for tests/posts/sequence_blind_rnn4/compphysics_rnnmath_bptt_layers (NumPy and torch, no derive).

The notebook's RNN with L hidden layers, column vectors: at t = 1, z_l^(1) = W^{l-1,l} h_{l-1}^(1) + b^{l-1,l} (no
contribution from a previous time step, as the notebook sets (z_l^(1))_time = 0); for t >= 2,
z_l^(t) = (W^{l-1,l} h_{l-1}^(t) + b^{l-1,l}) + (W^{ll} h_l^(t-1) + b^{ll}); h_l^(t) = sigma_l(z_l^(t)), h_0^(t) = X^(t);
the output layer z_{L+1}^(t) = W^{L,L+1} h_L^(t) + b^{L,L+1}, y^^(t) = sigma_{L+1}(z_{L+1}^(t)); C = sum_t C^(t).
Instantiated with L = 2 hidden layers of 3 units (tanh), 2 inputs, 2 outputs with the logistic sigmoid (an elementwise
output activation, as the notebook's Kronecker-delta step assumes), C^(t) = 1/2 ||y^^(t) - y^(t)||^2, T = 4 steps.
References from torch autograd in float64: every weight and bias is used through its own copy at each time step, so
autograd gives the notebook's contribution at time step t, (dC/dW)^(t), as the gradient of that copy (zero where the
parameter does not enter step t); dC/dz_l^(t) (delta_l^(t)), dC/dh_l^(t) (the total), and the parts of it that the
node above (layer) and the node at the next step (time) send back, each use of h_l^(t) being its own clone. Each
printed right side is evaluated with the true values of what it names."""
import numpy as np
import torch
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

Tt = lambda a: torch.tensor(a, dtype=torch.float64)
close = lambda a, b: np.shape(a) == np.shape(b) and np.allclose(a, b, atol=1e-12)
rng = np.random.default_rng(41)
sizes = [2, 3, 3, 2]                                   # n, n_1, n_2, m
L, T = 2, 4
Wl = {l: Tt(rng.normal(0, 0.8, (sizes[l], sizes[l - 1]))) for l in range(1, L + 2)}    # W^{l-1,l}
bl = {l: Tt(rng.normal(0, 0.3, (sizes[l], 1))) for l in range(1, L + 2)}               # b^{l-1,l}
Wt = {l: Tt(rng.normal(0, 0.8, (sizes[l], sizes[l]))) for l in range(1, L + 1)}        # W^{ll}
bt = {l: Tt(rng.normal(0, 0.3, (sizes[l], 1))) for l in range(1, L + 1)}               # b^{ll}
X = {t: Tt(rng.normal(size=(sizes[0], 1))).requires_grad_() for t in range(1, T + 1)}
Y = {t: Tt(rng.uniform(0.1, 0.9, (sizes[-1], 1))) for t in range(1, T + 1)}
cp = lambda v: v.clone().requires_grad_()
cWl = {(l, t): cp(Wl[l]) for l in Wl for t in X}; cbl = {(l, t): cp(bl[l]) for l in bl for t in X}
cWt = {(l, t): cp(Wt[l]) for l in Wt for t in X}; cbt = {(l, t): cp(bt[l]) for l in bt for t in X}
keep = {}
h = {(0, t): X[t] for t in X}
up, side = {}, {}                                     # the clone of h_l^(t) the layer above uses, the one step t+1 uses
C = 0
for t in range(1, T + 1):
    for l in range(1, L + 2):
        below = up[(l - 1, t)] if l >= 2 else h[(0, t)]
        z = cWl[(l, t)] @ below + cbl[(l, t)]
        if l <= L and t >= 2:
            z = z + cWt[(l, t)] @ side[(l, t - 1)] + cbt[(l, t)]
        z.retain_grad(); keep[("z", l, t)] = z
        hv = torch.tanh(z) if l <= L else torch.sigmoid(z)
        hv.retain_grad(); keep[("h", l, t)] = hv; h[(l, t)] = hv
        if l <= L:
            up[(l, t)] = hv.clone(); up[(l, t)].retain_grad()
            side[(l, t)] = hv.clone(); side[(l, t)].retain_grad()
    C = C + 0.5 * ((h[(L + 1, t)] - Y[t]) ** 2).sum()
C.backward()
g = lambda v: v.grad.numpy() if v.grad is not None else np.zeros(tuple(v.shape))
n = lambda v: v.detach().numpy()
z = {(l, t): n(keep[("z", l, t)]) for l in range(1, L + 2) for t in X}
hv = {(l, t): n(h[(l, t)]) for l in range(0, L + 2) for t in X}
delta = {(l, t): g(keep[("z", l, t)]) for l in range(1, L + 2) for t in X}
dh = {(l, t): g(keep[("h", l, t)]) for l in range(1, L + 1) for t in X}
layer_part = {(l, t): g(up[(l, t)]) for l in range(1, L + 1) for t in X}
time_part = {(l, t): g(side[(l, t)]) for l in range(1, L + 1) for t in X}
ts, hid = range(1, T + 1), range(1, L + 1)
sig = lambda a: 1 / (1 + np.exp(-a))

decide(2, True, "h_1^(1) = sigma_1(z_1^(1)) (definition)")
decide(4, True, "z_1^(1) = W^{01} X^(1) + b^{01} (definition)")
decide(7, True, "(z_1^(t))_layer = W^{01} X^(t) + b^{01} (definition)")
decide(8, True, "(z_1^(t))_time = W^{11} h_1^(t-1) + b^{11} (definition)")
decide(10, True, "z_1^(t) = (z_1^(t))_layer + (z_1^(t))_time (definition)")
decide(12, True, "h_1^(t) = sigma_1(z_1^(t)) (definition)")
decide(15, True, "z_{L+1}^(t) = W^{L,L+1} h_L^(t) + b^{L,L+1} (definition)")
decide(17, True, "y^^(t) = sigma_{L+1}(z_{L+1}^(t)) (definition)")
decide(20, all(close((hv[(L + 1, t)] - n(Y[t])) * sig(z[(L + 1, t)]) * (1 - sig(z[(L + 1, t)])), delta[(L + 1, t)]) for t in ts),
       "delta_{L+1}^(t) = dC^(t)/dy^^(t) (.) sigma_{L+1}'(z_{L+1}^(t)) (an elementwise output activation)")
decide(25, all(close(layer_part[(l, t)] + time_part[(l, t)], dh[(l, t)]) for l in hid for t in ts),
       "dC/dh_l^(t) = the part the node above sends back + the part the next step sends back")
decide(30, all(close(dh[(l, t)] * (1 - hv[(l, t)] ** 2), delta[(l, t)]) for l in hid for t in ts),
       "delta_l^(t) = dC/dh_l^(t) (.) sigma_l'(z_l^(t))")
bl_ok = all(close(g(cbl[(l, t)]), delta[(l, t)]) for l in hid for t in ts)
bt_ok = {t: all(close(g(cbt[(l, t)]), delta[(l, t)]) for l in hid) for t in ts}
decide(32, bl_ok and all(bt_ok.values()),
       f"(dC/db^(l-1,l))^(t) = delta_l^(t) holds ({bl_ok}); (dC/db^(ll))^(t) = delta_l^(t) holds at t >= 2 "
       f"({all(bt_ok[t] for t in ts if t >= 2)}) but not at t = 1 ({bt_ok[1]}): b^(ll) does not enter the first step "
       f"((z_l^(1))_time = 0), its contribution there is 0")
decide(34, all(close(g(cWl[(l, t)]), delta[(l, t)] @ hv[(l - 1, t)].T) for l in hid for t in ts),
       "(dC/dW^(l-1,l))^(t) = delta_l^(t) (h_(l-1)^(t))^T")
h0 = lambda l, t: hv[(l, t - 1)] if t >= 2 else np.zeros_like(hv[(l, 1)])     # h_l^(0) read as 0
decide(36, all(close(g(cWt[(l, t)]), delta[(l, t)] @ h0(l, t).T) for l in hid for t in ts),
       "(dC/dW^(ll))^(t) = delta_l^(t) (h_l^(t-1))^T (at t = 1 with h_l^(0) read as 0: W^(ll) does not enter step 1)")
decide(38, all(close(n(Wl[l]).T @ delta[(l, t)], layer_part[(l - 1, t)]) for l in range(2, L + 2) for t in ts)
       and all(close(n(Wl[1]).T @ delta[(1, t)], g(X[t])) for t in ts),
       "what node (l, t) sends back to h_(l-1)^(t), (dC/dh_(l-1)^(t))_layer = (W^(l-1,l))^T delta_l^(t) (for l = 1 the "
       "whole dC/dX^(t))")
decide(40, all(close(n(Wt[l]).T @ delta[(l, t)], time_part[(l, t - 1)]) for l in hid for t in ts if t >= 2),
       "what node (l, t) sends back to h_l^(t-1), (dC/dh_l^(t-1))_time = (W^(ll))^T delta_l^(t)")
# the same network with each weight and bias shared by every step (one leaf each): its gradients are the totals
sh = {k: {l: cp(v) for l, v in d.items()} for k, d in (("Wl", Wl), ("bl", bl), ("Wt", Wt), ("bt", bt))}
hh, Cs = {}, 0
for t in range(1, T + 1):
    for l in range(1, L + 2):
        zz = sh["Wl"][l] @ (hh[(l - 1, t)] if l >= 2 else X[t].detach()) + sh["bl"][l]
        if l <= L and t >= 2:
            zz = zz + sh["Wt"][l] @ hh[(l, t - 1)] + sh["bt"][l]
        hh[(l, t)] = torch.tanh(zz) if l <= L else torch.sigmoid(zz)
    Cs = Cs + 0.5 * ((hh[(L + 1, t)] - Y[t]) ** 2).sum()
Cs.backward()
for line, c, k in ((45, cbl, "bl"), (49, cWl, "Wl")):
    decide(line, all(close(sum(g(c[(l, t)]) for t in ts), g(sh[k][l])) for l in range(1, L + 2)),
           "dC/dparam (the shared parameter) = sum_t (dC/dparam)^(t), its per-step contributions")
post_bt = {l: sum(delta[(l, t)] for t in ts) for l in hid}                     # the sum with line 32's values
true_bt = {l: sum(g(cbt[(l, t)]) for t in ts) for l in hid}
assert all(close(true_bt[l], g(sh["bt"][l])) for l in hid)
decide(47, all(close(post_bt[l], true_bt[l]) for l in hid),
       "the sum is right in form, but with line 32's per-step values it adds delta_l^(1), a contribution b^(ll) does not "
       "have (carried): sum_(t>=2) delta_l^(t) is dC/db^(ll)")
decide(51, all(close(sum(delta[(l, t)] @ h0(l, t).T for t in ts), g(sh["Wt"][l])) for l in hid),
       "dC/dW^(ll) = sum_t delta_l^(t) (h_l^(t-1))^T (h_l^(0) read as 0)")
finish()
