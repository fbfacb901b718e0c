"""Independent truth for tests/posts/conv_blind19/thelukester92_nnlib_batchnorm_test (NumPy and torch, no derive).

The source is a C++ unit test of a batch-normalization module (thelukester92/nnlib, test/nn/test_batchnorm.h) whose
comments derive the backward pass by hand in the staged form of the Batch Normalization paper: dx^i = dyi * gamma
(x^i the normalized input), dvar, dmean (with the path through the variance), dxi, dgam, dbet, with eps = 1e-12 and
'bats' (= m) the batch size; a second comment block writes the same steps with dyi (gamma = 1, the fresh module of
the test) on the test's own 3x3 input and upstream gradient and prints dgam = <14.96 2.89 0> and dbet = <10 5 12>;
the assertion after it expects the parameter gradient { 14.9606, 2.82843, 0, 10, 5, 12 }.
Everything is evaluated as printed in float64: the normalization runs over the batch (the rows, 'select(1, i)' is
column i), with the batch (biased) variance that torch's batch_norm uses in training mode; the references are
torch autograd on the staged graph mu -> var -> x_hat -> y (batch_norm_graph of the shared bookkeeping, checked
against torch's batch_norm) with L = sum(dy * y). The first comment block is checked with a random gamma, beta and
dy on a random 5 x 3 batch; the second block and the printed numbers on the test's own data with gamma = 1."""
import sys
from pathlib import Path

import numpy as np

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, finish and batch_norm_graph
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import batch_norm_graph, decide, finish  # noqa: E402

rng = np.random.default_rng(1902)
eps = 1e-12


def comment_steps(x, dy, gamma):
    """the comment's steps as printed, per column (feature), sums over the batch (the rows)"""
    bats = m = x.shape[0]
    mean, var = x.mean(0), x.var(0)
    xh = (x - mean) / np.sqrt(var + eps)
    dxh = dy * gamma                                                                  # dx^i = dyi * gamma
    dvar = np.sum(dxh * (x - mean) * -1 / 2.0 * (var + eps) ** -1.5, axis=0)
    dmean = np.sum(dxh * -1 / np.sqrt(var + eps), axis=0) + dvar * np.sum(-2 * (x - mean) / bats, axis=0)
    dx = dxh * 1 / np.sqrt(var + eps) + dvar * 2 * (x - mean) / bats + dmean / m
    dgam = np.sum(dy * xh, axis=0)
    dbet = np.sum(dy, axis=0)
    return dict(dxh=dxh, dvar=dvar, dmean=dmean, dx=dx, dgam=dgam, dbet=dbet)


# ---- the first comment block (lines 19-24): a random batch, gamma and beta
x, dy = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
gamma, beta = rng.normal(size=3), rng.normal(size=3)
ref = batch_norm_graph(x, gamma, beta, dy, eps)
c = comment_steps(x, dy, gamma)
decide(19, np.allclose(c["dxh"], ref["dxh"]), "dx^i = dyi * gamma = dL/dx_hat (autograd)")
decide(20, np.allclose(c["dvar"], ref["dvar"]), "dvar = sum(dx^i (xi - mean) (-1/2)(var + eps)^(-3/2)) (autograd)")
decide(21, np.allclose(c["dmean"], ref["dmu"]), "dmean = sum(dx^i (-1/sqrt(var + eps))) + dvar sum(-2 (xi - mean)/"
       "bats), the total derivative through x_hat and the variance (autograd; the second sum is 0)")
decide(22, np.allclose(c["dx"], ref["dx"]), "dxi = dx^i/sqrt(var + eps) + dvar 2 (xi - mean)/bats + dmean/m, m = bats "
       "(autograd)")
decide(23, np.allclose(c["dgam"], ref["dgamma"]), "dgam = sum(dyi x^i), x^i the normalized input (autograd)")
decide(24, np.allclose(c["dbet"], ref["dbeta"]), "dbet = sum(dyi) (autograd)")

# ---- the second block (lines 28-36) on the test's own data, gamma = 1, beta = 0
X = np.array([[3, 6, 9], [-1, 5, 4], [12, 5, 11]], dtype=np.float64)
DY = np.array([[2, 3, 4], [-2, 0, 4], [10, 2, 4]], dtype=np.float64)
one, zero = np.ones(3), np.zeros(3)
ref1 = batch_norm_graph(X, one, zero, DY, eps)
c1 = comment_steps(X, DY, one)
decide(28, np.allclose(c1["dvar"], ref1["dvar"]), "dvar with dyi for dx^i (gamma = 1) on the test's data (autograd)")
decide(31, np.allclose(c1["dmean"], ref1["dmu"]), "dmean with dyi (gamma = 1) on the test's data (autograd)")
decide(32, np.allclose(c1["dx"], ref1["dx"]), "dxi with dyi (gamma = 1) on the test's data (autograd)")
decide(33, np.allclose(c1["dgam"], ref1["dgamma"]), "dgam = sum(dyi x^i) on the test's data (autograd)")
printed_dgam = np.array([14.96, 2.89, 0])
print(f"   (line 34: dgam = {ref1['dgamma']}, printed <14.96 2.89 0>; the assertion of line 57 expects 2.82843)")
decide(34, np.allclose(ref1["dgamma"], printed_dgam, atol=0.005), "dgam = <14.96 2.89 0>: the first and third are "
       "right (14.9606, 0), the second is sum(dyi x^i) = 2 sqrt(2) = 2.8284 for column 2 (x = 6, 5, 5, mean 16/3, "
       "x^i = sqrt(2), -1/sqrt(2), -1/sqrt(2), dyi = 3, 0, 2), not 2.89")
decide(35, np.allclose(DY.sum(0), ref1["dbeta"]), "dbet = sum(dyi) on the test's data (autograd)")
decide(36, np.allclose(ref1["dbeta"], [10, 5, 12]), "dbet = <10 5 12>")
decide(57, np.allclose(np.concatenate([ref1["dgamma"], ref1["dbeta"]]), [14.9606, 2.82843, 0, 10, 5, 12], atol=5e-5),
       "the expected parameter gradient {14.9606, 2.82843, 0, 10, 5, 12} = (dgam, dbet) (autograd, to the printed "
       "digits)")

finish()
