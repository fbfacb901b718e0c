"""Independent truth for tests/posts/conv_blind28/vzhou842_cnns_part2_training (NumPy and torch, no derive).

The post (Victor Zhou, 'CNNs, Part 2: Training a Convolutional Neural Network', vzhou842/victorzhou.com, 2019) trains
the CNN of its Part 1 from scratch on one MNIST image at a time: a Conv3x3 layer (num_filters 3x3 filters, valid, no
bias, no activation, a cross-correlation on a 2-d image, output (h-2, w-2, num_filters)), a MaxPool2 layer (2x2 blocks
at stride 2) and a Softmax layer (flatten, totals = input . weights + biases, softmax) with the cross-entropy
L = -ln(p_c) of the correct class c. Section 3 derives dL/dout_s, the softmax derivatives d out_s(c)/d t_k for k != c
and k = c, the derivatives of the totals by the weights, biases and input, and codes them (Softmax.backprop, shown
three times as it grows); section 4 routes the gradient to the max of each 2x2 block (MaxPool2.backprop); section 5
derives d out(i,j)/d filter(x,y) = image(i+x, j+y) and dL/dfilter(x,y) as a sum over the output, and codes it
(Conv3x3.backprop).

Everything is checked in float64 against torch (conv2d without bias, max_pool2d, softmax) and autograd on one random
10 x 10 image, 3 filters, 10 classes (the post's np.zeros(10) initial gradient) and a random correct class. The
post's code is taken from post.md as printed and executed: the methods inside a class header (the post prints
'class Softmax' and 'class Conv3x3' without the colon at the head of three listings, and shows the classes in pieces),
and the statements of Softmax.backprop's loop body are executed in a namespace holding self, gradient and i = c, so
that the intermediate variables can be compared. Conv3x3.backprop iterates with Conv3x3.iterate_regions of Part 1
(not in the excerpt), written out below as Part 1 prints it: im_region = image[i:(i + 3), j:(j + 3)] for i in
range(h - 2), j in range(w - 2)."""
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import Strict, decide, finish, unchecked  # noqa: E402

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(2801)
T = lambda a: torch.tensor(np.ascontiguousarray(a, dtype=np.float64))
post = (Path(__file__).resolve().parent / "post.md").read_text(encoding="utf-8").split("\n")


def lines(first, last):
    """the post's lines first..last (1-based, inclusive), dedented"""
    return textwrap.dedent("\n".join(post[first - 1:last]))


def run(first, last, **ns):
    """execute the post's statements first..last in a namespace (numpy as np) and return it"""
    ns = {"np": np, **ns}
    exec(lines(first, last), ns)
    return ns


def klass(name, *spans, extra=""):
    """a class whose body is the post's method listings (each span: first, last line; they are indented by 2)"""
    body = "\n".join("\n".join(post[a - 1:b]) for a, b in spans)
    ns = {"np": np}
    exec(f"class {name}:\n{extra}{body}\n", ns)
    return ns[name]


