"""derive verify on a many-to-one RNN (issue 15, point 5): a read-out on the last state alone, its
Jacobians by the states and the weights, the loss's own derivative, and sums written with Einstein's
convention. The numbers come from derive's own run; PyTorch checks the gradients the claims are judged by."""

from __future__ import annotations

import numpy as np
import pytest

from derive.verify import verify_claim, verify_text
from helpers import checker_of, many_to_one_spec

# h_t = tanh(W x_t + U h_{t-1} + b), three steps of a scalar input, ŷ = w · h_3 + c, L = ½ (ŷ - y)²
MANY_TO_ONE = many_to_one_spec([0.5, -0.4, 0.9], [0.7, -0.3], [[0.2, -0.5], [0.6, 0.1]], [0.1, -0.2], [1.5, -0.8], 0.3,
                               2.0, 0.1)


@pytest.fixture(scope="module")
def many_to_one(tmp_path_factory):
    return checker_of(tmp_path_factory.mktemp("many_to_one"), MANY_TO_ONE)


def _verdict(checker, formula: str):
    claims = verify_claim(checker, formula).claims
    assert len(claims) == 1, claims
    return claims[0]


def _torch_gradients():
    torch = pytest.importorskip("torch")
    W = torch.tensor([[0.7], [-0.3]], dtype=torch.float64, requires_grad=True)
    U = torch.tensor([[0.2, -0.5], [0.6, 0.1]], dtype=torch.float64, requires_grad=True)
    b = torch.tensor([0.1, -0.2], dtype=torch.float64)
    h = torch.zeros(2, dtype=torch.float64)
    for x in (0.5, -0.4, 0.9):
        h = torch.tanh(W[:, 0] * x + U @ h + b)
    y_hat = torch.tensor([1.5, -0.8], dtype=torch.float64) @ h + 0.3
    (0.5 * (y_hat - 2.0) ** 2).backward()
    return W.grad.numpy().ravel(), U.grad.numpy()


@pytest.mark.parametrize("formula, verdict", [
    (r"\frac{\partial L}{\partial \hat{y}} = \hat{y} - y", "ok"),
    (r"\frac{\partial L}{\partial \hat{y}} = y - \hat{y}", "wrong"),
    (r"\frac{\partial \hat{y}}{\partial h_3} = w", "unchecked"),       # w: a name the post has not given
    (r"\frac{\partial \hat{y}}{\partial h_3} = V^T", "ok"),
    (r"\frac{\partial h_1}{\partial W} = (1 - h_1^2) \cdot x_1", "ok"),   # diagonal: its entries as a vector
    (r"\frac{\partial h_1}{\partial W} = (1 - h_1^2) \cdot x_2", "wrong"),
])
def test_the_read_out_on_the_last_state_is_read(many_to_one, formula, verdict):
    assert _verdict(many_to_one, formula).verdict == verdict


def test_a_reversed_sign_is_named(many_to_one):
    claim = _verdict(many_to_one, r"\frac{\partial L}{\partial \hat{y}} = y - \hat{y}")
    assert claim.reason.startswith("the sign is reversed"), claim.reason


def test_one_path_of_the_chain_rule_is_not_the_gradient(many_to_one):
    """∂L/∂W through h_3, h_2, h_1 alone drops W's terms at steps 2 and 3; the reason shows the whole gradient,
    which PyTorch computes too."""
    claim = _verdict(many_to_one, r"\frac{\partial L}{\partial W} = \frac{\partial L}{\partial \hat{y}} "
                     r"\frac{\partial \hat{y}}{\partial h_3} \frac{\partial h_3}{\partial h_2} "
                     r"\frac{\partial h_2}{\partial h_1} \frac{\partial h_1}{\partial W}")
    assert claim.verdict == "wrong"
    expected, _ = _torch_gradients()
    assert "left side is [{:.4g}, {:.4g}]".format(*expected) in claim.reason, claim.reason


def test_a_loss_at_the_last_step_alone_is_no_sum_over_steps(many_to_one):
    """Where the loss is the last step's alone, there is no mean over steps to undo: three times the gradient
    is wrong, and the gradient itself, row or column, is right."""
    expected, _ = _torch_gradients()
    row = ", ".join(f"{value:.10f}" for value in expected)
    tripled = ", ".join(f"{3 * value:.10f}" for value in expected)
    post = f"$$\\frac{{\\partial L}}{{\\partial W}} = [{row}]$$\n\n$$\\frac{{\\partial L}}{{\\partial W}} = [{tripled}]$$\n"
    assert [c.verdict for c in verify_text(many_to_one, post, "post.md").claims] == ["ok", "wrong"]


@pytest.mark.parametrize("formula, verdict", [
    (r"\frac{\partial h_2}{\partial W} = \operatorname{diag}((1 - h_2^2) x_2)", "ok"),           # h_1 held fixed
    (r"\frac{\partial h_2}{\partial W} = \operatorname{diag}((1 - h_2^2) x_2) + \frac{\partial h_2}{\partial h_1} "
     r"\frac{\partial h_1}{\partial W}", "ok"),                                               # through h_1 too
    (r"\frac{\partial h_2}{\partial W} = \frac{\partial h_2}{\partial h_1} \frac{\partial h_1}{\partial W}", "wrong"),
    (r"\frac{\partial h_3}{\partial W} = \frac{\partial h_3}{\partial h_2} \frac{\partial h_2}{\partial W}", "wrong"),
])
def test_the_total_derivative_through_earlier_steps_is_a_reading(many_to_one, formula, verdict):
    """∂h_2/∂W: with h_1 held fixed (the immediate derivative), or through every earlier step (the total one);
    the path through h_1 alone is neither."""
    assert _verdict(many_to_one, formula).verdict == verdict


