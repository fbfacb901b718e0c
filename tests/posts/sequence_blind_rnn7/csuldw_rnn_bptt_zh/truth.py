"""Independent truth for tests/posts/sequence_blind_rnn7/csuldw_rnn_bptt_zh (NumPy and torch, no derive).

The post's RNN, column vectors: h^(t) = tanh(z^(t)), z^(t) = U x^(t) + W h^(t-1) + b, o^(t) = V h^(t) + c,
yhat^(t) = softmax(o^(t)), and L = sum_{t=1}^{tau} L^(t) with L^(t) the log-likelihood (cross-entropy) loss of the
one-hot label y^(t) (the loss the post's prose names before eq. (4) and the one its eq. (5) yhat - y belongs to; the
'MSE' of the sentence before eq. (4) is prose and is not claimed). tau = 4 steps of n = 3 inputs, 4 hidden units,
3 classes, a random h^(0) (a constant). References from torch autograd in float64: the gradient of L at every o^(t),
h^(t) and at every weight; the gradient of one L^(t); the Jacobians the post's chains name
(torch.autograd.functional.jacobian, the other operands fixed; dh^(t)/dW etc. are the immediate Jacobians of step t
with h^(t-1) held fixed, as the sums of eqs. (11)-(13) need). The chains are evaluated in numerator layout (a
gradient a row, dh^(t+1)/dh^(t) the h x h Jacobian) and compared with the column gradient transposed; the closed
forms are evaluated as printed with column vectors."""
import numpy as np
import torch
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(2018)
n, H, K, tau = 3, 4, 3, 4
Tt = lambda a: torch.tensor(a, dtype=torch.float64)
close = lambda a, b: np.shape(a) == np.shape(b) and np.allclose(a, b, atol=1e-12)
nv = lambda x: x.detach().numpy()
shapes = dict(U=(H, n), W=(H, H), V=(K, H), b=(H, 1), c=(K, 1))
P = {k: Tt(rng.normal(0, 0.7, s)).requires_grad_() for k, s in shapes.items()}
X = [Tt(rng.normal(0, 1.0, (n, 1))) for _ in range(tau)]
labels = rng.integers(0, K, tau)
Y = [Tt(np.eye(K)[[labels[t]]].T) for t in range(tau)]  # one-hot columns y^(t)
h0 = Tt(rng.normal(0, 0.5, (H, 1)))


def run():
    """Forward pass; every node kept with retain_grad."""
    nodes, Ls = [], []
    hp = h0
    for t in range(tau):
        z = P["U"] @ X[t] + P["W"] @ hp + P["b"]
        h = torch.tanh(z)
        o = P["V"] @ h + P["c"]
        yhat = torch.softmax(o, 0)
        Lt = -(Y[t] * torch.log(yhat)).sum()
        for v in (z, h, o):
            v.retain_grad()
        nodes.append(dict(hin=hp, z=z, h=h, o=o, yhat=yhat))
        Ls.append(Lt)
        hp = h
    return nodes, Ls


nodes, Ls = run()
L = sum(Ls)
g = lambda out, wrt: torch.autograd.grad(out, wrt, retain_graph=True, allow_unused=True)[0]
val = [{k: nv(v) for k, v in d.items()} for d in nodes]
dL_do = [nv(g(L, nodes[t]["o"])) for t in range(tau)]
dL_dh = [nv(g(L, nodes[t]["h"])) for t in range(tau)]  # delta^(t), a column
dLt_do = [nv(g(Ls[t], nodes[t]["o"])) for t in range(tau)]
Pn = {k: nv(p) for k, p in P.items()}
gradP = {k: nv(g(L, p)) for k, p in P.items()}

# lines 6, 13, 20: the forward definitions, re-evaluated in NumPy with the printed formulas
hp, ok_h, ok_o, ok_y = nv(h0), True, True, True
for t in range(tau):
    z = Pn["U"] @ nv(X[t]) + Pn["W"] @ hp + Pn["b"]
    h = np.tanh(z)
    o = Pn["V"] @ h + Pn["c"]
    yh = np.exp(o) / np.exp(o).sum()
    ok_h &= close(h, val[t]["h"]) and close(z, val[t]["z"])
    ok_o &= close(o, val[t]["o"])
    ok_y &= close(yh, val[t]["yhat"])
    hp = h
decide(6, ok_h, "h^(t) = tanh(z^(t)) = tanh(U x^(t) + W h^(t-1) + b): the network's hidden state")
decide(13, ok_o, "o^(t) = V h^(t) + c: the network's output")
decide(20, ok_y, "yhat^(t) = softmax(o^(t)): the network's prediction")
# line 34: L = sum_t L^(t), the loss the truth differentiates
decide(34, np.isclose(L.item(), sum(l.item() for l in Ls)), "L = sum_{t=1}^{tau} L^(t): the loss of the network")

