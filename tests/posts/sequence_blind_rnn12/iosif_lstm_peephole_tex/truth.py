"""Truth for 'LSTM: From theory to practice' (Iosif, Macri, Berariu; algorithm-learning-machines/lstm-explained,
lstm_explained.tex at commit 0b49aeb), section 2: the forward and backward phase of an LSTM block with scalar gates
and peepholes, decided without derive.

The post's own network, built in torch float64 from its forward equations (lines 6-33): D cells, N inputs, the scalar
gates a_iota = w_iota^T [x; z_h^(t-1); s^(t-1); 1], a_phi likewise, a_omega = w_omega^T [x; z_h^(t-1); s^(t); 1]
(the output gate looks at the new cell state), the input value a_c = W_c^T [x; z_h^(t-1); 1], s^(t) = g_phi s^(t-1) +
g_iota z_c, z_h^(t) = f_h(g_omega s^(t)). The post leaves f_* open ('e.g. logistic'): here f_iota, f_phi, f_omega are
the logistic sigmoid and f_c, f_h tanh. It leaves E open too: here a dense softmax read-out of z_h^(t) with the
cross-entropy at every step, summed; T = 3 steps of N = 2 inputs, D = 3 cells, K = 4 classes, random s^(0), z_h^(0).
The w's blocks: w_{*,x} = w_*[:N], w_{*,z} = w_*[N:N+D], w_{*,s} = w_*[N+D:N+2D]; W_c's rows likewise (w_{c,x} =
W_c[:N], w_{c,z} = W_c[N:N+D]).

References from autograd: the total gradient of E at every z_h^(t) (delta_h), s^(t) (delta_s), z_c^(t) (delta_c),
gate (delta_g*) and input x^(t); a weight's share at step t as the gradient of step t's own copy (delta_omega^(t)
etc.); the share s^(t-1) receives through step t (delta_s^(t)->(t-1)) and the share s^(t) receives through its own
step's output part, a_omega^(t) and z_h^(t) (delta_s^(t)->(t)), each from a zero 'tap' added where the value enters;
likewise the share z_h^(t-1) receives through step t. Jacobians inside one step (z_h^(t) by x^(t), by z_h^(t-1), by
each gate) from torch.autograd.functional.jacobian. Vector products are read as the post's Jacobian chain: delta_h,
delta_s rows, a scalar gate's gradient the inner product (delta_h f_h'(.) s = sum of the entries of delta_h o f_h' o s).
"""
import numpy as np
import torch
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish, unchecked  # noqa: E402,F401

torch.set_default_dtype(torch.float64)
torch.manual_seed(0)
rng = np.random.default_rng(1207)
Tt = lambda a: torch.tensor(a, dtype=torch.float64)
nv = lambda x: x.detach().numpy().copy()
close = lambda a, b: np.shape(a) == np.shape(b) and np.allclose(a, b, atol=1e-12)
jac = torch.autograd.functional.jacobian
sig = torch.sigmoid
dsig = lambda a: sig(a) * (1 - sig(a))
dtanh = lambda a: 1 - torch.tanh(a) ** 2

N, D, T, K = 2, 3, 3, 4
P = N + 2 * D + 1
w_i = Tt(rng.normal(0, 0.8, P)).requires_grad_()
w_f = Tt(rng.normal(0, 0.8, P)).requires_grad_()
w_o = Tt(rng.normal(0, 0.8, P)).requires_grad_()
W_c = Tt(rng.normal(0, 0.8, (N + D + 1, D))).requires_grad_()
V = Tt(rng.normal(0, 1.0, (K, D)))
xs = [None] + [Tt(rng.normal(0, 1.2, N)).requires_grad_() for _ in range(T)]
labels = [None] + list(rng.integers(0, K, T))
s0 = Tt(rng.normal(0, 0.7, D))
z0 = Tt(rng.normal(0, 0.7, D))
one = torch.ones(1)


