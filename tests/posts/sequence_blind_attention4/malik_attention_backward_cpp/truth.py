"""Independent truth for tests/posts/sequence_blind_attention4/malik_attention_backward_cpp (NumPy and torch, no
derive).

The article's single attention head, row layout (Section 1): Q = X W^Q, K = X W^K, V = X W^V, S = Q K^T / sqrt(d_k),
A = softmax(S) over each row, O = A V, Y = O W^O; T = 5 positions, d_model = 6, d_k = 3. The loss, which the article
leaves open (dL/dY is 'incoming_gradient'), is L = sum(G (.) tanh(Y)) with a random G. References from torch autograd
in float64: the gradients of L at Y, O, A, V, S, Q, K, X and at W^Q, W^K, W^V, W^O; each path's share of dL/dX (the
gradient of L through Q alone, the other two projections fed a detached copy of X, and likewise for K and V); S, A, O
also against torch's own scaled_dot_product_attention. The two scaling options of the forward comment are evaluated as
printed (Option 1 scales both projections by 1/sqrt(d_k), Option 2 scales the scores). The generic linear layer of the
'Backward pass in simple terms' section, Y = X W^T + b, is built on its own (4 rows, 3 inputs, 4 outputs) with
L = sum(G2 (.) tanh(Y)). Backward lines are judged locally, with the true values of what they name; '*' and '.' and
'·' between matrices are the matrix product (as the code beside each comment computes it); the numbered sub-steps 6.1/6.2
and 7.1/7.2 are read as two assignments, judged by the value the pair ends with; scaleFactor is 1/sqrt(d_k), as the
comments of steps 6 and 7 say."""
import numpy as np
import torch
import torch.nn.functional as F_
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, unchecked, finish  # noqa: E402

rng = np.random.default_rng(4407)
T, dm, dk = 5, 6, 3
sc = 1 / np.sqrt(dk)                                   # scaleFactor
t_ = lambda a: torch.tensor(a, dtype=torch.float64, requires_grad=True)
n_ = lambda v: v.detach().numpy()
close = lambda a, b: np.shape(a) == np.shape(b) and np.allclose(a, b, atol=1e-12)

Xn = rng.normal(size=(T, dm))
WQn, WKn, WVn = (rng.normal(size=(dm, dk)) for _ in range(3))
WOn = rng.normal(size=(dk, dm))
Gn = rng.normal(size=(T, dm))


def net(X, WQ, WK, WV, WO, XQ=None, XK=None, XV=None):
    Q = (X if XQ is None else XQ) @ WQ
    K = (X if XK is None else XK) @ WK
    V = (X if XV is None else XV) @ WV
    S = Q @ K.T * sc
    A = torch.softmax(S, dim=1)
    O = A @ V
    Y = O @ WO
    return Q, K, V, S, A, O, Y


X, WQ, WK, WV, WO = (t_(a) for a in (Xn, WQn, WKn, WVn, WOn))
Q, K, V, S, A, O, Y = net(X, WQ, WK, WV, WO)
for v in (Q, K, V, S, A, O, Y):
    v.retain_grad()
L = (torch.tensor(Gn) * torch.tanh(Y)).sum()
L.backward()
Qn, Kn, Vn, Sn, An, On, Yn = (n_(v) for v in (Q, K, V, S, A, O, Y))
dY, dO, dA, dV, dS, dQ, dK = (v.grad.numpy() for v in (Y, O, A, V, S, Q, K))
dX, dWQ, dWK, dWV, dWO = (v.grad.numpy() for v in (X, WQ, WK, WV, WO))


def share(path):
    """dL/dX through one projection only: the other two get a detached copy of X."""
    Xs = t_(Xn)
    Xd = torch.tensor(Xn)
    kw = {"XQ": Xd, "XK": Xd, "XV": Xd}
    kw["X" + path] = Xs
    *_, Ys = net(Xs, *(torch.tensor(a) for a in (WQn, WKn, WVn, WOn)), **kw)
    (torch.tensor(Gn) * torch.tanh(Ys)).sum().backward()
    return Xs.grad.numpy()


