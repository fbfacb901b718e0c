"""Independent truth table for murali806_tanh_two_hidden_plaintext/post.md (pure NumPy, no derive).

1-1-1-1 chain: h1 = tanh(W1 x + b1), h2 = tanh(W2 h1 + b2), y_hat = W3 h2 + b3 (linear);
x = 2, y = 4, W1 = 0.5, b1 = 0.1, W2 = 0.8, b2 = -0.2, W3 = 1.2, b3 = 0.3; L = (y_hat - y)^2; alpha = 0.01.
Prints each figure the post writes, the true value, the value from the post's own written factors, and a
verdict (ok within one unit of the last written digit of the true value).
"""
from decimal import Decimal

import numpy as np

x, y, alpha = 2.0, 4.0, 0.01
W1, b1, W2, b2, W3, b3 = 0.5, 0.1, 0.8, -0.2, 1.2, 0.3

z1 = W1 * x + b1
h1 = np.tanh(z1)
z2 = W2 * h1 + b2
h2 = np.tanh(z2)
z3 = W3 * h2 + b3
yh = z3
err = yh - y
dz3 = 2 * err                      # dL/dz3 = dL/dy_hat
gW3, gb3 = dz3 * h2, dz3
t2 = 1 - h2 ** 2
dz2 = dz3 * W3 * t2
gW2, gb2 = dz2 * h1, dz2
t1 = 1 - h1 ** 2
dz1 = dz2 * W2 * t1
gW1, gb1 = dz1 * x, dz1


def ulp(s):
    return Decimal(1).scaleb(Decimal(s).as_tuple().exponent)


def verdict(post, true):
    return "ok" if abs(Decimal(post) - Decimal(repr(float(true)))) <= ulp(post) * Decimal("1.0000001") else "WRONG"


rows = [
    (11, "z1", "1.1", z1, None), (12, "h1", "0.8005", h1, None),
    (14, "z2", "0.4404", z2, 0.8 * 0.8005 - 0.2), (15, "h2", "0.4139", h2, np.tanh(0.4404)),
    (17, "z3", "0.7967", z3, 1.2 * 0.4139 + 0.3), (18, "y_hat", "0.7967", yh, None),
    (21, "error", "-3.2033", err, 0.7967 - 4.0),
    (53, "dL/dW3", "-2.652", gW3, 2 * -3.2033 * 0.4139),
    (54, "dL/db3", "-6.407", gb3, 2 * -3.2033),
    (66, "1 - h2^2", "0.8287", t2, 1 - 0.4139 ** 2),
    (68, "dL/dW2", "-5.093", gW2, 2 * -3.2033 * 1.2 * 0.8287 * 0.8005),
    (69, "dL/db2", "-6.361", gb2, 2 * -3.2033 * 1.2 * 0.8287),
    (81, "1 - h1^2", "0.3592", t1, 1 - 0.8005 ** 2),
    (83, "dL/dW1", "-3.656", gW1, 2 * -3.2033 * 1.2 * 0.8287 * 0.8 * 0.3592 * 2.0),
    (84, "dL/db1", "-1.828", gb1, 2 * -3.2033 * 1.2 * 0.8287 * 0.8 * 0.3592),
    (95, "step W3", "0.02652", -alpha * gW3, None), (95, "W3 new", "1.227", W3 - alpha * gW3, None),
    (96, "step b3", "0.06407", -alpha * gb3, None), (96, "b3 new", "0.364", b3 - alpha * gb3, None),
    (98, "dL/dW2 again", "-5.093", gW2, None), (98, "step W2", "0.05093", -alpha * gW2, None),
    (98, "W2 new", "0.851", W2 - alpha * gW2, 0.8 + 0.05093),
    (99, "dL/db2 again", "-6.361", gb2, None), (99, "step b2", "0.06361", -alpha * gb2, None),
    (99, "b2 new", "-0.136", b2 - alpha * gb2, -0.2 + 0.06361),
    (101, "dL/dW1 again", "-3.656", gW1, None), (101, "step W1", "0.03656", -alpha * gW1, None),
    (101, "W1 new", "0.537", W1 - alpha * gW1, 0.5 + 0.03656),
    (102, "dL/db1 again", "-1.828", gb1, None), (102, "step b1", "0.01828", -alpha * gb1, None),
    (102, "b1 new", "0.118", b1 - alpha * gb1, 0.1 + 0.01828),
]
print(f"{'line':>4}  {'quantity':14} {'post':>8} {'true':>12} {'from post':>12}  verdict")
for line, q, post, true, own in rows:
    o = f"{own:12.6f}" if own is not None else " " * 12
    print(f"{line:>4}  {q:14} {post:>8} {true:12.7f} {o}  {verdict(post, true)}")
print()
print("line 83/84: the post's -6.361 * 0.8 * 0.3592 * 2.0 =", round(-6.361 * 0.8 * 0.3592 * 2.0, 6),
      "and * 1 =", round(-6.361 * 0.8 * 0.3592, 6), ": they carry line 69's slip")
