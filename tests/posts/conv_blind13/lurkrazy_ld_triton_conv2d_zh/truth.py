"""Independent truth for tests/posts/conv_blind13/lurkrazy_ld_triton_conv2d_zh (NumPy and torch, no derive).

The doc's layer (docs/ops/conv2d.md of a Triton kernel repository, headings in Chinese): a 2D convolution without
padding, in NCHW, 0-based indices,
    output[b, c_out, h_out, w_out] = sum_{c_in, di, dj} input[b, c_in, strh*h_out + di, strw*w_out + dj]
                                                         * weight[c_out, c_in, di, dj],
kernels R x S (the cuDNN names the doc uses in its conditions), strides strh, strw; and TensorFlow's NHWC form of the
same (line 5). The bias section reads out(N_p, C_out_q) with N_p running over every position (b, h_out, w_out) and a
bias per output channel added (the layer of the doc's 1x1 'convolution.md', which its bias section follows). Here
B = 2, C_in = 2, C_out = 3, H = 7, W = 8, R = 3, S = 2, strh = 2, strw = 1 (so the output is 3 x 7), every element
derivative from torch.autograd.functional.jacobian in float64, f(output) = sum(G * tanh(output)) for the chain rule,
df = G (1 - tanh^2). An index a formula reads outside its array is undefined (Strict), never wrapped."""
import itertools
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import Strict, decide, finish  # noqa: E402

rng = np.random.default_rng(1738)
B, Ci, Co, H, W, R, S, sh, sw = 2, 2, 3, 7, 8, 3, 2, 2, 1
Ho, Wo = (H - R) // sh + 1, (W - S) // sw + 1
X = rng.normal(size=(B, Ci, H, W)); Wt = rng.normal(size=(Co, Ci, R, S)); bias = rng.normal(size=Co)
G = rng.normal(size=(B, Co, Ho, Wo))
T = lambda a: torch.tensor(np.asarray(a, dtype=np.float64))
jac = lambda fn, at: torch.autograd.functional.jacobian(fn, T(at)).numpy()
ref = lambda x, w: F.conv2d(x, w, stride=(sh, sw))


def printed_output(x, w):
    """line 7 written out: the sum over c_in, di, dj for every (b, c_out, h_out, w_out)"""
    out = torch.zeros(B, Co, Ho, Wo, dtype=torch.float64)
    for ho, wo in itertools.product(range(Ho), range(Wo)):
        patch = x[:, :, sh * ho:sh * ho + R, sw * wo:sw * wo + S]                     # b, c_in, di, dj
        out[:, :, ho, wo] = torch.einsum("bcij,ocij->bo", patch, w)
    return out


def per_channel_terms(x, w):
    """line 35's sum over di, dj for one c_in: [b, c_out, c_in, h_out, w_out]"""
    out = torch.zeros(B, Co, Ci, Ho, Wo, dtype=torch.float64)
    for ho, wo in itertools.product(range(Ho), range(Wo)):
        patch = x[:, :, sh * ho:sh * ho + R, sw * wo:sw * wo + S]
        out[:, :, :, ho, wo] = torch.einsum("bcij,ocij->boc", patch, w)
    return out


Y = ref(T(X), T(Wt)).numpy()

# line 5: TensorFlow's NHWC form output_{bijk} = sum_{di,dj,q} input_{b, s0*i+di, s1*j+dj, q} filter_{di,dj,q,k}
Xn, Fl = X.transpose(0, 2, 3, 1), Wt.transpose(2, 3, 1, 0)                    # NHWC input, filter [di, dj, q, k]
Yn = np.array([[[[sum(Xn[b, sh * i + di, sw * j + dj, q] * Fl[di, dj, q, k] for di in range(R) for dj in range(S)
                      for q in range(Ci)) for k in range(Co)] for j in range(Wo)] for i in range(Ho)] for b in range(B)])