def step(x, zp, sp, wi, wf, wo, Wc, tap_so=None):
    """One step of the post's block; returns a dict of every node."""
    a_i = wi @ torch.cat([x, zp, sp, one])
    g_i = sig(a_i)
    a_c = Wc.T @ torch.cat([x, zp, one])
    z_c = torch.tanh(a_c)
    a_f = wf @ torch.cat([x, zp, sp, one])
    g_f = sig(a_f)
    s = g_f * sp + g_i * z_c
    s_o = s if tap_so is None else s + tap_so  # s^(t) as step t's output part sees it
    a_o = wo @ torch.cat([x, zp, s_o, one])
    g_o = sig(a_o)
    z_h = torch.tanh(g_o * s_o)
    return dict(a_i=a_i, g_i=g_i, a_c=a_c, z_c=z_c, a_f=a_f, g_f=g_f, s=s, a_o=a_o, g_o=g_o, z_h=z_h)


# ---------------------------------------------------------------- forward with taps and per-step copies
nodes, copies, taps = [None], [None], [None]
zp, sp = z0, s0
E = 0
for t in range(1, T + 1):
    cp = dict(wi=w_i.clone(), wf=w_f.clone(), wo=w_o.clone(), Wc=W_c.clone())
    for c in cp.values():
        c.retain_grad()
    tp = dict(z=torch.zeros(D, requires_grad=True), s=torch.zeros(D, requires_grad=True),
              so=torch.zeros(D, requires_grad=True))
    nd = step(xs[t], zp + tp["z"], sp + tp["s"], cp["wi"], cp["wf"], cp["wo"], cp["Wc"], tp["so"])
    for k in ("g_i", "z_c", "g_f", "s", "g_o", "z_h"):
        nd[k].retain_grad()
    E = E - torch.log_softmax(V @ nd["z_h"], 0)[labels[t]]
    nodes.append(nd)
    copies.append(cp)
    taps.append(tp)
    zp, sp = nd["z_h"], nd["s"]
E.backward()
g = lambda t, k: nv(nodes[t][k].grad)
v = lambda t, k: nv(nodes[t][k])
prev_z = lambda t: nv(z0) if t == 1 else v(t - 1, "z_h")
prev_s = lambda t: nv(s0) if t == 1 else v(t - 1, "s")
wi, wf, wo, Wc = nv(w_i), nv(w_f), nv(w_o), nv(W_c)
Sx, Sz, Ss = slice(0, N), slice(N, N + D), slice(N + D, N + 2 * D)
fp = lambda t, k: float(nv(dsig(nodes[t]["a_" + k]))) if k in "ifo" else None  # f'_(iota, phi, omega)(a)
fc_p = lambda t: nv(dtanh(nodes[t]["a_c"]))
fh_p = lambda t: nv(dtanh(nodes[t]["g_o"] * nodes[t]["s"]))
fo_p_at_gs = lambda t: nv(dsig(nodes[t]["g_o"] * nodes[t]["s"]))  # f_omega' at g_omega s, as lines 71 and 89 write
dh = lambda t: g(t, "z_h")
ds = lambda t: g(t, "s")
dgi = lambda t: float(g(t, "g_i"))
dgf = lambda t: float(g(t, "g_f"))
dgo = lambda t: float(g(t, "g_o"))
dc = lambda t: g(t, "z_c")
share_s_own = lambda t: nv(taps[t]["so"].grad)              # delta_s^(t)->(t): through a_omega^(t) and z_h^(t)
share_s_next = lambda t: nv(taps[t + 1]["s"].grad) if t < T else np.zeros(D)  # delta_s^(t+1)->(t)
share_s_into = lambda t: nv(taps[t]["s"].grad)              # what s^(t-1) receives through step t
share_z_into = lambda t: nv(taps[t]["z"].grad)              # what z_h^(t-1) receives through step t
ts = range(1, T + 1)
print(f"   (E = {E.item():.6f}; delta_s^(t) = delta_s^(t)->(t) + delta_s^(t+1)->(t) by the taps: "
      f"{all(close(share_s_own(t) + share_s_next(t), ds(t)) for t in ts)})")

