"""Issue 11: forms found in real posts (tests/posts/real), each as a unit case on a preset."""

import derive
import pytest
from derive.verify import Checker, verify_text


@pytest.fixture(scope="module")
def mazur():
    return Checker(derive.derive(derive.load("mazur")))


def verdicts(checker, text):
    return [(c.line, c.verdict) for c in verify_text(checker, text, "post.md").claims]


def test_row_spacing_after_a_line_break_is_not_a_name(mazur):
    text = "$$\n\\begin{aligned}\nnet_{h1} &= 0.3775 \\\\[10pt]\n&= 0.15 \\cdot 0.05 + 0.2 \\cdot 0.1 + 0.35\n\\end{aligned}\n$$\n"
    assert verdicts(mazur, text) == [(3, "ok"), (4, "ok")]


def test_an_accent_over_a_scripted_letter(mazur):
    # keonhee writes \hat{y_1} for \hat{y}_1, the first output
    assert verdicts(mazur, "$$\\hat{y_1} = 0.75136507$$\n") == [(1, "ok")]


def test_weights_numbered_input_by_input_are_read_so_when_two_sums_say_it():
    spec = derive.load("mazur")
    checker = Checker(derive.derive(spec))
    # derive: w_2 is i_2 -> h1; this post numbers input by input, so its w_2 is i_1 -> h2 (derive's w_3)
    text = ("$$z_1 = w_1 i_1 + w_3 i_2 + b_1$$\n\n$$z_2 = w_2 i_1 + w_4 i_2 + b_1$$\n\n"
            "$$w_2 = 0.25$$\n")
    report = verify_text(checker, text, "post.md")
    assert [c.verdict for c in report.claims] == ["ok", "ok", "ok"]
    assert {(b.written, b.meant) for b in report.bindings} >= {("w_2", "w_{3}"), ("w_3", "w_{2}")}
    # one such sum alone is a slip, and is caught as one
    (one,) = verify_text(checker, "$$net_{h1} = w_1 i_1 + w_3 i_2 + b_1$$\n", "post.md").claims
    assert one.verdict == "wrong" and "w3 where w2 belongs" in one.reason


def test_an_update_written_without_a_marker(mazur):
    # mahfuzar148: w_1 = 0.001 - 0.00001 * 226.5, the factor being the learning rate; and w = w - eta g
    assert verdicts(mazur, "$$w_5 = 0.4 - 0.5 \\cdot 0.082167041 = 0.35891648$$\n") == [(1, "ok")]
    assert verdicts(mazur, "$$w_5 = w_5 - \\eta \\frac{\\partial E_{total}}{\\partial w_5} = 0.35891648$$\n") == \
        [(1, "ok")]


def test_one_unknown_name_leaves_the_other_links_checked(mazur):
    # einsteinish: z_2 is never defined, yet 1/(1+e^{-1.87}) = 0.8607 is checked (it is 0.86648)
    found = verify_text(mazur, "$$out_{h2} = \\sigma(q_2) = \\frac{1}{1+e^{-0.3925}} = 0.5969$$\n\n"
                               "$$out_{h2} = \\sigma(q_2) = \\frac{1}{1+e^{-1.87}} = 0.8607$$\n", "post.md").claims
    assert [c.verdict for c in found] == ["ok", "wrong"]


def test_a_fact_of_the_data_is_checked_at_the_specs_values():
    spec = derive.from_dict({"input": {"names": ["x1", "x2"], "values": [[1.1, 2.2]]}, "target": {"values": [[3.3]]},
                             "layers": [{"units": 1, "activation": "sigmoid"}], "loss": {"function": "half_sse"},
                             "training": {"learning_rate": 0.1}, "init": {"seed": 1}})
    checker = Checker(derive.derive(spec))
    assert verdicts(checker, "$$y = x_1 + x_2 = 1.1 + 2.2 = 3.3$$\n") == [(1, "ok")]


def test_a_figure_one_unit_off_follows_from_the_posts_rounded_figures(mazur):
    # the post rounds out_h1 to 0.5933, then gives a figure one unit off in its last digit: carried rounding
    text = "$$out_{h1} = 0.5933$$\n\n$$\\frac{\\partial E_{total}}{\\partial w_5} = 0.0822$$\n\n" \
           "$$\\frac{\\partial E_{total}}{\\partial w_6} = 0.0826$$\n"        # 0.082667: one unit off
    claims = verify_text(mazur, text, "post.md").claims
    assert [(c.verdict, c.rounded_from) for c in claims] == [("ok", None), ("ok", None), ("ok", 3)]   # the latest
    # but not when a link before the figure is wrong
    text = "$$out_{h1} = 0.5933$$\n\n$$\\frac{\\partial E_{total}}{\\partial w_6} = -\\delta_{o1} out_{h2} = 0.0826$$\n"
    assert verify_text(mazur, text, "post.md").claims[-1].verdict == "wrong"


