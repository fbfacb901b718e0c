"""Independent truth for tests/posts/sequence_blind_attention6/zayer_multihead_causal_numpy (NumPy and torch, no derive).

The script's network, rebuilt in torch float64 from its own forward lines: three tokens (ids 0, 1, 2) of a five-word
vocabulary, X = E[tokens] + P (embedding and position rows, 6 features), Q = X W_q, K = X W_k, V = X W_v (6 x 6, row
layout), two heads of 3 features (columns 0-2 and 3-5), scores = Q_h K_h^T + mask with mask = -1e9 above the diagonal
(causal, no 1/sqrt(d_k) scale, as the script has it), the row softmax, context_h = weights_h V_h, the two contexts
concatenated, the last row taken (sentence_vector, 1 x 6), Z1 = sentence_vector W1 + b1, A1 = sigmoid(Z1),
Z2 = A1 W2 + b2, A2 = softmax(Z2), loss = -sum(target log(A2 + 1e-9)) with target the one-hot of id 3. Weights and
embeddings are random (rng seeded here). Every reference comes from autograd: the gradient of the loss at every node
the script names (Z2, A1, Z1, sentence_vector, the context, the per-head contexts, weights, scores, Q1..V2, Q, K, V, X)
and at every weight; X's gradient through each projection alone (torch.autograd.grad of Q = X W_q, and so on);
Jacobians (torch.autograd.functional.jacobian) where a comment names one. The 1e-9 inside the log shifts every gradient
by about 1e-9 / A2[3] relative to the exact cross-entropy one, so values are compared with rtol 1e-6 (a wrong line
is off by order one).

Code lines are evaluated as printed (their right side run with NumPy on the true values of what they name, the
gradient names dZ2, dZ1, d_context1, d_weights1, d_scores1, dQ, ... bound to the autograd gradients: each backward line
is judged locally) and compared with the autograd value of their left side; a trailing shape comment is part of the
line and is checked against the true shapes. Comment lines of the form dX = dL/dX = dL/dY * dY/dX are read as the
vector-Jacobian product (the row gradient times the Jacobian, rows = outputs) and checked where X and Y are row
vectors; where X is a matrix (W1, W2, C, Q, K) the product of a gradient and a four-index Jacobian is not defined by
the comment and the line is unchecked."""
import numpy as np
import torch
from torch.autograd.functional import jacobian
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, unchecked, finish  # noqa: E402

POST = (Path(__file__).resolve().parent / "post.md").read_text(encoding="utf-8").split("\n")
rng = np.random.default_rng(6061)
T = lambda a: torch.tensor(a, dtype=torch.float64)
close = lambda a, b: np.shape(a) == np.shape(b) and np.allclose(a, b, rtol=1e-6, atol=1e-9)

# ---------------- the network, torch float64
sentence = ["the", "cat", "sat"]
tokens = [0, 1, 2]
vocab_size, embedding_dim, num_heads = 5, 6, 2
hd = embedding_dim // num_heads
E_t = T(rng.normal(size=(vocab_size, embedding_dim))).requires_grad_()
P_t = T(rng.normal(size=(3, embedding_dim))).requires_grad_()
Wq_t, Wk_t, Wv_t = (T(rng.normal(size=(6, 6))).requires_grad_() for _ in range(3))
W1_t = T(rng.normal(size=(6, 5))).requires_grad_()
b1_t = T(rng.normal(size=(1, 5)) * 0.3).requires_grad_()
W2_t = T(rng.normal(size=(5, 5))).requires_grad_()
b2_t = T(rng.normal(size=(1, 5)) * 0.3).requires_grad_()
mask_t = torch.triu(torch.ones(3, 3, dtype=torch.float64), diagonal=1) * -1e9
target_t = T([[0.0, 0.0, 0.0, 1.0, 0.0]])

