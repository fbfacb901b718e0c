"""Independent truth for tests/posts/conv_blind24/blueblazin_nyu_dlsp21_conv1d_theory (NumPy and torch, no derive).

The source (BlueBlazin/NYU-DLSP21, homework2/theory.md, section '1.1 Convolutional Neural Netoworks') is a student's
answers to the convolution questions of NYU's Deep Learning course (Spring 2021, homework 2, theory part): (a) the
output size of a 3 x 3 convolution at stride 2 without padding on a 10 x 11 input, (b) the output size with padding P,
dilation D, kernel K and stride S, and (c) a 1-D convolutional layer f_W with one filter on an input of length 5 with 2
channels, kernel size 3, stride 2, no padding, no dilation, no bias (W of 1 x 2 x 3): the output and its elements
f_W(x)[i, j] = sum_k sum_l x[l, 2j + k] W[i, l, k], the Jacobians df/dW and df/dx with their dimensions, and the
gradient dl/dW of a loss l given dl/df, written as a chain of index sums.

Layout (the answers', read from how they index): a derivative of a tensor by a tensor is indexed by the numerator's
indices in order and then the denominator's in reverse order: df/dW is 1 x 2 x 3 x 2 x 1 (f is 1 x 2, W is 1 x 2 x 3)
and its entry [a, b, e, d, c] is d f[a, b] / d W_{i=c, l=d, k=e} (the delta_{i=c, l=d, k=e} of line 26 says so);
df/dx is 1 x 2 x 5 x 2 and [a, b, d, c] is d f[a, b] / d x[channel c, position d] (delta_{l=c, 2j+k=d}); dl/dW is
3 x 2 x 1 and [c, b, a] is dl/dW_{a, b, c}; dl/df_W[j, i] is dl/df[i, j]. Read with the layout of (i) instead (W[e, d, c]
as W_{i=e, l=d, k=c}), lines 24, 26, 30, 36 and 40-44 would all fail; the one verdict that does not depend on the
reading is line 32's, wrong either way. Indices from 0 as the answers write them; everything in float64 against torch
(conv1d, conv2d) and autograd, with l = sum(G * f) for a random G = dl/df."""
import sys
from itertools import product
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(2401)

# ---- (a): a 10 x 11 input, a 3 x 3 kernel, stride 2, no padding
out_a = F.conv2d(torch.tensor(rng.normal(size=(1, 1, 10, 11))), torch.tensor(rng.normal(size=(1, 1, 3, 3))),
                 stride=2).shape[2:]
decide(3, tuple(out_a) == (4, 5), f"torch conv2d of a 10 x 11 input with a 3 x 3 kernel at stride 2: {tuple(out_a)}")

# ---- (b): the output size with padding P, dilation D (1 = none), kernel K and stride S, against torch conv2d
ok7 = ok11 = True
for H, Wd, P, D, K, S in product(range(4, 13), range(5, 12, 3), range(3), (1, 2), (1, 2, 3), (1, 2, 3)):
    if H + 2 * P - D * (K - 1) - 1 < 0 or Wd + 2 * P - D * (K - 1) - 1 < 0:
        continue
    shape = F.conv2d(torch.zeros(1, 1, H, Wd), torch.zeros(1, 1, K, K), stride=S, padding=P, dilation=D).shape[2:]
    ok7 &= 1 + (H + 2 * P - D * (K - 1) - 1) // S == shape[0]
    ok11 &= 1 + (Wd + 2 * P - D * (K - 1) - 1) // S == shape[1]
decide(7, ok7, "H' = 1 + floor((H + 2P - D(K - 1) - 1)/S) against torch conv2d over a grid of H, P, D, K, S")
decide(11, ok11, "W' = 1 + floor((W + 2P - D(K - 1) - 1)/S) against torch conv2d over the same grid")

# ---- (c): x of 2 channels x 5 positions, W of 1 x 2 x 3, stride 2 -> f of 1 x 2
x, W, G = rng.normal(size=(2, 5)), rng.normal(size=(1, 2, 3)), rng.normal(size=(1, 2))


def conv(xv, wv):
    return F.conv1d(xv[None], wv, stride=2)[0]


f = conv(torch.tensor(x), torch.tensor(W)).numpy()
decide(18, f.shape == (1, 2), f"f_W(x) of torch conv1d (stride 2) has shape {f.shape}")

t20 = np.array([[sum(x[l, 2 * j + k] * W[i, l, k] for k in range(3) for l in range(2)) for j in range(2)]
                for i in range(1)])
decide(20, np.allclose(t20, f), "f_W(x)[i,j] = sum_k sum_l x[l, 2j + k] W[i,l,k] against torch conv1d, stride 2")

Jw = torch.autograd.functional.jacobian(lambda w: conv(torch.tensor(x), w), torch.tensor(W)).numpy()  # [i,j,i',l,k]
Jx = torch.autograd.functional.jacobian(lambda v: conv(v, torch.tensor(W)), torch.tensor(x)).numpy()  # [i,j,l,p]
print(f"   (torch Jacobians: df/dW {Jw.shape}, df/dx {Jx.shape}; the answers list the denominator's axes reversed)")
decide(24, (1, 2, 3, 2, 1) == Jw.shape[:2] + Jw.shape[2:][::-1],
       "df/dW in R^{1x2x3x2x1}: f's 1 x 2 and W's 1 x 2 x 3 in reverse order (the answers' layout)")

