"""Independent truth for tests/posts/conv_blind29/tomepel_technical_book_cnn (NumPy and torch, no derive).

The source (Thomas Epelbaum, 'Deep learning: Technical introduction', tomepel/Technical_Book_DL, chapter2.tex, the
chapter 'Convolutional Neural Networks') defines padding (P zeros around each feature map), the convolution
a^{(t)(nu)}_{flm} = sum_{f'} sum_{j,k < R_C} Theta^{(o)f}_{f'jk} h^{(t)(nu)}_{f', S_C l + j, S_C m + k} on the padded
map h^{(nu)}, stored padded again as h^{(nu+1)}_{f, l+P, m+P} = g(a_{flm}), average and max pooling with receptive field
R_P and stride S_P reading the unpadded positions (+P), and a fully connected layer on the padded pool output; then it
states and derives the error rates delta^{(nu)} = dJ/da^{(nu)} from fc to pool and from conv to pool, the conv weight
update, and writes a 2-D convolution as a matrix product (im2col).

Notation as the book's: t the sample, f the feature map, l the width index (sizes N), m the height index (sizes T),
a^{(nu)} has F_{nu+1} maps of N_{nu+1} x T_{nu+1} (the book's own ranges, post.md lines 17 and 31), so delta^{(nu+1)}
belongs to a^{(nu+1)} with F_{nu+2} maps; conv errors are stored padded (delta_{f', l'+P, m'+P}, zeros on the border).
Arrays are (t, f, width, height). Everything is checked in float64 on random values against torch (conv2d, avg_pool2d,
max_pool2d), torch Jacobians and autograd with J = sum(G * tanh(a^{(nu+1)})) for a random G. Sizes are chosen with
N != T and F_{nu+2} != F_{nu+1} so that swapped or shifted bounds show. Reading rules: arrays are Strict (an index
outside the stored, padded array is undefined) except the padded error, whose border reads 0 because it is stored;
a fractional index (l+P-j)/S_C on line 58 drops the term (no output position reads that input)."""
import sys
from itertools import product
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked, finish, Strict
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import Strict, decide, finish, unchecked  # noqa: E402

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(2901)
T = lambda a: torch.tensor(np.ascontiguousarray(a, dtype=np.float64))


def pad(a, p):
    """The book's padding: p zeros before and after the last two axes (width, height)."""
    return np.pad(a, [(0, 0)] * (a.ndim - 2) + [(p, p), (p, p)])


def try_sum(fn):
    """A literal sum, or None when it reads outside an array (Strict)."""
    try:
        return fn()
    except IndexError as e:
        print(f"   (reads outside an array: index {e.args[0]})")
        return None


# ---- output sizes (lines 1, 3, 5, 9), over a grid of N, T, R_C, S_C, P against torch conv2d
ok3 = ok5 = ok1 = ok9 = True
for N, Tt, R, S, P in product(range(3, 12), range(3, 12), (1, 2, 3, 5), (1, 2, 3), (0, 1, 2)):
    if N + 2 * P < R or Tt + 2 * P < R or (N + 2 * P - R) % S or (Tt + 2 * P - R) % S:
        continue
    Np, Tp = F.conv2d(torch.zeros(1, 1, N, Tt), torch.zeros(1, 1, R, R), stride=S, padding=P).shape[2:]
    ok3 &= Np == (N + 2 * P - R) / S + 1
    ok5 &= Tp == (Tt + 2 * P - R) / S + 1
    ok1 &= N == Np                                           # N the output width, as line 1 says
    if S == 1 and R % 2:
        P9 = (R - 1) // 2
        Ns, Ts = F.conv2d(torch.zeros(1, 1, N, Tt), torch.zeros(1, 1, R, R), padding=P9).shape[2:]
        ok9 &= (Ns, Ts) == (N, Tt)
decide(1, ok1, "the formula of line 3 gives N_p from N + 2P - R_C, so N is the input width and N_p the output's (torch: "
       "a 7-wide map with R_C = 3, S_C = 2, P = 1 gives N_p = 4 != 7); the sentence calls N the output width")
decide(3, ok3, "N_p = (N + 2P - R_C)/S_C + 1 against torch conv2d's output width over a grid (where S_C divides)")
decide(5, ok5, "T_p = (T + 2P - R_C)/S_C + 1 against torch conv2d's output height over the same grid")
decide(9, ok9, "P = (R_C - 1)/2 with S_C = 1 keeps N and T for every odd R_C (torch conv2d)")

