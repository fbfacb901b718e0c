"""Independent truth for tests/posts/sequence_blind_rnn4/mmuratarat_bptt_rnn (NumPy and torch, no derive).

The post's RNN in its single-instance (column) form: h_t = phi_h(W_xh^T X_t + W_hh^T h_{t-1} + b_h) with
phi_h = tanh, y^_t = phi_o(W_yh^T h_t + b_y) with phi_o the softmax, W_xh of shape (n_inputs, H), W_hh (H, H), W_yh
(H, n_out); its mini-batch form is the same network with rows (h_t^T = tanh(X_t^T W_xh + h_{t-1}^T W_hh + b_h^T)),
o_t = h_t W_yh + b_y. L = sum_t L_t, L_t = -y_t . log y^_t against one-hot targets, steps t = 1..T from a given h_0
(random, not a function of the weights). n_inputs = 2, H = 3, n_out = 4, T = 4 (a second network with n_out = H, the
size the post's list gives W_yh, for the lines whose slip shows in value when the shapes agree). References from torch
autograd in float64: the gradient of every L_t and of L with respect to W_yh, b_y, W_hh, W_xh; the Jacobians the post
multiplies (dL_t/dy^_t, dy^_t/do_t, do_t/dW_yh, dy^_t/dh_t, dh_{t+1}/dh_k through every path, the one-step
dh_{j+1}/dh_j, and the immediate dh_k/dW with h_{k-1} held fixed), from torch.autograd.functional.jacobian. Each
printed right side is evaluated with these and compared with the left side; chain products are contracted over the
shared indices in the order printed; a product over j is read in the chain's order (the post's next line writes it
out); Sigma_t^T is read as t = 1..T, as the post's own loss uses it (its row 2 equals row 1 with t = 1..T)."""
import numpy as np
import torch
from torch.autograd.functional import jacobian
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

Tt = lambda a: torch.tensor(a, dtype=torch.float64)
close = lambda a, b: np.shape(a) == np.shape(b) and np.allclose(a, b, atol=1e-12)


def build(n_out, seed):
    rng = np.random.default_rng(seed)
    n_in, H, T = 2, 3, 4
    P = dict(Wxh=Tt(rng.normal(0, 0.8, (n_in, H))), Whh=Tt(rng.normal(0, 0.8, (H, H))), bh=Tt(rng.normal(0, 0.3, (H, 1))),
             Wyh=Tt(rng.normal(0, 0.8, (H, n_out))), by=Tt(rng.normal(0, 0.3, (n_out, 1))))
    X = {t: Tt(rng.normal(size=(n_in, 1))) for t in range(1, T + 1)}
    Y = {t: Tt(np.eye(n_out)[[rng.integers(n_out)]].T) for t in range(1, T + 1)}
    h0 = Tt(rng.normal(0, 0.5, (H, 1)))
    step = lambda hp, t, Wxh, Whh: torch.tanh(Wxh.T @ X[t] + Whh.T @ hp + P["bh"])
    out = lambda h, Wyh, by: torch.softmax(Wyh.T @ h + by, dim=0)
    Lt = lambda yh, t: -(Y[t] * torch.log(yh)).sum()

    def forward(Wxh, Whh, Wyh, by):
        h, hs, ys = h0, {0: h0}, {}
        for t in range(1, T + 1):
            h = step(h, t, Wxh, Whh)
            hs[t], ys[t] = h, out(h, Wyh, by)
        return hs, ys
    return dict(P=P, X=X, Y=Y, h0=h0, T=T, H=H, n_in=n_in, n_out=n_out, step=step, out=out, Lt=Lt, forward=forward)