dX_Q, dX_K, dX_V = share("Q"), share("K"), share("V")
assert close(dX_Q + dX_K + dX_V, dX)

# ---------------- forward, Section 1
Xt = torch.tensor(Xn)
Qt, Kt, Vt = Xt @ torch.tensor(WQn), Xt @ torch.tensor(WKn), Xt @ torch.tensor(WVn)
ref = n_(F_.scaled_dot_product_attention(Qt[None], Kt[None], Vt[None])[0])   # default scale 1/sqrt(d_k)
decide(8, close(Xn @ WQn, Qn), "Q = X . W^Q")
decide(9, close(Xn @ WKn, Kn), "K = X . W^K")
decide(10, close(Xn @ WVn, Vn), "V = X . W^V")
decide(13, close(Qn @ Kn.T / np.sqrt(dk), Sn), "S = Q.K^T / sqrt(d_k)")
e = np.exp(Sn - Sn.max(1, keepdims=True))
decide(14, close(e / e.sum(1, keepdims=True), An), "A = softmax(S), over each row (the code's softmax over the keys)")
decide(15, close(An @ Vn, On) and close(On, ref), "O = A . V (against torch's scaled_dot_product_attention)")
decide(16, close(On @ WOn, Yn), "Y = O . W^O")

# ---------------- the two scaling options of the forward comment
Q1, K1, V1 = Xn @ WQn / np.sqrt(dk), Xn @ WKn / np.sqrt(dk), Xn @ WVn
decide(24, close(Q1 * np.sqrt(dk), Qn), "Option 1's query: Q = X W^Q / sqrt(d_k), Section 1's Q scaled (definition)")
decide(25, close(K1 * np.sqrt(dk), Kn), "Option 1's key: K = X W^K / sqrt(d_k), Section 1's K scaled (definition)")
decide(26, close(V1, Vn), "Option 1's value V = X W^V, unscaled")
s1 = Q1 @ K1.T
decide(27, close(s1, Sn),
       f"with both projections scaled by 1/sqrt(d_k), scores = query . key^T = Q K^T / d_k, not the scaled scores "
       f"S = Q K^T / sqrt(d_k) of Section 1 and Option 2 (ratio scores/S = {np.median(s1 / Sn):.4f} = 1/sqrt(d_k) = "
       f"{1 / np.sqrt(dk):.4f}); the softmax then differs (max |A1 - A| = "
       f"{np.abs(np.exp(s1) / np.exp(s1).sum(1, keepdims=True) - An).max():.3f}); one of the two, or each by "
       f"d_k^(-1/4), would be needed")
decide(30, close(Xn @ WQn, Qn), "Option 2's Q = X W^Q")
decide(31, close(Xn @ WKn, Kn), "Option 2's K = X W^K")
decide(32, close(Xn @ WVn, Vn), "Option 2's V = X W^V")
decide(33, close(Qn @ Kn.T / np.sqrt(dk), Sn), "Option 2's scores = query . key^T / sqrt(d_k) = S")

# ---------------- the generic linear layer Y = X . W^T + b
nl, nin, nout = 4, 3, 4
Xl, Wl, bl = t_(rng.normal(size=(nl, nin))), t_(rng.normal(size=(nout, nin))), t_(rng.normal(size=nout))
Yl = Xl @ Wl.T + bl
Yl.retain_grad()
(torch.tensor(rng.normal(size=(nl, nout))) * torch.tanh(Yl)).sum().backward()
dYl, dWl, dXl = Yl.grad.numpy(), Wl.grad.numpy(), Xl.grad.numpy()
decide(38, close(n_(Xl) @ n_(Wl).T + n_(bl), n_(Yl)), "Y = X . W^T + b, the linear layer (rows of X are samples)")
r46 = n_(Xl).T @ dYl
decide(46, close(r46, dWl),
       f"for Y = X W^T + b the gradient is dL/dW = (dL/dY)^T X, of W's shape {dWl.shape}; X^T . dL/dY has shape "
       f"{r46.shape}: it is the gradient of W^T (its transpose equals dL/dW: {close(r46.T, dWl)}); X^T dL/dY belongs "
       f"to the layout Y = X W, where dL/dX would be dL/dY W^T, so the two lines cannot both hold in either layout")
