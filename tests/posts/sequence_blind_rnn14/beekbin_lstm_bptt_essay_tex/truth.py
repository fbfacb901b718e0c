"""Truth for Songbin Liu's 'BPTT for RNN and LSTM' (beekbin/rnnEssay, tex/rnn.lstm.tex at commit 4a3a6ab), the LSTM
section: the forward equations and the backward derivation for the error E^(3) of step 3, decided without derive.

The post's own network, built in torch float64 from its forward equations (lines 9-21), with no biases (the post
writes none): i = sigma(W_i [h^(t-1), x^(t)]), A = tanh(W_a [.]), f = sigma(W_f [.]), C^(t) = f C^(t-1) + i A,
o = sigma(W_o [.]), h^(t) = o tanh(C^(t)), y^(t) = softmax(V h^(t)); each W_* acts on the concatenation [h; x], so
its first H columns are W_{*,h}. The post leaves E^(3) open: here the cross-entropy of y^(3) against a target id. As
the post says (lines 62-63), only the output of step 3 is used and step 4 is ignored: T = 3 steps of D = 2 inputs,
K = 3 classes, random h^(0), C^(0). The truth takes ONE memory cell (H = 1), where every '.' of the post between gate
quantities is a product of scalars and the printed order of the factors does not matter (for H > 1 the display of
lines 122-130 has no single reading: '.' is the elementwise product in the forward pass and a Jacobian product for
df/dh; the source notes say what that reading would change).

References from autograd: the total gradient of E^(3) at every C^(j) (delta^(j), line 92), at each step's own copy of
W_f, W_i, W_a, W_o, V (the post's W^(j)_f etc.) and at the shared weights; Jacobians inside one step
(dC^(j+1)/dC^(j) through h^(j) with x held, dh^(j)/dC^(j) with o^(j) held, df^(j+1)/dh^(j), dC^(j)/dW_f^(j)) from
torch.autograd.functional.jacobian. Each line is judged locally: its right side is evaluated with the true values of
what it names and compared with the true value of its left side (for the display of lines 121-130, delta^(j)).
"""
import numpy as np
import torch
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish, unchecked  # noqa: E402,F401

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(1414)
Tt = lambda a: torch.tensor(a, dtype=torch.float64)
nv = lambda x: x.detach().numpy().copy()
close = lambda a, b: np.shape(a) == np.shape(b) and np.allclose(a, b, atol=1e-12)
jac = torch.autograd.functional.jacobian
sig = torch.sigmoid
dsig = lambda a: sig(a) * (1 - sig(a))
dtanh = lambda a: 1 - torch.tanh(a) ** 2

H, D, T, K = 1, 2, 3, 3
W = {k: Tt(rng.normal(0, 0.9, (H, H + D))).requires_grad_() for k in "iafo"}
V = Tt(rng.normal(0, 1.0, (K, H))).requires_grad_()
xs = [None] + [Tt(rng.normal(0, 1.2, D)) for _ in range(T)]
h0 = Tt(rng.normal(0, 0.6, H))
C0 = Tt(rng.normal(0, 0.6, H))
label = int(rng.integers(0, K))


def gates(Wd, hp, x):
    hx = torch.cat([hp, x])
    return dict(zi=Wd["i"] @ hx, za=Wd["a"] @ hx, zf=Wd["f"] @ hx, zo=Wd["o"] @ hx)


def step(Wd, hp, Cp, x):
    z = gates(Wd, hp, x)
    i, A, f, o = sig(z["zi"]), torch.tanh(z["za"]), sig(z["zf"]), sig(z["zo"])
    C = f * Cp + i * A
    h = o * torch.tanh(C)
    return dict(z, i=i, A=A, f=f, o=o, C=C, h=h)


# ---------------------------------------------------------------- forward with each step's own copy of the weights
nodes, copies = [None], [None]
hp, Cp = h0, C0
for t in range(1, T + 1):
    cp = {k: W[k].clone() for k in "iafo"}
    for c in cp.values():
        c.retain_grad()
    nd = step(cp, hp, Cp, xs[t])
    for k in ("C", "h", "f", "i", "A", "o"):
        nd[k].retain_grad()
    nodes.append(nd)
    copies.append(cp)
    hp, Cp = nd["h"], nd["C"]
