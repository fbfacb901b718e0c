"""Independent truth for tests/posts/sequence_blind_rnn10/calvinfeng_rnn_backprop_en (NumPy and torch, no derive).

The notebook's character-level RNN (column vectors, one-hot inputs): h_t = tanh(W_hh h_{t-1} + W_xh x_t + B_h),
y_t = W_hy h_t + B_y (unnormalized log probabilities), p_t = softmax(y_t), L = sum_t L_t with L_t the cross-entropy
of p_t at the target character (the notebook's softmax loss at every step, summed over the steps; its ForwardProp
code and 'grad_output[target] -= 1'). T = 4 steps t = 1..4 over a vocabulary of 5 characters (inputs and targets),
H = 3 hidden units, h_0 = 0 (the code's zeros). The forward pass is also checked against torch.nn.RNNCell (tanh,
bias_ih = B_h, bias_hh = 0). References from torch autograd in float64: the gradient of L at every y_t, h_t and
pre-activation u_t = W_hh h_{t-1} + W_xh x_t + B_h (the code's grad_u); the total gradient of every parameter and
step t's share of it (the gradient of step t's own copy of the parameter); the share h_{t-1} receives through u_t
alone (h_{t-1} fed to u_t as a separate leaf); and the Jacobians the chains name (torch.autograd.functional.jacobian,
the other operands fixed): dy_t/dW_hy, dy_t/dB_y, dy_t/dh_t, dh_t/du_t, the immediate dh_t/dB_h and du_t/dW_xh,
du_t/dW_hh, du_t/dh_{t-1} with h_{t-1} held."""
import numpy as np
import torch
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(2029)
V, H, T = 5, 3, 4
Tt = lambda a: torch.tensor(a, dtype=torch.float64)
nv = lambda x: x.detach().numpy()
close = lambda a, b: np.shape(a) == np.shape(b) and np.allclose(a, b, atol=1e-12)
jac = torch.autograd.functional.jacobian
P = {"Wxh": rng.normal(0, 0.9, (H, V)), "Whh": rng.normal(0, 0.9, (H, H)), "Bh": rng.normal(0, 0.5, (H, 1)),
     "Why": rng.normal(0, 0.9, (V, H)), "By": rng.normal(0, 0.5, (V, 1))}
inputs, targets = rng.integers(0, V, T + 1), rng.integers(0, V, T + 1)  # steps 1..T
X = {t: np.eye(V)[:, [inputs[t]]] for t in range(1, T + 1)}
leaf = {k: Tt(v).requires_grad_() for k, v in P.items()}


def forward(split_at=None):
    hs, us, ys, Ls, copies, hin = [Tt(np.zeros((H, 1)))], [None], [None], [None], [None], [None]
    for t in range(1, T + 1):
        c = {k: v.clone() for k, v in leaf.items()}
        copies.append(c)
        hp = hs[-1].detach().requires_grad_() if split_at == t else hs[-1]  # h_(t-1) as u_t sees it
        hin.append(hp)
        u = c["Whh"] @ hp + c["Wxh"] @ Tt(X[t]) + c["Bh"]
        h = torch.tanh(u)
        y = c["Why"] @ h + c["By"]
        for v in (u, h, y):
            v.retain_grad()
        us.append(u)
        hs.append(h)
        ys.append(y)
        Ls.append(-torch.log_softmax(y, 0)[targets[t], 0])
    return hs, us, ys, Ls, copies, hin


hs, us, ys, Ls, copies, _ = forward()
L = sum(Ls[1:])
L.backward(retain_graph=True)
gr = lambda out, wrt: torch.autograd.grad(out, wrt, retain_graph=True)[0]
hv = [nv(h) for h in hs]
uv = [None] + [nv(u) for u in us[1:]]
dL = {"y": {t: nv(ys[t].grad) for t in range(1, T + 1)}, "h": {t: nv(hs[t].grad) for t in range(1, T + 1)},
      "u": {t: nv(us[t].grad) for t in range(1, T + 1)}}
