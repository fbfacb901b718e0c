"""Independent truth for tests/posts/sequence_blind_rnn11/liminchen_gru_bptt_matlab (NumPy and torch, no derive).

Minchen Li's MATLAB GRU (column vectors, Cho et al.'s cell, the reset gate applied to s_{t-1} before W_c):
z_t = sigmoid(U_z x_t + W_z s_{t-1} + b_z), r_t = sigmoid(U_r x_t + W_r s_{t-1} + b_r),
c_t = tanh(U_c x_t + W_c (s_{t-1} .* r_t) + b_c), s_t = (1 - z_t) .* c_t + z_t .* s_{t-1},
y_hat_t = softmax(V s_t + b_V), L_t = -sum(y_t .* log(y_hat_t)), L = sum_t L_t (the program's sum(L) in its gradient
check), one-hot words x_t, y_t and a random s_0 (the program's rand). T = 4 steps over a vocabulary of 5, 3 hidden
units. torch's GRUCell applies the reset gate after its recurrent product, so the cell is checked against it with a
diagonal W_c (for which the two cells agree) and re-evaluated from its definition otherwise. References from torch
autograd in float64: the gradient of L at every o_t = V s_t + b_V, s_t, candidate pre-activation, reset product
m_t = s_{t-1} .* r_t, gate pre-activations and z_t; step t's share of every parameter gradient (the gradient of step
t's own copy of the parameter); the share s_{t-1} receives through each of its four uses at step t (m_t, the reset
gate's W_r, the update gate's W_z and the direct z_t .* s_{t-1}, each fed as a separate leaf); the share s_t receives
through its own output (the gradient of L_t alone); and the total gradient at s_0.

The code's lines are judged locally, each with the true values of what it names: a running sum such as
db_c = db_c + dtanhInput holds when its increment is step wordJ's share (so that after the steps wordJ..T it holds
their sum, and after step 1 the total); ds_cur is read at each point as what it then holds by the code's own use (the
total dL/ds_J after adding ds_single; the shares of s_{J-1} through m_J, then also through r_J, the direct term and
z_J); dsr the gradient at m_J; dtanhInput, dsigInput_r, dsigInput_z the gradients at the pre-activations; dz the
gradient at z_J; ds_single(:,t) the share s_t receives through its output."""
import numpy as np
import torch
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(4211)
NV, H, T = 5, 3, 4            # vocabulary, hidden units, steps
Tt = lambda a: torch.tensor(a, dtype=torch.float64)
nv = lambda x: x.detach().numpy()
close = lambda a, b: np.shape(a) == np.shape(b) and np.allclose(a, b, atol=1e-12)
sig = lambda v: 1 / (1 + np.exp(-v))

P = {"U_z": rng.normal(0, 0.8, (H, NV)), "U_r": rng.normal(0, 0.8, (H, NV)), "U_c": rng.normal(0, 0.8, (H, NV)),
     "W_z": rng.normal(0, 0.8, (H, H)), "W_r": rng.normal(0, 0.8, (H, H)), "W_c": rng.normal(0, 0.8, (H, H)),
     "b_z": rng.normal(0, 0.4, (H, 1)), "b_r": rng.normal(0, 0.4, (H, 1)), "b_c": rng.normal(0, 0.4, (H, 1)),
     "V": rng.normal(0, 0.8, (NV, H)), "b_V": rng.normal(0, 0.4, (NV, 1))}
S0 = rng.uniform(0, 1, (H, 1))            # the program's s_0 = rand(iMem_size, 1)
words, targets = rng.integers(0, NV, T + 1), rng.integers(0, NV, T + 1)
X = {t: np.eye(NV)[:, [words[t]]] for t in range(1, T + 1)}
Y = {t: np.eye(NV)[:, [targets[t]]] for t in range(1, T + 1)}
leaf = {k: Tt(v).requires_grad_() for k, v in P.items()}
s0_leaf = Tt(S0).requires_grad_()