# ---------------------------------------------------------------- the forward phase, lines 6-33, re-evaluated
sg = lambda a: 1 / (1 + np.exp(-a))
fw = {6: [], 7: [], 11: [], 12: [], 18: [], 19: [], 25: [], 31: [], 32: [], 33: []}
for t in ts:
    xi, zq, sq = nv(xs[t]), prev_z(t), prev_s(t)
    fw[6].append(np.isclose(wi @ np.r_[xi, zq, sq, 1], v(t, "a_i")))
    fw[7].append(np.isclose(sg(v(t, "a_i")), v(t, "g_i")))
    fw[11].append(close(Wc.T @ np.r_[xi, zq, 1], v(t, "a_c")))
    fw[12].append(close(np.tanh(v(t, "a_c")), v(t, "z_c")))
    fw[18].append(np.isclose(wf @ np.r_[xi, zq, sq, 1], v(t, "a_f")))
    fw[19].append(np.isclose(sg(v(t, "a_f")), v(t, "g_f")))
    fw[25].append(close(v(t, "g_f") * sq + v(t, "g_i") * v(t, "z_c"), v(t, "s")))
    fw[31].append(np.isclose(wo @ np.r_[xi, zq, v(t, "s"), 1], v(t, "a_o")))
    fw[32].append(np.isclose(sg(v(t, "a_o")), v(t, "g_o")))
    fw[33].append(close(np.tanh(v(t, "g_o") * v(t, "s")), v(t, "z_h")))
what = {6: "a_iota = w_iota^T [x; z_h^(t-1); s^(t-1); 1] (a scalar; the underbrace 1 x (N+2D+1) matches)",
        7: "g_iota = f_iota(a_iota), f_iota the logistic",
        11: "a_c = W_c^T [x; z_h^(t-1); 1], W_c^T of D x (N+D+1) as the underbrace says",
        12: "z_c = f_c(a_c), f_c = tanh",
        18: "a_phi = w_phi^T [x; z_h^(t-1); s^(t-1); 1]", 19: "g_phi = f_phi(a_phi)",
        25: "s^(t) = g_phi s^(t-1) + g_iota z_c",
        31: "a_omega = w_omega^T [x; z_h^(t-1); s^(t); 1] (the peephole to the new state)",
        32: "g_omega = f_omega(a_omega)", 33: "z_h = f_h(g_omega s^(t)), f_h = tanh"}
for ln in sorted(fw):
    decide(ln, all(fw[ln]), what[ln] + " (the definition of the network the truth builds)")

# ---------------------------------------------------------------- the inner loops, lines 62-76


def zh_of_s(t, s_in):
    """z_h^(t) as a function of s^(t) inside step t (a_omega^(t) sees s^(t) too)."""
    a_o = Tt(wo) @ torch.cat([xs[t].detach(), Tt(prev_z(t)), s_in, one])
    return torch.tanh(sig(a_o) * s_in)


J_zs = {t: nv(jac(lambda s_in: zh_of_s(t, s_in), Tt(v(t, "s")))) for t in ts}  # total inside step t
ok70 = all(close(dh(t) @ J_zs[t] + share_s_next(t), ds(t)) for t in ts)
nxt = lambda t: (dgf(t + 1) * fp(t + 1, "f") * wf[Ss] + dgi(t + 1) * fp(t + 1, "i") * wi[Ss]
                 + ds(t + 1) * v(t + 1, "g_f")) if t < T else np.zeros(D)
ok_next = all(close(nxt(t), share_s_next(t)) for t in ts)
printed74 = {t: dh(t) * fo_p_at_gs(t) * v(t, "g_o") + nxt(t) for t in ts}
fixed_fh = {t: dh(t) * fh_p(t) * v(t, "g_o") + nxt(t) for t in ts}
peep = {t: dgo(t) * fp(t, "o") * wo[Ss] for t in ts}  # the path s^(t) -> a_omega^(t) -> g_omega^(t) -> z_h^(t)
print(f"   (line 74: the auburn terms are step t+1's share: {ok_next}; with f_h' for f_omega' the blue term is "
      f"the partial with g_omega held, and the sum still misses the output gate's peephole path: "
      f"{[close(fixed_fh[t], ds(t)) for t in ts]}; adding delta_g_omega f_omega'(a_omega) w_omega,s gives "
      f"delta_s: {all(close(fixed_fh[t] + peep[t], ds(t)) for t in ts)})")
decide(70, ok70, "dE/dz_h^(t) dz_h^(t)/ds^(t) (the Jacobian of z_h^(t) by s^(t) inside step t, through z_h and "
       "a_omega) + the three paths into step t+1 = the total dE/ds^(t)")
