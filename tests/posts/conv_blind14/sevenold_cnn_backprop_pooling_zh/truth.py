"""Independent truth for tests/posts/conv_blind14/sevenold_cnn_backprop_pooling_zh (NumPy and torch, no derive).

The post (a Chinese Jekyll post, 2018-08-22) recalls the four DNN backpropagation rules, then derives the convolution
layer net^(l+1) = output^(l) * W + b, output = sigma(net), with '*' the valid cross-correlation that its own example
writes out (line 71: z_11 = a_11 w_11 + a_12 w_12 + a_21 w_21 + a_22 w_22), and the pooling layers (average and max,
2x2 windows at stride 2) with the error delta^l = [[2, 8], [4, 6]]. Every formula is evaluated as printed in float64
on random values against torch (linear, conv2d, avg_pool2d, max_pool2d) and autograd; index-level quantities
(nabla a_ij, the Jacobian of the convolution) come from torch.autograd.functional.jacobian. sigma is the sigmoid (the
post leaves it open; its derivative is only ever used as sigma'). A product of a gradient with a Jacobian ('.', 'x')
is read as the chain-rule contraction over the shared index."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(1408)
T = lambda a: torch.tensor(np.ascontiguousarray(a, dtype=np.float64))
sig = torch.sigmoid
dsig = lambda z: sig(z) * (1 - sig(z))
jac = torch.autograd.functional.jacobian
rot = lambda a: torch.flip(a, [-2, -1])


def xcorr(a, k, mode="valid"):
    """the post's '*': cross-correlation of a 2D map a with a 2D kernel k ('full' pads k-1 zeros around a)"""
    p = (k.shape[0] - 1, k.shape[1] - 1) if mode == "full" else 0
    return F.conv2d(a[None, None], k[None, None], padding=p)[0, 0]


# ---- the DNN rules (lines 9-25): a chain net^(l) = w^(l) outh^(l-1) + b^(l), outh = sigma(net), E half SSE ----
sizes = [3, 4, 5, 2]
Ws = [T(rng.normal(size=(sizes[k + 1], sizes[k]))).requires_grad_() for k in range(3)]
bs = [T(rng.normal(size=sizes[k + 1])).requires_grad_() for k in range(3)]
x0, target = T(rng.normal(size=3)), T(rng.normal(size=2))
nets, outs = [], [x0]
for W, b in zip(Ws, bs):
    n = W @ outs[-1] + b
    n.retain_grad()
    nets.append(n)
    o = sig(n)
    o.retain_grad()
    outs.append(o)
E = 0.5 * ((outs[-1] - target) ** 2).sum()
E.backward()
delta = [n.grad for n in nets]                       # delta^(l) = dE/dnet^(l), layers 1..3 (L = 3)
dout_L = outs[-1].grad
ok9 = torch.allclose(delta[2], dout_L * dsig(nets[2]))
decide(9, ok9, "delta_i^(L) = (dE/dout_i) x sigma'(net_i^(L)) against autograd")
l = 1                                                # the middle layer (index 1 = layer 2)
ok11 = all(torch.isclose(delta[l][i], sum(delta[l + 1][j] * Ws[l + 1][j, i] for j in range(sizes[l + 2]))
                         * dsig(nets[l][i])) for i in range(sizes[l + 1]))
decide(11, ok11, "delta_i^(l) = sum_j delta_j^(l+1) w_ji^(l+1) sigma'(net_i^(l))")
decide(13, torch.allclose(bs[l].grad, delta[l]), "dE/dbias_i^(l) = delta_i^(l)")
ok15 = all(torch.isclose(Ws[l].grad[i, j], outs[l][j] * delta[l][i]) for i in range(sizes[l + 1])
           for j in range(sizes[l]))
decide(15, ok15, "dE/dw_ij^(l) = outh_j^(l-1) delta_i^(l)")
decide(19, ok9, "matrix form of line 9 (Hadamard product)")
decide(21, torch.allclose(delta[l], (Ws[l + 1].T @ delta[l + 1]) * dsig(nets[l])), "delta^(l) = (w^(l+1))^T "
       "delta^(l+1) (.) sigma'(net^(l))")
