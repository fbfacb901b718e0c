"""Stage 4, the numbers: forward values, losses, gradients and training, from the rules' kernels
(evaluator.py)."""
