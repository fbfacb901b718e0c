"""Independent truth for tests/posts/conv_blind11/microsoft_aiedu_conv_backward_zh (NumPy and torch, no derive).

The tutorial's convolution layer (in Chinese): Z = W * A + b, '*' the cross-correlation (the text says so, line 7, and
formulas (1)-(4) write it out: z_ij = sum_pq w_pq a_(i+p-1)(j+q-1) + b), 1-based indices a_ij, w_ij, z_ij; with two
kernels z_kij, w_kij (17.3.3); with two input maps a_cij, w_cij (17.3.4). delta_zij = dJ/dz_ij, the gradient handed
back (the text: already through the activation). Here J = sum(G tanh(Z)) with G random, so every delta is a generic
array; all gradients are autograd's in float64 (torch conv2d, retain_grad). 'padding' is a border of zeros, rot180
the kernel turned by 180 degrees; stride S: torch conv2d with stride S."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(173)
T = lambda v: torch.tensor(np.ascontiguousarray(v), dtype=torch.float64)
corr = lambda x, k: F.conv2d(T(x)[None, None], T(k)[None, None])[0, 0].numpy()          # the tutorial's '*'
rot180 = lambda k: k[::-1, ::-1]
pad = lambda d, p: np.pad(d, p)


def run(A, W, b=0.0, stride=1):
    """Forward z = W * A + b (per input/output map) and autograd's gradients for J = sum(G tanh(z))."""
    At, Wt, bt = T(A).requires_grad_(), T(W).requires_grad_(), T(b).requires_grad_()
    z = F.conv2d(At[None], Wt, bt, stride=stride)[0]
    z.retain_grad()
    G = T(rng.normal(size=z.shape))
    (G * torch.tanh(z)).sum().backward()
    return z.detach().numpy(), z.grad.numpy(), At.grad.numpy(), Wt.grad.numpy(), bt.grad.numpy()


# ---- 17.3.1: one input map, one 2x2 kernel, a 3x3 input
A = rng.normal(size=(3, 3)); W = rng.normal(size=(2, 2)); b = 0.4
Z, D, dA, dW, db = run(A[None], W[None, None], np.array([b]))
Z, D, dA, dW = Z[0], D[0], dA[0], dW[0, 0]
a = lambda i, j: A[i - 1, j - 1]; w = lambda i, j: W[i - 1, j - 1]; d = lambda i, j: D[i - 1, j - 1]
decide(5, np.allclose(corr(A, W) + b, Z), "Z = W * A + b with '*' the cross-correlation (definition)")
for line, (i, j) in zip((17, 18, 19, 20), ((1, 1), (1, 2), (2, 1), (2, 2))):
    val = sum(w(p, q) * a(i + p - 1, j + q - 1) for p in (1, 2) for q in (1, 2)) + b
    decide(line, np.isclose(val, Z[i - 1, j - 1]), f"z_{i}{j} written out, against conv2d (definition)")
decide(25, np.isclose(d(1, 1) * w(1, 1), dA[0, 0]), "dJ/da_11 = delta_z11 w_11 against autograd")
decide(33, np.isclose(d(1, 1) * w(1, 2) + d(1, 2) * w(1, 1), dA[0, 1]), "dJ/da_12 = delta_z11 w_12 + delta_z12 w_11")
decide(39, np.isclose(sum(D.reshape(-1) * np.array([w(2, 2), w(2, 1), w(1, 2), w(1, 1)])), dA[1, 1]),
       "dJ/da_22 = sum of dJ/dz_ij dz_ij/da_22 over the four outputs (dz_11/da_22 = w_22, ... from (1)-(4))")
decide(42, np.isclose(d(1, 1) * w(2, 2) + d(1, 2) * w(2, 1) + d(2, 1) * w(1, 2) + d(2, 2) * w(1, 1), dA[1, 1]),
       "= delta_z11 w_22 + delta_z12 w_21 + delta_z21 w_12 + delta_z22 w_11 against autograd")