# line 26: [a,b,e,d,c] = d f[a,b] / d W_{i=c,l=d,k=e}; the middle sum (its i is f's first index, a here) and the end
mid26 = np.zeros((1, 2, 3, 2, 1))
end26 = np.zeros((1, 2, 3, 2, 1))
for a, b, e, d, c in product(range(1), range(2), range(3), range(2), range(1)):
    mid26[a, b, e, d, c] = sum(x[l, 2 * b + k] * (a == c and l == d and k == e) for k in range(3) for l in range(2))
    end26[a, b, e, d, c] = x[d, 2 * b + e] * (a == c)
ref26 = Jw.transpose(0, 1, 4, 3, 2)                                     # [a, b, k, l, i']
decide(26, np.allclose(mid26, ref26) and np.allclose(end26, ref26),
       "d f[a,b] / d W_{c,d,e} = sum_k sum_l x[l, 2b + k] delta_{a=c, l=d, k=e} = x[d, 2b + e] delta_{a=c}, "
       "torch Jacobian (the answers' reversed layout; the middle's i read as a)")

decide(30, (1, 2, 5, 2) == Jx.shape[:2] + Jx.shape[2:][::-1],
       "df/dx in R^{1x2x5x2}: f's 1 x 2 and x's 2 x 5 in reverse order (the answers' layout)")

# line 32: [a,b,d,c] = d f[a,b] / d x[channel c, position d] = sum_k W[a,c,k] delta_{k = d - b}
ref32 = Jx.transpose(0, 1, 3, 2)                                        # [a, b, position, channel]


def dfdx(shift):
    out = np.zeros((1, 2, 5, 2))
    for a, b, d, c in product(range(1), range(2), range(5), range(2)):
        out[a, b, d, c] = sum(W[a, c, k] * (k == d - shift * b) for k in range(3))
    return out


print(f"   (line 32: with delta_{{k = d - 2b}} (the stride 2 of the middle's 2j + k = d) it equals the torch "
      f"Jacobian: {np.allclose(dfdx(2), ref32)}; as printed, delta_{{k = d - b}}: {np.allclose(dfdx(1), ref32)})")
decide(32, np.allclose(dfdx(1), ref32),
       "d f[a,b] / d x[d,c] = sum_k W[a,c,k] delta_{k = d - b}: the stride 2 is lost (k = d - 2b); for b = 1 it "
       "puts W[a,c,k] at position d = k + 1 instead of k + 2 (torch Jacobian)")

decide(36, (3, 2, 1) == W.shape[::-1], "dl/dW in R^{3x2x1}: W's 1 x 2 x 3 in reverse order (the answers' layout)")

# (iv): l = sum(G * f), dl/df_W[j, i] = G[i, j] (reversed), dl/dW[c, b, a] = dl/dW_{a,b,c}
wt = torch.tensor(W, requires_grad=True)
(conv(torch.tensor(x), wt) * torch.tensor(G)).sum().backward()
gW = wt.grad.numpy()
dl_df = G.T                                                             # [j, i]
ref = gW.transpose(2, 1, 0)                                             # [c, b, a]
Jpost = end26                                                           # line 26's df/dW[i, j, c, b, a]
t38 = np.einsum("ji,ijcba->cba", dl_df, Jw.transpose(0, 1, 4, 3, 2))
decide(38, np.allclose(t38, ref), "dl/dW = (dl/df_W df_W/dW): the contraction over f's indices with the torch "
       "Jacobian equals autograd (the answers' layout)")
t40 = np.einsum("ji,ijcba->cba", dl_df, Jpost)
decide(40, np.allclose(t40, ref), "sum_j sum_i dl/df_W[j,i] df_W/dW[i,j,c,b,a] with line 26's df/dW, against autograd")
t42 = np.zeros((3, 2, 1))
t44 = np.zeros((3, 2, 1))
for c, b, a in product(range(3), range(2), range(1)):
    t42[c, b, a] = sum(dl_df[j, i] * x[b, 2 * j + c] * (i == a) for j in range(2) for i in range(1))
    t44[c, b, a] = sum(dl_df[j, a] * x[b, 2 * j + c] for j in range(2))
decide(42, np.allclose(t42, ref), "sum_j sum_i dl/df_W[j,i] x[b, 2j + c] delta_{i=a} against autograd")
decide(44, np.allclose(t44, ref), "dl/dW[c,b,a] = sum_j dl/df_W[j,a] x[b, 2j + c] against autograd")

# line 46: (i) sums over the offset m of 2n + m (k in 2j + k), line 44 over n (j): dl/dW is x correlated with G
# dilated by 2 (the sum runs over the strided index), f is x correlated with W at stride 2 (over the offset)
dil = F.conv1d(torch.tensor(x)[:, None], torch.tensor(G)[:, None], dilation=2)[:, 0].numpy()  # [l, k]
decide(46, np.allclose(dil.T[:, :, None], ref) and np.allclose(t20, f),
       "f sums over the offset k of 2j + k, dl/dW over j: dl/dW[k, l] = sum_j G[j] x[l, 2j + k] is x correlated "
       "with G dilated by 2 (torch conv1d, dilation 2)")

finish()