total = {k: nv(v.grad) for k, v in leaf.items()}
step = {(k, t): nv(gr(L, copies[t][k])) for k in P for t in range(1, T + 1)}  # step t's share of dL/dk
through_u = {}
for t in range(1, T + 1):
    _, _, _, Ls_s, _, hin_s = forward(split_at=t)
    through_u[t] = nv(gr(sum(Ls_s[1:]), hin_s[t]))  # the share h_(t-1) receives through u_t alone
J = lambda fn, at: nv(jac(fn, Tt(at)))

# lines 5, 9: the definitions, re-evaluated and against torch.nn.RNNCell
cell = torch.nn.RNNCell(V, H, nonlinearity="tanh")
with torch.no_grad():
    cell.weight_ih.copy_(Tt(P["Wxh"]))
    cell.weight_hh.copy_(Tt(P["Whh"]))
    cell.bias_ih.copy_(Tt(P["Bh"][:, 0]))
    cell.bias_hh.zero_()
ok_cell = all(close(nv(cell(Tt(X[t].T), Tt(hv[t - 1].T))).T, hv[t]) for t in range(1, T + 1))
print(f"   (line 5: the network = torch RNNCell (tanh, bias_ih = B_h, bias_hh = 0): {ok_cell})")
decide(5, all(close(np.tanh(P["Whh"] @ hv[t - 1] + P["Wxh"] @ X[t] + P["Bh"]), hv[t]) for t in range(1, T + 1)),
       "h_t = tanh(W_hh h_(t-1) + W_xh x_t + B_h)")
decide(9, all(close(P["Why"] @ hv[t] + P["By"], nv(ys[t])) for t in range(1, T + 1)), "y_t = W_hy h_t + B_y")


SHOWN = {"Why": "W_hy", "By": "B_y", "Bh": "B_h", "Wxh": "W_xh", "Whh": "W_hh"}


def one_step_line(line, name, jac_of, what):
    """dL/dname = dL/dy_t . dy_t/dname (or dL/du . du/dname): one step's term, set equal to the total gradient."""
    rhs = {t: jac_of(t) for t in range(1, T + 1)}
    share_ok = all(close(rhs[t], step[(name, t)]) for t in range(1, T + 1))
    print(f"   (line {line}: the right side = step t's share of dL/d{SHOWN[name]} at every t: {share_ok}; "
          f"their sum over t = the total: {close(sum(rhs.values()), total[name])})")
    decide(line, all(close(rhs[t], total[name]) for t in range(1, T + 1)),
           f"{what} is step t's term only; L sums every step's loss, so dL/d{SHOWN[name]} = sum_t of these terms (the "
           "code's += accumulates them; the formula has no sum)")


def contract(row, Jt):
    """A gradient (column) contracted with a Jacobian d(vector)/d(matrix or vector) over the vector's index."""
    return np.einsum("a,a...->...", row[:, 0], Jt[:, 0])


# line 27: dL/dW_hy = dL/dy_t . dy_t/dW_hy
one_step_line(27, "Why", lambda t: contract(dL["y"][t], J(lambda Wm: Wm @ Tt(hv[t]) + Tt(P["By"]), P["Why"])),
              "dL/dy_t . dy_t/dW_hy = (dL/dy_t) h_t^T")
one_step_line(31, "By", lambda t: contract(dL["y"][t], J(lambda b: Tt(P["Why"]) @ Tt(hv[t]) + b, P["By"])),
              "dL/dy_t . dy_t/dB_y = dL/dy_t")
# line 35: dL/dh_t = dL/dy_t . dy_t/dh_t
r35 = {t: contract(dL["y"][t], J(lambda h: Tt(P["Why"]) @ h + Tt(P["By"]), hv[t])) for t in range(1, T + 1)}
print(f"   (line 35: W_hy^T dL/dy_t = the total dL/dh_t at step t = 1..{T}: "
      f"{[close(r35[t], dL['h'][t]) for t in range(1, T + 1)]}; with the next step's W_hh^T dL/du_(t+1) added "
      f"(the code's grad_prev_h): {all(close(r35[t] + (P['Whh'].T @ dL['u'][t + 1] if t < T else 0), dL['h'][t]) for t in range(1, T + 1))})")
