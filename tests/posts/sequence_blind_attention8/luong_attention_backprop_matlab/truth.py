"""Independent truth for tests/posts/sequence_blind_attention8/luong_attention_backprop_matlab (NumPy and torch, no derive).

Thang Luong's attention layer of nmt.hybrid (code/attnBackprop.m, MATLAB, column layout, one column per sentence of
the batch), rebuilt in torch float64 from the file's own comments and the forward it inverts (code/attnForward.m, whose
commented-out block at the time reads attnInput = [tgt_h_t; srcLens]; s_t = W_a * attnInput (attnFunc 1) or
s_t = f(W_a * attnInput) (attnFunc 2)): attnInput = [h_t; srcLens] ((d+1) x B), alignScores s = W_a attnInput or
tanh(W_a attnInput) (L x B), alignWeights a = softmax(s) over the L source positions (column-wise), the context
attn_t = H_src a_t per sentence (H_src = srcAlignStates, stored d x B x L), attn_h_concat = [attn_t; h_t] (2d x B),
softmax_h = f(W_ah attn_h_concat) with f = tanh (params.nonlinear_f = @tanh). d = lstmSize = 3, B = curBatchSize = 2,
L = maxSentLen = 5 (all different, and d + 1 != L, so that a wrong shape shows). No source padding: every sentence
has the full length, so the mask of the forward (which zeroes padded positions after the softmax) is all ones and
srcLens = L for every sentence. The loss the excerpt leaves open (the softmax over the target vocabulary fed by
softmax_h) is L = sum(G (.) tanh(softmax_h)) with a random G, so grad_softmax_h = dL/dsoftmax_h.

References from torch autograd: the gradient of the loss at softmax_h, at z_ah = W_ah attn_h_concat, at W_ah, at
attn_h_concat, at attn_t, at H_src, at a, at s, at u = W_a attnInput, at W_a, at attnInput and at h_t; h_t's two
shares (through attn_h_concat and through attnInput) from two separate leaves for the two uses of h_t; the softmax
Jacobian of each column (torch.autograd.functional.jacobian).

The code lines are run as printed in a small MATLAB emulation (column-major semantics that matter here: 1-based
inclusive ranges, permute, bsxfun broadcasting of equal-rank arrays, sum(X, 1) keeping the summed dimension, squeeze
dropping singleton dimensions of a 3-D array and leaving at least two, ' the transpose, trailing singleton dimensions
of size 1), on the true values of what they name (grad_softmax_h, alignWeights, srcAlignStates, alignScores, attnInput,
attn_h_concat, W_ah, W_a), each backward line fed the true value of the gradient it starts from: every line is judged
locally. A trailing shape comment is part of its line. Comment formulas are per sentence where they say 'single
example' or use a per-example product (grad_attn * alignWeights', H_src' * grad_attn) and are checked for every
sentence; 'f'(y)' is the code's nonlinear_f_prime = tanhPrime applied to the output, as lines 13 and 57 call it
(1 - y.^2). Both branches of attnFunc are built (two networks); the lines shared by both are checked on both."""
import numpy as np
import torch
from torch.autograd.functional import jacobian
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(8015)
d, B, L_ = 3, 2, 5
T = lambda a: torch.tensor(a, dtype=torch.float64)
n_ = lambda t: t.detach().numpy().copy()
close = lambda a, b: np.shape(a) == np.shape(b) and np.allclose(a, b, rtol=1e-10, atol=1e-12)

h0 = rng.normal(size=(d, B))
H0 = rng.normal(size=(d, B, L_))            # srcAlignStates: lstmSize * curBatchSize * maxSentLen
Wah0 = rng.normal(size=(d, 2 * d)) * 0.6
Wa0 = rng.normal(size=(L_, d + 1)) * 0.3
srcLens = np.full((1, B), float(L_))
G0 = rng.normal(size=(d, B))