V3 = V.clone()
V3.retain_grad()
E3 = -torch.log_softmax(V3 @ nodes[T]["h"], 0)[label]
E3.backward()
v = lambda t, k: nv(nodes[t][k])
prev_h = lambda t: nv(h0) if t == 1 else v(t - 1, "h")
prev_C = lambda t: nv(C0) if t == 1 else v(t - 1, "C")
delta = lambda j: nv(nodes[j]["C"].grad)           # delta^(j) = dE^(3)/dC^(j), the total (line 92)
gcopy = lambda j, k: nv(copies[j][k].grad)          # dE^(3)/dW^(j)_k, step j's own copy
Wn = {k: nv(W[k]) for k in "iafo"}
js = range(1, T + 1)
jr = range(1, T)                                    # the recurrence relates delta^(j) to delta^(j+1): j = 1..T-1

# the cell is PyTorch's LSTMCell with zero biases (gate order i, f, g, o; weight_ih the x columns, weight_hh the h ones)
cell = torch.nn.LSTMCell(D, H)
with torch.no_grad():
    cell.weight_ih.copy_(torch.cat([W[k][:, H:] for k in "ifao"]))
    cell.weight_hh.copy_(torch.cat([W[k][:, :H] for k in "ifao"]))
    cell.bias_ih.zero_()
    cell.bias_hh.zero_()
    hq, cq = h0[None], C0[None]
    same = True
    for t in js:
        hq, cq = cell(xs[t][None], (hq, cq))
        same &= close(nv(hq[0]), v(t, "h")) and close(nv(cq[0]), v(t, "C"))
print(f"   (E^(3) = {E3.item():.6f}; the cell equals torch.nn.LSTMCell with zero biases: {same})")

# ---------------------------------------------------------------- forward, lines 9-21, re-evaluated in NumPy
sg = lambda a: 1 / (1 + np.exp(-a))
hx = lambda t: np.r_[prev_h(t), nv(xs[t])]
fw = {
    9: ("i^(t) = sigma(W_i [h^(t-1), x^(t)])", lambda t: close(sg(Wn["i"] @ hx(t)), v(t, "i"))),
    11: ("A^(t) = tanh(W_a [h^(t-1), x^(t)]), the input value", lambda t: close(np.tanh(Wn["a"] @ hx(t)), v(t, "A"))),
    13: ("f^(t) = sigma(W_f [h^(t-1), x^(t)])", lambda t: close(sg(Wn["f"] @ hx(t)), v(t, "f"))),
    15: ("C^(t) = f^(t) . C^(t-1) + i^(t) . A^(t)",
         lambda t: close(v(t, "f") * prev_C(t) + v(t, "i") * v(t, "A"), v(t, "C"))),
    17: ("o^(t) = sigma(W_o [h^(t-1), x^(t)])", lambda t: close(sg(Wn["o"] @ hx(t)), v(t, "o"))),
    19: ("h^(t) = o^(t) . tanh(C^(t))", lambda t: close(v(t, "o") * np.tanh(v(t, "C")), v(t, "h"))),
}
for ln, (what, test) in fw.items():
    decide(ln, same and all(test(t) for t in js), what + " (the definition of the network the truth builds; with "
           "lines 9-19 the cell is torch's LSTMCell without biases)")
y3 = nv(torch.softmax(V3 @ nodes[T]["h"], 0))
decide(21, close(np.exp(nv(V) @ v(T, "h")) / np.exp(nv(V) @ v(T, "h")).sum(), y3),
       "y^(t) = softmax(V h^(t)) (the read-out; E^(3) is the cross-entropy of y^(3))")

# ---------------------------------------------------------------- lines 82-86: the sums over the step copies
names = {82: "f", 83: "i", 84: "a", 85: "o"}
for ln, k in names.items():
    decide(ln, close(nv(W[k].grad), sum(gcopy(j, k) for j in js)),
           f"dE^(3)/dW_{k} (the shared weight) = sum_(j=1)^3 dE^(3)/dW^(j)_{k}, the steps' own copies")
