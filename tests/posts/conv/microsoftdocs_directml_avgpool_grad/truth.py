"""Independent truth for tests/posts/conv/microsoftdocs_directml_avgpool_grad (NumPy and torch, no derive).

2x2 average pooling, stride 1, no padding, on the page's 3x3 input; the incoming gradient [[1, 2], [3, 4]] is
spread back with torch's avg_pool2d autograd and with a plain NumPy loop (each window's gradient / 4 to its four
elements, summed where windows overlap), and every number of the page's two tables is compared with them."""
import numpy as np
import torch
import torch.nn.functional as F
# the shared bookkeeping (../verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from verdicts import decide, finish  # noqa: E402

X = np.arange(1.0, 10.0).reshape(3, 3)
G = np.array([[1.0, 2.0], [3.0, 4.0]])
out = np.array([[X[i:i + 2, j:j + 2].mean() for j in range(2)] for i in range(2)])
dX = np.zeros((3, 3))
for i in range(2):
    for j in range(2):
        dX[i:i + 2, j:j + 2] += G[i, j] / 4
Xt = torch.tensor(X, requires_grad=True)
o = F.avg_pool2d(Xt[None, None], 2, stride=1)[0, 0]
(o * torch.tensor(G)).sum().backward()
assert np.allclose(o.detach().numpy(), out) and np.allclose(Xt.grad.numpy(), dX)
print("NumPy and torch agree: out", out.tolist(), "dX", dX.tolist())

decide(9, out[0].tolist() == [3, 4], "first output row")
decide(10, out[1].tolist() == [6, 7], "second output row")
decide(18, np.allclose(dX[0], [0.25, 0.75, 0.5]), "row 0 of OutputGradientTensor")
decide(19, np.allclose(dX[1], [1, 2.5, 1.5]), "row 1: the centre is in all four windows, (1+2+3+4)/4")
decide(20, np.allclose(dX[2], [0.75, 1.75, 1]), "row 2")
# line 23: each element's gradient is the sum, over the windows that hold it, of (its weight 1/4) x that window's gradient
weights = np.zeros((3, 3))
for i in range(2):
    for j in range(2):
        weights[i:i + 2, j:j + 2] += G[i, j] * 0.25
decide(23, np.allclose(weights, Xt.grad.numpy()), "weighted contributions (weight 1/4 per window) equal autograd")

finish()