decide(55, np.allclose(corr(pad(D, 1), rot180(W)), dA), "delta_out = delta_in * W^rot180, delta_in bordered by one ring "
       "of zeros (the text before), against autograd's dJ/dA")
ok59 = []
for N in (3, 5, 4):
    A2_, W2_ = rng.normal(size=(1, 9, 7)), rng.normal(size=(1, 1, N, N))
    _, D2_, dA2_, _, _ = run(A2_, W2_, np.zeros(1))
    ok59.append(np.allclose(corr(pad(D2_[0], N - 1), rot180(W2_[0, 0])), dA2_[0]))
decide(59, ok59[0], "a 3x3 kernel: a border of 2 rings of zeros gives dJ/dA of the right size and value")
decide(60, ok59[1], "a 5x5 kernel: 4 rings")
decide(61, all(ok59), "an N x N kernel: N - 1 rings (N = 3, 5, 4 tried)")
A108, W55 = rng.normal(size=(1, 10, 8)), rng.normal(size=(1, 1, 5, 5))
Z108, D108, dA108, _, _ = run(A108, W55, np.zeros(1))
decide(65, Z108.shape[1:] == (6, 4), f"10x8 * 5x5 at stride 1 gives {Z108.shape[1:]}")
decide(67, pad(D108[0], 4).shape == (14, 12), f"6x4 with 4 rings of zeros is {pad(D108[0], 4).shape}")
decide(69, np.allclose(corr(pad(D108[0], 4), rot180(W55[0, 0])), dA108[0]), "14x12 * the turned 5x5 kernel is 10x8 and "
       "equals autograd's dJ/dA")

# ---- 17.3.2: stride S > 1
def dilate(Dm, S, rows, cols):
    """The tutorial's steps 2-4: a rows x cols zero matrix, row r of Dm into row r*S at columns 0, S, 2S, ..."""
    out = np.zeros((rows, cols))
    out[::S, ::S][:Dm.shape[0], :Dm.shape[1]] = Dm
    return out


K = 3
res = {}
for S in (2, 3):
    M, Ncol = 2, 3
    H, Wd = (M - 1) * S + K, (Ncol - 1) * S + K                        # inputs whose last window ends at the border
    Ain, Wk = rng.normal(size=(1, H, Wd)), rng.normal(size=(1, 1, K, K))
    Zs, Ds, dAs, _, _ = run(Ain, Wk, np.zeros(1), stride=S)
    assert Ds.shape[1:] == (M, Ncol)
    shown = dilate(Ds[0], S, (M - 1) * S + 1, (Ncol - 1) * S + 1)          # the size of the post's examples
    step2 = dilate(Ds[0], S, M * S, Ncol * S)                             # step 2: (M S) x (N S)
    res[S] = (shown, np.allclose(corr(pad(shown, K - 1), rot180(Wk[0, 0])), dAs[0]), corr(pad(step2, K - 1), rot180(Wk[0, 0])).shape,
              dAs[0].shape, Ds[0])
    if S == 2:   # the same layer on an input one longer each way, where the forward pass leaves a row and a column out
        A6, W6 = rng.normal(size=(1, H + 1, Wd + 1)), rng.normal(size=(1, 1, K, K))
        _, D6, dA6, _, _ = run(A6, W6, np.zeros(1), stride=S)
        res["remainder"] = np.allclose(corr(pad(dilate(D6[0], S, M * S, Ncol * S), K - 1), rot180(W6[0, 0])), dA6[0])
A79, W79 = rng.normal(size=(1, 5, 5)), rng.normal(size=(1, 1, K, K))       # 5x5 input, 3x3 kernel, stride 2: 2x2 error
_, D79, dA79, _, _ = run(A79, W79, np.zeros(1), stride=2)
cross = dilate(D79[0], 2, 3, 3)
decide(79, D79.shape[1:] == (2, 2) and cross.shape == (3, 3) and np.allclose(corr(pad(cross, K - 1), rot180(W79[0, 0])), dA79[0]),
       "a 2x2 error at stride 2 with the cross of zeros is 3x3, and the stride-1 algorithm then gives autograd's dJ/dA")
