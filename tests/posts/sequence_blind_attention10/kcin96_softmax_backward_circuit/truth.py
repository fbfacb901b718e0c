"""Independent truth for tests/posts/sequence_blind_attention10/kcin96_softmax_backward_circuit (NumPy and torch,
no derive).

The post's softmax section (kcin96/notes, 'Backpropagation with Attention Components', the softmax that turns the
attention scores e_1, e_2 of one query into the attention weights alpha_1, alpha_2): alpha = softmax(e) over two
entries, drawn as a circuit a = exp(e_1), c = exp(e_2), b = a + c, alpha_1 = a (1/b), alpha_2 = c (1/b). The loss the
post leaves open (it starts from dL/dalpha) is L = sum(G (.) tanh(alpha)) with a random G. Everything is checked on
five random score vectors e in float64. References from torch autograd: dL/dalpha, dL/de, the Jacobian dalpha_j/de_i
(torch.autograd.functional.jacobian), the local derivatives of the circuit's nodes (a, b, c made leaves), and the
shares of the two paths from e_1 to alpha_1 ('top': through a, with b fed a detached copy of e_1; 'mid': through b,
with a fed a detached copy). The lines are evaluated as printed; line 133's c = e^{e_1} is checked as printed (it
makes alpha_2 = c/b differ from the softmax) and the later lines that use c are read with c = e^{e_2}, the c of the
diagram's e_2 branch (see the notes in truth.toml)."""
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(1018)
T = lambda a: torch.tensor(a, dtype=torch.float64)
E = [rng.normal(size=2) * 1.5 for _ in range(5)]
Gs = [rng.normal(size=2) for _ in range(5)]


def grad(f, *xs):
    """d f / d x for scalar leaves x (float64 tensors made here)."""
    leaves = [T(x).requires_grad_() for x in xs]
    return [g.item() for g in torch.autograd.grad(f(*leaves), leaves)]


cases = []
for e, G in zip(E, Gs):
    et = T(e).requires_grad_()
    al = torch.softmax(et, 0)
    al.retain_grad()
    (T(G) * torch.tanh(al)).sum().backward()
    J = torch.autograd.functional.jacobian(lambda s: torch.softmax(s, 0), T(e)).numpy()  # J[j, i] = dalpha_j/de_i
    a, c = np.exp(e[0]), np.exp(e[1])
    b = a + c
    # path shares e_1 -> alpha_1: top (through a, b held) and mid (through b, a held)
    e1 = T(e[0]).requires_grad_()
    top = torch.autograd.grad(torch.exp(e1) / (torch.exp(e1.detach()) + T(c)), e1)[0].item()
    e1 = T(e[0]).requires_grad_()
    mid = torch.autograd.grad(torch.exp(e1.detach()) / (torch.exp(e1) + T(c)), e1)[0].item()
    cases.append(dict(e=e, al=al.detach().numpy(), dal=al.grad.numpy(), de=et.grad.numpy(), J=J, a=a, b=b, c=c,
                      top=top, mid=mid))
close = lambda x, y: np.allclose(x, y, atol=1e-12, rtol=1e-10)
every = lambda f: all(bool(f(**k)) for k in cases)

# ---------------- the forward (diagram labels and the formula)
decide(53, every(lambda e, al, **_: close(np.exp(e[0]) / (np.exp(e[0]) + np.exp(e[1])), al[0])),
       "alpha1 = exp(e1)/(exp(e1)+exp(e2)) (the diagram's label; torch.softmax)")
decide(54, every(lambda e, al, **_: close(np.exp(e[1]) / (np.exp(e[0]) + np.exp(e[1])), al[1])),
       "alpha2 = exp(e2)/(exp(e1)+exp(e2))")
decide(62, every(lambda e, al, **_: close(np.array([np.exp(e[i]) / sum(np.exp(e[j]) for j in range(2))
                                                    for i in range(2)]), al)),
       "sigma(x_i) = e^{x_i} / sum_{i=1}^2 e^{x_i}, i = 1, 2 (the bound i of the sum runs over both entries)")

# ---------------- the chain rule
decide(74, every(lambda dal, J, de, **_: all(close(dal @ J[:, i], de[i]) for i in range(2))),
       "dL/de_i = (dL/dalpha) (dalpha/de_i): the row [dL/dalpha_1, dL/dalpha_2] times the column of line 77")
decide(80, every(lambda dal, J, de, **_: close(dal[0] * J[0, 0] + dal[1] * J[1, 0], de[0])),
       "dL/de1 = dL/dalpha1 dalpha1/de1 + dL/dalpha2 dalpha2/de1")
decide(81, every(lambda dal, al, de, **_: close(dal[0] * al[0] * (1 - al[0]) + dal[1] * (-al[0] * al[1]), de[0])),
       "= dL/dalpha1 alpha1 (1 - alpha1) + dL/dalpha2 (-alpha1 alpha2)")