# line 42: dL/do^(t) = dL/dL^(t) dL^(t)/do^(t) (dL/dL^(t) = 1, the only term of L that depends on o^(t) is L^(t))
ok42 = True
for t in range(tau):
    Lt_node = Ls[t].detach().clone().requires_grad_()
    total = sum((Lt_node if s == t else Ls[s].detach()) for s in range(tau))
    dL_dLt = torch.autograd.grad(total, Lt_node)[0].item()
    ok42 &= np.isclose(dL_dLt, 1.0) and close(dL_dLt * dLt_do[t], dL_do[t])
decide(42, ok42, "dL/dL^(t) = 1 and dL/dL^(t) dL^(t)/do^(t) = dL/do^(t) at every t")
decide(43, all(close(dLt_do[t], dL_do[t]) for t in range(tau)), "dL/do^(t) = dL^(t)/do^(t) at every t")
decide(44, all(close(val[t]["yhat"] - nv(Y[t]), dL_do[t]) for t in range(tau)),
       "dL/do^(t) = yhat^(t) - y^(t) (softmax with the cross-entropy, one-hot y^(t)) at every t")

# line 51: dL/dc = sum_t dL^(t)/dc = sum_t dL^(t)/do^(t) do^(t)/dc = sum_t (yhat^(t) - y^(t))  (read as the sum of the
# differences; do^(t)/dc = I)
s1 = sum(nv(g(Ls[t], P["c"])) for t in range(tau))
s2 = sum(dLt_do[t] for t in range(tau))
s3 = sum(val[t]["yhat"] - nv(Y[t]) for t in range(tau))
decide(51, close(gradP["c"], s1) and close(s1, s2) and close(s2, s3),
       "dL/dc = sum_t dL^(t)/dc = sum_t dL^(t)/do^(t) = sum_t (yhat^(t) - y^(t))")


# line 57: dL/dV = sum_t dL^(t)/dV (h^(t) does not depend on V)
decide(57, close(gradP["V"], sum(nv(g(Ls[t], P["V"])) for t in range(tau))), "dL/dV = sum_t dL^(t)/dV")
# line 58: = sum_t dL^(t)/do^(t) do^(t)/dV (the row dL^(t)/do^(t) contracted with the Jacobian of o^(t) = V h^(t) + c)
def jac_o_V(t):
    hval = Tt(val[t]["h"])
    return torch.autograd.functional.jacobian(lambda V: V @ hval + Tt(Pn["c"]), Tt(Pn["V"])).numpy()  # (K,1,K,H)


chain58 = sum(np.einsum("ia,iajk->jk", dLt_do[t], jac_o_V(t)) for t in range(tau))
decide(58, close(chain58, gradP["V"]), "sum_t dL^(t)/do^(t) do^(t)/dV (Jacobian from autograd) = dL/dV")
decide(59, close(sum((val[t]["yhat"] - nv(Y[t])) @ val[t]["h"].T for t in range(tau)), gradP["V"]),
       "sum_t (yhat^(t) - y^(t)) (h^(t))^T = dL/dV")


# line 75 (and 124): delta^(t) = dL/do^(t) do^(t)/dh^(t) + dL/dh^(t+1) dh^(t+1)/dh^(t), numerator layout
def jac_step(t):
    """dh^(t)/dh^(t-1) of step t (weights and x fixed), an H x H Jacobian."""
    f = lambda hin: torch.tanh(Tt(Pn["U"]) @ X[t] + Tt(Pn["W"]) @ hin + Tt(Pn["b"]))
    return torch.autograd.functional.jacobian(f, Tt(val[t]["hin"])).numpy().reshape(H, H)


Jh = [jac_step(t) for t in range(tau)]  # Jh[t] = dh^(t)/dh^(t-1)
ok_chain = True
for t in range(tau):
    row = dL_do[t].T @ Pn["V"] + (dL_dh[t + 1].T @ Jh[t + 1] if t + 1 < tau else 0)
    ok_chain &= close(row, dL_dh[t].T)
decide(75, ok_chain, "dL/do^(t) V + dL/dh^(t+1) dh^(t+1)/dh^(t) (rows; no second term at t = tau) = delta^(t)^T")

# line 76: delta^(t) = V^T (yhat^(t) - y^(t)) + W^T delta^(t+1) diag(1 - (h^(t+1))^2)
bad76, shown = False, []
for t in range(tau - 1):
    d1 = dL_dh[t + 1]
    D = np.diag((1 - val[t + 1]["h"] ** 2).ravel())
    first = Pn["V"].T @ (val[t]["yhat"] - nv(Y[t]))
    try:
        (Pn["W"].T @ d1) @ D  # (H,1) @ (H,H): the product as printed
        literal_defined = True
    except ValueError:
        literal_defined = False
    elementwise = first + (Pn["W"].T @ d1) * (1 - val[t + 1]["h"] ** 2)  # '(W^T delta) times the tanh factor'
    reordered = first + Pn["W"].T @ D @ d1  # the factor moved next to delta^(t+1)
    shown.append((literal_defined, close(elementwise, dL_dh[t]), close(reordered, dL_dh[t])))
    bad76 |= literal_defined or close(elementwise, dL_dh[t])