N = build(4, 17)
P, X, Y, T, H = N["P"], N["X"], N["Y"], N["T"], N["H"]
leaves = {k: v.clone().requires_grad_() for k, v in P.items()}
hs, ys = N["forward"](leaves["Wxh"], leaves["Whh"], leaves["Wyh"], leaves["by"])
Ls = {t: N["Lt"](ys[t], t) for t in range(1, T + 1)}
L = sum(Ls.values())
grad = lambda f, k: torch.autograd.grad(f, leaves[k], retain_graph=True)[0].numpy()
gL = {k: grad(L, k) for k in ("Wyh", "by", "Whh", "Wxh")}
gLt = {(t, k): grad(Ls[t], k) for t in Ls for k in ("Wyh", "by", "Whh", "Wxh")}
h = {t: v.detach() for t, v in hs.items()}
yh = {t: v.detach() for t, v in ys.items()}
n = lambda v: v.detach().numpy()

# the forward lines
zc = {t: P["Wxh"].T @ X[t] + P["Whh"].T @ h[t - 1] + P["bh"] for t in range(1, T + 1)}
decide(3, all(close(n(torch.tanh(zc[t])), n(h[t])) for t in zc), "h_t = phi_h(W_xh^T X_t + W_hh^T h_{t-1} + b_h) (definition)")
decide(4, True, "y^_t = phi_o(W_yh^T h_t + b_y) (definition)")
decide(10, all(close(n(torch.tanh(X[t].T @ P["Wxh"] + h[t - 1].T @ P["Whh"] + P["bh"].T)), n(h[t]).T) for t in zc),
       "the mini-batch (row) form is the same network: tanh(X_t W_xh + h_{t-1} W_hh + b_h) = h_t^T")
Wst = torch.cat([P["Wxh"], P["Whh"]], dim=0)
decide(11, all(close(n(torch.tanh(torch.cat([X[t].T, h[t - 1].T], dim=1) @ Wst + P["bh"].T)), n(h[t]).T) for t in zc),
       "[X_t h_{t-1}] . W with W = [W_xh; W_hh] stacked (the stacking this line needs)")
decide(12, all(close(n(h[t].T @ P["Wyh"] + P["by"].T), n(P["Wyh"].T @ h[t] + P["by"]).T) for t in zc),
       "o_t = h_t W_yh + b_y, the pre-activation of line 4 as a row")
decide(13, all(close(n(torch.softmax(h[t].T @ P["Wyh"] + P["by"].T, dim=1)), n(yh[t]).T) for t in zc), "y^_t = softmax(o_t)")
stackable = P["Wxh"].shape[1] == P["Wyh"].shape[1]        # vertical stacking needs equal widths
Sq = build(3, 18)                                    # n_out = H: W_yh is n_neurons x n_neurons, as the post's list has it
hsq, _ = Sq["forward"](Sq["P"]["Wxh"], Sq["P"]["Whh"], Sq["P"]["Wyh"], Sq["P"]["by"])
Wbad_sq = torch.cat([Sq["P"]["Wxh"], Sq["P"]["Wyh"]], dim=0)
sq_ok = all(close(n(torch.tanh(torch.cat([Sq["X"][t].T, hsq[t - 1].T], dim=1) @ Wbad_sq + Sq["P"]["bh"].T)), n(hsq[t]).T)
            for t in range(1, Sq["T"] + 1))
decide(17, stackable and sq_ok,
       f"W_xh {tuple(P['Wxh'].shape)} and W_yh {tuple(P['Wyh'].shape)} do not even stack vertically for n_out != H; even with W_yh square (the "
       f"post's list) [X_t h_{{t-1}}] W then gives the hidden state: {sq_ok}; the stacking that makes line 11 hold is "
       f"[W_xh; W_hh]")

decide(21, close(float(L.detach()), float(sum(Ls[t].detach() for t in Ls))), "L = sum_{t=1}^T L_t (definition)")
decide(22, close(float(L.detach()), float(-sum((Y[t] * torch.log(yh[t])).sum() for t in Ls))), "- sum_t y_t . log y^_t")
decide(23, close(float(L.detach()), float(-sum((Y[t] * torch.log(torch.softmax(P["Wyh"].T @ h[t] + P["by"], 0))).sum() for t in Ls))),
       "- sum_t y_t . log softmax(o_t)")