def forward(split_at=None):
    """The post's forward; at step split_at, s_{t-1}'s four uses read four separate leaves."""
    out = {k: {} for k in ("s", "z", "r", "c", "az", "ar", "ac", "m", "o", "L", "copy", "uses")}
    out["s"][0] = s0_leaf
    for t in range(1, T + 1):
        c_ = {k: v.clone() for k, v in leaf.items()}
        out["copy"][t] = c_
        sp = out["s"][t - 1]
        if split_at == t:
            uses = {u: sp.detach().clone().requires_grad_() for u in ("m", "r", "z", "d")}
        else:
            uses = {u: sp for u in ("m", "r", "z", "d")}
        out["uses"][t] = uses
        x = Tt(X[t])
        az = c_["U_z"] @ x + c_["W_z"] @ uses["z"] + c_["b_z"]
        z = torch.sigmoid(az)
        ar = c_["U_r"] @ x + c_["W_r"] @ uses["r"] + c_["b_r"]
        r = torch.sigmoid(ar)
        m = uses["m"] * r
        ac = c_["U_c"] @ x + c_["W_c"] @ m + c_["b_c"]
        c = torch.tanh(ac)
        s = (1 - z) * c + z * uses["d"]
        o = c_["V"] @ s + c_["b_V"]
        for v in (az, z, ar, r, m, ac, c, s, o):
            v.retain_grad()
        L = -(Tt(Y[t]) * torch.log_softmax(o, 0)).sum()
        for k, v in (("s", s), ("z", z), ("r", r), ("c", c), ("az", az), ("ar", ar), ("ac", ac), ("m", m), ("o", o),
                     ("L", L)):
            out[k][t] = v
    return out


F = forward()
Ltot = sum(F["L"][t] for t in range(1, T + 1))
Ltot.backward(retain_graph=True)
gr = lambda out, wrt: nv(torch.autograd.grad(out, wrt, retain_graph=True)[0])
val = {k: {t: nv(F[k][t]) for t in range(1, T + 1)} for k in ("s", "z", "r", "c")}
val["s"][0] = S0
g = {k: {t: nv(F[k][t].grad) for t in range(1, T + 1)} for k in ("s", "z", "az", "ar", "ac", "m", "o")}
g_s0 = nv(s0_leaf.grad)
total = {k: nv(v.grad) for k, v in leaf.items()}
share = {(k, t): gr(Ltot, F["copy"][t][k]) for k in P for t in range(1, T + 1)}
own = {t: gr(F["L"][t], F["s"][t]) for t in range(1, T + 1)}     # the share s_t receives through its own output
path = {}
for t in range(1, T + 1):
    Fs = forward(split_at=t)
    Ls = sum(Fs["L"][k] for k in range(1, T + 1))
    for u in ("m", "r", "z", "d"):
        path[(u, t)] = gr(Ls, Fs["uses"][t][u])
print(f"   (the paths add up: every s_(t-1)'s total = its own output share + the four shares through step t: "
      f"{all(close(sum(path[(u, t)] for u in 'mrzd') + (own[t - 1] if t > 1 else 0), g['s'][t - 1] if t > 1 else g_s0) for t in range(1, T + 1))})")

# the cell against torch.nn.GRUCell (reset after its product): equal to this cell when W_c is diagonal
D = np.diag(rng.normal(0, 0.8, H))
cell = torch.nn.GRUCell(NV, H)
with torch.no_grad():
    cell.weight_ih.copy_(Tt(np.vstack([P["U_r"], P["U_z"], P["U_c"]])))
    cell.weight_hh.copy_(Tt(np.vstack([P["W_r"], P["W_z"], D])))
    cell.bias_ih.copy_(Tt(np.concatenate([P["b_r"], P["b_z"], P["b_c"]])[:, 0]))
    cell.bias_hh.zero_()


def post_cell(x, sp, Wc):
    z = sig(P["U_z"] @ x + P["W_z"] @ sp + P["b_z"])
    r = sig(P["U_r"] @ x + P["W_r"] @ sp + P["b_r"])
    c = np.tanh(P["U_c"] @ x + Wc @ (sp * r) + P["b_c"])
    return (1 - z) * c + z * sp


ok_cell = all(close(nv(cell(Tt(X[t].T), Tt(val["s"][t - 1].T))).T, post_cell(X[t], val["s"][t - 1], D))
              for t in range(1, T + 1))
print(f"   (the post's cell with a diagonal W_c = torch GRUCell (gates r, z, n; bias_hh = 0): {ok_cell})")

# lines 17-22 (step 1) and 25-30 (steps 2..T): the forward definitions re-evaluated
def fwd_line(line, steps, what, fn, ref):
    decide(line, all(close(fn(t), ref(t)) for t in steps), what)


st1, rest = [1], range(2, T + 1)
for line, steps in ((17, st1), (25, rest)):
    fwd_line(line, steps, "z_t = sigmoid(U_z x_t + W_z s_(t-1) + b_z), the network's update gate",
             lambda t: sig(P["U_z"] @ X[t] + P["W_z"] @ val["s"][t - 1] + P["b_z"]), lambda t: val["z"][t])
for line, steps in ((18, st1), (26, rest)):
    fwd_line(line, steps, "r_t = sigmoid(U_r x_t + W_r s_(t-1) + b_r)",
             lambda t: sig(P["U_r"] @ X[t] + P["W_r"] @ val["s"][t - 1] + P["b_r"]), lambda t: val["r"][t])