decide(23, torch.allclose(bs[l].grad, delta[l]), "dE/dbias^(l) = delta^(l)")
decide(25, torch.allclose(Ws[l].grad, torch.outer(delta[l], outs[l].detach())), "dE/dw^(l) = delta^(l) "
       "(outh^(l-1))^T")
ok37 = torch.allclose(outs[2], sig(F.linear(outs[1], Ws[1], bs[1])))
decide(37, ok37, "output^(l+1) = sigma(W output^(l) + b) (definition) against torch linear")

# line 89: the DNN rule restated without the transpose, delta^(l) = (w^(l+1)) delta^(l+1) (.) sigma'(net^(l))
try:
    v89 = (Ws[l + 1] @ delta[l + 1]) * dsig(nets[l])          # w^(l+1) is 5 x 4, delta^(l+1) has 5 entries
    ok89 = torch.allclose(v89, delta[l])
except RuntimeError:
    ok89 = False
Wsq = T(rng.normal(size=(3, 3)))
dsq, zsq = T(rng.normal(size=3)), T(rng.normal(size=3))
sq_ok = torch.allclose((Wsq @ dsq) * dsig(zsq), (Wsq.T @ dsq) * dsig(zsq))
print(f"   (line 89: w^(l+1) is {tuple(Ws[l + 1].shape)} and delta^(l+1) has {delta[l + 1].numel()} entries, so "
      f"w delta^(l+1) is undefined; with square w it gives sum_j w_ij delta_j, not the line-21 sum_j w_ji delta_j: "
      f"equal on a random 3x3 case: {sq_ok})")
decide(89, ok89, "the 'original' DNN rule written delta^(l) = (w^(l+1)) delta^(l+1) (.) "
       "sigma'(net^(l)): the transpose of line 21 is dropped")

# ---- the convolution layer (lines 41-91): net^(l) 3x3 -> out^(l) = sigma -> net^(l+1) = out^(l) * W + b (2x2)
# -> out^(l+1) = sigma -> a dense output layer net^(L) (3x3, so sigma'(net^(L)) has the shape of line 59) -> E ----
net_l = T(rng.normal(size=(3, 3))).requires_grad_()
Wk = T(rng.normal(size=(2, 2))).requires_grad_()
bk = T(rng.normal(size=())).requires_grad_()
Wd, bd, tgt = T(rng.normal(size=(9, 4))), T(rng.normal(size=9)), T(rng.normal(size=(3, 3)))
out_l = sig(net_l)
out_l.retain_grad()
net_l1 = xcorr(out_l, Wk) + bk
net_l1.retain_grad()
out_l1 = sig(net_l1)
net_L = (Wd @ out_l1.reshape(4) + bd).reshape(3, 3)
E2 = 0.5 * ((sig(net_L) - tgt) ** 2).sum()
E2.backward()
d_l, d_l1, grad_a = net_l.grad, net_l1.grad, out_l.grad      # delta^(l), delta^(l+1), nabla a = dE/dout^(l)
a, w = out_l.detach(), Wk.detach()

decide(41, torch.allclose(out_l1, sig(F.conv2d(a[None, None], w[None, None], bk.detach().reshape(1))[0, 0])),
       "conv layer output^(l+1) = sigma(output^(l) * W + b), '*' the valid cross-correlation of line 71, against "
       "torch conv2d (definition)")
decide(51, True, "delta^(l) = dE/dnet^(l) (definition)")
Jnet = jac(lambda v: xcorr(sig(v), w) + bk.detach(), net_l.detach())        # dnet^(l+1)/dnet^(l): 2x2x3x3
decide(53, torch.allclose(torch.einsum("ij,ijkl->kl", d_l1, Jnet), d_l), "= dE/dnet^(l+1) . dnet^(l+1)/dnet^(l) "
       "(contracted over net^(l+1)) against autograd")
