"""Independent truth for tests/posts/sequence_blind_rnn5/fmorenovr_lstm_bptt_page (NumPy and torch, no derive).

The page's LSTM, column vectors (its abbreviations): u = W_f a^{t-1} + U_f x^t + b_f, f = g1(u); v = W_i a^{t-1} +
U_i x^t + b_i, i = g2(v); r = W_c a^{t-1} + U_c x^t + b_c, g = g3(r); c^t = f (.) c^{t-1} + i (.) g; s = W_o a^{t-1} +
U_o x^t + b_o, o = g4(s); p = g5(c^t), a^t = o (.) p; q = V a^t + b_y, y^ = g6(q), with the page's usual choices
g1 = g2 = g4 = sigmoid, g3 = g5 = tanh, g6 = softmax, and E^(t) = -y^t . log(y^t) (the page's softmax loss without
the 1/N), L = sum_t E^(t). n = 2 inputs, h = 3 hidden units, m = 4 classes, T = 3, random a^0, c^0 (constants).
References from torch autograd in float64: the gradient of E^(t) at a^t, the Jacobians the page names
(torch.autograd.functional.jacobian, with the other operands held fixed), the gradient of E^(t) with respect to step
t's own copy of each weight (a^{t-1}, c^{t-1} held fixed: the single chain through step t) and the total derivative
dE^(t)/dW of E^(t) with respect to the shared weight (every step's copy). The page's '.' is read as the product the
shapes call for: (y^ - y) . V as the row (y^ - y)^T V, the elementwise factors (o, dp/dc, c^{t-1}, df/du, ...) as
Hadamard products with that row's transpose, and the final '. (a^{t-1})^T' as the outer product, the layout of a
weight gradient (an h x h matrix like W_f)."""
import numpy as np
import torch
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(97)
n, h, m, T = 2, 3, 4, 3
Tt = lambda a: torch.tensor(a, dtype=torch.float64)
P = {k: Tt(rng.normal(0, 0.8, s)).requires_grad_() for k, s in dict(
    Wf=(h, h), Uf=(h, n), bf=(h, 1), Wi=(h, h), Ui=(h, n), bi=(h, 1), Wc=(h, h), Uc=(h, n), bc=(h, 1),
    Wo=(h, h), Uo=(h, n), bo=(h, 1), V=(m, h), by=(m, 1)).items()}
X = [Tt(rng.normal(0, 1.0, (n, 1))) for _ in range(T)]
Y = [Tt(np.eye(m)[[k]].T) for k in rng.integers(0, m, T)]
a0, c0 = Tt(rng.normal(0, 0.5, (h, 1))), Tt(rng.normal(0, 0.5, (h, 1)))

keep, copies, E = [], [], []
a_prev, c_prev = a0, c0
for t in range(T):
    W = {k: p.clone() for k, p in P.items()}              # step t's own copy of every weight
    copies.append(W)
    u = W["Wf"] @ a_prev + W["Uf"] @ X[t] + W["bf"]; f = torch.sigmoid(u)
    v = W["Wi"] @ a_prev + W["Ui"] @ X[t] + W["bi"]; i = torch.sigmoid(v)
    r = W["Wc"] @ a_prev + W["Uc"] @ X[t] + W["bc"]; gg = torch.tanh(r)
    c = f * c_prev + i * gg
    s = W["Wo"] @ a_prev + W["Uo"] @ X[t] + W["bo"]; o = torch.sigmoid(s)
    p = torch.tanh(c); a = o * p
    q = W["V"] @ a + W["by"]
    E.append(-(Y[t] * torch.log_softmax(q, 0)).sum())
    keep.append(dict(a_prev=a_prev, c_prev=c_prev, u=u, f=f, v=v, i=i, r=r, g=gg, c=c, s=s, o=o, p=p, a=a, q=q))
    a_prev, c_prev = a, c
nv = lambda x: x.detach().numpy()
val = [{k: nv(x) for k, x in d.items()} for d in keep]
close = lambda x, y: np.shape(x) == np.shape(y) and np.allclose(x, y, atol=1e-12)
allT = lambda fn: all(fn(t) for t in range(T))
jac = lambda fn, x: torch.autograd.functional.jacobian(fn, Tt(x)).numpy().reshape(h, h)
Vn = nv(P["V"])

yh = [np.exp(val[t]["q"]) / np.exp(val[t]["q"]).sum() for t in range(T)]
dEda = [torch.autograd.grad(E[t], keep[t]["a"], retain_graph=True)[0].numpy() for t in range(T)]
decide(6, allT(lambda t: close((yh[t] - nv(Y[t])).T @ Vn, dEda[t].T)),
       "dE^(t)/da^t = (y^ - y)^T V (a row; E^(t) reaches a^t only through q^t)")