decide(74, all(close(printed74[t], ds(t)) for t in ts),
       "the blue term delta_h f_omega'(g_omega s) g_omega takes the output gate's f_omega' where z_h = f_h(.) needs "
       "f_h', and drops the path through the output gate's peephole (a_omega^(t) reads s^(t)): delta_g_omega "
       "f_omega'(a_omega) w_omega,s is missing")
decide(76, all(close(share_s_own(t) + share_s_next(t), ds(t)) for t in ts),
       "delta_s^(t) = delta_s^(t)->(t) (through z_h^(t)) + delta_s^(t+1)->(t) (step t+1's share)")

# ---------------------------------------------------------------- the gradients, lines 87-98
decide(87, all(np.isclose(np.sum(dh(t) * fh_p(t) * v(t, "s")), dgo(t)) for t in ts),
       "delta_h f_h'(g_omega s) s, read as the row delta_h times f_h' o s, = dE/dg_omega")
rows = lambda t, last: np.r_[nv(xs[t]), prev_z(t), last, 1]
decide(88, all(close(dgo(t) * fp(t, "o") * rows(t, v(t, "s")), nv(copies[t]["wo"].grad)) for t in ts),
       "delta_g_omega f_omega'(a_omega) [x; z_h^(t-1); s^(t); 1] = step t's share of dE/dw_omega")
decide(89, all(close(dh(t) * fo_p_at_gs(t) * v(t, "g_o"), share_s_own(t)) for t in ts),
       "restates line 71's blue term: f_omega' for f_h' and no peephole path; delta_s^(t)->(t) (what s^(t) gets "
       "through z_h^(t)) is delta_h J(z_h by s), not delta_h f_omega'(g_omega s) g_omega")
decide(90, all(close(share_s_own(t) + share_s_next(t), ds(t)) for t in ts),
       "delta_s^(t) = delta_s^(t)->(t) + delta_s^(t+1)->(t)")
decide(91, all(close(ds(t) * v(t, "g_i"), dc(t)) for t in ts),
       "delta_s g_i = dE/dz_c (g_i read as the input gate g_iota)")
decide(92, all(np.isclose(ds(t) @ v(t, "z_c"), dgi(t)) for t in ts), "delta_s z_c (inner product) = dE/dg_iota")
printed93 = {t: dgf(t) * fp(t, "i") * rows(t, prev_s(t)) for t in ts}
fixed93 = all(close(dgi(t) * fp(t, "i") * rows(t, prev_s(t)), nv(copies[t]["wi"].grad)) for t in ts)
print(f"   (line 93: with delta_g_iota in place of delta_g_phi the row is step t's share of dE/dw_iota: {fixed93})")
decide(93, all(close(printed93[t], nv(copies[t]["wi"].grad)) for t in ts),
       "the right end multiplies by delta_g_phi (the forget gate's gradient) where its own middle, dE/dg_iota "
       "dg_iota/dw_iota, gives delta_g_iota")
decide(94, all(np.isclose(ds(t) @ prev_s(t), dgf(t)) for t in ts), "delta_s s^(t-1) = dE/dg_phi")
decide(95, all(close(dgf(t) * fp(t, "f") * rows(t, prev_s(t)), nv(copies[t]["wf"].grad)) for t in ts),
       "delta_g_phi f_phi'(a_phi) [x; z_h^(t-1); s^(t-1); 1] = step t's share of dE/dw_phi")
decide(98, all(close(dgf(t) * fp(t, "f") * wf[Ss] + dgi(t) * fp(t, "i") * wi[Ss] + ds(t) * v(t, "g_f"),
                     share_s_into(t)) for t in ts),
       "delta_s^(t)->(t-1) = the share s^(t-1) receives through step t (a_phi, a_iota and s^(t))")

# ---------------------------------------------------------------- delta_x and delta_zz, lines 103-127


def zh_step(t, x=None, zq=None, gi=None, gf=None, zc=None, go_pre_extra=None):
    """z_h^(t) with some of step t's inputs or intermediate values replaced (the rest recomputed)."""
    x = xs[t].detach() if x is None else x
    zq = Tt(prev_z(t)) if zq is None else zq
    sq = Tt(prev_s(t))
    a_i = Tt(wi) @ torch.cat([x, zq, sq, one])
    g_i = sig(a_i) if gi is None else gi
    z_c = torch.tanh(Tt(Wc).T @ torch.cat([x, zq, one])) if zc is None else zc
    g_f = sig(Tt(wf) @ torch.cat([x, zq, sq, one])) if gf is None else gf
    s = g_f * sq + g_i * z_c
    g_o = sig(Tt(wo) @ torch.cat([x, zq, s, one])) if go_pre_extra is None else go_pre_extra
    return torch.tanh(g_o * s)