X_t = E_t[tokens] + P_t
Q_t, K_t, V_t = X_t @ Wq_t, X_t @ Wk_t, X_t @ Wv_t
heads = []
for h in range(2):
    sl = slice(0, hd) if h == 0 else slice(hd, 2 * hd)
    q, k, v = Q_t[:, sl], K_t[:, sl], V_t[:, sl]
    s = q @ k.T + mask_t
    w = torch.softmax(s, dim=1)
    c = w @ v
    heads.append(dict(q=q, k=k, v=v, s=s, w=w, c=c))
C_t = torch.cat([heads[0]["c"], heads[1]["c"]], dim=-1)
sv_t = C_t[-1:]
Z1_t = sv_t @ W1_t + b1_t
A1_t = torch.sigmoid(Z1_t)
Z2_t = A1_t @ W2_t + b2_t
A2_t = torch.softmax(Z2_t, dim=1)
loss_t = -(target_t * torch.log(A2_t + 1e-9)).sum()
nodes = [X_t, Q_t, K_t, V_t, C_t, sv_t, Z1_t, A1_t, Z2_t, A2_t] + [t for hh in heads for t in hh.values()]
for t in nodes:
    t.retain_grad()
loss_t.backward()
n_ = lambda t: t.detach().numpy().copy()
g_ = lambda t: t.grad.numpy().copy()

# the causal forward against torch's own attention (scale 1, causal)
ref = torch.nn.functional.scaled_dot_product_attention(Q_t.detach().reshape(3, 2, 3).transpose(0, 1),
                                                       K_t.detach().reshape(3, 2, 3).transpose(0, 1),
                                                       V_t.detach().reshape(3, 2, 3).transpose(0, 1),
                                                       is_causal=True, scale=1.0)
assert np.allclose(ref.transpose(0, 1).reshape(3, 6).numpy(), n_(C_t))

# the names of the script, bound to the true values (forward) and the true gradients (backward)
ns = dict(np=np, sentence=sentence, tokens=tokens, vocab_size=vocab_size, embedding_dim=embedding_dim,
          num_heads=num_heads, head_dim=hd, E=n_(E_t), P=n_(P_t), W_q=n_(Wq_t), W_k=n_(Wk_t), W_v=n_(Wv_t),
          W1=n_(W1_t), b1=n_(b1_t), W2=n_(W2_t), b2=n_(b2_t), mask=mask_t.numpy(), target=target_t.numpy(),
          sentence_embedding=n_(X_t), Q=n_(Q_t), K=n_(K_t), V=n_(V_t), context_vector=n_(C_t),
          sentence_vector=n_(sv_t), Z1=n_(Z1_t), A1=n_(A1_t), Z2=n_(Z2_t), A2=n_(A2_t),
          dZ2=g_(Z2_t), dZ1=g_(Z1_t), d_sentence_vector=g_(sv_t), d_context_vector=g_(C_t),
          dQ=g_(Q_t), dK=g_(K_t), dV=g_(V_t))
for h, hh in enumerate(heads, 1):
    for key, name in (("q", "Q"), ("k", "K"), ("v", "V")):
        ns[f"{name}{h}"] = n_(hh[key])
        ns[f"d{name}{h}"] = g_(hh[key])
    ns[f"scores{h}"], ns[f"weights{h}"], ns[f"context{h}"] = n_(hh["s"]), n_(hh["w"]), n_(hh["c"])
    ns[f"d_scores{h}"], ns[f"d_weights{h}"], ns[f"d_context{h}"] = g_(hh["s"]), g_(hh["w"]), g_(hh["c"])


def softmax(z):
    exp_z = np.exp(z)
    return exp_z / np.sum(exp_z, axis=1, keepdims=True)


ns["softmax"] = softmax
ns["sigmoid"] = lambda z: 1 / (1 + np.exp(-z))


def code(n):
    """The line's code (before its comment), split at its first ' = ': (left name, value of the right side)."""
    text = POST[n - 1].split("#")[0].strip()
    left, right = text.split(" = ", 1)
    return left.strip(), eval(right, ns)


def holds(n, reference):
    return close(code(n)[1], reference)


