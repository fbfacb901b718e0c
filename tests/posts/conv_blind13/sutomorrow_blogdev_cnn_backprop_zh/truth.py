"""Independent truth for tests/posts/conv_blind13/sutomorrow_blogdev_cnn_backprop_zh (NumPy and torch, no derive).

The post's convolution layer (a Hexo post in Chinese): z_i = l_{i-1} star w_i + b_i, l_i = sigma_i(z_i), the kernel
W of size H_k x W_k x C_o x C_i (its pixel a C_o x C_i matrix), padding P_H, P_W, stride S_H, S_W, a bias per output
channel (b_i in R^{C_i}), E the loss. 'star' is '卷积操作' and the post never says whether it flips the kernel, so every
formula that involves it is evaluated under both readings: cross-correlation (what CNN libraries compute) and true
convolution (kernel flipped). A formula is decided ok when it holds under a reading that keeps the whole post
consistent: true convolution makes every star formula of the post hold (lines 31, 39, 45, 49-51, 60, 66, 67), while
cross-correlation breaks the dE/dw chain (lines 45 to 67), so the post is read with true convolution and the
correlation results are printed for information. padpad(d) puts S-1 zeros between the entries of d (inner) and
K-P-1 zeros around it (outer), as lines 34 and 56 say. Sizes are chosen so that the stride divides H + 2P - K (the
padpad recipe returns exactly H rows only then; truth.py prints the short result of a non-dividing case). Tensors
here are channel-first (torch layout); the post's W[h, w, o, c] is the torch weight Wt[o, c, h, w]."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import Strict, decide, finish  # noqa: E402

rng = np.random.default_rng(2005)
T = lambda a: torch.tensor(np.ascontiguousarray(a, dtype=np.float64))
sig = lambda z: 1 / (1 + np.exp(-z))


def star(I, K, pad=0, stride=1, true_conv=False):
    """I (Cin, H, W), K torch layout (Cout, Cin, kh, kw); cross-correlation, or true convolution (kernel flipped)."""
    K = K[:, :, ::-1, ::-1] if true_conv else K
    return F.conv2d(T(I)[None], T(K), padding=pad, stride=stride)[0].numpy()


def star1(a, k, pad=0, stride=1, true_conv=False):
    return star(a[None], k[None, None], pad, stride, true_conv)[0]


def padpad(d, outer, S):
    """d (..., h, w): S-1 zeros between entries, `outer` zeros around."""
    h, w = d.shape[-2:]
    z = np.zeros(d.shape[:-2] + ((h - 1) * S + 1, (w - 1) * S + 1))
    z[..., ::S, ::S] = d
    return np.pad(z, [(0, 0)] * (d.ndim - 2) + [(outer, outer), (outer, outer)])


rot = lambda a: np.ascontiguousarray(a[..., ::-1, ::-1])
rottrans = lambda Wt: np.ascontiguousarray(Wt.transpose(1, 0, 2, 3)[:, :, ::-1, ::-1])   # line 36, torch layout


def layer_grads(l, Wt, b, P, S, G, true_conv):
    """z = l star W + b (per-channel bias) under one reading, E = sum(G * z): dE/dl, dE/dW, dE/db from autograd."""
    lt, wt, bt = T(l).requires_grad_(), T(Wt).requires_grad_(), T(b).requires_grad_()
    k = torch.flip(wt, [2, 3]) if true_conv else wt
    z = F.conv2d(lt[None], k, bt, padding=P, stride=S)[0]
    (z * T(G)).sum().backward()
    return z.detach().numpy(), lt.grad.numpy(), wt.grad.numpy(), bt.grad.numpy()


READINGS = {"correlation": False, "true convolution": True}
CONFIGS = [(5, 3, 0, 1), (5, 3, 1, 1), (7, 3, 1, 2), (7, 3, 0, 2), (6, 2, 0, 1)]    # (H, K, P, S), S | H + 2P - K
Ci, Co = 2, 3

# line 3: z_i = l_{i-1} star w_i + b_i with w_i in R^{H x W x C_i x C_{i-1}}, z_i, l_i in R^{H x W x C_i}, b_i in
# R^{C_i}: a layer of this form exists (kernel as large as the map, 'same' padding (H-1)/2, H odd), per-channel bias
H3, C0, C1 = 3, 2, 3
x3 = rng.normal(size=(C0, H3, H3)); w3 = rng.normal(size=(C1, C0, H3, H3)); b3 = rng.normal(size=C1)
z3 = {r: star(x3, w3, (H3 - 1) // 2, 1, tc) + b3[:, None, None] for r, tc in READINGS.items()}
decide(3, all(z.shape == (C1, H3, H3) for z in z3.values()), "z_i = l_{i-1} star w_i + b_i, l_i = sigma_i(z_i) "
       "(definition): with w_i of H x W x C_i x C_{i-1} ('same' padding) z_i has the stated H x W x C_i and b_i one "
       "entry per channel; the letters H, W name both the kernel and the map")

# line 8: delta_l = dE/dz_l = diag(sigma'(z_l)) E' for the last (fully connected) layer, E' = dE/dl_l
zl = rng.normal(size=6); tgt = rng.normal(size=6)
zt = T(zl).requires_grad_(); E = 0.5 * ((torch.sigmoid(zt) - T(tgt)) ** 2).sum(); E.backward()
Ep = sig(zl) - tgt
decide(8, np.allclose(np.diag(sig(zl) * (1 - sig(zl))) @ Ep, zt.grad.numpy()), "delta_l = diag(sigma'(z_l)) E' "
       "against autograd (sigmoid, half SSE, E' = dE/dl_l)")

# lines 18-19: delta_i = (dz_{i+1}/dz_i) dE/dz_{i+1}, the Jacobian in the post's layout (rows: z_i), for a conv layer
H, K, P, S = 5, 3, 1, 2
zi = rng.normal(size=(Ci, H, H)); Wt = rng.normal(size=(Co, Ci, K, K)); b = rng.normal(size=Co)
f = lambda v: F.conv2d(torch.sigmoid(v)[None], T(Wt), T(b), padding=P, stride=S)[0]
Jz = torch.autograd.functional.jacobian(f, T(zi)).numpy().reshape(-1, zi.size)      # [out, in] = dz_{i+1}/dz_i
G = rng.normal(size=f(T(zi)).shape)
zt = T(zi).requires_grad_(); (f(zt) * T(G)).sum().backward()
d18 = Jz.T @ G.ravel()
decide(18, np.allclose(d18, zt.grad.numpy().ravel()), "dE/dz_i = (dz_{i+1}/dz_i) dE/dz_{i+1} (the Jacobian with z_i "
       "along its rows, the layout of the post's fully connected part) against autograd")
decide(19, np.allclose(d18, zt.grad.numpy().ravel()), "= (dz_{i+1}/dz_i) delta_{i+1}, delta_{i+1} = dE/dz_{i+1}")

# line 23: z_{i+1} = sigma_i(z_i) star w_{i+1} + b_{i+1} (l_i = sigma_i(z_i) in line 3's layer)
decide(23, np.allclose(f(T(zi)).numpy(), star(sig(zi), Wt, P, S) + b[:, None, None]), "z_{i+1} = sigma_i(z_i) star "
       "w_{i+1} + b_{i+1}: line 3's layer with l_i = sigma_i(z_i)")

# line 26: output size ceil((H + 2P_H - H_k + 1)/S_H) x ceil((W + 2P_W - H_k + 1)/S_W) x C_o
ceil = lambda a, s: -(-a // s)
okH, okW, bad = True, True, None
for Hh, Ww, Hk, Wk, PH, PW, SH, SW in [(6, 6, 3, 1, 0, 0, 1, 1), (7, 9, 3, 2, 1, 0, 2, 3), (8, 5, 2, 4, 1, 2, 3, 1),
                                        (9, 9, 3, 3, 1, 1, 2, 2), (6, 7, 2, 3, 0, 1, 2, 1)]:
    out = F.conv2d(T(rng.normal(size=(1, Ci, Hh, Ww))), T(rng.normal(size=(Co, Ci, Hk, Wk))), padding=(PH, PW),
                   stride=(SH, SW)).shape
    hp, wp = ceil(Hh + 2 * PH - Hk + 1, SH), ceil(Ww + 2 * PW - Hk + 1, SW)
    okH &= hp == out[2]
    if wp != out[3] and bad is None:
        bad = (Hh, Ww, Hk, Wk, PH, PW, SH, SW, tuple(out[1:]), (hp, wp))
    okW &= wp == out[3]
print(f"   (line 26: the height ceil((H + 2P_H - H_k + 1)/S_H) = floor((H + 2P_H - H_k)/S_H) + 1 holds: {okH}; the "
      f"width with H_k: first failing (H, W, H_k, W_k, P_H, P_W, S_H, S_W) = {bad[:8]}, torch's C_o x H' x W' "
      f"= {bad[8]}, printed H' x W' = {bad[9]}; with W_k it would hold)")
decide(26, okH and okW, "output size: the height is right, but the width divides by S_W after subtracting H_k, the "
       "kernel's height, where the kernel's width W_k belongs: wrong for any kernel that is not square")

# lines 31, 39, 66: dE/dI = padpad(delta_O) star rot180trans(W), delta_i = padpad(delta_{i+1}) star rot180trans(w)
# (.) sigma'(z_i); lines 45-67: the dE/dw chain; line 68 dE/db
res = {r: {n: True for n in (31, 39, 45, 49, 50, 51, 60, 66, 67, 68)} for r in READINGS}
for (H, K, P, S) in CONFIGS:
    for r, tc in READINGS.items():
        l = rng.normal(size=(Ci, H, H)); Wt = rng.normal(size=(Co, Ci, K, K)); b = rng.normal(size=Co)
        out = F.conv2d(T(l)[None], T(Wt), padding=P, stride=S).shape[2:]
        G = rng.normal(size=(Co,) + tuple(out))
        z, dl, dW, db = layer_grads(l, Wt, b, P, S, G, tc)
        dI = star(padpad(G, K - P - 1, S), rottrans(Wt), 0, 1, tc)                     # line 31
        res[r][31] &= dI.shape == dl.shape and np.allclose(dI, dl)
        # lines 39 / 66: the layer before is z_i with l_i = sigmoid(z_i)
        zi = rng.normal(size=(Ci, H, H))
        zt = T(zi).requires_grad_()
        k = torch.flip(T(Wt), [2, 3]) if tc else T(Wt)
        (F.conv2d(torch.sigmoid(zt)[None], k, T(b), padding=P, stride=S)[0] * T(G)).sum().backward()
        d39 = star(padpad(G, K - P - 1, S), rottrans(Wt), 0, 1, tc) * sig(zi) * (1 - sig(zi))
        res[r][39] &= np.allclose(d39, zt.grad.numpy())
        res[r][66] &= np.allclose(d39, zt.grad.numpy())
        # line 45 (one channel): rot180(a) = rot180(w) star rot180(l) + b, l the kernel, padding H - H_k + P, stride S
        l1, w1 = l[0], Wt[0, 0]
        a1 = star1(l1, w1, P, S, tc)
        res[r][45] &= np.allclose(rot(a1), star1(rot(w1), rot(l1), H - K + P, S, tc))
        # lines 49-51, 60 (one channel, trans is the identity): dE/dw
        g1 = G[0]
        _, _, dW1, _ = layer_grads(l1[None], w1[None, None], np.zeros(1), P, S, g1[None], tc)
        dW1 = dW1[0, 0]
        r49 = rot(star1(padpad(rot(g1), K - P - 1, S), rot(rot(l1)), 0, 1, tc))
        r50 = rot(star1(padpad(rot(g1), K - P - 1, S), l1, 0, 1, tc))
        r51 = star1(padpad(g1, K - P - 1, S), rot(l1), 0, 1, tc)
        res[r][49] &= np.allclose(r49, dW1); res[r][50] &= np.allclose(r50, dW1)
        res[r][51] &= np.allclose(r51, dW1); res[r][60] &= np.allclose(r51, dW1)
        # line 67 with channels: dE/dw[o, c] = padpad(delta_o) star rot180(l_c) (trans pairs every o with every c)
        d67 = np.array([[star1(padpad(G[o], K - P - 1, S), rot(l[c]), 0, 1, tc) for c in range(Ci)] for o in range(Co)])
        res[r][67] &= np.allclose(d67, dW)
        # line 68: dE/db_i = delta_i, with b_i one entry per output channel
        res[r][68] &= G.shape == db.shape and np.allclose(G, db)
        if r == "correlation" and (H, K, P, S) == (7, 3, 1, 2):
            print(f"   (line 68: delta_i has shape {G.shape}, dE/db_i from autograd {db.shape} = {np.round(db, 4)} = "
                  f"delta_i summed over the positions {np.round(G.sum((1, 2)), 4)})")
for r in READINGS:
    print(f"   ({r}: " + ", ".join(f"line {n} {'holds' if v else 'fails'}" for n, v in res[r].items()) + ")")

# a stride that does not divide H + 2P - K: the padpad recipe is short by the remainder (those rows get no gradient)
H, K, P, S = 6, 3, 0, 2
l = rng.normal(size=(Ci, H, H)); Wt = rng.normal(size=(Co, Ci, K, K))
G = rng.normal(size=(Co, 2, 2))
_, dl, _, _ = layer_grads(l, Wt, np.zeros(Co), P, S, G, False)
dI = star(padpad(G, K - P - 1, S), rottrans(Wt), 0, 1, False)
print(f"   (line 31 with H = 6, H_k = 3, P = 0, S = 2: padpad recipe gives {dI.shape[1:]}, the input is {dl.shape[1:]}; "
      f"it equals the first rows and columns: {np.allclose(dI, dl[:, :5, :5])}, the last row and column of the true "
      f"gradient are zero: {np.allclose(dl[:, 5, :], 0) and np.allclose(dl[:, :, 5], 0)})")

both = lambda n: res["correlation"][n] and res["true convolution"][n]
tconv = lambda n: res["true convolution"][n]
decide(31, both(31), "dE/dI = padpad(delta_O) star rot180trans(W) (outer padding H_k - P_H - 1, inner S_H - 1), with "
       "channels, against autograd: holds under both readings of star")

# line 36: rot180trans(W)_{i,j,k,l} = W_{H_k-i+1, W_k-j+1, l, k}, i <= H_k, j <= W_k, k <= C_o, l <= C_i (1-based)
Hk = Wk = 3
Wpost = rng.normal(size=(Hk, Wk, Co, Ci))                          # the post's layout H_k x W_k x C_o x C_i
Wp = Strict(Wpost)
try:
    printed = np.array([[[[Wp(Hk - i, Wk - j, l - 1, k - 1) for l in range(1, Ci + 1)] for k in range(1, Co + 1)]
                         for j in range(1, Wk + 1)] for i in range(1, Hk + 1)])
    why36 = f"the printed ranges give shape {printed.shape}"
    ok36 = printed.shape == (Hk, Wk, Ci, Co)
except IndexError as e:
    ok36, why36 = False, f"with C_o = {Co} > C_i = {Ci} the printed ranges read W outside its C_i axis, index {e}"
swapped = np.array([[[[Wp(Hk - i, Wk - j, l - 1, k - 1) for l in range(1, Co + 1)] for k in range(1, Ci + 1)]
                     for j in range(1, Wk + 1)] for i in range(1, Hk + 1)])
ok_sw = np.allclose(swapped, rottrans(Wpost.transpose(2, 3, 0, 1)).transpose(2, 3, 0, 1))
print(f"   (line 36: {why36}; with k <= C_i and l <= C_o the element formula is the H_k x W_k x C_i x C_o tensor "
      f"that line 31 needs: {ok_sw})")
decide(36, ok36, "rot180trans(W)_{i,j,k,l} = W_{H_k-i+1, W_k-j+1, l, k} with k = 1..C_o, l = 1..C_i: the element "
       "formula is right but the ranges of k and l are swapped; the result is H_k x W_k x C_i x C_o (the line's own "
       "shape), so k runs to C_i and l to C_o; as printed W's third index (size C_o) gets l <= C_i and its fourth "
       "(size C_i) gets k <= C_o")

decide(39, both(39), "delta_i = padpad(delta_{i+1}) star rot180trans(w_{i+1}) (.) sigma_i'(z_i) against autograd "
       "(sigmoid), under both readings")
decide(45, tconv(45), "rot180(a_i) = rot180(w_i) star rot180(l_{i-1}) + b_i with l_{i-1} as the kernel, padding "
       "H - H_k + P_H, stride S: holds with star the true convolution (it fails for cross-correlation, where "
       "rot180(a) = w star l); one channel")
decide(49, tconv(49), "dE/dw_i = rot180(padpad(rot180(delta_i)) star rot180trans(rot180(l_{i-1}))): line 31 applied "
       "to line 45; against autograd, one channel, true convolution")
decide(50, tconv(50), "= rot180(padpad(rot180(delta_i)) star trans(l_{i-1})) (rot180 twice is the identity)")
decide(51, tconv(51), "= padpad(delta_i) star rot180trans(l_{i-1}) (rot180 of a valid star is the star of the "
       "rotated operands)")

# line 56: P'_H = H_hat_k - P_hat_H - 1 = H - H + H_k - P_H - 1 = H_k - P_H - 1 with H_hat_k = H, P_hat_H = H - H_k + P_H
ok56 = all((Hh - (Hh - Hk + PH) - 1) == (Hh - Hh + Hk - PH - 1) == (Hk - PH - 1)
           for Hh in range(3, 12) for Hk in range(1, Hh + 1) for PH in range(0, Hk))
decide(56, ok56, "P'_H = H_hat_k - P_hat_H - 1 = H - H + H_k - P_H - 1 = H_k - P_H - 1 (arithmetic, with line 45's "
       "H_hat_k = H and P_hat_H = H - H_k + P_H)")
decide(60, tconv(60), "dE/dw_i = padpad(delta_i) star rot180trans(l_{i-1}) (line 51 again), true convolution")
decide(66, both(66), "delta_{i-1} = padpad(delta_i) star rot180trans(w_i) (.) sigma_{i-1}'(z_{i-1}) (line 39 one "
       "layer down)")
decide(67, tconv(67), "dE/dw_i = padpad(delta_i) star rot180trans(l_{i-1}) with channels (dE/dw[o, c] = "
       "padpad(delta_o) star rot180(l_c)) against autograd, true convolution")
decide(68, res["correlation"][68] and res["true convolution"][68], "dE/db_i = delta_i: b_i has one entry per output "
       "channel (line 3, b_i in R^{C_i}) and is added at every position, so dE/db_i sums delta_i over the positions; "
       "delta_i itself is H' x W' x C_i (the fully connected dE/db = delta does not carry over)")

# line 78: delta_{i-1} = M (.) upsample(delta_i): max pooling (M 0/1 at each window's maximum) and average pooling
# (M = 1/k^2), k x k windows at stride k (upsample repeats each entry over its window)
ok78 = True
for kk in (2, 3):
    x = rng.normal(size=(Ci, 2 * kk * 2, 3 * kk)); xt = T(x).requires_grad_()
    y = F.max_pool2d(xt[None], kk, kk)[0]; G = rng.normal(size=y.shape); (y * T(G)).sum().backward()
    up = np.kron(G, np.ones((kk, kk)))
    M = (x == np.kron(y.detach().numpy(), np.ones((kk, kk)))).astype(float)
    ok78 &= np.allclose(M * up, xt.grad.numpy())
    xt = T(x).requires_grad_(); (F.avg_pool2d(xt[None], kk, kk)[0] * T(G)).sum().backward()
    ok78 &= np.allclose(np.full(x.shape, 1 / kk ** 2) * up, xt.grad.numpy())
decide(78, ok78, "delta_{i-1} = M (.) upsample(delta_i) against autograd for max pooling (M marks each window's "
       "maximum) and average pooling (M = 1/k^2 everywhere), windows of k = 2, 3 at stride k")
finish()