print(f"   (line 84: stride 2, a 2x3 error from a 5x7 input and a 3x3 kernel: the post's own 3x5 matrix gives dJ/dA "
      f"{res[2][1]}; the (M S) x (N S) = 4x6 matrix gives a {res[2][2]} result for the {res[2][3]} input; stride 3: 4x7 gives "
      f"{res[3][1]}, 6x9 gives {res[3][2]} for {res[3][3]}; (M S) x (N S) is right only when the forward pass left S - 1 "
      f"rows and columns out ({res['remainder']} for a 6x8 input at stride 2))")
decide(84, res[2][2] == res[2][3] and res[3][2] == res[3][3],
       "step 2, a zero matrix of (M S) x (N S): the inserted zeros need ((M - 1) S + 1) x ((N - 1) S + 1), the size of "
       "the text's own examples (3x5 for 2x3 at stride 2, 4x7 at stride 3); with (M S) x (N S) the result of the turned-"
       "kernel step is S - 1 rows and columns too large")
decide(85, np.allclose(res[2][0][0, ::2], res[2][4][0]) and np.allclose(res[3][0][0, ::3], res[3][4][0]) and res[2][1]
       and res[3][1],
       "row 1 of the error goes to row 0 at columns 0, S, 2S, ... (0-based positions in the zero matrix)")
decide(86, np.allclose(res[2][0][2, ::2], res[2][4][1]) and np.allclose(res[3][0][3, ::3], res[3][4][1]) and res[2][1]
       and res[3][1], "row 2 goes to row S (with the placement of steps 3-4 the turned-kernel step gives autograd's dJ/dA)")
sym = lambda i, j: ("d", i, j)
def symbolic(M, Ncol, S):
    out = [[0] * ((Ncol - 1) * S + 1) for _ in range((M - 1) * S + 1)]
    for i in range(M):
        for j in range(Ncol):
            out[i * S][j * S] = sym(i + 1, j + 1)
    return out
s2, s3 = symbolic(2, 3, 2), symbolic(2, 3, 3)
printed2 = [[sym(1, 1), 0, sym(1, 2), 0, sym(1, 3)], [0] * 5, [sym(2, 1), 0, sym(2, 2), 0, sym(2, 3)]]
printed3 = [[sym(1, 1), 0, 0, sym(1, 2), 0, 0, sym(1, 3)], [0] * 7, [0] * 7, [sym(2, 1), 0, 0, sym(2, 2), 0, 0, sym(2, 3)]]
for line, r in zip((93, 94, 95), range(3)):
    decide(line, s2[r] == printed2[r] and res[2][1], f"row {r + 1} of the stride-2 matrix; with it the turned-kernel step "
           "gives autograd's dJ/dA")
for line, r in zip((103, 104, 105, 106), range(4)):
    decide(line, s3[r] == printed3[r] and res[3][1], f"row {r + 1} of the stride-3 matrix; with it the turned-kernel step "
           "gives autograd's dJ/dA")

# ---- 17.3.3: one input map, two kernels
Am = rng.normal(size=(3, 3)); W2 = rng.normal(size=(2, 2, 2))
Z2, D2, dA2, dW2, _ = run(Am[None], W2[:, None], np.zeros(2))
dA2 = dA2[0]
wk = lambda k, i, j: W2[k - 1, i - 1, j - 1]; dk = lambda k, i, j: D2[k - 1, i - 1, j - 1]
lines = {122: (1, 1, 1), 123: (1, 1, 2), 124: (1, 2, 1), 125: (1, 2, 2), 127: (2, 1, 1), 128: (2, 1, 2), 129: (2, 2, 1),
         130: (2, 2, 2)}
