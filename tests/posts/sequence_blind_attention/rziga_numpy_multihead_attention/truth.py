"""Independent truth for tests/posts/sequence_blind_attention/rziga_numpy_multihead_attention (NumPy and torch, no
derive).

The post is code: the AttentionHead, MultiHeadAttention and SelfAttention modules of nn/layers/attention.py, run here
as printed, with the repository's own MatMul, Linear (nn/layers/basic.py) and Softmax (nn/layers/activations.py)
copied from the same commit and a minimal Module/Parameter stand-in. Two heads, d_model = 4, d_hidden = 2, T = 5
positions, float64; the upstream gradient is a random G = dL/dY. The reference is a torch graph of the same
multi-head attention (per head Q = X W_Q, M = QK^T, S = M/sqrt(d_hidden), P = softmax(S), O = PV; Y = concat(O) W_O)
with separate leaves for the query, key and value inputs, checked against scaled_dot_product_attention; the masked
run uses the repository's generate_tril_mask (nn/layers/transformer.py)."""
import numpy as np
import torch
import torch.nn.functional as F
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402


# ---- stand-ins for the repository's engine (Parameter, Module) -------------------------------------------------
class Parameter:
    def __init__(self, data):
        self.data, self.grad = data, np.zeros_like(data)


class Module:
    def __init__(self):
        pass

    def __call__(self, input):
        return self.forward(input)


# ---- nn/layers/basic.py and nn/layers/activations.py, as the repository has them --------------------------------
class MatMul(Module):
    def forward(self, input):
        self.first, self.second = input
        return np.matmul(*input)

    def backward(self, next):
        return (next @ self.second.swapaxes(-1, -2), self.first.swapaxes(-1, -2) @ next)


class Linear(Module):
    def __init__(self, in_chan, out_chan, bias=True):
        super().__init__()
        self.W = Parameter(2 * np.random.rand(in_chan, out_chan) - 1)
        self.b = Parameter(2 * np.random.rand(1, out_chan) - 1) if bias else None
        self.mm = MatMul()

    def forward(self, input):
        return self.mm([input, self.W.data]) + (self.b.data if self.b is not None else 0)

    def backward(self, next):
        d_X, d_W = self.mm.backward(next)
        self.W.grad += d_W.reshape(-1, *self.W.grad.shape).sum(axis=0)
        if self.b:
            self.b.grad += next.reshape(-1, *self.b.grad.shape).sum(axis=0)
        return d_X


class Softmax(Module):
    def forward(self, input):
        expx = np.exp(input - input.max(axis=-1, keepdims=True))
        self.O = expx / expx.sum(axis=-1, keepdims=True)
        return self.O

    def backward(self, next):
        O = self.O[..., np.newaxis]
        O_T = O.swapaxes(-1, -2)
        D = -O * O_T
        D[..., range(D.shape[-2]), range(D.shape[-1])] += self.O
        return (D @ next[..., np.newaxis]).squeeze(-1)


def generate_tril_mask(shape):
    return np.zeros(shape) + np.tril(np.ones(shape[-2:]))


# ---- the post (nn/layers/attention.py), as printed --------------------------------------------------------------
class AttentionHead(Module):
    def __init__(self, d_model, d_hidden, mask_fcn=None):
        super().__init__()
        self.lin_Q = Linear(d_model, d_hidden, bias=False)
        self.lin_K = Linear(d_model, d_hidden, bias=False)
        self.lin_V = Linear(d_model, d_hidden, bias=False)
        self.mm1 = MatMul()
        self.mm2 = MatMul()
        self.sm = Softmax()
        self.mask_fcn = mask_fcn
        self.mask = None
        self.scale = d_hidden ** 0.5

    def forward(self, input):
        Q, K, V = self.lin_Q(input[0]), self.lin_K(input[1]), self.lin_V(input[2])
        self.Q, self.K, self.V = Q, K, V                     # kept for the checks
        x = self.mm1([Q, K.swapaxes(-1, -2)]) / self.scale
        self.x_scores = x.copy()
        if self.mask_fcn is not None:
            self.mask = self.mask_fcn(x.shape)
            x[self.mask == 0] = -1e-11
        x = self.sm(x)
        return self.mm2([x, V])

    def backward(self, next):
        d, d_V = self.mm2.backward(next)
        self.d_P, self.d_V = d, d_V
        d = self.sm.backward(d) / self.scale
        self.d_M_unmasked = d
        if self.mask is not None:
            d = self.mask * d
        self.d_M = d
        d_Q, d_K_T = self.mm1.backward(d)
        self.d_Q, self.d_K = d_Q, d_K_T.swapaxes(-1, -2)
        return (
            self.lin_Q.backward(d_Q),
            self.lin_K.backward(d_K_T.swapaxes(-1, -2)),
            self.lin_V.backward(d_V)
        )