def shape(a):
    return tuple(np.shape(a))


grads = dict(W_q=g_(Wq_t), W_k=g_(Wk_t), W_v=g_(Wv_t), W1=g_(W1_t), b1=g_(b1_t), W2=g_(W2_t), b2=g_(b2_t))

# ---------------- set-up and forward
expected_mask = np.where(np.triu(np.ones((3, 3)), 1) == 1, -1e9, 0.0)
decide(1, holds(1, expected_mask), "mask = -1e9 strictly above the diagonal (key after query), 0 elsewhere: causal")
decide(4, code(4)[1] == 3, "head_dim = 6 // 2 = 3: each head gets 3 dimensions")
decide(13, close(ns["sigmoid"](ns["Z1"]), n_(A1_t)), "1 / (1 + e^-z) is torch's sigmoid")
decide(17, close(softmax(ns["scores1"]), n_(heads[0]["w"])) and close(softmax(ns["Z2"]), n_(A2_t)),
       "exp(z) / row sum of exp(z) is torch's row softmax (also on the masked scores)")
decide(19, shape(ns["W1"])[0] == 3, "W1 is (embedding_dim, 5) = (6, 5): the layer connects 6 input features (the "
       "sentence vector is a row of the 6-feature context), not 3")
decide(20, shape(ns["W1"]) == (6, 5), "W1: (6, 5)")
decide(21, shape(ns["b1"]) == (1, 5), "b1 = zeros((1, vocab_size)): (1, 5)")
decide(22, shape(ns["W2"]) == (5, 5), "W2: (5, 5)")
decide(23, shape(np.zeros((1, vocab_size))) == (1, 1), "b2 = zeros((1, vocab_size)) is (1, 5), not (1, 1)")
decide(32, holds(32, n_(X_t)), "sentence_embedding = E[tokens] + P")
for n, node in ((35, Q_t), (36, K_t), (37, V_t)):
    decide(n, holds(n, n_(node)) and shape(n_(node)) == (3, 6), f"{code(n)[0]} = X W, shape (3, 6)")
for n, h, key in ((41, 0, "q"), (42, 0, "k"), (43, 0, "v"), (45, 1, "q"), (46, 1, "k"), (47, 1, "v")):
    decide(n, holds(n, n_(heads[h][key])), f"{code(n)[0]}: head {h + 1}'s three columns")
for n, h in ((50, 0), (55, 1)):
    decide(n, holds(n, n_(heads[h]["s"])), f"scores{h + 1} = Q{h + 1} K{h + 1}^T + mask (the network as defined, "
           "no scale)")
for n, h in ((51, 0), (56, 1)):
    w = code(n)[1]
    decide(n, close(w, n_(heads[h]["w"])) and bool((w[np.triu_indices(3, 1)] == 0.0).all()),
           f"weights{h + 1} = softmax(scores{h + 1}); the -1e9 entries come out exactly 0.0 (e^-1e9 underflows)")
for n, h in ((52, 0), (57, 1)):
    decide(n, holds(n, n_(heads[h]["c"])) and shape(n_(heads[h]["c"])) == (3, 3),
           f"context{h + 1} = weights{h + 1} V{h + 1}, (3, 3)")
decide(60, holds(60, n_(C_t)), "the two heads' contexts side by side")
decide(62, holds(62, n_(sv_t)) and shape(n_(sv_t)) == (1, 6), "the last row, (1, 6)")
decide(65, holds(65, n_(Z1_t)) and shape(ns["sentence_vector"]) == (1, 6) and shape(ns["W1"]) == (6, 5)
       and shape(ns["b1"]) == (1, 5) and shape(n_(Z1_t)) == (1, 5), "Z1 = sv W1 + b1: (1, 6)(6, 5) + (1, 5) -> (1, 5)")
decide(66, holds(66, n_(A1_t)) and shape(n_(A1_t)) == (1, 5), "A1 = sigmoid(Z1), (1, 5)")
decide(69, shape(n_(A2_t)) == (1, 1), "the output layer maps the (1, 5) hidden state to a (1, 5) distribution over "
       "the five words (A2 = softmax(Z2)), not a (1, 1) prediction")