for line, (k, i, j) in lines.items():
    val = sum(wk(k, p, q) * Am[i + p - 2, j + q - 2] for p in (1, 2) for q in (1, 2))
    decide(line, np.isclose(val, Z2[k - 1, i - 1, j - 1]), f"z_{k}{i}{j} written out, against conv2d (definition)")
Jz = torch.autograd.functional.jacobian(lambda aa: F.conv2d(aa[None, None], T(W2)[:, None])[0], T(Am)).numpy()   # dz/da
decide(136, np.isclose((D2 * Jz[:, :, :, 1, 1]).sum(), dA2[1, 1]),
       "dJ/da_22 = <dJ/dZ_1, dZ_1/da_22> + <dJ/dZ_2, dZ_2/da_22> (the products summed over each map's entries)")
decide(138, np.isclose(sum(D2[k, i, j] * Jz[k, i, j, 1, 1] for k in range(2) for i in range(2) for j in range(2)), dA2[1, 1]),
       "the eight terms dJ/dz_kij dz_kij/da_22 (rows 137-138) sum to autograd's dJ/da_22")
v139 = sum(dk(k, 1, 1) * wk(k, 2, 2) + dk(k, 1, 2) * wk(k, 2, 1) + dk(k, 2, 1) * wk(k, 1, 2) + dk(k, 2, 2) * wk(k, 1, 1)
           for k in (1, 2))
decide(139, np.isclose(v139, dA2[1, 1]), "(delta_z111 w_122 + ... + delta_z122 w_111) + (delta_z211 w_222 + ...) against "
       "autograd's dJ/da_22")
full = sum(corr(pad(D2[k], 1), rot180(W2[k])) for k in range(2))
decide(140, np.isclose(full[1, 1], dA2[1, 1]) and np.allclose(full, dA2),
       "= delta_z1 * W_1^rot180 + delta_z2 * W_2^rot180, read as the (2,2) entry of the zero-bordered correlations (the "
       "whole sum is dJ/dA)")
decide(146, np.allclose(full, dA2), "delta_out = sum_m delta_in_m * W_m^rot180 (zero-bordered) against autograd")

# ---- 17.3.4: two input maps, one output map (a kernel slice per input map)
A3 = rng.normal(size=(2, 3, 3)); W3 = rng.normal(size=(1, 2, 2, 2))
Z3, D3, dA3, dW3, _ = run(A3, W3, np.zeros(1))
D3 = D3[0]
ac = lambda c, i, j: A3[c - 1, i - 1, j - 1]; wc = lambda c, i, j: W3[0, c - 1, i - 1, j - 1]; dd = lambda i, j: D3[i - 1, j - 1]
for line, (i, j) in zip((162, 169, 174, 179), ((1, 1), (1, 2), (2, 1), (2, 2))):
    val = sum(wc(c, p, q) * ac(c, i + p - 1, j + q - 1) for c in (1, 2) for p in (1, 2) for q in (1, 2))
    decide(line, np.isclose(val, Z3[0, i - 1, j - 1]), f"z_{i}{j} over both input maps, against conv2d (definition; the "
           "equation ends on this line)")
v122 = dd(1, 1) * wc(1, 2, 2) + dd(1, 2) * wc(1, 2, 1) + dd(2, 1) * wc(1, 1, 2) + dd(2, 2) * wc(1, 1, 1)
print(f"   (line 186: dJ/da_111 = {dA3[0, 0, 0]:.4f} (delta_z11 w_111 = {dd(1, 1) * wc(1, 1, 1):.4f}); the printed chain, "
      f"through a_122, is {v122:.4f} = dJ/da_122 = {dA3[0, 1, 1]:.4f})")
decide(186, np.isclose(v122, dA3[0, 0, 0]), "dJ/da_111 = dJ/dz11 dz11/da122 + ...: the chain on the right is the one of "
       "a_122 (as the heading says); dJ/da_111 = delta_z11 w_111 (a_111 feeds z_11 only)")