def network(attnFunc):
    """The forward in torch; every node the file names kept with its gradient."""
    h_c = T(h0).requires_grad_()                 # h_t as it enters attn_h_concat
    h_a = T(h0).requires_grad_()                 # h_t as it enters attnInput
    H = T(H0).requires_grad_()
    Wah = T(Wah0).requires_grad_()
    Wa = T(Wa0).requires_grad_()
    x = torch.cat([h_a, T(srcLens)], 0)          # attnInput = [tgt_h_t; srcLens]
    x.retain_grad()
    u = Wa @ x                                   # W_a * attnInput
    u.retain_grad()
    s = u if attnFunc == 1 else torch.tanh(u)    # alignScores
    s.retain_grad()
    a = torch.softmax(s, dim=0)                  # alignWeights, maxSentLen x curBatchSize (columns sum to 1)
    a.retain_grad()
    attn = torch.einsum("dbl,lb->db", H, a)      # attn_t = H_src a_t for each sentence b
    attn.retain_grad()
    cat = torch.cat([attn, h_c], 0)              # attn_h_concat = [attn_t; tgt_h_t]
    cat.retain_grad()
    z = Wah @ cat
    z.retain_grad()
    sh = torch.tanh(z)                           # softmax_h = f(W_ah*attn_h_concat)
    sh.retain_grad()
    loss = (T(G0) * torch.tanh(sh)).sum()
    loss.backward()
    v = dict(x=n_(x), u=n_(u), s=n_(s), a=n_(a), attn=n_(attn), cat=n_(cat), z=n_(z), sh=n_(sh))
    g = dict(x=x.grad.numpy(), u=u.grad.numpy(), s=s.grad.numpy(), a=a.grad.numpy(), attn=attn.grad.numpy(),
             cat=cat.grad.numpy(), z=z.grad.numpy(), sh=sh.grad.numpy(), H=H.grad.numpy(), Wah=Wah.grad.numpy(),
             Wa=Wa.grad.numpy(), h_c=h_c.grad.numpy(), h_a=h_a.grad.numpy(), h=h_c.grad.numpy() + h_a.grad.numpy())
    # the softmax Jacobian of each column of s
    v["J"] = [jacobian(lambda c: torch.softmax(c, 0), T(v["s"][:, b])).numpy() for b in range(B)]
    # the forward's alignWeights as attnForward.m stores them: permute(a, [3, 2, 1]) -> 1 * curBatchSize * maxSentLen
    v["aw3"] = v["a"].T[None, :, :]
    return v, g


# ---------------- a small MATLAB emulation
def msize(X, k=None):
    s = list(np.shape(X))
    while len(s) > 2 and s[-1] == 1:
        s.pop()
    if k is None:
        return tuple(s)
    return s[k - 1] if k <= len(s) else 1


def as3(X):
    """A d x B matrix seen with its trailing singleton (MATLAB's lstmSize*curBatchSize*1)."""
    return X.reshape(X.shape + (1,) * (3 - X.ndim))


def permute(X, order):
    return np.transpose(as3(X), [o - 1 for o in order])


def bsxfun_times(A, Bm):
    A, Bm = as3(A), as3(Bm)
    assert all(p == q or p == 1 or q == 1 for p, q in zip(A.shape, Bm.shape))
    return A * Bm


def msum1(X):
    return np.sum(X, axis=0, keepdims=True)


def squeeze(X):
    if X.ndim <= 2:
        return X
    s = [n for n in X.shape if n != 1]
    if len(s) == 0:
        s = [1, 1]
    elif len(s) == 1:
        s = [s[0], 1]
    return X.reshape(s)


def tanhPrime(y):                                # params.nonlinear_f_prime, applied to f's output
    return 1.0 - y ** 2


# ---------------- both branches of attnFunc
NETS = {1: network(1), 2: network(2)}
H_src = H0


def every(f):
    return all(f(*NETS[k], k) for k in (1, 2))


# line 10-12: the forward of the attentional hidden layer and its local gradient
decide(10, every(lambda v, g, k: close(v["cat"], np.concatenate([v["attn"], h0], 0))),
       "attn_h_concat = [attn_t; tgt_h_t] (2d x B)")
decide(11, every(lambda v, g, k: close(v["sh"], np.tanh(Wah0 @ v["cat"]))), "softmax_h = f(W_ah*attn_h_concat), f = tanh")
decide(12, every(lambda v, g, k: close(tanhPrime(v["sh"]) * g["sh"], g["z"])),
       "f'(softmax_h).*grad_softmax_h = dL/d(W_ah*attn_h_concat), f' = tanhPrime of the output (1 - y.^2)")
lit = NETS[1]
print("    (f' evaluated literally at softmax_h, 1 - tanh(softmax_h).^2, would differ:",
      not close((1 - np.tanh(lit[0]["sh"]) ** 2) * lit[1]["sh"], lit[1]["z"]), ")")


def line13(v, g, k):
    grad_softmax_h, softmax_h = g["sh"], v["sh"]
    tmpResult = tanhPrime(softmax_h) * grad_softmax_h
    return close(tmpResult, g["z"])


decide(13, every(line13), "tmpResult = nonlinear_f_prime(softmax_h).*grad_softmax_h = dL/dz_ah")
decide(15, every(lambda v, g, k: close(g["z"] @ v["cat"].T, g["Wah"])), "attnGrad.W_ah = tmpResult*attn_h_concat' = dL/dW_ah")
decide(17, every(lambda v, g, k: close(Wah0.T @ g["z"], g["cat"])), "grad_ah = W_ah'*tmpResult = dL/dattn_h_concat")
lstmSize = d
decide(21, every(lambda v, g, k: close(g["cat"][lstmSize + 1 - 1:, :], g["h_c"])),
       "grad_ht = grad_ah(lstmSize+1:end, :) = h_t's share through attn_h_concat")