def test_a_rounded_product_of_the_posts_figures_for_the_same_quantity(mazur):
    # einsteinish: delta_o ~ -2.71011 x 0.242, then delta_o ~ -0.65584 (the product, cut to 5 places)
    text = ("$$\\delta_{o1} \\approx 0.74136507 \\cdot 0.1868$$\n\n$$\\delta_{o1} \\approx 0.13849$$\n")
    claims = verify_text(mazur, text, "post.md").claims
    assert [(c.verdict, c.rounded_from) for c in claims] == [("ok", None), ("ok", 1)]


def test_math_inside_a_block_of_html_is_read(mazur):
    # keonhee wraps its formulas in <div style=...>; MathJax typesets them all the same
    text = ('<div style="text-align: left;">\n\\( out_{h1} = 0.593269992 \\)\n\n'
            '\\( out_{h2} = 0.6 \\)\n</div>\n\n<div>\n$$net_{h1} = 0.3775$$\n</div>\n')
    assert verdicts(mazur, text) == [(2, "ok"), (4, "wrong"), (8, "ok")]


def test_delta_of_a_weight_is_the_change_the_step_makes(mazur):
    # gmyhf: \Delta w_{2,3} = eta x delta x O; here in derive's names: w_5^+ - w_5 = -0.5 x 0.082167041
    assert verdicts(mazur, "$$\\Delta w_5 = -0.5 \\cdot 0.082167041 = -0.04108352$$\n") == [(1, "ok")]
    assert verdicts(mazur, "$$\\Delta w_5 = 0.04108352$$\n") == [(1, "wrong")]


def test_a_name_with_a_generic_index_is_never_bound_to_one_unit(mazur):
    # gmyhf: y_j = F(a_j) = 1/(1+e^{-a_1}) speaks of any unit j; y_j stays unread
    report = verify_text(mazur, "$$y_j = \\frac{1}{1+e^{-net_{h1}}}$$\n", "post.md")
    assert report.bindings == ()


def test_a_single_outputs_target_goes_by_its_usual_names():
    spec = derive.from_dict({"input": {"values": [[1.0]]}, "target": {"values": [[0.5]]},
                             "layers": [{"units": 1, "activation": "sigmoid", "weights": [[0.2]], "bias": [0.1]}],
                             "loss": {"function": "half_sse"}, "training": {"learning_rate": 0.1}})
    checker = Checker(derive.derive(spec))
    text = "$$y_{target} = 0.5$$\n\n$$y_{true} = 0.5$$\n\n$$t = 0.5$$\n\n$$Error = y_{target} - \\hat{y} = -0.0744$$\n"
    # Error is the post's own name for t - o here (no loss letter): left unread, never refuted; the
    # links without it are checked, and the claim says so
    claims = verify_text(checker, text, "post.md").claims
    assert [(c.line, c.verdict) for c in claims] == [(1, "ok"), (3, "ok"), (5, "ok"), (7, "ok")]
    assert "only the links without it were checked: unknown name Error" in claims[-1].reason


def test_a_diagnosis_speaks_the_posts_own_names(mazur):
    text = ("$$h_1 = \\sigma(net_{h1}) = 0.593269992$$\n\n"
            "$$\\frac{\\partial E_{total}}{\\partial h_1} = \\delta_{o1} w_5$$\n")
    report = verify_text(mazur, text, "post.md")
    wrong = report.claims[-1]
    assert wrong.verdict == "wrong" and "a missing consumer term in the sum for h_1: the path through o2" in wrong.reason


def test_a_derivative_of_a_layer_by_its_net_input_is_entrywise():
    # seeds 002 and 004: dA^{[2]}/dZ^{[2]} = sigma'(Z^{[2]}) entry by entry; a matrix-by-matrix Jacobian
    # of other shapes stays unchecked with its reason, never refuted
    khanal = Checker(derive.derive(derive.load("khanal")))
    one = lambda claim: verify_text(khanal, f"$${claim}$$\n", "post.md").claims[0]
    assert one(r"\frac{\partial A^{[2]}}{\partial Z^{[2]}} = A^{[2]} \odot (1 - A^{[2]})").verdict == "ok"
    assert one(r"\frac{\partial A^{[2]}}{\partial Z^{[2]}} = \frac{\partial \sigma(Z^{[2]})}{\partial Z^{[2]}}").verdict == "ok"
    assert one(r"\frac{\partial A^{[2]}}{\partial Z^{[2]}} = A^{[2]}").verdict == "wrong"
    jacobian = one(r"\frac{\partial Z^{[2]}}{\partial W^{[2]}} = A^{[1]}")
    assert jacobian.verdict == "unchecked" and "convention" in jacobian.reason