# the output layer
decide(29, close(sum(gLt[(t, "Wyh")] for t in Ls), gL["Wyh"]), "dL/dW_yh = sum_t dL_t/dW_yh")
def chain_out(t, which):
    """dL_t/dy^_t . dy^_t/do_t . do_t/d(which), contracted over y^ and o."""
    g = -(Y[t] / yh[t]).reshape(-1)                                   # dL_t/dy^_t
    Js = jacobian(lambda o: torch.softmax(o, 0), (P["Wyh"].T @ h[t] + P["by"]).reshape(-1))
    if which == "Wyh":
        Jo = jacobian(lambda W: (W.T @ h[t] + P["by"]).reshape(-1), P["Wyh"])   # (n_out, H, n_out)
    else:
        Jo = jacobian(lambda b: (P["Wyh"].T @ h[t] + b).reshape(-1), P["by"])   # (n_out, n_out, 1)
    return np.einsum("a,ab,b...->...", g.numpy(), Js.numpy(), Jo.numpy())
decide(30, close(sum(chain_out(t, "Wyh") for t in Ls), gL["Wyh"]), "sum_t dL_t/dy^_t dy^_t/do_t do_t/dW_yh")
printed = sum(n((yh[t] - Y[t]) @ h[t].T) for t in Ls)                 # (y^_t - y_t) (x) h_t = (y^ - y) h^T
Gs = {k: v.clone().requires_grad_() for k, v in Sq["P"].items()}
_, ysq = Sq["forward"](Gs["Wxh"], Gs["Whh"], Gs["Wyh"], Gs["by"])
Lsq = sum(Sq["Lt"](ysq[t], t) for t in ysq)
gsq = torch.autograd.grad(Lsq, Gs["Wyh"])[0].numpy()
hsq2, ysq2 = Sq["forward"](*(Sq["P"][k] for k in ("Wxh", "Whh", "Wyh", "by")))
printed_sq = sum(n((ysq2[t] - Sq["Y"][t]) @ hsq2[t].T) for t in ysq2)
decide(31, close(printed, gL["Wyh"]) and close(printed_sq, gsq),
       f"(y^_t - y_t) (x) h_t has shape {printed.shape}, W_yh {gL['Wyh'].shape}: it is the transpose of the gradient "
       f"h_t (y^_t - y_t)^T ({close(printed.T, gL['Wyh'])}); with W_yh square (the post's list) it is wrong in value "
       f"too: {not close(printed_sq, gsq)}")
decide(37, close(sum(chain_out(t, "by") for t in Ls).reshape(-1, 1), gL["by"]), "sum_t dL_t/dy^_t dy^_t/do_t do_t/db_y")
decide(38, close(sum(n(yh[t] - Y[t]) for t in Ls), gL["by"]), "sum_t (y^_t - y_t)")

# backpropagation through time
def dh_dh(a, k):
    """dh_a/dh_k through every path (k <= a), the earlier steps' inputs held."""
    def f(hk):
        hh = hk
        for j in range(k + 1, a + 1):
            hh = N["step"](hh, j, P["Wxh"], P["Whh"])
        return hh.reshape(-1)
    return jacobian(f, h[k]).numpy().reshape(H, H)
one = {j: dh_dh(j + 1, j) for j in range(0, T)}                      # dh_{j+1}/dh_j
imm = {(k, w): jacobian(lambda W: N["step"](h[k - 1], k, *((W, P["Whh"]) if w == "Wxh" else (P["Wxh"], W))).reshape(-1),
                        P[w]).numpy() for k in range(1, T + 1) for w in ("Wxh", "Whh")}   # immediate dh_k/dW, (H,) + W.shape
def dy_dh(t):
    Js = jacobian(lambda o: torch.softmax(o, 0), (P["Wyh"].T @ h[t] + P["by"]).reshape(-1)).numpy()
    return Js @ P["Wyh"].T.numpy()