ok108, ok112, ok123, ok127, tot112, tot127, lastT = True, True, True, True, True, True, True
for t in ts:
    # line 103's definition: delta_x = dE/dz_h^(t) dz_h^(t)/dx^(t) (z_h^(t-1), s^(t-1) held)
    Jx = nv(jac(lambda x: zh_step(t, x=x), xs[t].detach()))
    Jz = nv(jac(lambda zq: zh_step(t, zq=zq), Tt(prev_z(t))))
    dx_def, dz_def = dh(t) @ Jx, dh(t) @ Jz
    # the bracket of line 104-108: dz_h/dg_iota dg_iota/dx + ... (dz_h/dg_* inside the step, through s and g_omega)
    Jgi = nv(jac(lambda q: zh_step(t, gi=q), nodes[t]["g_i"].detach().reshape(()))).reshape(D)
    Jgf = nv(jac(lambda q: zh_step(t, gf=q), nodes[t]["g_f"].detach().reshape(()))).reshape(D)
    Jzc = nv(jac(lambda q: zh_step(t, zc=q), nodes[t]["z_c"].detach()))
    Jgo = fh_p(t) * v(t, "s")  # dz_h/dg_omega, s held
    for blk, Jdef, okrow in ((Sx, Jx, "x"), (Sz, Jz, "z")):
        br = (np.outer(Jgi, fp(t, "i") * wi[blk]) + np.outer(Jgf, fp(t, "f") * wf[blk])
              + np.outer(Jgo, fp(t, "o") * wo[blk]) + Jzc @ (fc_p(t)[:, None] * Wc[blk].T))
        row3 = (dgi(t) * fp(t, "i") * wi[blk] + dgf(t) * fp(t, "f") * wf[blk] + dgo(t) * fp(t, "o") * wo[blk]
                + Wc[blk] @ (dc(t) * fc_p(t)))
        if okrow == "x":
            ok108 &= close(dh(t) @ br, dx_def)
            ok112 &= close(row3, dx_def)
            tot112 &= close(row3, nv(xs[t].grad))
            print(f"   (t = {t}: line 112 = dE/dz_h^(t) dz_h^(t)/dx^(t): {close(row3, dx_def)}; "
                  f"= the total dE/dx^(t): {close(row3, nv(xs[t].grad))})")
        else:
            ok123 &= close(dh(t) @ br, dz_def)
            ok127 &= close(row3, dz_def)
            tot127 &= close(row3, share_z_into(t))
            print(f"   (t = {t}: line 127 = dE/dz_h^(t) dz_h^(t)/dz_h^(t-1): {close(row3, dz_def)}; "
                  f"= the whole share z_h^(t-1) receives through step t: {close(row3, share_z_into(t))})")
print(f"   (lines 112, 127: the rows equal the total gradient at x^(t) and the whole share of z_h^(t-1) through "
      f"step t at every t: {tot112}, {tot127}; they equal the definitions only at t = T, where s^(t) has no later use)")
decide(108, ok108, "dE/dz_h^(t) times the four gate paths of dz_h^(t)/dx^(t) (dz_h/dg_* inside step t) = line "
       "103's delta_x")
decide(112, ok112, "the row uses the total delta_g_iota, delta_g_phi, delta_c, which include the paths of s^(t) "
       "into later steps, so it is the total dE/dx^(t), not line 103's dE/dz_h^(t) dz_h^(t)/dx^(t) that the two "
       "rows above it expand; they differ for t < T")
decide(123, ok123, "dE/dz_h^(t) times the four gate paths of dz_h^(t)/dz_h^(t-1) = line 118's delta_zz")
decide(127, ok127, "likewise the row is the whole share z_h^(t-1) receives through step t (s^(t) included), not "
       "line 118's dE/dz_h^(t) dz_h^(t)/dz_h^(t-1); they differ for t < T")
finish()