decide(47, close(dYl @ n_(Wl), dXl), "dL/dX = dL/dY . W for Y = X W^T + b")

# ---------------- backward, steps 1-10
decide(55, close(On.T @ dY, dWO), "dL/dWo = O^T dL/dY")
decide(60, close(dY @ WOn.T, dO), "dL/dO = dL/dY Wo^T")
decide(66, close(dO @ Vn.T, dA), "dL/dA = dL/dO V^T")
decide(73, close(An.T @ dO, dV), "dL/dV = A^T dL/dO")
unchecked(78, "dL/dS = dL/dA * softmax'(A): names an operator softmax' (of A) the article does not define; the code "
          "calls softmax_backward, whose body is not in the article")
decide(84, close(sc * dS.T @ Qn, dK), "dL/dK = 1/sqrt(d_k) ((dL/dS)^T Q)")
decide(87, close((dS.T @ Qn) * sc, dK), "6.1 sets dL/dK = (dL/dS)^T Q, the unscaled product that 6.2 then scales: "
       "the pair ends at the true dL/dK")
decide(88, close((dS.T @ Qn) * sc, dK), "6.2: dL/dK * scaleFactor = 1/sqrt(d_k) (dL/dS)^T Q = dL/dK")
r92 = sc * dS.T @ Kn
decide(92, close(r92, dQ),
       f"S = Q K^T / sqrt(d_k) gives dL/dQ = 1/sqrt(d_k) (dL/dS) K, the rows of dL/dS (query i) against the keys; "
       f"(dL/dS)^T K sums over the wrong index (max difference {np.abs(r92 - dQ).max():.3f}); "
       f"without the transpose: {close(sc * dS @ Kn, dQ)}")
decide(95, close((dS.T @ Kn) * sc, dQ), "7.1 restates line 92's product (dL/dS)^T K (carried): after 7.2 it is not dL/dQ")
decide(96, close((dS.T @ Kn) * sc, dQ), "7.2 scales 7.1's (dL/dS)^T K: the pair ends at line 92's wrong value (carried)")
decide(100, close(Xn.T @ dQ, dWQ), "dL/dW^Q = X^T dL/dQ (with the true dL/dQ)")
decide(106, close(Xn.T @ dK, dWK), "dL/dW^K = X^T dL/dK")
decide(112, close(Xn.T @ dV, dWV), "dL/dW^V = X^T dL/dV")

# ---------------- dL/dX through the three projections
unchecked(123, "dL/dX = dL/dQ * dQ/dX: dQ/dX is a four-index Jacobian and '*' with it is not defined in the article; "
          "the next line gives its value")
decide(124, close(dQ @ WQn.T, dX_Q), "dL/dX = dL/dQ (W^Q)^T, read as X's gradient through Q (the paragraph's 'in terms "
       "of Q'): the share through Q alone")
unchecked(135, "dL/dX_from_Q = dL/dQ * (dQ/dX): the same undefined product with the Jacobian; the next row gives its value")
decide(136, close(dQ @ WQn.T, dX_Q), "dL/dX_from_Q = dL/dQ (W^Q)^T, the share through Q")
decide(139, close(dK @ WKn.T, dX_K), "dL/dX_from_K = dL/dK (W^K)^T, the share through K")
decide(140, close(dV @ WVn.T, dX_V), "dL/dX_from_V = dL/dV (W^V)^T, the share through V")
decide(147, close(dX_Q + dX_K + dX_V, dX), "dL/dX = the sum of the three path shares")
decide(149, close(dQ @ WQn.T + dK @ WKn.T + dV @ WVn.T, dX), "total dL/dX = dL/dX_from_Q + dL/dX_from_K + dL/dX_from_V")

finish()