gy = {t: -(Y[t] / yh[t]).numpy().reshape(-1) for t in Ls}
def bptt(s, w, prod=False):
    """sum_{k=1}^{s} dL_s/dy^_s dy^_s/dh_s dh_s/dh_k dh_k/dW (s = t + 1)."""
    tot = 0
    for k in range(1, s + 1):
        J = np.eye(H)
        if prod:
            for j in range(s - 1, k - 1, -1):                            # dh_s/dh_{s-1} ... dh_{k+1}/dh_k
                J = J @ one[j]
        else:
            J = dh_dh(s, k)
        tot = tot + np.einsum("a,ab,bc,c...->...", gy[s], dy_dh(s), J, imm[(k, w)])
    return tot
decide(43, all(close(bptt(s, "Whh"), gLt[(s, "Whh")]) for s in range(1, T + 1)),
       "dL_{t+1}/dW_hh = sum_{k=1}^{t+1} ... dh_{t+1}/dh_k dh_k/dW_hh (dh_k/dW_hh the immediate part), every t + 1 = 1..T")
decide(47, all(close(bptt(s, "Whh", prod=True), gLt[(s, "Whh")]) for s in range(1, T + 1)),
       "the same with dh_{t+1}/dh_k as the product of one-step Jacobians, in the chain's order")
decide(51, all(close(np.linalg.multi_dot([np.eye(H)] + [one[j] for j in range(a - 1, k - 1, -1)] + [np.eye(H)]), dh_dh(a, k))
               for a in range(1, T + 1) for k in range(0, a)),
       "prod_{j=k}^{t} dh_{j+1}/dh_j = dh_{t+1}/dh_k = dh_{t+1}/dh_t ... dh_{k+1}/dh_k")
for line, w in ((55, "Whh"), (63, "Wxh")):
    lit = sum(bptt(t + 1, w) for t in range(1, T))                   # t = 1..T: L_2..L_T (L_{T+1} does not exist)
    shifted = sum(bptt(t + 1, w) for t in range(0, T))               # t = 0..T-1: L_1..L_T
    decide(line, close(lit, gL[w]),
           f"with Sigma_t^T over t = 1..T (the post's own reading in line 22) the outer sum runs over L_2..L_(T+1): "
           f"L_(T+1) does not exist and L_1 is missing (the existing terms: {close(lit, gL[w])}); with t = 0..T-1 it would "
           f"hold: {close(shifted, gL[w])}")
decide(59, all(close(bptt(s, "Wxh"), gLt[(s, "Wxh")]) for s in range(1, T + 1)),
       "dL_{t+1}/dW_xh = sum_{k=1}^{t+1} ... dh_{t+1}/dh_k dh_k/dW_xh")
dphi = {j: np.diag(1 - n(h[j + 1]).reshape(-1) ** 2) for j in range(0, T)}   # diag(phi_h'(W_xh^T X_{j+1} + W_hh^T h_j + b_h))
Whh = P["Whh"].numpy()
decide(67, all(close(dphi[j] @ Whh, one[j]) for j in range(T)),
       f"the Jacobian of h_(j+1) = tanh(W_hh^T h_j + ...) is diag(phi_h') W_hh^T, not diag(phi_h') W_hh "
       f"(with W_hh^T: {all(close(dphi[j] @ Whh.T, one[j]) for j in range(T))})")
prod_printed = lambda a, k: np.linalg.multi_dot([np.eye(H)] + [dphi[j] @ Whh for j in range(a - 1, k - 1, -1)] + [np.eye(H)])
decide(71, all(close(prod_printed(a, k), dh_dh(a, k)) for a in range(1, T + 1) for k in range(0, a)),
       "the product repeats line 67's diag(phi_h') W_hh for each factor (carried); each factor needs W_hh^T")
nrm = lambda M: np.linalg.norm(M, 2)
decide(75, all(nrm(one[j]) <= nrm(Whh) * nrm(dphi[j]) + 1e-12 for j in range(T)),
       "||dh_{j+1}/dh_j|| <= ||W_hh|| ||diag(phi_h')|| (spectral norms, submultiplicative; ||W_hh^T|| = ||W_hh||)")
finish()
