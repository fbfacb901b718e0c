"""Independent truth for tests/posts/conv_blind/conanjm_twolffpiggott_cs231n_conv (NumPy and torch, no derive).

CS231n conv layer: X (4, 3, 5, 5), W (2, 3, 3, 3), padding 1, stride 1; torch conv2d is the reference."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish, unchecked  # noqa: E402

rng = np.random.default_rng(3)
N, C, H, Wd, Fn, HH, WW, P, S = 4, 3, 5, 5, 2, 3, 3, 1, 1
X = rng.normal(size=(N, C, H, Wd)); Wt = rng.normal(size=(Fn, C, HH, WW)); b = rng.normal(size=Fn)
Y = F.conv2d(torch.tensor(X), torch.tensor(Wt), torch.tensor(b), stride=S, padding=P).numpy()
decide(5, (H - HH + 2 * P) // S + 1 == Y.shape[2] and (Wd - WW + 2 * P) // S + 1 == Y.shape[3],
       f"(H-HH+2P)/S+1 = {(H - HH + 2 * P) // S + 1}, torch output {Y.shape[2:]}")
decide(6, (5 - 3 + 2 * 1) / 1 + 1 == Y.shape[2] == Y.shape[3], "(5-3+2*1)/1+1 = 5")
decide(7, Y.shape[2] == 5 and Y.shape[3] == 5, "5 and 5")
decide(11, Y.shape == (4, 2, 5, 5), f"torch output shape {Y.shape}")
printed = np.sum(X[0, :, :3, :3] * Wt[0, :, :, :]) + b[0]
decide(20, np.isclose(printed, Y[0, 0, 0, 0]), f"printed {printed:.4f}, torch Y[0,0,0,0] = {Y[0,0,0,0]:.4f}; "
       f"padded window gives {np.sum(X[0, :, :2, :2] * Wt[0, :, 1:, 1:]) + b[0]:.4f}; printed equals Y[0,0,1,1] = {Y[0,0,1,1]:.4f}")
finish()