# ---- the convolution (lines 15, 17): two samples, F_nu = 2 maps of 7 x 9, F_{nu+1} = 3 filters 3 x 3, S_C = 2, P = 1
Tmb, P, S, R = 2, 1, 2, 3
X = rng.normal(size=(Tmb, 2, 7, 9))
hX = pad(X, P)                                                  # h^{(nu)}, stored padded (9 x 11)
Th = rng.normal(size=(3, 2, R, R))                              # Theta^{(o)f}_{f'jk} = Th[f, f', j, k]
ref = F.conv2d(T(X), T(Th), stride=S, padding=P).numpy()        # (2, 3, 4, 5)
hs = Strict(hX)
lit = np.array([[[[sum(Th[f, fp, j, k] * hs(t, fp, S * l + j, S * m + k) for fp in range(2) for j in range(R)
                       for k in range(R)) for m in range(ref.shape[3])] for l in range(ref.shape[2])]
                 for f in range(3)] for t in range(Tmb)])
decide(15, np.allclose(lit, ref), "a_flm = sum_{f'<F_nu} sum_{j,k<R_C} Theta^f_{f'jk} h_{f', S_C l + j, S_C m + k} on "
       "the padded map is torch conv2d(stride 2, padding 1)")
Nn, Tn, Nn1, Tn1 = 7, 9, ref.shape[2], ref.shape[3]
idx = {S * l + j for l in range(Nn1) for j in range(R)}
print(f"   (line 17: S_C l + j runs over {min(idx)}..{max(idx)}; N_nu - 1 = {Nn - 1}, T_nu - 1 = {Tn - 1}; the padded "
      f"map is {Nn + 2 * P} x {Tn + 2 * P})")
decide(17, max(idx) <= Nn - 1 and max(idx) <= Tn - 1 and Nn + 2 * P - 1 == max(idx),
       "S_C l + j indexes the padded map h^{(nu)}, so it runs to N_nu + 2P - 1 (here 8 > N_nu - 1 = 6), not within "
       "[0, N_nu - 1]; and the second range repeats S_C l + j where the height index S_C m + k belongs, against T_nu")

# ---- pooling (lines 25, 29, 31, 35): 3 maps of 6 x 8 stored padded, R_P = 2, S_P = 2
RP, SP = 2, 2
Hp = rng.normal(size=(Tmb, 3, 6, 8))
hH = Strict(pad(Hp, P))
No, To = 3, 4
avg_lit = np.array([[[[sum(hH(t, f, SP * l + j + P, SP * m + k + P) for j in range(RP) for k in range(RP))
                       for m in range(To)] for l in range(No)] for f in range(3)] for t in range(Tmb)])
avg_ref = F.avg_pool2d(T(Hp), RP, SP).numpy()
print(f"   (line 25: the printed sum over j, k is R_P^2 = {RP * RP} times torch's average: "
      f"{np.allclose(avg_lit, RP * RP * avg_ref)})")
decide(25, np.allclose(avg_lit, avg_ref), "the 'average pooling' is printed as the sum over the R_P x R_P window, "
       "without the 1/R_P^2: it is R_P^2 times torch avg_pool2d (and its gradient R_P^2 times too large)")
mx_ref, arg = F.max_pool2d(T(Hp), RP, SP, return_indices=True)
mx_lit = np.array([[[[max(hH(t, f, SP * l + j + P, SP * m + k + P) for j in range(RP) for k in range(RP))
                      for m in range(To)] for l in range(No)] for f in range(3)] for t in range(Tmb)])
decide(29, np.allclose(mx_lit, mx_ref.numpy()), "max over the window at S_P l + j + P, S_P m + k + P (the unpadded "
       "positions) is torch max_pool2d")
bad31 = []
for Nv, Tv, Rp, Sp in product(range(2, 10), range(2, 10), (2, 3), (1, 2, 3)):
    if Nv < Rp or Tv < Rp:
        continue
    Np_ = (Nv - Rp) // Sp + 1
    vals = {Sp * l + j for l in range(Np_) for j in range(Rp)}
    if max(vals) > Tv - 1:
        bad31.append((Nv, Tv, Rp, Sp))
print(f"   (line 31: S_P l + j in [0, T_nu - 1] fails for (N_nu, T_nu, R_P, S_P) = {bad31[:3]} ...)")
decide(31, not bad31, "S_P l + j in [0, N_nu - 1] holds, but the second range repeats S_P l + j (the width index) "
       "against T_nu - 1 where S_P m + k belongs: for a map wider than high (N_nu = 6, T_nu = 4, R_P = S_P = 2) "
       "S_P l + j reaches 5 > T_nu - 1")