decide(70, holds(70, n_(Z2_t)) and shape(ns["b2"]) == (1, 1),
       "Z2 = A1 W2 + b2 holds and is (1, 5), but b2 is (1, 5), not the (1, 1) the comment adds (line 23's shape)")
decide(71, holds(71, n_(A2_t)) and shape(n_(A2_t)) == (1, 5), "A2 = softmax(Z2), (1, 5)")
decide(78, np.isclose(code(78)[1], loss_t.item()), "loss = -sum(target log(A2 + 1e-9)) (the network's loss)")

# ---------------- backward: output layers
J_soft = jacobian(lambda z: torch.softmax(z, dim=1), Z2_t.detach()).reshape(5, 5).numpy()   # [out k, in j]
dA2 = g_(A2_t)
decide(81, close(dA2 @ J_soft, g_(Z2_t)), "dL/dZ2 = dL/dA2 times the softmax Jacobian dA2/dZ2 (row vector times "
       "Jacobian)")
A2, t = ns["A2"], ns["target"]
post82 = -(t * (1 / (A2 + 1e-9)) + (1 - t) * (-1 / (1 - A2 + 1e-9))) * (A2 * (1 - A2))
g_bce = -(t / (A2 + 1e-9) - (1 - t) / (1 - A2 + 1e-9))        # d/dA2 of the commented-out binary cross-entropy
decide(82, close(post82, g_(Z2_t)),
       "the binary cross-entropy's derivative times the softmax Jacobian's diagonal A2(1 - A2) alone; for the one-hot "
       "target this is exactly A2 - target (A2_i - 1 where target is 1, A2_i elsewhere), the true dL/dZ2 of the "
       "script's cross-entropy")
assert not close(post82, g_bce @ J_soft)   # as the derivative of the commented-out BCE loss itself it would not hold
decide(83, holds(83, g_(Z2_t)) and np.ndim(ns["target"]) == 0,
       "A2 - target is dL/dZ2 (1, 5), but target is a (1, 5) one-hot row, not the scalar the comment says")
unchecked(85, "dZ2/dW2 is a Jacobian of a row by a matrix; the comment does not say how it multiplies dL/dZ2")
decide(86, holds(86, grads["W2"]) and shape(grads["W2"]) == (5, 5), "dW2 = A1^T dZ2: (5, 1)(1, 5) -> (5, 5)")
J_b2 = jacobian(lambda b: A1_t.detach() @ W2_t.detach() + b, b2_t.detach()).reshape(5, 5).numpy()
decide(88, close(g_(Z2_t) @ J_b2, grads["b2"]), "dL/db2 = dL/dZ2 times dZ2/db2 (the identity)")
decide(89, holds(89, grads["b2"]) and shape(grads["b2"]) == (1, 5), "db2 = sum of dZ2 over the (single) row, (1, 5)")
J_sig = jacobian(torch.sigmoid, Z1_t.detach()).reshape(5, 5).numpy()
decide(90, close(g_(A1_t) @ J_sig, g_(Z1_t)), "dL/dZ1 = dL/dA1 times the sigmoid's (diagonal) Jacobian")
J_A1 = jacobian(lambda a: a @ W2_t.detach() + b2_t.detach(), A1_t.detach()).reshape(5, 5).numpy()
decide(91, close(g_(Z2_t) @ J_A1, g_(A1_t)), "dL/dA1 = dL/dZ2 times dZ2/dA1")
decide(92, holds(92, g_(Z1_t)) and shape(g_(Z1_t)) == (1, 5), "dZ1 = (dZ2 W2^T) (.) A1 (.) (1 - A1): (1, 5)")
unchecked(94, "dZ1/dW1 is a Jacobian of a row by a matrix; the product with dL/dZ1 is not defined by the comment")
unchecked(95, "names the three-index Jacobian dZ1/dW1 by the row sentence_vector without saying how it is applied")
decide(96, holds(96, grads["W1"]) and shape(ns["sentence_vector"].T) == (3, 1) and shape(grads["W1"]) == (3, 5),
       "sentence_vector^T dZ1 is dW1, but its shapes are (6, 1)(1, 5) -> (6, 5), not (3, 1)(1, 5) -> (3, 5): W1 has "
       "6 rows")