decide(5, np.allclose(Yn, Y.transpose(0, 2, 3, 1)), "TensorFlow's NHWC conv2d (definition, VALID padding) against "
       "torch conv2d")
decide(7, np.allclose(printed_output(T(X), T(Wt)).numpy(), Y), "output[b, c_out, h_out, w_out] = sum_{c_in,di,dj} "
       "input[b, c_in, strh h_out + di, strw w_out + dj] weight[c_out, c_in, di, dj] (definition) against torch conv2d")
decide(14, np.isclose(jac(lambda v: 2.7 * v, 1.3), 2.7), "d(ax)/dx = a")

# the element derivatives: J[b1, co1, ho1, wo1, b, ci, hi, wi] = doutput/dinput
J = jac(lambda v: ref(v, T(Wt)), X)
J21 = jac(lambda v: printed_output(v, T(Wt)), X)
decide(21, np.allclose(J21, J), "d output / d input = d(the sum of line 7 with b1, c_out1, h_out1, w_out1)/d input")


def cond_zero(b1, ho1, wo1, b, hi, wi):
    """line 24 as printed: b != b1 or h_in outside [strh h_out1, strh h_out1 + R] or w_in outside
    [strw w_out1, strw h_out1 + S] (closed intervals, h_out1 in the second upper bound)"""
    return b != b1 or not (sh * ho1 <= hi <= sh * ho1 + R) or not (sw * wo1 <= wi <= sw * ho1 + S)


Ws = Strict(Wt)
ok26, ok37, bad26, bad37, n37 = True, True, None, None, 0
okfix = True
for b1, co1, ho1, wo1, b, ci, hi, wi in itertools.product(range(B), range(Co), range(Ho), range(Wo), range(B),
                                                          range(Ci), range(H), range(W)):
    true = J[b1, co1, ho1, wo1, b, ci, hi, wi]
    inwin = b == b1 and sh * ho1 <= hi < sh * ho1 + R and sw * wo1 <= wi < sw * wo1 + S
    okfix &= np.isclose(true, Wt[co1, ci, hi - sh * ho1, wi - sw * wo1] if inwin else 0.0)
    if cond_zero(b1, ho1, wo1, b, hi, wi):
        if not np.isclose(true, 0.0):
            ok26 = False
            bad26 = bad26 or (b1, co1, ho1, wo1, b, ci, hi, wi, round(float(true), 4))
    else:                                                  # line 28's case: line 37, di = h_in - strh h_out1 ...
        n37 += 1
        try:
            v = Ws(co1, ci, hi - sh * ho1, wi - sw * wo1)
            good = np.isclose(true, v)
        except IndexError:
            good = False
        if not good:
            ok37 = False
            bad37 = bad37 or (b1, co1, ho1, wo1, b, ci, hi, wi, round(float(true), 4))
print(f"   (line 26: a position the printed condition calls zero that is not: (b1, c_out1, h_out1, w_out1, b, c_in, h_in, "
      f"w_in, d output/d input) = {bad26}; line 37: first position of line 28's case where weight[c_out1, c_in, h_in - "
      f"strh h_out1, w_in - strw w_out1] is not the derivative (or lies outside the R x S kernel): {bad37}; with "
      f"[strh h_out1, strh h_out1 + R) and [strw w_out1, strw w_out1 + S) both cases hold: {okfix})")
decide(26, ok26, "d output/d input = 0 under line 24's condition: the interval for w_in is [strw w_out1, strw h_out1 + S], "
       "h_out1 for w_out1, so inputs inside the window are called zero when h_out1 < w_out1; and the closed upper "
       "ends + R, + S reach one past the window")

# line 33 (b = b1 put in) and line 35 (only the c_in term depends on input[b, c_in, ...])
decide(33, np.allclose(np.einsum("bohwbcxy->bohwcxy", J21), np.einsum("bohwbcxy->bohwcxy", J)), "with b = b1 the sum of "
       "line 21 with b in place of b1: the same derivatives")