class MultiHeadAttention(Module):
    def __init__(self, n_heads, d_model, d_hidden, mask_fcn=None):
        super().__init__()
        self.heads = [AttentionHead(d_model, d_hidden, mask_fcn) for _ in range(n_heads)]
        self.lin = Linear(n_heads * d_hidden, d_model, bias=False)

    def forward(self, input):
        outs = [head(input) for head in self.heads]
        x = np.concatenate(outs, axis=-1)
        self.concat = x
        return self.lin(x)

    def backward(self, next):
        d = self.lin.backward(next)
        self.d_concat = d
        ds = np.split(d, len(self.heads), axis=-1)
        self.d_split = ds
        ds = [head.backward(d) for head, d in zip(self.heads, ds)]
        self.d_heads = ds
        d = np.sum(ds, axis=0)
        return d


class SelfAttention(MultiHeadAttention):
    def forward(self, input):
        return super().forward([input, input, input])

    def backward(self, next):
        return np.sum(super().backward(next), axis=0)


# ---- runs ---------------------------------------------------------------------------------------------------------
H, dm, dh, T_ = 2, 4, 2, 5
rng = np.random.default_rng(4)
Xn = rng.normal(size=(T_, dm))
G = rng.normal(size=(T_, dm))


def reference(mha, mask_mode):
    """torch graph with separate query/key/value leaves. mask_mode: None, 'printed' (the entries above the diagonal
    overwritten by the constant -1e-11, as the post does) or 'causal' (-inf, i.e. is_causal)."""
    tt = lambda a, g=True: torch.tensor(a, dtype=torch.float64, requires_grad=g)
    Xq, Xk, Xv = tt(Xn), tt(Xn), tt(Xn)
    Ws = [[tt(h.lin_Q.W.data), tt(h.lin_K.W.data), tt(h.lin_V.W.data)] for h in mha.heads]
    WO = tt(mha.lin.W.data)
    keep = torch.tensor(np.tril(np.ones((T_, T_))) == 1)
    inter, outs = [], []
    for WQ, WK, WV in Ws:
        Q, K, V = Xq @ WQ, Xk @ WK, Xv @ WV
        M = Q @ K.T
        S = M / np.sqrt(dh)
        if mask_mode == 'printed':
            S = torch.where(keep, S, torch.full_like(S, -1e-11))
        elif mask_mode == 'causal':
            S = S.masked_fill(~keep, float('-inf'))
        P = torch.softmax(S, dim=-1)
        O = P @ V
        for v in (Q, K, V, M, P, O):
            v.retain_grad()
        inter.append(dict(Q=Q, K=K, V=V, M=M, S=S, P=P, O=O))
        outs.append(O)
    C = torch.cat(outs, dim=-1)
    C.retain_grad()
    Y = C @ WO
    (Y * torch.tensor(G)).sum().backward()
    return dict(X=(Xq, Xk, Xv), W=Ws, WO=WO, inter=inter, C=C, Y=Y)