J_b1 = jacobian(lambda b: sv_t.detach() @ W1_t.detach() + b, b1_t.detach()).reshape(5, 5).numpy()
decide(98, close(g_(Z1_t) @ J_b1, grads["b1"]), "dL/db1 = dL/dZ1 times dZ1/db1")
decide(99, np.allclose(J_b1, np.eye(5)), "dZ1/db1 = 1 (the identity)")
decide(100, holds(100, grads["b1"]) and shape(grads["b1"]) == (1, 5), "db1 = dZ1 summed over the row, (1, 5)")
J_sv = jacobian(lambda s: s @ W1_t.detach() + b1_t.detach(), sv_t.detach()).reshape(5, 6).numpy()
decide(103, close(g_(Z1_t) @ J_sv, g_(sv_t)), "dL/d_sentence_vector = dL/dZ1 times dZ1/d_sentence_vector")
decide(104, holds(104, g_(sv_t)) and shape(g_(sv_t)) == (1, 6), "dZ1 W1^T: (1, 5)(5, 6) = (1, 6)")

# ---------------- backward: into the attention
unchecked(109, "dSvec/dC is a Jacobian of a row by the (3, 6) context matrix; its product with dL/dSvec is not "
          "defined by the comment")
M = np.array([[0.0, 0.0, 1.0]])
decide(110, close(M @ ns["context_vector"], ns["sentence_vector"]) and close(M.T @ g_(sv_t), g_(C_t)),
       "Svec = M C with M = [0 0 1]; read as the factor that carries the gradient back, dL/dC = M^T dL/dSvec")
dZ1, W1 = ns["dZ1"], ns["W1"]
try:
    post111 = dZ1.dot(W1)
except ValueError:
    post111 = None
decide(111, close(g_(Z1_t) @ J_sv, g_(sv_t)) and post111 is not None and close(post111, g_(sv_t)),
       "dL/dZ1 times dZ1/dSvec is dL/dSvec, but dZ1.W1 is not: (1, 5) times (6, 5) is undefined; dL/dSvec = dZ1 W1^T "
       "(as line 104 computes it)")
decide(112, close(J_sv, W1.T), "the Jacobian dZ1/dSvec (rows Z1, columns Svec) is W1^T")
decide(113, shape(code(113)[1]) == shape(g_(C_t)) == (3, 6), "a (3, 6) matrix of zeros, the shape of the context")
filled = np.zeros((3, 6))
filled[-1:] = ns["d_sentence_vector"]
try:
    post114 = dZ1 @ W1.T @ M.T
except ValueError:
    post114 = None
decide(114, close(filled, g_(C_t)) and post114 is not None and close(post114, g_(C_t)),
       "the assignment gives the true dL/dC (the last row, zeros above), but the comment's 'dZ1 @ W1.T @ M.T' is "
       "(1, 6) times (3, 1), undefined; the gradient is M^T (dZ1 W1^T), the factor M^T on the left")
decide(118, holds(118, g_(heads[0]["c"])), "head 1's share: the first 3 columns of dL/dC")
decide(120, holds(120, g_(heads[1]["c"])), "head 2's share: the last 3 columns of dL/dC")
decide(123, holds(123, g_(heads[0]["w"])), "d_weights1 = d_context1 V1^T")
decide(124, holds(124, g_(heads[0]["v"])), "dV1 = weights1^T d_context1")
decide(125, holds(125, g_(heads[1]["w"])), "d_weights2 = d_context2 V2^T")
decide(126, holds(126, g_(heads[1]["v"])), "dV2 = weights2^T d_context2")
ok128 = all(close(n_(hh["w"]) * (g_(hh["w"]) - (g_(hh["w"]) * n_(hh["w"])).sum(-1, keepdims=True)), g_(hh["s"]))
            and bool((g_(hh["s"])[np.triu_indices(3, 1)] == 0).all()) for hh in heads)