def line23(v, g, k):
    grad_attn = permute(g["cat"][0:lstmSize, :], [1, 2, 3])
    return (close(grad_attn[:, :, 0], g["attn"]) and (msize(grad_attn, 1), msize(grad_attn, 2), msize(grad_attn, 3))
            == (lstmSize, B, 1) and (msize(g["cat"][0:lstmSize, :], 3)) == 1)


decide(23, every(line23), "grad_attn = permute(grad_ah(1:lstmSize, :), [1 2 3]) = dL/dattn_t, lstmSize*curBatchSize*1 "
       "(the permute is the identity: a 2-D MATLAB array already has size 1 in dimension 3)")
decide(26, every(lambda v, g, k: all(close(H_src[:, b, :] @ v["a"][:, b], v["attn"][:, b]) for b in range(B))),
       "attn_t = H_src * a_t, per sentence (H_src = srcAlignStates(:, b, :), d x L)")
decide(27, msize(H_src) == (lstmSize, B, L_), "srcAlignStates: lstmSize * curBatchSize * maxSentLen")
decide(28, every(lambda v, g, k: msize(as3(g["attn"])) == (lstmSize, B) and msize(as3(g["attn"]), 3) == 1),
       "grad_attn: lstmSize * curBatchSize * 1")
decide(29, every(lambda v, g, k: msize(v["aw3"]) == (1, B, L_) and close(v["aw3"][0].T, v["a"])),
       "alignWeights (as the forward permutes them): 1 * curBatchSize * maxSentLen")
decide(30, every(lambda v, g, k: all(close(np.outer(g["attn"][:, b], v["a"][:, b]), g["H"][:, b, :]) for b in range(B))),
       "grad_srcAlignStates = grad_attn * alignWeights' per sentence (d x 1 times 1 x L) = dL/dH_src")


def line31(v, g, k):
    grad_attn = permute(g["attn"], [1, 2, 3])
    return close(bsxfun_times(grad_attn, v["aw3"]), g["H"])


decide(31, every(line31), "attnGrad.srcAlignStates = bsxfun(@times, grad_attn, alignWeights) = dL/dH_src (d x B x L)")
decide(33, every(lambda v, g, k: all(close(H_src[:, b, :].T @ g["attn"][:, b], g["a"][:, b]) for b in range(B))),
       "grad_alignWeights = H_src' * grad_attn per sentence = dL/da")


def line34(v, g, k):
    grad_attn = permute(g["attn"], [1, 2, 3])
    gaw = squeeze(msum1(bsxfun_times(H_src, grad_attn))).T
    return close(gaw, g["a"]) and msize(gaw) == (L_, B)


decide(34, every(line34), "grad_alignWeights = squeeze(sum(bsxfun(@times, srcAlignStates, grad_attn), 1))' = dL/da, "
       "maxSentLen x curBatchSize (curBatchSize >= 2; see the notes for one sentence)")
decide(36, every(lambda v, g, k: msize(g["a"]) == (L_, B)), "grad_alignWeights is maxSentLen x curBatchSize")
decide(37, every(lambda v, g, k: msize(g["a"], 1) == L_), "size(grad_alignWeights, 1) == maxSentLen holds")
decide(38, every(lambda v, g, k: msize(g["a"], 2) == msize(v["sh"], 2)), "size(grad_alignWeights, 2) == size(softmax_h, 2) holds")
decide(42, every(lambda v, g, k: close(v["a"], np.exp(v["s"]) / np.exp(v["s"]).sum(0, keepdims=True))),
       "alignWeights a = softmax(scores), column by column")
decide(43, every(lambda v, g, k: all(close(v["J"][b], np.diag(v["a"][:, b]) - np.outer(v["a"][:, b], v["a"][:, b])) and
                                     close((np.diag(v["a"][:, b]) - np.outer(v["a"][:, b], v["a"][:, b])) @ g["a"][:, b],
                                           g["s"][:, b]) for b in range(B))),
       "grad_score_i = (diag(a_i) - a_i*a_i')*grad_a_i for every sentence i (the Jacobian checked against autograd's)")
decide(44, every(lambda v, g, k: all(close(v["a"][:, b] * g["a"][:, b] - v["a"][:, b] * (v["a"][:, b] @ g["a"][:, b]),
                                           g["s"][:, b]) for b in range(B))),
       "= a_i.*grad_a_i - a_i*(a_i'*grad_a_i)")