J35 = jac(lambda v: per_channel_terms(v, T(Wt)), X)                             # [b, co, ci1, ho, wo, b', ci, hi, wi]
ok35 = all(np.allclose(J35[b, :, ci, :, :, b, ci], J[b, :, :, :, b, ci]) for b in range(B) for ci in range(Ci))
decide(35, ok35, "= d(sum_{di,dj} input[b, c_in, ...] weight[c_out1, c_in, di, dj])/d input[b, c_in, h_in, w_in]: the "
       "other c_in1 terms do not depend on this input")
decide(37, ok37, "= weight[c_out1, c_in, di, dj] (di = h_in - strh h_out1, dj = w_in - strw w_out1) under line 28's "
       "condition, the complement of line 24's: with its closed ends and h_out1 for w_out1 the case takes in positions "
       "outside the window, where the derivative is 0 and di = R or dj >= S index outside the kernel")

# weight derivatives: JW[b1, co1, ho1, wo1, co, ci, di, dj]
JW = jac(lambda v: ref(T(X), v), Wt)
decide(43, np.allclose(jac(lambda v: printed_output(T(X), v), Wt), JW), "d output/d weight = d(the sum of line 7 with "
       "the summation indices c_in1, di1, dj1)/d weight")
JW35 = jac(lambda v: per_channel_terms(T(X), v), Wt)                            # [b1, co1, ci1, ho1, wo1, co, ci, di, dj]
ok47 = all(np.allclose(JW35[:, co1, ci1, :, :, co, ci], 0) for co1, ci1, co, ci in
           itertools.product(range(Co), range(Ci), range(Co), range(Ci)) if co1 != co or ci1 != ci)
ok47 &= all(np.allclose(JW[:, co1, :, :, co], 0) for co1 in range(Co) for co in range(Co) if co1 != co)
decide(47, ok47, "= 0 when c_out1 != c_out, or, term by term, for the terms of the sum with c_in1 != c_in")

# line 54: d(sum_{di1,dj1} input[b1, c_in, strh h_out + di1, strw w_out + dj1] weight[c_out, c_in, di1, dj1])/d weight,
# as the derivative of output[b1, c_out, h_out1, w_out1]; h_out, w_out are not h_out1, w_out1
match = {}
for ho, wo in itertools.product(range(Ho), range(Wo)):
    ok = True
    for b1, co, ho1, wo1, ci, di, dj in itertools.product(range(B), range(Co), range(Ho), range(Wo), range(Ci),
                                                          range(R), range(S)):
        ok &= np.isclose(X[b1, ci, sh * ho + di, sw * wo + dj], JW[b1, co, ho1, wo1, co, ci, di, dj])
    match[(ho, wo)] = ok
print(f"   (line 54: the printed window at (h_out, w_out) gives d output[b1, c_out, h_out1, w_out1]/d weight for every "
      f"h_out1, w_out1 at none of the {len(match)} output positions: {not any(match.values())}; it is right only where "
      f"h_out = h_out1 and w_out = w_out1, as line 56 has it)")
decide(54, any(match.values()), "= d(sum_{di1,dj1} input[b1, c_in, strh h_out + di1, strw w_out + dj1] weight[...])/d "
       "weight: the derivative of output[b1, c_out, h_out1, w_out1] written with the window of (h_out, w_out): the "
       "subscript 1 is dropped, so another output's window is differentiated")
ok56 = all(np.isclose(JW[b1, co, ho1, wo1, co, ci, di, dj], X[b1, ci, sh * ho1 + di, sw * wo1 + dj])
           for b1, co, ho1, wo1, ci, di, dj in itertools.product(range(B), range(Co), range(Ho), range(Wo), range(Ci),
                                                                 range(R), range(S)))
decide(56, ok56, "= input[b1, c_in, strh h_out1 + di, strw w_out1 + dj] against autograd")