decide(128, ok128, "the mask is a constant: the unmasked softmax backward gives the true dL/dscores, exactly 0 at the "
       "masked entries, and dQ, dK follow from scores = QK^T as without a mask")


def line129(S, Ed, every_j):
    out = np.zeros_like(S)
    for r in range(S.shape[0]):
        for i in range(S.shape[1]):
            js = range(S.shape[1]) if every_j else [j for j in range(S.shape[1]) if j != i]
            out[r, i] = Ed[r, i] * S[r, i] * (1 - S[r, i]) - sum(Ed[r, j] * S[r, i] * S[r, j] for j in js)
    return out


S1, E1 = n_(heads[0]["w"]), g_(heads[0]["w"])
decide(129, close(line129(S1, E1, every_j=True), g_(heads[0]["s"])),
       "with the sum over every j (as np.sum over the row below it), the j = i term is taken twice: "
       "E_i S_i (1 - S_i) - sum_j E_j S_i S_j = dS_i - E_i S_i^2 (it would hold with the sum over j != i)")
assert close(line129(S1, E1, every_j=False), g_(heads[0]["s"]))      # the j != i reading holds
decide(131, holds(131, g_(heads[0]["s"])), "d_scores1 = weights1 (.) (d_weights1 - row sum of d_weights1 (.) weights1)")
decide(132, holds(132, g_(heads[1]["s"])), "d_scores2 likewise")
unchecked(135, "d_scores/dQ is a four-index Jacobian; the comment does not define its product with dL/d_scores")
unchecked(137, "d_scores/dK likewise")
for n, h, key in ((136, 0, "q"), (138, 0, "k"), (141, 1, "q"), (142, 1, "k")):
    decide(n, holds(n, g_(heads[h][key])) and shape(g_(heads[h][key])) == (3, 3),
           f"{code(n)[0]} from scores = Q K^T (no scale in the forward, so none here), (3, 3)")
for n, node in ((146, Q_t), (147, K_t), (148, V_t)):
    decide(n, holds(n, g_(node)) and shape(g_(node)) == (3, 6), f"{code(n)[0]}: the heads' gradients side by side, "
           "(3, 6)")
decide(151, shape(ns["sentence_embedding"]) == (3, 6) and shape(ns["sentence_embedding"].T) == (6, 3),
       "X is (3, 6), X^T (6, 3)")
for n, w in ((152, "W_q"), (154, "W_k"), (155, "W_v")):
    decide(n, holds(n, grads[w]) and shape(grads[w]) == (6, 6), f"d{w} = X^T d(projection): (6, 3)(3, 6) -> (6, 6)")
decide(163, shape(ns["dQ"]) == (3, 6) and shape(ns["W_q"]) == (6, 6) and shape(ns["W_q"].T) == (6, 6),
       "dQ (3, 6), W_q and W_q^T (6, 6)")
shares = {}
for name, node, w in (("q", Q_t, Wq_t), ("k", K_t, Wk_t), ("v", V_t, Wv_t)):
    xx = X_t.detach().clone().requires_grad_()
    shares[name] = torch.autograd.grad(xx @ w.detach(), xx, grad_outputs=node.grad)[0].numpy()
for n, name in ((164, "q"), (166, "k"), (167, "v")):
    decide(n, holds(n, shares[name]) and shape(shares[name]) == (3, 6),
           f"X's gradient through the {name.upper()} projection alone, (3, 6)")
ns.update(d_sentence_embedding_q=shares["q"], d_sentence_embedding_k=shares["k"], d_sentence_embedding_v=shares["v"])
decide(173, holds(173, g_(X_t)), "the three shares add up to dL/dX (autograd's gradient at the embedding sum)")

finish()