for line, steps in ((19, st1), (27, rest)):
    fwd_line(line, steps, "c_t = tanh(U_c x_t + W_c (s_(t-1) .* r_t) + b_c), the reset before W_c (Cho et al.)",
             lambda t: np.tanh(P["U_c"] @ X[t] + P["W_c"] @ (val["s"][t - 1] * val["r"][t]) + P["b_c"]),
             lambda t: val["c"][t])
for line, steps in ((20, st1), (28, rest)):
    fwd_line(line, steps, "s_t = (1 - z_t) .* c_t + z_t .* s_(t-1)",
             lambda t: (1 - val["z"][t]) * val["c"][t] + val["z"][t] * val["s"][t - 1], lambda t: val["s"][t])
for line, steps in ((21, st1), (29, rest)):
    fwd_line(line, steps, "y_hat_t = softmax(V s_t + b_V) (MATLAB's softmax works on the column)",
             lambda t: np.exp(P["V"] @ val["s"][t] + P["b_V"]) / np.exp(P["V"] @ val["s"][t] + P["b_V"]).sum(),
             lambda t: nv(torch.softmax(F["o"][t], 0)))
for line, steps in ((22, st1), (30, rest)):
    fwd_line(line, steps, "L_t = sum(-y_t .* log(y_hat_t)), the cross-entropy at the target word",
             lambda t: np.array(-(Y[t] * np.log(nv(torch.softmax(F["o"][t], 0)))).sum()),
             lambda t: nv(F["L"][t]))

# lines 45, 46, 50, 63: the read-out
delta = {t: nv(torch.softmax(F["o"][t], 0)) - Y[t] for t in range(1, T + 1)}
decide(45, all(close(delta[t], g["o"][t]) for t in range(1, T + 1)),
       "delta_y = y_hat - y is dL/do_t at every column (softmax with the cross-entropy)")
decide(46, close(sum(delta[t] for t in range(1, T + 1)), total["b_V"]),
       "db_V = sum(delta_y, 2), the sum over the steps (columns) = the total dL/db_V")
acc = np.zeros_like(P["V"])
ok50 = True
for t in range(1, T + 1):
    acc_new = acc + g["o"][t] @ val["s"][t].T
    ok50 &= close(acc_new, sum(share[("V", k)] for k in range(1, t + 1)))
    acc = acc_new
decide(50, ok50 and close(acc, total["V"]),
       "dV = dV + delta_y(:,t) s(:,t)': each increment is step t's share of dL/dV; after the loop the total")
decide(63, all(close(P["V"].T @ g["o"][t], own[t]) for t in range(1, T + 1)),
       "ds_single = V' delta_y: column t is the share s_t receives through its own output o_t")


def running(line, name, inc, steps, what):
    """name = name + inc(J), J running T..2 (or 1): the increment is step J's share; before step J the running sum
    holds the shares of the later steps, after it also step J's (after step 1 the total)."""
    ok = True
    for J in steps:
        before = sum((share[(name, k)] for k in range(J + 1, T + 1)), np.zeros_like(P[name]))
        ok &= close(before + inc(J), sum(share[(name, k)] for k in range(J, T + 1)))
    if 1 in steps:
        ok &= close(sum(share[(name, k)] for k in range(1, T + 1)), total[name])
    decide(line, ok, what)


loop, first = range(T, 1, -1), [1]
sp = lambda J: val["s"][J - 1]
through_next = lambda J: (sum(path[(u, J + 1)] for u in "mrzd") if J < T else np.zeros((H, 1)))
# line 67 / 92: ds_cur + ds_single(:,J) = the total dL/ds_J
decide(67, all(close(through_next(J) + P["V"].T @ g["o"][J], g["s"][J]) for J in loop),
       "ds_cur (what s_J receives through step J+1, 0 at J = T) + ds_single(:,J) = the total dL/ds_J")
decide(92, close(through_next(1) + P["V"].T @ g["o"][1], g["s"][1]),
       "ds_cur (what s_1 receives through step 2) + ds_single(:,1) = the total dL/ds_1")
for line, steps in ((70, loop), (94, first)):
    decide(line, all(close(g["s"][J] * (1 - val["z"][J]) * (1 - val["c"][J] ** 2), g["ac"][J]) for J in steps),
           "dtanhInput = dL/ds_J .* (1 - z_J) .* (1 - c_J.^2) = the gradient at the candidate's pre-activation")