def sdpa(mha, causal):
    X = torch.tensor(Xn)
    outs = [F.scaled_dot_product_attention((X @ torch.tensor(h.lin_Q.W.data))[None], (X @ torch.tensor(h.lin_K.W.data))[None],
                                           (X @ torch.tensor(h.lin_V.W.data))[None], is_causal=causal)[0] for h in mha.heads]
    return (torch.cat(outs, -1) @ torch.tensor(mha.lin.W.data)).numpy()


def run(mask_fcn, mask_mode, seed):
    np.random.seed(seed)
    mha = MultiHeadAttention(H, dm, dh, mask_fcn)
    Y = mha.forward([Xn, Xn, Xn])
    d_in = mha.backward(G)
    ref = reference(mha, mask_mode)
    return mha, Y, d_in, ref


c = lambda v: v.detach().numpy()
g = lambda v: v.grad.numpy()
res = {}
for mode, fcn in ((None, None), ('printed', generate_tril_mask)):
    mha, Y, d_in, ref = run(fcn, mode, 12)
    r = dict(mha=mha, Y=Y, d_in=d_in, ref=ref)
    I = ref['inter']
    hs = mha.heads
    r['qkv'] = all(np.allclose(h.Q, c(I[i]['Q'])) and np.allclose(h.K, c(I[i]['K'])) and np.allclose(h.V, c(I[i]['V']))
                   for i, h in enumerate(hs))
    r['scores'] = all(np.allclose(h.x_scores, c(I[i]['M']) / np.sqrt(dh)) for i, h in enumerate(hs))
    r['softmax'] = all(np.allclose(h.sm.O, c(I[i]['P'])) for i, h in enumerate(hs))
    r['out'] = np.allclose(Y, c(ref['Y']))
    r['25'] = all(np.allclose(h.d_P, g(I[i]['P'])) and np.allclose(h.d_V, g(I[i]['V'])) for i, h in enumerate(hs))
    r['26'] = all(np.allclose(h.d_M_unmasked, g(I[i]['M'])) for i, h in enumerate(hs)) if mode is None else None
    r['28'] = all(np.allclose(h.d_M, g(I[i]['M'])) for i, h in enumerate(hs))
    r['29'] = all(np.allclose(h.d_Q, g(I[i]['Q'])) and np.allclose(h.d_K, g(I[i]['K'])) for i, h in enumerate(hs))
    Wr = ref['W']
    r['31'] = all(np.allclose(mha.d_heads[i][0], g(I[i]['Q']) @ h.lin_Q.W.data.T) and np.allclose(h.lin_Q.W.grad, g(Wr[i][0]))
                  for i, h in enumerate(hs))
    r['32'] = all(np.allclose(mha.d_heads[i][1], g(I[i]['K']) @ h.lin_K.W.data.T) and np.allclose(h.lin_K.W.grad, g(Wr[i][1]))
                  for i, h in enumerate(hs))
    r['33'] = all(np.allclose(mha.d_heads[i][2], g(I[i]['V']) @ h.lin_V.W.data.T) and np.allclose(h.lin_V.W.grad, g(Wr[i][2]))
                  for i, h in enumerate(hs))
    r['46'] = np.allclose(mha.concat, c(ref['C']))
    r['47'] = np.allclose(Y, c(ref['Y'])) and np.allclose(mha.lin.W.grad, g(ref['WO']))
    r['50'] = np.allclose(mha.d_concat, g(ref['C']))
    r['51'] = all(np.allclose(mha.d_split[i], g(I[i]['O'])) for i in range(H))
    r['53'] = all(np.allclose(d_in[k], g(ref['X'][k])) for k in range(3))
    res[mode] = r

un, pm = res[None], res['printed']
mha_u = un['mha']
decide(13, all(np.isclose(h.scale, np.sqrt(dh)) for h in mha_u.heads),
       "scale = sqrt(d_hidden), the head dimension (scaled_dot_product_attention's default 1/sqrt(E))")