decide(86, close(nv(V.grad), nv(V3.grad)),
       "only V^(3) reaches E^(3) (the outputs of steps 1, 2 are ignored, lines 62-63), so dE^(3)/dV = dE^(3)/dV^(3); "
       "the unbound j read as 3")

# ---------------------------------------------------------------- lines 99-101: dE^(3)/dW^(j)_f


def C_of_Wf(j, Wf):
    Wd = dict(Wn_t(), f=Wf)
    return step(Wd, Tt(prev_h(j)), Tt(prev_C(j)), xs[j])["C"]


Wn_t = lambda: {k: Tt(Wn[k]) for k in "iafo"}
J_C_Wf = {j: nv(jac(lambda Wf: C_of_Wf(j, Wf), Tt(Wn["f"]))) for j in js}   # (H, H, H + D)
r99 = {j: np.einsum("a,abc->bc", delta(j), J_C_Wf[j]) for j in js}
decide(99, all(close(r99[j], gcopy(j, "f")) for j in js),
       "W^(j)_f reaches E^(3) only through f^(j) and so C^(j): dE/dW^(j)_f = dE/dC^(j) . dC^(j)/dW^(j)_f "
       "(the subscript f of C^(j)_f read as a stray)")
decide(100, all(close(r99[j], gcopy(j, "f")) for j in js), "the same chain with delta^(j) = dE^(3)/dC^(j)")
r101 = {j: (delta(j) * nv(dsig(nodes[j]["zf"])) * prev_C(j))[:, None] * hx(j)[None, :] for j in js}
decide(101, all(close(r101[j], gcopy(j, "f")) for j in js),
       "delta^(j) sigma'(W_f [h^(j-1), x^(j)]) [h^(j-1), x^(j)] C^(j-1) is the step-j gradient of W_f (one cell: a "
       "row of H + D entries)")

# ---------------------------------------------------------------- line 111: tau^(j)


def h_of_C(j, C):
    return Tt(v(j, "o")) * torch.tanh(C)


tau = {j: v(j, "o") * nv(dtanh(nodes[j]["C"])) for j in js}
decide(111, all(close(np.diag(tau[j]), nv(jac(lambda C: h_of_C(j, C), Tt(v(j, "C"))))) for j in js),
       "dh^(j)/dC^(j) = o^(j) tanh'(C^(j)) (o^(j) does not depend on C^(j): no peephole)")

# ---------------------------------------------------------------- lines 121-130: the recurrence for delta^(j)


def next_C_of_C(j, C):
    """C^(j+1) = f^(j+1) C^(j) + i^(j+1) A^(j+1) as a function of C^(j), through h^(j) = o^(j) tanh(C^(j))."""
    h = h_of_C(j, C)
    nd = step(Wn_t(), h, C, xs[j + 1])
    return nd["C"]


J_C_C = {j: nv(jac(lambda C: next_C_of_C(j, C), Tt(v(j, "C")))) for j in jr}
r122 = {j: delta(j + 1) @ J_C_C[j] for j in jr}
for j in jr:
    print(f"   (j = {j}: delta^(j) = {delta(j)}, delta^(j+1) dC^(j+1)/dC^(j) = {r122[j]}; the difference is the path "
          f"C^(j) -> h^(j) -> o^(j+1) -> h^(j+1) the chain leaves out)")


# the missing share, by autograd: E^(3) as a function of o^(j+1)'s view of h^(j) only
def E_through_o(j, h_tap):
    """E^(3) with h^(j) perturbed only where the output gate o^(j+1) reads it."""
    hp, Cp = Tt(v(j, "h")), Tt(v(j, "C"))
    for t in range(j + 1, T + 1):
        Wd = Wn_t()
        hx_o = torch.cat([hp + (h_tap if t == j + 1 else 0), xs[t]])
        nd = step(Wd, hp, Cp, xs[t])
        o = sig(Wd["o"] @ hx_o)
        h = o * torch.tanh(nd["C"])
        hp, Cp = h, nd["C"]
    return -torch.log_softmax(Tt(nv(V)) @ hp, 0)[label]