for (lb, lu, lw), steps in (((71, 72, 73), loop), ((95, 96, 97), first)):
    running(lb, "b_c", lambda J: g["ac"][J], steps, "db_c += dtanhInput: step J's share of dL/db_c")
    running(lu, "U_c", lambda J: g["ac"][J] @ X[J].T, steps, "dU_c += dtanhInput x_J': step J's share of dL/dU_c")
    running(lw, "W_c", lambda J: g["ac"][J] @ (sp(J) * val["r"][J]).T, steps,
            "dW_c += dtanhInput (s_(J-1) .* r_J)': step J's share of dL/dW_c")
for line, steps in ((74, loop), (98, first)):
    decide(line, all(close(P["W_c"].T @ g["ac"][J], g["m"][J]) for J in steps),
           "dsr = W_c' dtanhInput = the gradient at the reset product m_J = s_(J-1) .* r_J")
decide(75, all(close(g["m"][J] * val["r"][J], path[("m", J)]) for J in loop),
       "ds_cur = dsr .* r_J = the share s_(J-1) receives through m_J")
decide(99, close(np.zeros((H, 1)) + g["m"][1] * val["r"][1], path[("m", 1)]),
       "ds_0 = 0 + dsr .* r_1 = the share s_0 receives through m_1")
for line, steps in ((76, loop), (100, first)):
    decide(line, all(close(g["m"][J] * sp(J) * val["r"][J] * (1 - val["r"][J]), g["ar"][J]) for J in steps),
           "dsigInput_r = dsr .* s_(J-1) .* r_J .* (1 - r_J) = the gradient at the reset gate's pre-activation")
for (lb, lu, lw), steps in (((77, 78, 79), loop), ((101, 102, 103), first)):
    running(lb, "b_r", lambda J: g["ar"][J], steps, "db_r += dsigInput_r: step J's share of dL/db_r")
    running(lu, "U_r", lambda J: g["ar"][J] @ X[J].T, steps, "dU_r += dsigInput_r x_J': step J's share of dL/dU_r")
    running(lw, "W_r", lambda J: g["ar"][J] @ sp(J).T, steps, "dW_r += dsigInput_r s_(J-1)': step J's share")
for line, steps in ((80, loop), (104, first)):
    decide(line, all(close(path[("m", J)] + P["W_r"].T @ g["ar"][J], path[("m", J)] + path[("r", J)])
                     for J in steps),
           "ds_cur (or ds_0) + W_r' dsigInput_r adds the share s_(J-1) receives through the reset gate")
for line, steps in ((82, loop), (106, first)):
    decide(line, all(close(path[("m", J)] + path[("r", J)] + g["s"][J] * val["z"][J],
                           path[("m", J)] + path[("r", J)] + path[("d", J)]) for J in steps),
           "+ ds_cur_bk .* z_J (ds_cur_bk, or ds_cur at step 1, the total dL/ds_J) adds the direct share z_J .* s_(J-1)")
for line, steps in ((83, loop), (107, first)):
    decide(line, all(close(g["s"][J] * (sp(J) - val["c"][J]), g["z"][J]) for J in steps),
           "dz = dL/ds_J .* (s_(J-1) - c_J) = the gradient at z_J (s_J = (1 - z_J) c_J + z_J s_(J-1))")
for line, steps in ((84, loop), (108, first)):
    decide(line, all(close(g["z"][J] * val["z"][J] * (1 - val["z"][J]), g["az"][J]) for J in steps),
           "dsigInput_z = dz .* z_J .* (1 - z_J) = the gradient at the update gate's pre-activation")
for (lb, lu, lw), steps in (((85, 86, 87), loop), ((109, 110, 111), first)):
    running(lb, "b_z", lambda J: g["az"][J], steps, "db_z += dsigInput_z: step J's share of dL/db_z")
    running(lu, "U_z", lambda J: g["az"][J] @ X[J].T, steps, "dU_z += dsigInput_z x_J': step J's share of dL/dU_z")
    running(lw, "W_z", lambda J: g["az"][J] @ sp(J).T, steps, "dW_z += dsigInput_z s_(J-1)': step J's share")
decide(88, all(close(path[("m", J)] + path[("r", J)] + path[("d", J)] + P["W_z"].T @ g["az"][J],
                     g["s"][J - 1] - own[J - 1]) for J in loop),
       "+ W_z' dsigInput_z completes what s_(J-1) receives through step J (its total less its own output's share)")
decide(112, close(path[("m", 1)] + path[("r", 1)] + path[("d", 1)] + P["W_z"].T @ g["az"][1], g_s0),
       "+ W_z' dsigInput_z completes ds_0 = the total dL/ds_0")
finish()
