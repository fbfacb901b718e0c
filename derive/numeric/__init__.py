"""Stage 4, the numbers: forward values, losses, gradients and training, from the op rows' kernels:
the reverse walk recorded once (tape.py) and replayed (evaluator.py)."""