diag_is = lambda J, w: close(J, np.diag(w.ravel()))
decide(14, allT(lambda t: diag_is(jac(lambda pp: Tt(val[t]["o"]) * pp, val[t]["p"]), val[t]["o"])),
       "da/dp = diag(o), written as the vector o")
decide(20, allT(lambda t: diag_is(jac(lambda oo: oo * Tt(val[t]["p"]), val[t]["o"]), val[t]["p"])),
       "da/do = diag(p), written as the vector p")
cf = lambda t, which: jac(lambda x: (x if which == "f" else Tt(val[t]["f"])) * Tt(val[t]["c_prev"])
                          + (x if which == "i" else Tt(val[t]["i"])) * (x if which == "g" else Tt(val[t]["g"])),
                          val[t][which])
decide(28, allT(lambda t: diag_is(cf(t, "f"), val[t]["c_prev"])), "dc/df = diag(c^{t-1})")
decide(34, allT(lambda t: diag_is(cf(t, "i"), val[t]["g"])), "dc/di = diag(g)")
decide(40, allT(lambda t: diag_is(cf(t, "g"), val[t]["i"])), "dc/dg = diag(i)")


def wjac(t, out, wname):
    """d out^t / d W (immediate: a^{t-1} and x^t held fixed), as an (h, h, h) tensor J[k, k', l]."""
    A, x = Tt(val[t]["a_prev"]), X[t]
    U, b = {"Wf": ("Uf", "bf"), "Wi": ("Ui", "bi"), "Wc": ("Uc", "bc"), "Wo": ("Uo", "bo")}[wname]
    def fn(Wm):
        pre = Wm @ A + P[U].detach() @ x + P[b].detach()
        return (torch.sigmoid(pre) if out == "gate" else pre).reshape(h)
    return torch.autograd.functional.jacobian(fn, P[wname].detach())


def shorthand(J, t):
    """J[k, k', l] = delta_{kk'} a^{t-1}_l: 'd(pre-activation)/dW = (a^{t-1})^T' in the row-by-row shorthand."""
    want = np.zeros((h, h, h))
    for k in range(h):
        want[k, k, :] = val[t]["a_prev"].ravel()
    return close(J.numpy(), want)


parts = {"du/dW_f": lambda t: shorthand(wjac(t, "pre", "Wf"), t), "di/dW_i": lambda t: shorthand(wjac(t, "gate", "Wi"), t),
         "dr/dW_c": lambda t: shorthand(wjac(t, "pre", "Wc"), t), "ds/dW_o": lambda t: shorthand(wjac(t, "pre", "Wo"), t)}
print("   (line 48, each member equal to (a^{t-1})^T in the shorthand J[k,k,:] = a^{t-1}: "
      + ", ".join(f"{k}: {allT(fn)}" for k, fn in parts.items()) + ")")
decide(48, all(allT(fn) for fn in parts.values()),
       "du/dW_f, dr/dW_c, ds/dW_o are (a^{t-1})^T (row by row), but di/dW_i, the gate OUTPUT i = sigma(v), carries "
       "sigma'(v) as well; dv/dW_i is meant")

sg = lambda x: x * (1 - x)
dpdc = [1 - val[t]["p"] ** 2 for t in range(T)]
delta = {"Wf": lambda t: dEda[t] * val[t]["o"] * dpdc[t] * val[t]["c_prev"] * sg(val[t]["f"]),
         "Wi": lambda t: dEda[t] * val[t]["o"] * dpdc[t] * val[t]["g"] * sg(val[t]["i"]),
         "Wc": lambda t: dEda[t] * val[t]["o"] * dpdc[t] * val[t]["i"] * (1 - val[t]["g"] ** 2),
         "Wo": lambda t: dEda[t] * val[t]["p"] * sg(val[t]["o"])}
printed = {k: (lambda t, k=k: delta[k](t) @ val[t]["a_prev"].T) for k in delta}
own = {k: [torch.autograd.grad(E[t], copies[t][k], retain_graph=True)[0].numpy() for t in range(T)] for k in delta}
total = {k: [torch.autograd.grad(E[t], P[k], retain_graph=True)[0].numpy() for t in range(T)] for k in delta}
for line, k in ((58, "Wf"), (66, "Wi"), (74, "Wc"), (82, "Wo")):
    holds = [t + 1 for t in range(T) if close(printed[k](t), total[k][t])]
    print(f"   (line {line}: the printed chain equals the gradient of E^(t) w.r.t. step t's own copy of {k} at every t: "
          f"{allT(lambda t: close(printed[k](t), own[k][t]))}; equals the total dE^(t)/d{k} at t = {holds} only)")
    decide(line, allT(lambda t: close(printed[k](t), total[k][t])),
           f"dE^(t)/d{k}, the total derivative (as the page's RNN part defines it, a sum over every step k <= t), is "
           f"not the single chain through step t: the paths through a^(t-1) (and c^(t-1)) are dropped; right only at t = 1")
finish()