decide(45, every(lambda v, g, k: all(close(v["a"][:, b] * g["a"][:, b] - v["a"][:, b] * float(v["a"][:, b] @ g["a"][:, b]),
                                           g["s"][:, b]) for b in range(B))),
       "= a_i.*grad_a_i - a_i*alpha_i with alpha_i = a_i'*grad_a_i (the scalar of line 44)")


def line46(v, g, k):
    alpha = np.sum(v["a"] * g["a"], axis=0, keepdims=True)
    return msize(alpha) == (1, B) and all(np.isclose(alpha[0, b], v["a"][:, b] @ g["a"][:, b]) for b in range(B))


decide(46, every(line46), "alpha = sum(a.*grad_a, 1), 1*curBatchSize, the alpha_i side by side")
decide(47, every(lambda v, g, k: close(v["a"] * g["a"] - bsxfun_times(v["a"], np.sum(v["a"] * g["a"], 0, keepdims=True))[:, :, 0],
                                       g["s"])),
       "grad_scores = a.*grad - bsxfun(@times, a, alpha) = dL/dscores ('grad' read as grad_a, the only gradient there)")
decide(48, every(lambda v, g, k: msize(v["a"] * g["a"]) == (L_, B)),
       "(commented-out) tmpResult = alignWeights.*grad_alignWeights is maxSentLen * curBatchSize")


def line49(v, g, k):
    aw = squeeze(v["aw3"]).T
    return close(aw, v["a"]) and msize(aw) == (L_, B)


decide(49, every(line49), "alignWeights = squeeze(alignWeights)' gives maxSentLen * curBatchSize (the softmax columns)")
decide(50, every(lambda v, g, k: close(v["a"] * g["a"], v["a"] * g["a"]) and msize(v["a"] * g["a"]) == (L_, B)),
       "tmpResult = alignWeights.*grad_alignWeights, maxSentLen * curBatchSize")


def line51(v, g, k):
    alignWeights, grad_alignWeights = v["a"], g["a"]
    tmpResult = alignWeights * grad_alignWeights
    grad_scores = tmpResult - bsxfun_times(alignWeights, msum1(tmpResult))[:, :, 0]
    return close(grad_scores, g["s"])


decide(51, every(line51), "grad_scores = tmpResult - bsxfun(@times, alignWeights, sum(tmpResult, 1)) = dL/dscores")
v1, g1 = NETS[1]
v2, g2 = NETS[2]
decide(54, close(v1["s"], Wa0 @ v1["x"]), "attnFunc 1: s_t = W_a * attnInput")
decide(55, close(g1["s"], g1["u"]), "attnFunc 1: tmpResult = grad_scores = dL/d(W_a*attnInput)")
decide(56, close(v2["s"], np.tanh(Wa0 @ v2["x"])), "attnFunc 2: s_t = f(W_a * attnInput)")
decide(57, close(tanhPrime(v2["s"]) * g2["s"], g2["u"]),
       "attnFunc 2: tmpResult = nonlinear_f_prime(alignScores).*grad_scores = dL/d(W_a*attnInput)")
decide(59, every(lambda v, g, k: close(g["u"] @ v["x"].T, g["Wa"])), "grad.W_a = tmpResult * attnInput' = dL/dW_a")
decide(60, every(lambda v, g, k: close(g["u"] @ v["x"].T, g["Wa"]) and msize(g["Wa"]) == (L_, d + 1)),
       "attnGrad.W_a = tmpResult * attnInput' (maxSentLen x (lstmSize+1))")
decide(61, every(lambda v, g, k: close(Wa0.T @ g["u"], g["x"])), "grad_attn_input = W_a' * tmpResult = dL/dattnInput")
decide(62, every(lambda v, g, k: close(Wa0.T @ g["u"], g["x"])), "grad_attn_input = model.W_a'*tmpResult")
decide(63, every(lambda v, g, k: close(v["x"], np.concatenate([h0, srcLens], 0)) and
                 close(g["x"][:-1, :], g["h_a"]) and not np.allclose(g["h_a"], 0)),
       "attnInput = [tgt_h_t; srcLens]: h_t also reaches the loss through the scores, so its gradient accumulates")
decide(64, every(lambda v, g, k: close(g["h_c"] + (Wa0.T @ g["u"])[0:-1, :], g["h"])),
       "grad_ht = grad_ht + grad_attn_input(1:end-1, :) = dL/dh_t (both paths)")

# one sentence (curBatchSize = 1): squeeze of 1 x 1 x L is L x 1, so line 34's transpose gives 1 x L, not L x 1
one = squeeze(np.zeros((1, 1, L_))).T
print("    (with one sentence, squeeze(...)' is", one.shape, "- the assert of line 37 would fail; not a derivation slip)")

finish()