decide(55, torch.allclose(torch.einsum("ij,ijkl->kl", d_l1, Jnet), d_l), "= delta^(l+1) x d(output^(l)*W+b)/dnet^(l)")
Jout = jac(lambda v: xcorr(v, w) + bk.detach(), a)                           # dnet^(l+1)/dout^(l)
vjp = torch.einsum("ij,ijkl->kl", d_l1, Jout)
decide(57, torch.allclose(vjp * dsig(net_l.detach()), d_l), "= delta^(l+1) x d(output^(l)*W+b)/dout^(l) x "
       "dout^(l)/dnet^(l)")
v59 = vjp * dsig(net_L.detach())
print(f"   (line 59: with sigma'(net^(l)) the line would hold: {torch.allclose(vjp * dsig(net_l.detach()), d_l)}; "
      f"with the printed sigma'(net_i^(L)) of the output layer: {torch.allclose(v59, d_l)})")
decide(59, torch.allclose(v59, d_l), "= delta^(l+1) . d(...)/dout^(l) . sigma'(net_i^(L)): the derivative of "
       "out^(l) by net^(l) is sigma'(net^(l)); the printed sigma'(net^(L)) is the output layer's")
z_printed = torch.stack([torch.stack([a[0, 0] * w[0, 0] + a[0, 1] * w[0, 1] + a[1, 0] * w[1, 0] + a[1, 1] * w[1, 1],
                                      a[0, 1] * w[0, 0] + a[0, 2] * w[0, 1] + a[1, 1] * w[1, 0] + a[1, 2] * w[1, 1]]),
                         torch.stack([a[1, 0] * w[0, 0] + a[1, 1] * w[0, 1] + a[2, 0] * w[1, 0] + a[2, 1] * w[1, 1],
                                      a[1, 1] * w[0, 0] + a[1, 2] * w[0, 1] + a[2, 1] * w[1, 0] + a[2, 2] * w[1, 1]])])
z_torch = F.conv2d(a[None, None], w[None, None])[0, 0]
decide(67, z_torch.shape == (2, 2), "a (3x3) * w (2x2) = z (2x2): the valid cross-correlation's size")
decide(71, torch.allclose(z_printed, z_torch), "z_11 .. z_22 written out = torch conv2d (cross-correlation)")

# lines 75, 77: nabla a_11, nabla a_12 = sum_ij dC/dz_ij dz_ij/da (true) = w_11, w_12 + w_11 (printed)
J_za = jac(lambda v: xcorr(v, w), a)                                          # dz/da
s75 = sum(d_l1[i, j] * J_za[i, j, 0, 0] for i in range(2) for j in range(2))
s77 = sum(d_l1[i, j] * J_za[i, j, 0, 1] for i in range(2) for j in range(2))
print(f"   (lines 75, 77: the chain-rule sums equal autograd: {torch.isclose(s75, grad_a[0, 0])}, "
      f"{torch.isclose(s77, grad_a[0, 1])}; they are delta_11 w_11 and delta_11 w_12 + delta_12 w_11: "
      f"{torch.isclose(s75, d_l1[0, 0] * w[0, 0])}, {torch.isclose(s77, d_l1[0, 0] * w[0, 1] + d_l1[0, 1] * w[0, 0])}; "
      f"the printed w_11 = {w[0, 0].item():.4f} against {grad_a[0, 0].item():.4f})")
decide(75, torch.isclose(s75, grad_a[0, 0]) and torch.isclose(grad_a[0, 0], w[0, 0]), "nabla a_11 = sum dC/dz dz/da_11 "
       "= w_11: the factor dC/dz_11 = delta_11 is dropped (w_11 only if delta_11 = 1)")
decide(77, torch.isclose(s77, grad_a[0, 1]) and torch.isclose(grad_a[0, 1], w[0, 1] + w[0, 0]), "nabla a_12 = ... = "
       "w_12 + w_11: delta_11 and delta_12 dropped as in line 75")