am = arg.numpy()                                                # flat index into the unpadded 6 x 8 map
jk = np.stack(np.unravel_index(am, (6, 8)), -1)
ok35 = all(np.isclose(hH(t, f, jk[t, f, l, m, 0] + P, jk[t, f, l, m, 1] + P), mx_ref.numpy()[t, f, l, m])
           and SP * l <= jk[t, f, l, m, 0] < SP * l + RP and SP * m <= jk[t, f, l, m, 1] < SP * m + RP
           for t, f, l, m in product(range(Tmb), range(3), range(No), range(To)))
decide(35, ok35, "h^{(nu+1)}_{f,l+P,m+P} = a_flm = the input at S_P l + j* + P, S_P m + k* + P, (j*, k*) the argmax "
       "in the window (torch max_pool2d's indices)")

# ---- fc to pool (lines 48, 74, 80, 82): pool output a^{(nu)} of 3 maps 3 x 4, fc of F_{nu+2} = 4 units
A = torch.tensor(rng.normal(size=(Tmb, 3, 3, 4)), requires_grad=True)
Tf = rng.normal(size=(4, 3, 3, 4))                              # Theta^{(o)f'}_{flm} = Tf[f', f, l, m]
Gf = rng.normal(size=(Tmb, 4))


def fc(a):
    hp = F.pad(a, (P, P, P, P))                                 # h^{(nu+1)}_{f,l+P,m+P} = a_flm
    return torch.einsum("gflm,tflm->tg", T(Tf), hp[:, :, P:P + 3, P:P + 4])


a1 = fc(A)
a1.retain_grad()
(T(Gf) * torch.tanh(a1)).sum().backward()
d1, d0 = a1.grad.numpy(), A.grad.numpy()                        # delta^{(nu+1)}_{f'}, delta^{(nu)}_{flm}


def fc_pool(nf):
    return np.einsum("gflm,tg->tflm", Tf[:nf], d1[:, :nf])


print(f"   (lines 48/82 with f' over all F_(nu+2) = 4 units: {np.allclose(fc_pool(4), d0)})")
decide(48, np.allclose(fc_pool(3), d0), "the sum over f' stops at F_{nu+1} - 1, the pool's map count (3), but f' runs "
       "over the fc units of a^{(nu+1)}, F_{nu+2} of them (4): the last unit's term is missing; with F_{nu+2} - 1 the "
       "line is autograd's dJ/da^{(nu)}")
Jac = torch.autograd.functional.jacobian(fc, A.detach()).numpy()    # (t', f', t, f, l, m)
lit74 = np.einsum("sgtflm,sg->tflm", Jac[:, :3], d1[:, :3])
print(f"   (line 74 with f' < F_(nu+2): {np.allclose(np.einsum('sgtflm,sg->tflm', Jac, d1), d0)})")
decide(74, np.allclose(lit74, d0), "the chain rule over t' and f' with the Jacobian da^{(nu+1)}/da^{(nu)} (torch), "
       "but f' again stops at F_{nu+1} - 1 (3 of the 4 fc units)")
Ts = Strict(Tf)


def lit80(nf, nj, nk):
    out = np.zeros((Tmb, 3, 3, 4))
    for t, f, l, m in product(range(Tmb), range(3), range(3), range(4)):
        out[t, f, l, m] = sum(Ts(g, f2, j, k) * float(f2 == f and j == l and k == m) * d1[tp, g]
                              for tp in range(Tmb) for g in range(nf) for f2 in range(3) for j in range(nj)
                              for k in range(nk))
    return out


r80 = try_sum(lambda: lit80(3, 3 + 1, 4 + 1))
print(f"   (line 80 with the bounds repaired (f' < 4, j < N, k < T): equals sum_t' delta^(t'), not delta^(t): "
      f"{np.allclose(lit80(4, 3, 4), d0)})")
decide(80, r80 is not None and np.allclose(r80, d0), "the sums over j and k run to N_{nu+1} and T_{nu+1} inclusive, "
       "one past the pool map (Theta_{f'' N_{nu+1} k} does not exist), and the derivative dh^{(t)}/dh^{(t)} of sample "
       "t is multiplied by delta^{(t')} summed over all t', which adds the other samples' errors (d a^{(t')}/d a^{(t)} "
       "is zero for t' != t); f' stops at F_{nu+1} - 1 as on line 74")
