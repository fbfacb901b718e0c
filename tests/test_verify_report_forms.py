"""verify on habits of recurrent-network write-ups in LaTeX reports, Jekyll pages and code-minded notes: a
report's section pasted without its preamble (LaTeX, though its name or its tabs say otherwise), a gated cell's
activation written by a letter (ĥ_t = g(W_h x_t + U_h(r_t ⊙ h_{t-1}) + b_h)), dh_{t+1} for what code calls
dh_next, single-dollar math inside a page's HTML (as MathJax set to read $ … $ typesets it), Ng's time written
a^{<t>} or a^{\\lt t \\gt}, a shared weight's gradient as the sum of its copies' (∂L/∂W^{(t)}), and a weight's
update written as code writes it (W -= η dW, W += α dW)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import derive
from derive.verify import Checker, verify_text
from derive.verify.regions import is_latex

from test_sequence_verify_fuzz import _cell_spec


def _verdicts(checker: Checker, post: str) -> list[str]:
    return [c.verdict for c in verify_text(checker, post, "post.md").claims]


SECTION = ("\t\\subsection{Backpropagation} \\label{sec:bp}\n"
           "\t\tThese gradients were computed using the following equations:\n"
           "\t\t\\begin{equation}\n\t\t\tdy_t = \\hat{y_t} - y_t\n\t\t\\end{equation}\n"
           "\t\t\\begin{equation}\n\t\t\tdy_t = y_t - \\hat{y_t}\n\t\t\\end{equation}\n")


def test_a_latex_section_without_its_preamble_is_read_as_latex():
    assert is_latex(SECTION) and is_latex("\\section*{Gradients}\n$a = b$\n")
    assert not is_latex("# Gradients\n\n$$a = b$$\n") and not is_latex("Text with \\sectionmark{x} inside.\n")
    checker = Checker(derive.derive(_cell_spec("gru-reset-before", 4, 2, 3, 11)))
    assert _verdicts(checker, SECTION) == ["ok", "wrong"]
    # without the sectioning command the tabs make it a Markdown code block, and nothing is claimed
    assert _verdicts(checker, SECTION.split("\n", 1)[1]) == []


CANDIDATE = r"$$\hat{h_t} = g(W_hx_t+U_h(r_t \odot h_{t-1}) + b_h)$$"
GATE = r"$$z_t = g(W_zx_t + U_zh_{t-1} + b_z)$$"


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 50))
def test_a_gated_cells_activation_by_a_letter_is_the_one_its_line_holds_with(seed):
    checker = Checker(derive.derive(_cell_spec("gru-reset-before", 4, 2, 3, seed)))
    assert _verdicts(checker, CANDIDATE) == ["ok"]                         # g is tanh here
    assert _verdicts(checker, GATE) == ["ok"]                              # and σ here
    assert _verdicts(checker, CANDIDATE.replace(r"(r_t \odot h_{t-1})", "h_{t-1}")) == ["wrong"]    # no reset gate
    # one post's g is one function: after the candidate fixes it as tanh, a gate written with it is wrong
    assert _verdicts(checker, CANDIDATE + "\n\n" + GATE) == ["ok", "wrong"]


NEXT = (r"$$dh_t = V^T dy_t + dh_{t+1}$$" "\n\n" r"$$dh_{t+1} = W_{hh}^T ((1 - h_t^2) \odot dh_t)$$" "\n\n"
        r"$$dh_{t+1} = W_{hh} ((1 - h_t^2) \odot dh_t)$$")


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 50))
def test_dh_t_plus_one_is_code_s_dh_next_where_the_post_states_it_from_dh_t(seed):
    checker = Checker(derive.derive(_cell_spec("rnn", 4, 2, 3, seed)))
    assert _verdicts(checker, NEXT) == ["ok", "ok", "wrong"]        # Wᵀ_hh, not W_hh: still a slip
    # a post that never states dh_{t+1} from dh_t means the next step's whole gradient by it: a slip
    assert _verdicts(checker, NEXT.split("\n\n")[0]) == ["wrong"]


CENTERED = ('<p align="center">\n{% raw %}\n  $\n    \\dfrac{\\partial c^{\\lt t \\gt}}{\\partial f^{\\lt t \\gt}} = '
            'SIDE\n  $ \n{% endraw %}\n</p>\n')


@pytest.mark.parametrize("side, verdict", [("c^{\\lt t-1 \\gt}", "ok"), ("c^{\\lt t \\gt}", "wrong"),
                                           ("c^{<t-1>}", "ok"), ("i^{<t>}", "wrong")])
def test_single_dollar_math_in_a_pages_html_and_ngs_time_with_lt_and_gt(side, verdict):
    checker = Checker(derive.derive(_cell_spec("lstm", 4, 2, 3, 5)))
    assert _verdicts(checker, CENTERED.replace("SIDE", side)) == [verdict]


def test_dollars_in_html_without_tex_are_no_math():
    checker = Checker(derive.derive(_cell_spec("lstm", 4, 2, 3, 5)))
    assert _verdicts(checker, '<div class="note">\nIt costs $5 and the book $10 = a lot.\n</div>\n') == []
    script = '<script>\nwindow.example = "$c_t = \\tanh(c_t)$";\n</script>\n'      # a page's script: no math
    assert _verdicts(checker, script) == []
    assert _verdicts(checker, script.replace("script", "div")) == ["wrong"]


@settings(max_examples=6, deadline=None)
@given(kind=st.sampled_from(["rnn", "lstm", "gru-reset-before"]), steps=st.integers(2, 5), seed=st.integers(0, 50))
def test_a_shared_weights_gradient_is_the_sum_of_its_copies_gradients(kind, steps, seed):
    """∂L/∂W^{(t)}: the gradient by step t's copy of W, that step's own term; summed over t, the whole."""
    weight = {"rnn": "W_{hh}", "lstm": "W_f", "gru-reset-before": "W_z"}[kind]
    checker = Checker(derive.derive(_cell_spec(kind, steps, 2, 3, seed)))
    whole = rf"\frac{{\partial L}}{{\partial {weight}}}"
    copy = rf"\frac{{\partial L}}{{\partial {weight}^{{(t)}}}}"
    assert _verdicts(checker, rf"$${whole} = \sum_{{t=1}}^{{T}} {copy}$$") == ["ok"]
    assert _verdicts(checker, rf"$${whole} = \sum_t {copy}$$") == ["ok"]
    assert _verdicts(checker, rf"$${whole} = 2 \sum_t {copy}$$") == ["wrong"]


UPDATE = r"$$W_f -= \eta \frac{\partial J}{\partial W_f}$$"


@pytest.mark.parametrize("update, verdict", [
    (UPDATE, "ok"),
    (UPDATE.replace(r"\eta", r"\alpha * "), "ok"),
    (UPDATE.replace("-=", "+="), "wrong"),                        # gradient ascent: the classic slip
    (UPDATE.replace(r"-= \eta", r"-= 2 \eta"), "wrong"),
    (r"$$b_i -= \eta \frac{\partial J}{\partial b_i}$$", "ok"),
    (r"$$W_f = W_f - \eta \frac{\partial J}{\partial W_f}, \mspace{31mu} b_f \mkern 3mu = b_f$$", "ok"),
])
def test_a_weights_update_written_as_code_writes_it(update, verdict):
    checker = Checker(derive.derive(_cell_spec("lstm", 3, 2, 3, 9)))
    assert _verdicts(checker, update)[0] == verdict


@pytest.mark.parametrize("wrapper", ["<!-- Old draft: {} -->\n", "<pre>{}</pre>\n", "<div>\n<code>{}</code>\n</div>\n",
                                     "<textarea>{}</textarea>\n", "<div>\n<!-- {} -->\n</div>\n"])
def test_no_math_is_read_where_mathjax_typesets_none(wrapper):
    checker = Checker(derive.derive(_cell_spec("lstm", 4, 2, 3, 5)))
    formula = r"$\dfrac{\partial c^{<t>}}{\partial f^{<t>}} = c^{<t>}$"
    assert _verdicts(checker, wrapper.format(formula)) == []


def test_a_markdown_post_that_shows_latex_sections_stays_markdown():
    post = "# Notes\n\n```latex\n\\section{Gradients}\n```\n\n    $$dy_t = y_t - \\hat{y}_t$$\n"
    assert not is_latex(post)
    checker = Checker(derive.derive(_cell_spec("lstm", 4, 2, 3, 5)))
    assert _verdicts(checker, post) == []                 # the indented line is code


@pytest.mark.parametrize("line", [r"$$dh_{t+1} = W_{hh}^T((1-h_t^2)\odot dh_t)$$",
                                  r"$$\frac{\partial L}{\partial h_{t+1}} = W_{hh}^T((1-h_t^2)\odot "
                                  r"\frac{\partial L}{\partial h_t})$$"])
def test_a_backwards_recurrence_alone_does_not_opt_into_dh_next(line):
    checker = Checker(derive.derive(_cell_spec("rnn", 4, 2, 3, 5)))
    assert _verdicts(checker, line) == ["wrong"]


def test_a_is_the_cells_input_where_the_posts_forward_line_says_so():
    """a^t = tanh(W_c x^t + U_c h^{t-1}) (Graves's cell input) beside h^t, or Ng's hidden state a^{⟨t⟩}."""
    checker = Checker(derive.derive(_cell_spec("lstm", 4, 2, 3, 5)))
    candidate = (r"$$a^t = \tanh(W_c x^t + U_c h^{t-1})$$" "\n\n" r"$$c^t = i^t \odot a^t + f^t \odot c^{t-1}$$"
                 "\n\n" r"$$c^t = i^t \odot h^t + f^t \odot c^{t-1}$$")
    assert _verdicts(checker, candidate) == ["ok", "ok", "wrong"]
    ng = (r"$$a^{\langle t \rangle} = \Gamma_o \odot \tanh(c^{\langle t \rangle})$$" "\n\n"
          r"$$a^{\langle t \rangle} = \Gamma_o \odot c^{\langle t \rangle}$$")
    assert _verdicts(checker, ng) == ["ok", "wrong"]


def test_a_cell_gradient_the_post_accumulates_into_is_a_part():
    """∂E/∂c^t = ∂E/∂h^t ⊙ o^t ⊙ (1 - tanh²(c^t)), then δc^t += the same: the path through h^t, one part."""
    checker = Checker(derive.derive(_cell_spec("lstm", 4, 2, 3, 5)))
    part = r"$$\frac{\partial E}{\partial c^t} = \frac{\partial E}{\partial h^t} \odot o^t \odot (1-\tanh^2(c^t))$$"
    assert _verdicts(checker, part) == ["wrong"]                    # alone: the whole gradient, a path missing
    added = part + "\n\n" + r"$$\delta c^t += \delta h^t \odot o^t \odot (1-\tanh^2(c^t))$$"
    assert _verdicts(checker, added)[0] == "ok"


@pytest.mark.parametrize("cell, verdict", [(r"{c}_t = i_t \odot \hat{c}_t + f_t \odot c_{t-1}", "ok"),
                                           (r"c_t = i_t \odot \hat{C}_t + f_t \odot c_{t-1}", "ok"),
                                           (r"{c}_t = i_t \odot \hat{c}_t + f_t \odot c_t", "wrong"),
                                           (r"{h}_t = o_t \odot \tanh(c_t)", "ok")])
def test_the_candidate_with_a_hat_and_a_braced_letter(cell, verdict):
    checker = Checker(derive.derive(_cell_spec("lstm", 4, 2, 3, 5)))
    assert _verdicts(checker, f"$${cell}$$") == [verdict]