# ---- the network on one image: conv 3x3 (3 filters, valid, no bias) -> max pool 2 -> flatten -> dense 10 -> softmax
H = Wd = 10
NF, NODES = 3, 10
image = rng.normal(size=(H, Wd))
filters = rng.normal(size=(NF, 3, 3))
Ho, Wo = H - 2, Wd - 2
input_len = (Ho // 2) * (Wo // 2) * NF
weights, biases = rng.normal(size=(input_len, NODES)) / 3, rng.normal(size=NODES)
c = int(rng.integers(NODES))

ft = T(filters).requires_grad_()
conv = F.conv2d(T(image)[None, None], ft[:, None])[0]             # (NF, Ho, Wo)
out_c = conv.permute(1, 2, 0)                                      # the post's (h, w, num_filters)
out_c.retain_grad()
pool = F.max_pool2d(out_c.permute(2, 0, 1)[None], 2)[0].permute(1, 2, 0)   # (Ho/2, Wo/2, NF)
pool.retain_grad()
flat = pool.reshape(-1)                                            # the post's input.flatten()
flat.retain_grad()
wt, bt = T(weights).requires_grad_(), T(biases).requires_grad_()
t = flat @ wt + bt
t.retain_grad()
p = torch.softmax(t, 0)
p.retain_grad()
L = -torch.log(p[c])
L.backward()

conv_np, pool_np, flat_np = out_c.detach().numpy(), pool.detach().numpy(), flat.detach().numpy()
t_np, p_np = t.detach().numpy(), p.detach().numpy()
dL_dp, dL_dt, dL_dflat, dL_dpool = p.grad.numpy(), t.grad.numpy(), flat.grad.numpy(), pool.grad.numpy()
dL_dw, dL_db, dL_dconv, dL_dfilters = wt.grad.numpy(), bt.grad.numpy(), out_c.grad.numpy(), ft.grad.numpy()
Jp = torch.autograd.functional.jacobian(lambda z: torch.softmax(z, 0), T(t_np)).numpy()   # Jp[k, j] = dp_k/dt_j
e, S = np.exp(t_np), np.exp(t_np).sum()
dS = torch.autograd.functional.jacobian(lambda z: torch.exp(z).sum(), T(t_np)).numpy()    # dS/dt_k = e^{t_k}
assert np.allclose(p_np, e / S)

# ---- section 3: the softmax layer
onehot = np.eye(NODES)[c]
decide(19, np.allclose(np.where(np.arange(NODES) == c, -1 / p_np, 0.0), dL_dp),
       "dL/dout_s(i) = 0 for i != c and -1/p_c for i = c (autograd, L = -ln p_c)")
ns = run(28, 29, out=p_np, label=c)
decide(29, np.allclose(ns["gradient"], dL_dp), "gradient[label] = -1 / out[label] on zeros(10): dL/dout_s (autograd)")

Softmax = klass("Softmax", (243, 284), (39, 56))
sm = Softmax()
sm.weights, sm.biases = weights.copy(), biases.copy()
out_s = sm.forward(pool_np)
decide(56, np.allclose(out_s, p_np), "Softmax.forward: exp(totals) / sum(exp), totals = input.flatten() . weights + "
       "biases, equals torch softmax")
decide(65, set(np.flatnonzero(dL_dp)) == {c}, "dL/dout_s is nonzero only at the correct class c (autograd)")
decide(80, np.isclose(e[c] * S ** -1, p_np[c]), "e^{t_c} S^{-1} = out_s(c)")

others = [k for k in range(NODES) if k != c]
decide(87, all(np.isclose(-e[c] * S ** -2 * dS[k], Jp[c, k]) for k in others),
       "d out_s(c)/d t_k = -e^{t_c} S^{-2} dS/dt_k for k != c (torch Jacobian)")
decide(88, all(np.isclose(-e[c] * S ** -2 * e[k], Jp[c, k]) for k in others), "= -e^{t_c} S^{-2} e^{t_k}, k != c")
decide(89, all(np.isclose(-e[c] * e[k] / S ** 2, Jp[c, k]) for k in others), "= -e^{t_c} e^{t_k} / S^2, k != c")
decide(97, np.isclose((S * e[c] - e[c] * dS[c]) / S ** 2, Jp[c, c]),
       "d out_s(c)/d t_c = (S e^{t_c} - e^{t_c} dS/dt_c) / S^2, the quotient rule (torch Jacobian)")
decide(98, np.isclose((S * e[c] - e[c] * e[c]) / S ** 2, Jp[c, c]), "= (S e^{t_c} - e^{t_c} e^{t_c}) / S^2")
decide(99, np.isclose(e[c] * (S - e[c]) / S ** 2, Jp[c, c]), "= e^{t_c} (S - e^{t_c}) / S^2")

me = SimpleNamespace(last_totals=t_np.copy(), last_input=flat_np.copy(), weights=weights.copy(),
                     last_input_shape=pool_np.shape)
for first, d1, d2 in ((121, 128, 129), (200, 207, 208), (255, 262, 263)):
    ns = run(first, d1, self=me, i=c)
    decide(d1, np.allclose(ns["d_out_d_t"][others], Jp[c, others]),
           "-t_exp[i] * t_exp / S**2 gives d out_s(i)/d t_k for every k != i (torch Jacobian; entry i is "
           "overwritten on the next line)")
    ns = run(first, d2, self=me, i=c)
    decide(d2, np.allclose(ns["d_out_d_t"], Jp[c]), "with entry i set to t_exp[i] (S - t_exp[i]) / S**2, d_out_d_t "
           "is the whole row d out_s(c)/d t (torch Jacobian)")

decide(140, all(np.isclose(-e[c] * e[k] / S ** 2, Jp[k, c]) and np.isclose(-e[c] * e[k] / S ** 2, Jp[c, k])
                for k in others) and np.isclose(e[c] * (S - e[c]) / S ** 2, Jp[c, c]),
       "the cases are the entries of the softmax Jacobian between k and c: -e^{t_c} e^{t_k}/S^2 for k != c "
       "(d out_s(k)/d t_c = d out_s(c)/d t_k, the Jacobian is symmetric) and e^{t_c}(S - e^{t_c})/S^2 for k = c")

Jw = torch.autograd.functional.jacobian(lambda w: T(flat_np) @ w + T(biases), T(weights)).numpy()   # [j, i, j']
Jb = torch.autograd.functional.jacobian(lambda b: T(flat_np) @ T(weights) + b, T(biases)).numpy()
Jx = torch.autograd.functional.jacobian(lambda x: x @ T(weights) + T(biases), T(flat_np)).numpy()   # [j, i]
local_w = all(np.allclose(Jw[j, :, j], flat_np) and np.allclose(np.delete(Jw[j], j, axis=1), 0) for j in range(NODES))
decide(159, local_w, "dt_j/dw_ij = input_i (and 0 for the other columns): dt/dw is the input (torch Jacobian)")
decide(162, np.allclose(Jb, np.eye(NODES)), "dt/db = 1, the identity (torch Jacobian)")
decide(165, np.allclose(Jx, weights.T), "dt_j/dinput_i = w_ij: dt/dinput is w (torch Jacobian)")
g_t = dL_dp @ Jp                                                  # dL/dout . dout/dt, contracted over out
decide(171, np.allclose(np.outer(flat_np, g_t), dL_dw), "dL/dw = dL/dout * dout/dt * dt/dw, contracted over out and "
       "t: input_i (dL/dt)_j (autograd)")
decide(175, np.allclose(g_t * 1, dL_db), "dL/db = dL/dout * dout/dt * 1 (autograd)")
decide(179, np.allclose(weights @ g_t, dL_dflat), "dL/dinput = dL/dout * dout/dt * dt/dinput, contracted over t: "
       "w (dL/dt) (autograd)")

for first, (lw, lb, lx, lt, l_w, l_b, l_x) in ((200, (212, 213, 214, 217, 220, 221, 222)),
                                               (255, (266, 267, 268, 271, 274, 275, 276))):
    ns = run(first, l_x, self=me, i=c, gradient=dL_dp[c])
    decide(lw, np.allclose(ns["d_t_d_w"], flat_np), "d_t_d_w = self.last_input: the flattened input, dt_j/dw_ij")
    decide(lb, ns["d_t_d_b"] == 1, "d_t_d_b = 1: dt/db is the identity")
    decide(lx, np.allclose(ns["d_t_d_inputs"], Jx.T), "d_t_d_inputs = self.weights: dt_j/dinput_i = w_ij")
    decide(lt, np.allclose(ns["d_L_d_t"], dL_dt), "gradient * d_out_d_t = dL/dout_c d out_c/dt = dL/dt (autograd)")
    decide(l_w, np.allclose(ns["d_L_d_w"], dL_dw), "d_t_d_w[np.newaxis].T @ d_L_d_t[np.newaxis], the outer product "
           "input (dL/dt)^T = dL/dw (autograd)")
    decide(l_b, np.allclose(ns["d_L_d_b"], dL_db), "d_L_d_t * 1 = dL/db (autograd)")
    decide(l_x, np.allclose(ns["d_L_d_inputs"], dL_dflat), "weights @ d_L_d_t = dL/dinput (autograd)")

ns = run(200, 222, self=me, i=c, gradient=dL_dp[c])
decide(230, ns["d_L_d_w"].shape == weights.shape == (input_len, NODES),
       "(input_len, 1) @ (1, nodes) is (input_len, nodes), the shape of self.weights")
decide(232, ns["d_L_d_inputs"].shape == (input_len,), "(input_len, nodes) @ (nodes,) has length input_len")

sm = Softmax()
sm.weights, sm.biases = weights.copy(), biases.copy()
sm.forward(pool_np)
grad = np.zeros(NODES)
grad[c] = -1 / p_np[c]
ret = sm.backprop(grad, 1.0)
decide(283, ret.shape == pool_np.shape and np.allclose(ret, dL_dpool)
       and np.allclose(weights - sm.weights, dL_dw) and np.allclose(biases - sm.biases, dL_db),
       "Softmax.backprop (lines 243-284, with forward lines 39-56) returns dL/dinput reshaped to the pooled "
       "(h/2, w/2, num_filters) input = autograd's; with learn_rate = 1 the weights and biases move by dL/dw and "
       "dL/db (autograd)")
ns = run(335, 336, out=p_np, label=c)
decide(336, np.allclose(ns["gradient"], dL_dp), "train's initial gradient -1 / out[label] at the label = dL/dout_s")

# ---- section 4: max pooling (2x2 blocks at stride 2)
MaxPool2 = klass("MaxPool2", (424, 457))
mp = MaxPool2()
mp.last_input = conv_np.copy()
blocks = conv_np.reshape(Ho // 2, 2, Wo // 2, 2, NF)
print(f"   (ties inside a 2x2 block: {int(sum((blocks[i, :, j, :, f] == blocks[i, :, j, :, f].max()).sum() > 1 for i in range(Ho // 2) for j in range(Wo // 2) for f in range(NF)))})")
decide(394, pool_np.shape == (Ho // 2, Wo // 2, NF) and np.allclose(pool_np, blocks.max(axis=(1, 3))),
       "a (h, w, num_filters) input pools to (h/2, w/2, num_filters), each entry the max of its 2x2 block (torch)")
is_max = (blocks == blocks.max(axis=(1, 3), keepdims=True)).reshape(Ho, Wo, NF)
routed = np.repeat(np.repeat(dL_dpool, 2, axis=0), 2, axis=1) * is_max
decide(403, np.allclose(routed, dL_dconv) and dL_dconv.shape[:2] == (2 * pool_np.shape[0], 2 * pool_np.shape[1]),
       "the backward doubles the height and width and puts each gradient value where its block's max was (autograd)")
decide(413, np.allclose(dL_dconv[is_max], routed[is_max]) and np.all(dL_dconv[~is_max] == 0),
       "each gradient value at its block's max, every other value zero (autograd)")
decide(415, np.all(dL_dconv[~is_max] == 0) and np.allclose(dL_dconv[is_max],
                                                           np.repeat(np.repeat(dL_dpool, 2, 0), 2, 1)[is_max]),
       "dL/dinput = 0 for the non-max pixels; d output/d input = 1 and dL/dinput = dL/doutput for the max (autograd)")
mp_ret = mp.backprop(dL_dpool)
decide(455, np.allclose(mp_ret, dL_dconv), "MaxPool2.backprop (lines 424-457) copies d_L_d_out[i, j, f2] to the "
       "block's max and leaves zeros elsewhere: autograd's dL/dinput of max_pool2d (random values, no ties)")
decide(460, np.allclose(mp_ret, dL_dconv), "the gradient is copied to the pixel that was the block's max (autograd)")

# ---- section 5: the conv layer
unchecked(476, "the docstring's (h, w, num_filters) names no h, w for the 2-d input; with h, w the input's, as in "
          "MaxPool2's docstring, the valid 3x3 convolution returns (h - 2, w - 2, num_filters) (Part 1's code, and "
          "the post's 28x28x1 -> 26x26x8); with h, w the output's own it is right")
Jf = torch.autograd.functional.jacobian(lambda w: F.conv2d(T(image)[None, None], w[:, None])[0],
                                        T(filters)).numpy()         # [f, i, j, f', x, y]
dep = np.abs(Jf) > 0
same_f = np.array([[dep[f, :, :, g].all() if f == g else not dep[f, :, :, g].any() for g in range(NF)]
                   for f in range(NF)])
decide(489, same_f.all(), "every output pixel of a map depends on every weight of that map's filter (and on no other "
       "filter's; torch Jacobian)")
img3, f3 = rng.normal(size=(3, 3)), np.zeros((3, 3))
o0 = F.conv2d(T(img3)[None, None], T(f3)[None, None])
f3[1, 1] += 1
o1 = F.conv2d(T(img3)[None, None], T(f3)[None, None])
decide(495, o0.shape[-2:] == (1, 1) and np.isclose((o1 - o0).item(), img3[1, 1]),
       "a 3x3 image with a 3x3 all-zero filter gives a 1x1 output; the center weight + 1 raises it by the center "
       "image value (torch; the figure's value 80 is not in the text)")
chk = all(np.isclose(Jf[f, i, j, f, x, y], image[i + x, j + y])
          for f in range(NF) for i in range(Ho) for j in range(Wo) for x in range(3) for y in range(3))
decide(499, chk, "the derivative of an output pixel by a filter weight is the corresponding image pixel (torch "
       "Jacobian)")

img_s = Strict(image)
try:
    out504 = np.array([[[sum(img_s(i + x, j + y) * Strict(filters[f])(x, y) for x in range(4) for y in range(4))
                         for f in range(NF)] for j in range(Wo)] for i in range(Ho)])
    ok504 = np.allclose(out504, conv_np)
    why504 = "the sums over x, y = 0..3 equal conv2d"
except IndexError as err:
    ok504 = False
    why504 = (f"filter(x, y) with x or y = 3 is outside the 3x3 filter (IndexError {err}): the sums "
              "sum_{x=0}^3 sum_{y=0}^3 take 16 terms where the filter has 9, x and y = 0..2 (with the upper limit 2 "
              "the formula equals conv2d: "
              + str(np.allclose([[[sum(image[i + x, j + y] * filters[f][x, y] for x in range(3) for y in range(3))
                                   for f in range(NF)] for j in range(Wo)] for i in range(Ho)], conv_np)) + ")")
decide(504, ok504, why504)
decide(509, chk, "d out(i, j)/d filter(x, y) = image(i + x, j + y) (torch Jacobian)")
sum516 = np.array([[[sum(dL_dconv[i, j, f] * image[i + x, j + y] for i in range(Ho) for j in range(Wo))
                     for y in range(3)] for x in range(3)] for f in range(NF)])
decide(516, np.allclose(sum516, dL_dfilters), "sum_i sum_j dL/dout(i, j) d out(i, j)/d filter(x, y) = "
       "dL/dfilter(x, y), for each filter f (autograd)")

PART1_ITERATE = '''\
  def iterate_regions(self, image):
    h, w = image.shape

    for i in range(h - 2):
      for j in range(w - 2):
        im_region = image[i:(i + 3), j:(j + 3)]
        yield im_region, i, j

'''
Conv3x3 = klass("Conv3x3", (527, 546), extra=PART1_ITERATE)
cv = Conv3x3()
cv.num_filters, cv.filters, cv.last_input = NF, filters.copy(), image.copy()
cv.backprop(dL_dconv, 1.0)
decide(537, np.allclose(filters - cv.filters, dL_dfilters), "d_L_d_filters[f] += d_L_d_out[i, j, f] * im_region over "
       "all 3x3 regions (Part 1's iterate_regions): with learn_rate = 1 the filters move by dL/dfilters (autograd)")

finish()