decide(82, np.allclose(fc_pool(3), d0), "the same result as line 48 (f' to F_{nu+1} - 1), the end of the derivation")

# ---- conv to pool, stride S_C = 2 (line 58): pool output 3 maps 5 x 7, conv 4 filters 3 x 3, P = 1
A2 = torch.tensor(rng.normal(size=(Tmb, 3, 5, 7)), requires_grad=True)
Tc = rng.normal(size=(4, 3, R, R))                              # Theta^{(o)f'}_{fjk} = Tc[f', f, j, k]
a2 = F.conv2d(A2, T(Tc), stride=S, padding=P)                   # (2, 4, 3, 4)
a2.retain_grad()
G2 = rng.normal(size=a2.shape)
(T(G2) * torch.tanh(a2)).sum().backward()
d2p, d0c = pad(a2.grad.numpy(), P), A2.grad.numpy()
d2s = Strict(d2p)


def conv_pool(swap):
    out = np.zeros((Tmb, 3, 5, 7))
    for t, f, l, m in product(range(Tmb), range(3), range(5), range(7)):
        s = 0.0
        for fp, j, k in product(range(3 if swap else 4), range(R), range(R)):
            nl, nm = l + P - j, m + P - k
            if nl % S or nm % S:
                continue
            q, r = nl // S + P, nm // S + P
            s += Tc[f, fp, j, k] * d2s(t, f, q, r) if swap else Tc[fp, f, j, k] * d2s(t, fp, q, r)
        out[t, f, l, m] = s
    return out


print(f"   (line 58 with Theta^(f')_(f j k), delta_(f') and f' < F_(nu+2): {np.allclose(conv_pool(False), d0c)})")
decide(58, np.allclose(conv_pool(True), d0c), "the weight is written Theta^{(o)f}_{f'jk} (output map f, input map f') "
       "and the error delta_f, but here f is the pool map (the convolution's input) and f' the conv output map: with "
       "Theta^{(o)f'}_{fjk} delta_{f', (l+P-j)/S_C + P, (m+P-k)/S_C + P}, f' over F_{nu+2} maps, the line is autograd "
       "(the fractional indices drop the terms no output reads)")

# ---- weight update, conv on the padded input, S_C = 2 (lines 65, 115)
Xw = torch.tensor(X)
Tw = torch.tensor(Th, requires_grad=True)
aw = F.conv2d(F.pad(Xw, (P, P, P, P)), Tw, stride=S)
aw.retain_grad()
Gw = rng.normal(size=aw.shape)
(T(Gw) * torch.tanh(aw)).sum().backward()
dwp, dTh = pad(aw.grad.numpy(), P), Tw.grad.numpy()             # delta_{f, l+P, m+P}, dJ/dTheta
dws, Nw, Tw_ = Strict(dwp), aw.shape[2], aw.shape[3]            # N_{nu+1} = 4, T_{nu+1} = 5


def wupd(stride, nl, nm):
    return np.array([[[[sum(hs(t, fp, stride * l + j, stride * m + k) * dws(t, f, l + P, m + P)
                            for t in range(Tmb) for l in range(nl) for m in range(nm))
                        for k in range(R)] for j in range(R)] for fp in range(2)] for f in range(3)])


r65 = try_sum(lambda: wupd(1, Tw_, Nw))
decide(65, r65 is not None and np.allclose(r65, dTh), "h_{f', l+j, m+k} drops the stride (S_C l + j, S_C m + k) and "
       "the sums run l to T_{nu+1} - 1 and m to N_{nu+1} - 1, the width index over the height's range and back: "
       "not autograd's dJ/dTheta at S_C = 2 with N != T")
r115 = try_sum(lambda: wupd(S, Tw_, Nw))
print(f"   (line 115 with l < N_(nu+1), m < T_(nu+1): {np.allclose(wupd(S, Nw, Tw_), dTh)})")
decide(115, r115 is not None and np.allclose(r115, dTh), "the stride is back (S_C l + j), but l still runs to "
       "T_{nu+1} - 1 and m to N_{nu+1} - 1: with N_{nu+1} = 4 != T_{nu+1} = 5 the sum reads S_C*4 + j past the padded "
       "width and drops m = 4; with the bounds swapped back the line is autograd")