ones_pad = F.pad(torch.ones(2, 2), (1, 1, 1, 1))
m81 = xcorr(ones_pad, rot(w))
delta_pad = F.pad(d_l1, (1, 1, 1, 1))
print(f"   (line 81: the ones-bordered matrix * rot180(W) gives sum_ij dz_ij/da (the gradient of sum z): "
      f"{torch.allclose(m81, J_za.sum((0, 1)))}; with delta^(l+1) in place of the ones it gives nabla a: "
      f"{torch.allclose(xcorr(delta_pad, rot(w)), grad_a)})")
decide(81, torch.allclose(m81, grad_a), "[[0,0,0,0],[0,1,1,0],[0,1,1,0],[0,0,0,0]] * rot180(W) = (nabla a_ij): the "
       "ones stand where delta^(l+1) belongs, as in lines 75-77")
decide(85, m81.shape == Jout.shape and torch.allclose(m81, Jout), "d(output^(l)*W+b)/dout^(l) = the ones-bordered "
       "matrix * rot180(W): the derivative is the 2x2x3x3 Jacobian; the 3x3 matrix is only its sum over the outputs "
       "(the gradient of sum z), from which delta^(l+1) . (...) of line 59 cannot be formed")
# line 91 (and 115): delta^(l) = (w^(l+1)) * rot180(W) (.) sigma'(net^(l)); w^(l+1) and W are this layer's kernel
c91 = [xcorr(w, rot(w), "valid") * dsig(net_l.detach()), xcorr(w, rot(w), "full") * dsig(net_l.detach())]
ok91 = any(torch.allclose(c, d_l) for c in c91)
print(f"   (line 91: w * rot180(W) (valid: 1x1 broadcast, or full: 3x3) (.) sigma' matches delta^(l): {ok91}; it does "
      f"not involve delta^(l+1); zero-bordered delta^(l+1) * rot180(W) (.) sigma' does: "
      f"{torch.allclose(xcorr(delta_pad, rot(w)) * dsig(net_l.detach()), d_l)})")
decide(91, ok91, "delta^(l) = (w^(l+1)) * rot180(W) (.) sigma'(net^(l)): the weights take the place of the "
       "(zero-bordered) delta^(l+1)")
decide(95, torch.allclose(bs[l].grad, delta[l]), "the DNN rule dE/dbias_i = delta_i")
decide(97, bs[l].shape == delta[l].shape, "dense layer: b and delta^(l) both have n_out entries")

# channels (lines 99, 107, 117): conv2d with 3 output channels, bias per channel, delta channel-last (H, W, i)
xin = T(rng.normal(size=(1, 2, 5, 5)))
Wc = T(rng.normal(size=(3, 2, 2, 2))).requires_grad_()
bc = T(rng.normal(size=3)).requires_grad_()
netc = F.conv2d(xin, Wc, bc)
netc.retain_grad()
(T(rng.normal(size=netc.shape)) * sig(netc)).sum().backward()
dHWi = netc.grad[0].permute(1, 2, 0)                                          # delta_(H, W, i)
decide(99, bc.shape == (3,) and dHWi.shape == (4, 4, 3), "CNN: b has n_out entries, delta^(l) is H_out x W_out x n_out")
ok107 = torch.allclose(bc.grad, dHWi.sum((0, 1)))
decide(107, ok107, "dE/dbias_i = sum_H sum_W delta_(H,W,i) against autograd")
decide(113, ok9, "repeats line 9")
decide(115, ok91, "repeats line 91")
decide(117, ok107, "repeats line 107")
# line 119: dE/dw^(l) = rot180(delta^(l) * outh^(l-1)); here delta = delta^(l+1) of the layer above and outh = a
gW = Wk.grad                                                                  # = a * delta (cross-correlation)
readings = {}
try:
    readings["valid cross-correlation, delta the map"] = rot(xcorr(d_l1, a))
except RuntimeError:
    readings["valid cross-correlation, delta the map"] = None                # kernel larger than the map