decide(82, every(lambda dal, J, de, **_: close(dal[0] * J[0, 1] + dal[1] * J[1, 1], de[1])),
       "dL/de2 = dL/dalpha1 dalpha1/de2 + dL/dalpha2 dalpha2/de2")
print("   line 83 with dL/dalpha2 in the second term would hold:",
      every(lambda dal, al, de, **_: close(dal[0] * (-al[0] * al[1]) + dal[1] * al[1] * (1 - al[1]), de[1])))
decide(83, every(lambda dal, al, de, **_: close(dal[0] * (-al[0] * al[1]) + dal[0] * al[1] * (1 - al[1]), de[1])),
       "= dL/dalpha1 (-alpha1 alpha2) + dL/dalpha1 alpha2 (1 - alpha2): the second term multiplies dL/dalpha1 where "
       "dL/dalpha2 belongs (line 82's own second term is dL/dalpha2 dalpha2/de2)")

# ---------------- the circuit
lit = every(lambda e, al, **_: close(np.exp(e[0]) / (np.exp(e[0]) + np.exp(e[1])), al[0])
            and close(np.exp(e[0]) / (np.exp(e[0]) + np.exp(e[1])), al[1]))
print("   line 133 with c = e^{e_2} would give the softmax:",
      every(lambda e, al, **_: close(np.array([np.exp(e[0]), np.exp(e[1])]) / np.exp(e).sum(), al)))
decide(133, lit, "a = e^{e1}, c = e^{e1}, b = e^{e1} + e^{e2}, alpha1 = a/b, alpha2 = c/b: with c = e^{e1} as printed "
       "alpha2 = c/b equals alpha1, not the softmax's alpha2 = e^{e2}/b")
decide(137, every(lambda a, b, **_: close(grad(lambda A, B: A / B, a, b)[0], 1 / b)), "dalpha1/da = 1/b")
decide(138, every(lambda e, **_: close(grad(torch.exp, e[0])[0], np.exp(e[0]))), "da/de1 = e^{e1}")
decide(139, every(lambda e, b, top, **_: close(top, np.exp(e[0]) / b)),
       "(dalpha1/de1)_top = e^{e1}/b: the share through a (b held), by autograd")
decide(143, every(lambda a, b, **_: close(grad(lambda A, B: A / B, a, b)[1], -a / b ** 2)), "dalpha1/db = -a/b^2")
decide(144, every(lambda e, c, **_: close(grad(lambda x: torch.exp(x) + c, e[0])[0], np.exp(e[0]))),
       "db/de1 = e^{e1}")
decide(145, every(lambda e, a, b, mid, **_: close(mid, -np.exp(e[0]) * a / b ** 2)),
       "(dalpha1/de1)_mid = -e^{e1} a / b^2: the share through b (a held), by autograd")
decide(149, every(lambda e, a, b, J, top, mid, **_: close(np.exp(e[0]) / b - np.exp(e[0]) * a / b ** 2, J[0, 0])
                  and close(top + mid, J[0, 0])), "dalpha1/de1 = e^{e1}/b - e^{e1} a / b^2 (top + mid, Jacobian)")
decide(150, every(lambda e, a, b, J, **_: close(np.exp(e[0]) / b * (1 - a / b), J[0, 0])), "= e^{e1}/b (1 - a/b)")
decide(151, every(lambda al, J, **_: close(al[0] * (1 - al[0]), J[0, 0])), "= alpha1 (1 - alpha1)")
decide(157, every(lambda b, c, **_: close(grad(lambda C, B: C / B, c, b)[1], -c / b ** 2)),
       "dalpha2/db = -c/b^2 (alpha2 = c/b; holds for either c)")
decide(158, every(lambda e, c, **_: close(grad(lambda x: torch.exp(x) + c, e[0])[0], np.exp(e[0]))),
       "db/de1 = e^{e1}")
decide(159, every(lambda e, b, c, J, **_: close(-np.exp(e[0]) * c / b ** 2, J[1, 0])),
       "(dalpha2/de1)_mid = -e^{e1} c / b^2 with c = e^{e2}: the only path from e1 to alpha2, so the whole dalpha2/de1")
print("   line 160 with the literal c = e^{e1} of line 133 would be -alpha1^2:",
      every(lambda e, b, al, **_: close(-np.exp(e[0]) * np.exp(e[0]) / b ** 2, -al[0] ** 2)),
      "; equal to -alpha1 alpha2:", every(lambda al, **_: close(-al[0] ** 2, -al[0] * al[1])))
decide(160, every(lambda al, J, **_: close(-al[0] * al[1], J[1, 0])), "= -alpha1 alpha2 (the Jacobian's entry)")

finish()