# ---- conv to pool, stride 1 (lines 94, 104, 108): pool output 3 maps 5 x 6, conv 4 filters 3 x 3, P = 1
A3 = torch.tensor(rng.normal(size=(Tmb, 3, 5, 6)), requires_grad=True)
T3 = rng.normal(size=(4, 3, R, R))


def conv1(a):
    return F.conv2d(a, T(T3), padding=P)


a3 = conv1(A3)
a3.retain_grad()
G3 = rng.normal(size=a3.shape)
(T(G3) * torch.tanh(a3)).sum().backward()
d3p, d03 = pad(a3.grad.numpy(), P), A3.grad.numpy()
d3s = Strict(d3p)
J3 = torch.autograd.functional.jacobian(conv1, A3.detach()).numpy()  # (t', f', l', m', t, f, l, m)
lit94 = np.einsum("sgabtflm,sgab->tflm", J3[:, :3], d3p[:, :3, P:P + 5, P:P + 6])
print(f"   (line 94 with f' < F_(nu+2): "
      f"{np.allclose(np.einsum('sgabtflm,sgab->tflm', J3, d3p[:, :, P:P + 5, P:P + 6]), d03)})")
decide(94, np.allclose(lit94, d03), "the chain rule over t', f', l', m' is right, but f' stops at F_{nu+1} - 1, the "
       "pool's 3 maps, where a^{(nu+1)} has F_{nu+2} = 4: the fourth filter's term is missing")


def lit104(nf):
    out = np.zeros((Tmb, 3, 5, 6))
    for t, f, l, m in product(range(Tmb), range(3), range(5), range(6)):
        s = 0.0
        for tp, g, lp, mp, f2, j, k in product(range(Tmb), range(nf), range(5), range(6), range(3), range(R), range(R)):
            if tp == t and f2 == f and lp + j == l + P and mp + k == m + P:  # dh^{(t')}_{f'', l'+j, m'+k}/dh^{(t)}_{f, l+P, m+P}
                s += T3[g, f2, j, k] * d3s(tp, g, lp + P, mp + P)
        out[t, f, l, m] = s
    return out


print(f"   (line 104 with f' < F_(nu+2): {np.allclose(lit104(4), d03)})")
decide(104, np.allclose(lit104(3), d03), "a^{(nu+1)}_{f'l'm'} = sum_{f''jk} Theta^{f'}_{f''jk} h_{f'', l'+j, m'+k} "
       "expanded rightly, with f' still stopping at F_{nu+1} - 1 (from line 94)")


def lit108(nf):
    return np.array([[[[sum(T3[g, f, j, k] * d3s(t, g, l + 2 * P - j, m + 2 * P - k) for g in range(nf)
                            for j in range(R) for k in range(R)) for m in range(6)] for l in range(5)]
                       for f in range(3)] for t in range(Tmb)])


print(f"   (line 108 with f' < F_(nu+2): {np.allclose(lit108(4), d03)})")
decide(108, np.allclose(lit108(3), d03), "sum_{f',j,k} Theta^{f'}_{fjk} delta_{f', l+2P-j, m+2P-k} is the stride-1 "
       "result (the padded error read at l + 2P - j), but f' stops at F_{nu+1} - 1 (from lines 94 and 104)")

# ---- the 2-D convolution and its matrix form (lines 120, 122): one 9 x 11 map, 3 x 3 kernel, S_C = 2
h2 = rng.normal(size=(9, 11))
t2 = rng.normal(size=(R, R))
c2 = F.conv2d(T(h2)[None, None], T(t2)[None, None], stride=S)[0, 0].numpy()     # (4, 5)
h2s = Strict(h2)
lit120 = np.array([[sum(t2[j, k] * h2s(S * l + j, S * m + k) for j in range(R) for k in range(R))
                    for m in range(c2.shape[1])] for l in range(c2.shape[0])])
decide(120, np.allclose(lit120, c2), "a_lm = sum_{j,k} Theta_jk h_{S_C l + j, S_C m + k} is torch conv2d at stride 2")
cols = np.array([[h2[S * l + j, S * m + k] for j in range(R) for k in range(R)]
                 for l in range(c2.shape[0]) for m in range(c2.shape[1])])
decide(122, cols.shape == (c2.size, R * R) and np.allclose(cols @ t2.reshape(R * R, 1), c2.reshape(-1, 1)),
       f"the im2col matrix is N_p T_p x R_C^2 = {cols.shape}, and times the flattened R_C^2 x 1 kernel it gives the "
       "convolution")

finish()