miss = {j: nv(jac(lambda tap: E_through_o(j, tap), torch.zeros(H))) * tau[j] for j in jr}
print(f"   (delta^(j) = delta^(j+1) dC^(j+1)/dC^(j) + the share through o^(j+1): "
      f"{all(close(r122[j] + miss[j], delta(j)) for j in jr)})")
decide(122, all(close(r122[j], delta(j)) for j in jr),
       "E^(3) depends on C^(j) also through h^(j) -> o^(j+1) -> h^(j+1), a path that does not pass C^(j+1); "
       "dE/dC^(j+1) dC^(j+1)/dC^(j) leaves it out")
r123 = r122  # the bracket [f^(j+1) C^(j) + i^(j+1) A^(j+1)] is C^(j+1) itself, differentiated through h^(j)
decide(123, all(close(r123[j], delta(j)) for j in jr),
       "restates line 122 (the bracket is C^(j+1)): right as its expansion, wrong as delta^(j)")


def jac_gate_h(j, key):
    """d(gate of step j+1)/dh^(j), x^(j+1) held."""
    return nv(jac(lambda h: step(Wn_t(), h, Tt(v(j, "C")), xs[j + 1])[key], Tt(v(j, "h"))))


Jf = {j: jac_gate_h(j, "f") for j in jr}
Ji = {j: jac_gate_h(j, "i") for j in jr}
JA = {j: jac_gate_h(j, "A") for j in jr}
# one cell: every factor a 1 x 1 array; the products in the printed order
r126 = {j: delta(j + 1) * (v(j + 1, "f") + Jf[j] @ np.diag(tau[j]) * v(j, "C") + Ji[j] @ np.diag(tau[j]) *
                           v(j + 1, "A") + v(j + 1, "i") * JA[j] @ np.diag(tau[j])) for j in jr}
print(f"   (line 126 equals the line-122 value: {all(close(r126[j].ravel(), r122[j]) for j in jr)})")
decide(126, all(close(r126[j].ravel(), delta(j)) for j in jr),
       "the expansion of dC^(j+1)/dC^(j) is right (f plus the paths through h^(j) into f, i and A of step j+1), so "
       "the line equals line 122's value, not delta^(j)")
r130 = {j: delta(j + 1) * v(j + 1, "f") + delta(j + 1) * tau[j] * (Jf[j] * v(j, "C") + Ji[j] * v(j + 1, "A") +
                                                                    v(j + 1, "i") * JA[j]) for j in jr}
print(f"   (line 130 equals the line-122 value: {all(close(r130[j].ravel(), r122[j]) for j in jr)})")
decide(130, all(close(r130[j].ravel(), delta(j)) for j in jr),
       "tau^(j) factored out of line 126 (one cell): the same value as line 122, not delta^(j)")

# ---------------------------------------------------------------- line 139: df^(j+1)/dh^(j)
r139 = {j: nv(dsig(Tt(Wn["i"] @ np.r_[v(j, "h"), nv(xs[j + 1])])))[:, None] * Wn["i"][:, :H] for j in jr}
right = {j: nv(dsig(nodes[j + 1]["zf"]))[:, None] * Wn["f"][:, :H] for j in jr}
print(f"   (line 139: the printed right side is di^(j+1)/dh^(j): {all(close(r139[j], Ji[j]) for j in jr)}; "
      f"sigma'(W_f [h^(j), x^(j+1)]) W_(f,h) is df^(j+1)/dh^(j): {all(close(right[j], Jf[j]) for j in jr)})")
decide(139, all(close(r139[j], Jf[j]) for j in jr),
       "f^(j+1) = sigma(W_f [h^(j), x^(j+1)]), so df^(j+1)/dh^(j) = sigma'(W_f [.]) W_(f,h); the line has the input "
       "gate's W_i and W_(i,h), which give di^(j+1)/dh^(j)")
finish()
