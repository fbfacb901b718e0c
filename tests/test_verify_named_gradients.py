"""A code post's own temporary names for a gradient (verify/sequence/definitions.py): dt = dnext_h *
(1 - next_h**2) is the gradient at the state's net input, a step that holds, though dt names nothing
derive knows; code assigns such a name again (dt = dt.dot(Wh.T)), and each assignment is judged with the
names as they are at its line. A value that is none of the network's gradients is not a claim verify
can judge: never wrong. On random RNNs (hypothesis)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derive import api
from derive.verify import Checker, verify_text

from test_verify_step_ranges import _rnn

CODE = """```python
def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    dt = dnext_h * (1 - next_h ** 2)
    dx = dt.dot(Wx.T)
    dWx = x.T.dot(dt)
    dt = dt.dot(Wh.T)
    dt = dt * next_h
    return dx, dWx
```
"""


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(2, 4), st.integers(1, 3), st.integers(2, 3), st.integers(0, 2 ** 31))
def test_a_code_posts_temporary_gradient_names_are_steps_that_hold(steps, features, hidden, seed):
    checker = Checker(api.derive(_rnn(steps, features, hidden, seed)))
    verdicts = {claim.line: claim for claim in verify_text(checker, CODE, "post.md").claims}
    assert verdicts[4].verdict == "ok" and "net input" in verdicts[4].reason
    assert verdicts[7].verdict == "ok" and "hidden state" in verdicts[7].reason     # dt, assigned again
    assert all(verdicts[line].verdict == "ok" for line in (5, 6))
    assert 8 not in verdicts or verdicts[8].verdict != "wrong"      # no gradient of the network's: not judged