decide(188, np.isclose(v122, dA3[0, 1, 1]), "= delta_z11 w_122 + delta_z12 w_121 + delta_z21 w_112 + delta_z22 w_111, the "
       "right side of the row above (dJ/da_122), against autograd")
decide(194, np.allclose(corr(pad(D3, 1), rot180(W3[0, 0])), dA3[0]), "delta_out1 = delta_in * W_1^rot180 (zero-bordered)")
v222 = dd(1, 1) * wc(2, 2, 2) + dd(1, 2) * wc(2, 2, 1) + dd(2, 1) * wc(2, 1, 2) + dd(2, 2) * wc(2, 1, 1)
print(f"   (line 200: dJ/da_211 = {dA3[1, 0, 0]:.4f}; the printed chain, through a_222, is {v222:.4f} = dJ/da_222 = "
      f"{dA3[1, 1, 1]:.4f})")
decide(200, np.isclose(v222, dA3[1, 0, 0]), "dJ/da_211 = dJ/dz11 dz11/da222 + ...: again the chain of a_222 under the "
       "name of a_211 (dJ/da_211 = delta_z11 w_211)")
decide(201, np.isclose(v222, dA3[1, 1, 1]), "= delta_z11 w_222 + ... + delta_z22 w_211 = dJ/da_222, against autograd")
decide(207, np.allclose(corr(pad(D3, 1), rot180(W3[0, 1])), dA3[1]), "delta_out2 = delta_in * W_2^rot180 (zero-bordered)")

# ---- 17.3.5 / 17.3.6: kernel and bias gradients (the 3x3 / 2x2 layer of 17.3.1: A, W, D, dW, db)
Jw = torch.autograd.functional.jacobian(lambda ww: F.conv2d(T(A)[None, None], ww[None, None])[0, 0], T(W)).numpy()
decide(221, np.isclose((D * Jw[:, :, 0, 0]).sum(), dW[0, 0]), "dJ/dw_11 = sum over the four z of dJ/dz dz/dw_11")
decide(223, np.isclose(d(1, 1) * a(1, 1) + d(1, 2) * a(1, 2) + d(2, 1) * a(2, 1) + d(2, 2) * a(2, 2), dW[0, 0]),
       "= delta_z11 a_11 + delta_z12 a_12 + delta_z21 a_21 + delta_z22 a_22 against autograd")
decide(232, np.isclose((D * Jw[:, :, 0, 1]).sum(), dW[0, 1]), "dJ/dw_12 = sum over the four z of dJ/dz dz/dw_12")
decide(234, np.isclose(d(1, 1) * a(1, 2) + d(1, 2) * a(1, 3) + d(2, 1) * a(2, 2) + d(2, 2) * a(2, 3), dW[0, 1]),
       "= delta_z11 a_12 + delta_z12 a_13 + delta_z21 a_22 + delta_z22 a_23 against autograd")
decide(247, np.allclose(corr(A, D), dW), "delta_w = A * delta_in (A correlated with delta_in as the kernel) against autograd")
decide(255, np.isclose(D.sum(), db[0]), "dJ/db = sum over the four z of dJ/dz dz/db (each dz/db = 1)")
decide(257, np.isclose(d(1, 1) + d(1, 2) + d(2, 1) + d(2, 2), db[0]), "= delta_z11 + delta_z12 + delta_z21 + delta_z22")
print(f"   (line 265: dJ/db = {db[0]:.4f}, one number (one bias per kernel, as the next sentence says); delta_in = "
      f"{np.round(D, 4).tolist()})")
decide(265, np.shape(D) == np.shape(db[0]) and np.allclose(D, db[0]),
       "delta_b = delta_in sets the bias gradient, one number, equal to the 2x2 error matrix; (12) just above gives its "
       "sum, delta_b = sum_ij delta_zij")
finish()