EINSTEIN_POST = "\n".join([
    "An index repeated in a product is summed over (Einstein's convention), and $p_t = U x_t + W h_{t-1} + b$.",
    "",
    r"$$\frac{\partial p_{t_k}}{\partial W_{ij}} = \delta_{ik} {h_{t-1}}_j + W_{kl} \frac{\partial {h_{t-1}}_l}"
    r"{\partial W_{ij}}$$",
    "",
    r"$$\frac{\partial p_{t_k}}{\partial W_{ij}} = \delta_{ik} {h_{t-1}}_j + 2 W_{kl} \frac{\partial {h_{t-1}}_l}"
    r"{\partial W_{ij}}$$",
    "",
])


def test_einsteins_index_is_summed_in_its_own_term_only():
    """δ_ik h_j + W_kl ∂h_l/∂W_ij: l is summed in the second term; the first is not counted once per l. The
    right side is the total derivative through the earlier steps, one of the readings tried; doubling its
    second term is wrong under each."""
    from pathlib import Path
    import derive
    from derive.verify import Checker
    spec = Path(__file__).parent / "posts" / "sequence_rnn" / "kjo144_rnn_bptt_index_notation" / "spec.toml"
    checker = Checker(derive.derive(derive.load(spec)))
    verdicts = [c.verdict for c in verify_text(checker, EINSTEIN_POST, "post.md").claims]
    assert verdicts == ["ok", "ok", "wrong"], verdicts        # the forward equation, then the two claims


def test_the_total_jacobian_is_pytorchs(many_to_one):
    """∂h_3/∂W through every step, written out from PyTorch's Jacobian, is right; h_2 held fixed it differs."""
    torch = pytest.importorskip("torch")
    U = torch.tensor([[0.2, -0.5], [0.6, 0.1]], dtype=torch.float64)
    b = torch.tensor([0.1, -0.2], dtype=torch.float64)

    def last_state(w):
        h = torch.zeros(2, dtype=torch.float64)
        for x in (0.5, -0.4, 0.9):
            h = torch.tanh(w * x + U @ h + b)
        return h

    total = torch.autograd.functional.jacobian(last_state, torch.tensor([0.7, -0.3], dtype=torch.float64)).numpy()
    rows = r" \\ ".join(" & ".join(f"{value:.10f}" for value in row) for row in total)
    claim = _verdict(many_to_one, rf"\frac{{\partial h_3}}{{\partial W}} = \begin{{bmatrix}} {rows} \end{{bmatrix}}")
    assert claim.verdict == "ok", claim
    assert not np.allclose(np.diag(np.diag(total)), total)      # not the immediate one, which is diagonal


STEP_LOSS_CHAIN = "\n".join([
    r"Here $o_t = V h_t + c$, $\hat{y}_t = \text{softmax}(o_t)$ and $J_t$ is step $t$'s cross-entropy.",
    "",
    r"$$\frac{\partial J_3}{\partial V} = \frac{\partial J_3}{\partial \hat{y}_3} \frac{\partial \hat{y}_3}{\partial o_3} "
    r"\frac{\partial o_3}{\partial V}$$",
    "",
    r"$$\frac{\partial J_3}{\partial V} = \frac{\partial J_2}{\partial \hat{y}_2} \frac{\partial \hat{y}_2}{\partial o_2} "
    r"\frac{\partial o_2}{\partial V}$$",
    "",
    r"$$\frac{\partial J_3}{\partial V} = (\hat{y}_3 - y_3) h_3^T$$",
    "",
    r"$$\frac{\partial J_3}{\partial h_3} = (\hat{y}_3 - y_3) V$$",          # a column by V: no row reading
    "",
])


def test_one_step_s_loss_by_a_shared_weight_through_the_jacobian_of_a_matrix():
    """∂J_3/∂V: step 3's term of V's gradient; the chain's last factor ∂o_3/∂V is the Jacobian of a matrix (three
    axes), which the row ∂J_3/∂ŷ_3 ∂ŷ_3/∂o_3 before it contracts; the same chain at step 2 is another step's."""
    from pathlib import Path
    import derive
    from derive.verify import Checker
    spec = Path(__file__).parent / "posts" / "sequence_rnn" / "kjo144_rnn_bptt_index_notation" / "spec.toml"
    checker = Checker(derive.derive(derive.load(spec)))
    verdicts = {c.line: c.verdict for c in verify_text(checker, STEP_LOSS_CHAIN, "post.md").claims}
    assert [verdicts[line] for line in (3, 5, 7)] == ["ok", "wrong", "ok"]
    assert verdicts.get(9) != "ok"             # only the loss's gradient before a Jacobian is read as a row