readings["full cross-correlation"] = rot(xcorr(d_l1, a, "full"))
readings["true convolution (commutative, valid)"] = rot(xcorr(a, rot(d_l1)))
readings["cross-correlation with outh as the map"] = rot(xcorr(a, d_l1))
res119 = {k: (v is not None and v.shape == gW.shape and torch.allclose(v, gW)) for k, v in readings.items()}
print(f"   (line 119: dE/dW = outh * delta (valid cross-correlation) holds: {torch.allclose(xcorr(a, d_l1), gW)}; the "
      f"printed rot180(delta * outh) under each reading of '*': {res119})")
decide(119, any(res119.values()), "dE/dw^(l) = rot180(delta^(l) * outh^(l-1)): under no reading of '*' is this "
       "outh * delta, the kernel gradient of the post's cross-correlation")

# ---- pooling (lines 137-165): z^(l-1) 4x4, input sigma(z), 2x2 windows at stride 2, dE/dpool = [[2, 8], [4, 6]] ----
dpool = T([[2.0, 8.0], [4.0, 6.0]])
z = T(rng.normal(size=(4, 4))).requires_grad_()
(F.avg_pool2d(sig(z)[None, None], 2)[0, 0] * dpool).sum().backward()
g_avg = z.grad.clone()
up_avg = torch.kron(dpool / 4, torch.ones(2, 2))
M155 = T([[0.5, 0.5, 2, 2], [0.5, 0.5, 2, 2], [1, 1, 1.5, 1.5], [1, 1, 1.5, 1.5]])
ok137a = torch.allclose(g_avg, up_avg * dsig(z.detach()))
# max pooling with maxima top-left, bottom-right, top-right, bottom-left in the four windows (row-major)
pos = {(0, 0): (0, 0), (0, 1): (1, 1), (1, 0): (0, 1), (1, 1): (1, 0)}
zm = T(rng.uniform(-2, -1, size=(4, 4)))
for (bi, bj), (di, dj) in pos.items():
    zm[2 * bi + di, 2 * bj + dj] = 1.0 + bi + bj
zm.requires_grad_()
(F.max_pool2d(sig(zm)[None, None], 2)[0, 0] * dpool).sum().backward()
up_max = torch.zeros(4, 4)
for (bi, bj), (di, dj) in pos.items():
    up_max[2 * bi + di, 2 * bj + dj] = dpool[bi, bj]
ok137m = torch.allclose(zm.grad, up_max * dsig(zm.detach()))
decide(137, ok137a and ok137m, "delta^(l-1) = upsample(delta^l) (.) sigma'(z^(l-1)) for average and max pooling")
xw = T(rng.normal(size=(2, 2)))
decide(149, torch.isclose(F.avg_pool2d(xw[None, None], 2)[0, 0, 0, 0], xw.sum() / 4), "average(x) = (1/m) sum_k x_k "
       "with m = 4 for a 2x2 window, against avg_pool2d")
decide(151, torch.allclose(jac(lambda v: F.avg_pool2d(v[None, None], 2)[0, 0, 0, 0], xw), torch.full((2, 2), 0.25)),
       "d average/dx_k = 1/m")
decide(155, ok137a and torch.allclose(up_avg, M155), "delta^(l-1) = delta^l d average/dx (.) sigma' = "
       "upsample(delta^l) (.) sigma' = [[0.5,0.5,2,2],...,[1,1,1.5,1.5]] (.) sigma'(z^(l-1)) against autograd")
xm = T(rng.normal(size=(2, 2)))
gm = jac(lambda v: F.max_pool2d(v[None, None], 2)[0, 0, 0, 0], xm)
decide(161, torch.allclose(gm, (xm == xm.max()).double()), "d max(x)/dx_k = 1 at the maximum, 0 otherwise")
M165 = T([[2, 0, 0, 0], [0, 0, 0, 8], [0, 4, 0, 0], [0, 0, 6, 0]])
decide(165, ok137m and torch.allclose(up_max, M165), "max pooling: [[2,0,0,0],[0,0,0,8],[0,4,0,0],[0,0,6,0]] (.) "
       "sigma' with the maxima top-left, bottom-right, top-right, bottom-left, against autograd")
finish()