print("   (line 76, t = 1..tau-1: [printed product defined, elementwise reading = delta^(t), W^T diag(..) delta^(t+1) "
      f"= delta^(t)] = {shown})")
decide(76, bad76, "W^T delta^(t+1) is H x 1 and cannot multiply diag(1 - (h^(t+1))^2) on the right; read elementwise, "
       "(W^T delta^(t+1)) (.) (1 - (h^(t+1))^2) differs from delta^(t) - V^T(yhat - y); the tanh factor belongs on "
       "delta^(t+1): W^T diag(1 - (h^(t+1))^2) delta^(t+1)")

# line 85: delta^(tau) = dL/do^(tau) do^(tau)/dh^(tau) = V^T (yhat^(tau) - y^(tau))
decide(85, close((dL_do[-1].T @ Pn["V"]).T, dL_dh[-1]) and
       close(Pn["V"].T @ (val[-1]["yhat"] - nv(Y[-1])), dL_dh[-1]),
       "delta^(tau) = (dL/do^(tau) V)^T = V^T (yhat^(tau) - y^(tau))")


# lines 93, 99-100, 107-108: dL/dW, dL/dU, dL/db = sum_t dL/dh^(t) dh^(t)/dparam (immediate Jacobian of step t)
# = sum_t diag(1 - (h^(t))^2) delta^(t) (h^(t-1))^T, (x^(t))^T, and without a factor for b
def step_jac(t, name):
    args = {k: Tt(Pn[k]) for k in ("U", "W", "b")}
    hin = Tt(val[t]["hin"])

    def f(p):
        a = dict(args, **{name: p})
        return torch.tanh(a["U"] @ X[t] + a["W"] @ hin + a["b"])
    return torch.autograd.functional.jacobian(f, args[name]).numpy()


def chain_sum(name):
    return sum(np.einsum("ia,iajk->jk", dL_dh[t], step_jac(t, name)) for t in range(tau))


closed = {
    "W": sum(np.diag((1 - val[t]["h"] ** 2).ravel()) @ dL_dh[t] @ val[t]["hin"].T for t in range(tau)),
    "U": sum(np.diag((1 - val[t]["h"] ** 2).ravel()) @ dL_dh[t] @ nv(X[t]).T for t in range(tau)),
    "b": sum(np.diag((1 - val[t]["h"] ** 2).ravel()) @ dL_dh[t] for t in range(tau)),
}
decide(93, close(chain_sum("W"), gradP["W"]) and close(closed["W"], gradP["W"]),
       "dL/dW = sum_t dL/dh^(t) dh^(t)/dW = sum_t diag(1 - (h^(t))^2) delta^(t) (h^(t-1))^T")
decide(99, close(chain_sum("U"), gradP["U"]), "dL/dU = sum_t dL/dh^(t) dh^(t)/dU (immediate Jacobian of step t)")
decide(100, close(closed["U"], gradP["U"]), "dL/dU = sum_t diag(1 - (h^(t))^2) delta^(t) (x^(t))^T")
decide(107, close(chain_sum("b"), gradP["b"]), "dL/db = sum_t dL/dh^(t) dh^(t)/db")
decide(108, close(closed["b"], gradP["b"]), "dL/db = sum_t diag(1 - (h^(t))^2) delta^(t)")

# line 124: the chain of line 75 again
decide(124, ok_chain, "the chain of line 75, restated: = delta^(t)")
# line 125: delta^(t) = V^T (yhat^(t) - y^(t)) + W^T delta^(t+1) * tanh'  ('*' elementwise; tanh' read at z^(t+1), as
# line 76's diag(1 - (h^(t+1))^2), and for completeness also at z^(t))
ok125 = False
for t in range(tau - 1):
    first = Pn["V"].T @ (val[t]["yhat"] - nv(Y[t]))
    for tp in (1 - val[t + 1]["h"] ** 2, 1 - val[t]["h"] ** 2):
        ok125 |= close(first + (Pn["W"].T @ dL_dh[t + 1]) * tp, dL_dh[t])
decide(125, ok125, "(W^T delta^(t+1)) * tanh' (elementwise, tanh' at z^(t+1) or at z^(t)) plus V^T(yhat - y) is not "
       "delta^(t): the factor of line 76 in the same wrong place")
finish()