# bias: out(N_p, C_out_q), N_p every (b, h_out, w_out), a bias per output channel
JB = jac(lambda v: ref(T(X), T(Wt)) + v[None, :, None, None], bias)             # [b, q, ho, wo, j]
eye = np.eye(Co)
decide(62, np.allclose(JB, eye[None, :, None, None, :]), "d out(N_p, C_out_q)/d bias(C_out_j) = d bias(C_out_q)/d "
       "bias(C_out_j) = [q = j] at every N_p")
decide(66, all(np.allclose(JB[:, q, :, :, j], 0) for q in range(Co) for j in range(Co) if q != j), "= 0 for q != j")
decide(70, all(np.allclose(JB[:, j, :, :, j], 1) for j in range(Co)), "= 1 for q = j")

# the chain rule: f(output) = sum(G tanh(output)), df = G (1 - tanh^2)
xt, wt, bt = T(X).requires_grad_(), T(Wt).requires_grad_(), T(bias).requires_grad_()
o = ref(xt, wt) + bt[None, :, None, None]
(T(G) * torch.tanh(o)).sum().backward()
df = G * (1 - np.tanh(o.detach().numpy()) ** 2)
dX = np.einsum("pohw,pohwbcxy->bcxy", df, J)
decide(80, np.allclose(dX, xt.grad.numpy()), "df/d input = sum_{b1,c_out1,h_out1,w_out1} df/d output * d output/d input "
       "against autograd")
decide(82, np.allclose(dX, xt.grad.numpy()), "= sum df_{b1,...} * d output/d input (df the gradient at the output)")
dX84 = np.einsum("bohw,bohwbcxy->bcxy", df, J)
decide(84, np.allclose(dX84, xt.grad.numpy()), "= sum_{c_out1,h_out1,w_out1} df_{b,...} d output_{b,...}/d input: only "
       "b1 = b contributes")
dW96 = np.einsum("pqhw,pqhwocij->ocij", df, JW)
decide(96, np.allclose(dW96, wt.grad.numpy()), "df/d weight = sum_{b1,c_out1,h_out1,w_out1} df/d output * d output/d "
       "weight against autograd")
decide(99, np.allclose(dW96, wt.grad.numpy()), "= sum df_{b1,c_out1,...} * d output/d weight")
dW101 = np.einsum("pohw,pohwocij->ocij", df, JW)
decide(101, np.allclose(dW101, wt.grad.numpy()), "= sum_{b1,h_out1,w_out1} df_{b1,c_out,...} d output_{b1,c_out,...}/d "
       "weight: only c_out1 = c_out contributes")
db113 = np.einsum("pqhw,pqhwj->j", df, JB)
decide(113, np.allclose(db113, bt.grad.numpy()), "df/d bias(C_out_j) = sum_{N_p} sum_{C_out_q} df/d out(N_p, C_out_q) * "
       "d out/d bias(C_out_j) (N_p every position; the numerator's missing partial read as a derivative)")
decide(117, np.allclose(db113, bt.grad.numpy()), "= sum_{N_p} sum_{C_out_q} df(N_p, C_out_q) * d out/d bias(C_out_j)")
db121 = np.array([np.einsum("phw,phw->", df[:, j], JB[:, j, :, :, j]) for j in range(Co)])
decide(121, np.allclose(db121, bt.grad.numpy()), "= sum_{N_p} df(N_p, C_out_j) * d out(N_p, C_out_j)/d bias(C_out_j)")
decide(125, np.allclose(df.sum((0, 2, 3)), bt.grad.numpy()), "= sum_{N_p} df(N_p, C_out_j): df summed over every "
       "position (b, h_out, w_out)")
decide(132, np.allclose(df.sum(axis=(0, 2, 3)), bt.grad.numpy()), "= sum(df, (dim(N_p)...)): df summed over every axis "
       "but C_out")
finish()