decide(16, un['qkv'] and pm['qkv'], "Q, K, V = input W (Linear multiplies on the right, no bias)")
decide(17, un['scores'] and pm['scores'], "x = Q K^T / sqrt(d_hidden)")
causal_ref = sdpa(mha_u, True)
np.random.seed(12)
mha_m = MultiHeadAttention(H, dm, dh, generate_tril_mask)
Ym = mha_m.forward([Xn, Xn, Xn])
with_big = mha_m.heads[0]  # re-run the masked head with -1e11 in place of -1e-11 to show what the line meant
xs = with_big.x_scores.copy(); xs[with_big.mask == 0] = -1e11
decide(20, np.allclose(Ym, sdpa(mha_m, True)),
       f"with the mask, x[mask == 0] = -1e-11 leaves the future keys with scores ~0 (weight e^0 after the softmax), "
       f"so the output is not causal attention (max |diff| {np.abs(Ym - sdpa(mha_m, True)).max():.3f}); "
       f"-1e11 would give the causal weights: "
       f"{np.allclose(np.exp(xs - xs.max(-1, keepdims=True)) / np.exp(xs - xs.max(-1, keepdims=True)).sum(-1, keepdims=True), torch.softmax(torch.tensor(with_big.x_scores).masked_fill(torch.tensor(with_big.mask == 0), float('-inf')), -1).numpy())}")
decide(21, un['softmax'], "x = softmax(x) by rows")
decide(22, un['out'] and np.allclose(un['Y'], sdpa(mha_u, False)) and pm['out'],
       "each head returns P V; unmasked, Y equals torch scaled_dot_product_attention per head, concatenated, times W_O")
decide(25, un['25'] and pm['25'], "mm2.backward: dL/dP = next V^T, dL/dV = P^T next")
decide(26, un['26'], "sm.backward(d)/scale = dL/d(QK^T): the row-softmax Jacobian product, then the 1/sqrt(d_hidden)")
decide(28, pm['28'], "mask * d zeroes the gradient of the overwritten entries: the derivative of the forward as printed")
decide(29, un['29'] and pm['29'], "mm1.backward: dL/dQ = d K, dL/dK^T = Q^T d (then transposed)")
decide(31, un['31'] and pm['31'], "lin_Q.backward: returns dL/dQ W_Q^T, accumulates X^T dL/dQ into W_Q.grad")
decide(32, un['32'] and pm['32'], "lin_K.backward: dL/dK W_K^T and X^T dL/dK")
decide(33, un['33'] and pm['33'], "lin_V.backward: dL/dV W_V^T and X^T dL/dV")
decide(46, un['46'] and pm['46'], "the heads' outputs concatenated along the features")
decide(47, un['47'] and pm['47'], "Y = concat W_O (and W_O.grad = concat^T G)")
decide(50, un['50'] and pm['50'], "lin.backward(next) = dL/dconcat = G W_O^T")
decide(51, un['51'] and pm['51'], "np.split gives each head its dL/dO_h")
decide(52, un['31'] and un['32'] and un['33'] and pm['31'] and pm['32'] and pm['33'],
       "each head's backward returns its (query, key, value) input gradients")
decide(53, un['53'] and pm['53'], "np.sum over heads gives dL/d(query input), dL/d(key input), dL/d(value input)")
np.random.seed(12)
sa = SelfAttention(H, dm, dh)
Ys = sa.forward(Xn)
Xt = torch.tensor(Xn, requires_grad=True)
outs = [F.scaled_dot_product_attention((Xt @ torch.tensor(h.lin_Q.W.data))[None], (Xt @ torch.tensor(h.lin_K.W.data))[None],
                                       (Xt @ torch.tensor(h.lin_V.W.data))[None])[0] for h in sa.heads]
Yt = torch.cat(outs, -1) @ torch.tensor(sa.lin.W.data)
(Yt * torch.tensor(G)).sum().backward()
decide(60, np.allclose(Ys, Yt.detach().numpy()), "SelfAttention feeds X as query, key and value")
decide(63, np.allclose(sa.backward(G), Xt.grad.numpy()), "dL/dX = the sum of the three input paths")

finish()