decide(35, all(close(r35[t], dL["h"][t]) for t in range(1, T + 1)),
       "misses the term h_t sends through h_(t+1): dL/dh_t = W_hy^T dL/dy_t + W_hh^T dL/du_(t+1) (the code's grad_h "
       "adds grad_prev_h); the line holds at the last step only")
# line 47: h_t = tanh(u) + B_h, u read without B_h (as the line puts it outside) and with it
u_nob = {t: P["Whh"] @ hv[t - 1] + P["Wxh"] @ X[t] for t in range(1, T + 1)}
print(f"   (line 47: with u = W_hh h_(t-1) + W_xh x_t: {all(close(np.tanh(u_nob[t]) + P['Bh'], hv[t]) for t in range(1, T + 1))}; "
      f"with u the whole pre-activation: {all(close(np.tanh(uv[t]) + P['Bh'], hv[t]) for t in range(1, T + 1))})")
decide(47, all(close(np.tanh(u_nob[t]) + P["Bh"], hv[t]) for t in range(1, T + 1))
       or all(close(np.tanh(uv[t]) + P["Bh"], hv[t]) for t in range(1, T + 1)),
       "puts the bias outside the tanh; line 5 has h_t = tanh(u) with u = W_hh h_(t-1) + W_xh x_t + B_h")
# line 53: dL/du = dL/dh_t . dh_t/du, u the pre-activation of step t (the code's grad_u = (1 - h^2) grad_h)
decide(53, all(close(contract(dL["h"][t], J(torch.tanh, uv[t])), dL["u"][t]) for t in range(1, T + 1)),
       "dL/dh_t (total) . dh_t/du = dL/du_t (u the pre-activation, with or without B_h: in line 5's network dh_t/du "
       "is diag(1 - h_t^2) either way)")
# line 57: dL/dB_h = dL/dh_t . dh_t/dB_h (immediate, h_(t-1) held)
one_step_line(57, "Bh", lambda t: contract(dL["h"][t], J(lambda b: torch.tanh(Tt(P["Whh"]) @ Tt(hv[t - 1])
                                                                       + Tt(P["Wxh"]) @ Tt(X[t]) + b), P["Bh"])),
              "dL/dh_t . dh_t/dB_h = dL/du_t")
one_step_line(68, "Wxh", lambda t: contract(dL["u"][t], J(lambda Wm: Tt(P["Whh"]) @ Tt(hv[t - 1]) + Wm @ Tt(X[t])
                                                          + Tt(P["Bh"]), P["Wxh"])),
              "dL/du . du/dW_xh = (dL/du_t) x_t^T")
one_step_line(72, "Whh", lambda t: contract(dL["u"][t], J(lambda Wm: Wm @ Tt(hv[t - 1]) + Tt(P["Wxh"]) @ Tt(X[t])
                                                          + Tt(P["Bh"]), P["Whh"])),
              "dL/du . du/dW_hh = (dL/du_t) h_(t-1)^T")
# line 76: dL/dh_(t-1) = dL/du . du/dh_(t-1): the share h_(t-1) receives through u_t (the code's grad_prev_h)
r76 = {t: contract(dL["u"][t], J(lambda h: Tt(P["Whh"]) @ h + Tt(P["Wxh"]) @ Tt(X[t]) + Tt(P["Bh"]), hv[t - 1]))
       for t in range(1, T + 1)}
print(f"   (line 76: as the total dL/dh_(t-1), t = 2..{T}: {[close(r76[t], dL['h'][t - 1]) for t in range(2, T + 1)]}; "
      "the total also has h_(t-1)'s own read-out term W_hy^T dL/dy_(t-1))")
decide(76, all(close(r76[t], through_u[t]) for t in range(1, T + 1)),
       "W_hh^T dL/du_t = the share h_(t-1) receives through u_t (the code's grad_prev_h, added to step t-1's grad_h)")
finish()
