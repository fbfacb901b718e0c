"""Issue 15, point 3 (the recurrent layer's documents): the index form of an unrolled RNN, with its
worked entries, held to the kernels at every entry of every gradient (numeric/tensor_proof.py) on
fixed and random specs (hypothesis); what the document says of backpropagation through time (a
shared weight's gradient sums a term per step; dL/dh^{⟨t⟩} gathers the next step's term and its own
output's); and the layers whose documents are not written yet refused in one line.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derive import api
from derive.core.graph import Kind
from derive.spec.load import from_dict


def _rnn(tokens=((0, 2, 1, 3),), vocabulary=4, hidden=2, nonlinearity="tanh", sequence=True, seed=3, vectors=None):
    data = {"title": "an RNN", "init": {"seed": seed}, "loss": {"function": "cross_entropy"},
            "training": {"learning_rate": 0.1}}
    recurrent = {"type": "rnn", "hidden": hidden, "nonlinearity": nonlinearity, "sequence": sequence}
    if vectors is None:
        data["input"] = {"tokens": [list(t) for t in tokens], "vocabulary": vocabulary}
        data["layers"] = [{"type": "embedding", "size": 2}, recurrent]
    else:
        data["input"] = {"shape": list(np.shape(vectors)[1:]), "values": vectors}
        data["layers"] = [recurrent]
    data["layers"].append({"type": "dense", "units": vocabulary, "activation": "softmax"})
    if sequence:
        data["target"] = {"next_token": True} if vectors is None else {"tokens": [[0] * len(vectors[0])] * len(vectors)}
    else:
        data["target"] = {"values": [[1] + [0] * (vocabulary - 1)] * (len(tokens) if vectors is None else len(vectors))}
    return from_dict(data)


def _every_gradient_proven(result):
    proven = {check.node for check in result.checks}
    assert all(check.holds for check in result.checks), [c.node.name for c in result.checks if not c.holds]
    wanted = {node for node in result.graph.nodes if node in result.values.adjoint
              and node.kind not in (Kind.INPUT, Kind.LOSS)}
    assert wanted <= proven


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("sequence", [True, False], ids=["every-state", "last-state"])
def test_the_unrolled_rnns_index_form_is_the_kernels_at_every_entry(nonlinearity, sequence):
    result = api.derive(_rnn(tokens=((0, 2, 1, 3), (1, 1, 3, 0)), nonlinearity=nonlinearity, sequence=sequence))
    _every_gradient_proven(result)
    for format in ("markdown", "latex", "beamer", "html"):
        assert api.render(result, format)


@settings(max_examples=15, deadline=None)
@given(st.integers(1, 3), st.integers(1, 4), st.integers(1, 3), st.sampled_from(["tanh", "relu"]), st.booleans(),
       st.integers(0, 2 ** 31))
def test_any_small_rnn_is_proven_entry_by_entry(samples, steps, hidden, nonlinearity, tokens, seed):
    rng = np.random.default_rng(seed)
    if tokens:
        spec = _rnn(tokens=rng.integers(0, 3, size=(samples, steps + 1)).tolist(), vocabulary=3, hidden=hidden,
                    nonlinearity=nonlinearity, seed=seed)
    else:
        spec = _rnn(vocabulary=3, hidden=hidden, nonlinearity=nonlinearity, seed=seed,
                    vectors=rng.normal(size=(samples, steps, 2)).round(2).tolist())
    _every_gradient_proven(api.derive(spec))


def test_the_document_sums_a_shared_weights_terms_over_the_steps():
    text = api.render(api.derive(_rnn()), "markdown")
    u = next(line for line in text.splitlines() if line.startswith(r"$$\frac{\partial L}{\partial u^{[2]}_{j,\,j'}}"))
    assert u.count(r"\langle") == 3 * 2                     # steps 1 and 2 read U: three named entries each
    w = next(line for line in text.splitlines() if line.startswith(r"$$\frac{\partial L}{\partial w^{[2]}_{j,\,k}}"))
    assert all(rf"x^{{[2]\langle {t}\rangle}}_{{k}}" in w for t in range(3))
    middle = next(line for line in text.splitlines()
                  if line.startswith(r"$$\frac{\partial L}{\partial h^{[2]\langle 1\rangle}_{j}} ="))
    assert r"h^{[2]\langle 2\rangle}" in middle and r"\frac{\partial L}{\partial h^{[2]}_{1,\,j}}" in middle
    assert "### Layer 2: the gradient by the hidden state, step 0" in text
    assert r"[x_{t} = v]" in text


RESET_BEFORE = "gru-reset-before"         # Cho et al.'s GRU: the state reset before U_n


def _cell(kind, tokens, hidden=2, seed=1, sequence=True):
    cell = {"type": "gru", "reset_after": False} if kind == RESET_BEFORE else {"type": kind}
    data = {"title": "t", "init": {"seed": seed}, "input": {"tokens": tokens, "vocabulary": 3},
            "loss": {"function": "cross_entropy"}, "training": {"learning_rate": 0.1},
            "layers": [{"type": "embedding", "size": 2}, {**cell, "hidden": hidden, "sequence": sequence},
                       {"type": "dense", "units": 3, "activation": "softmax"}]}
    data["target"] = {"next_token": True} if sequence else {"values": [[1, 0, 0]] * len(tokens)}
    return from_dict(data)


@pytest.mark.parametrize("kind", ["lstm", "gru", RESET_BEFORE])
@pytest.mark.parametrize("sequence", [True, False], ids=["every-state", "last-state"])
def test_the_lstms_and_grus_index_forms_are_the_kernels_at_every_entry(kind, sequence):
    result = api.derive(_cell(kind, [[0, 2, 1, 0], [1, 1, 2, 2]], sequence=sequence))
    _every_gradient_proven(result)
    for format in ("markdown", "latex"):
        assert api.render(result, format)


@settings(max_examples=10, deadline=None)
@given(st.sampled_from(["lstm", "gru", RESET_BEFORE]), st.integers(1, 2), st.integers(1, 3), st.integers(1, 3), st.integers(0, 2 ** 31))
def test_any_small_lstm_or_gru_is_proven_entry_by_entry(kind, samples, steps, hidden, seed):
    rng = np.random.default_rng(seed)
    _every_gradient_proven(api.derive(_cell(kind, rng.integers(0, 3, size=(samples, steps + 1)).tolist(), hidden,
                                            seed)))


def test_the_reset_before_gru_document_says_so_and_resets_the_state_before_its_recurrent_weights():
    text = api.render(api.derive(_cell(RESET_BEFORE, [[0, 2, 1, 0]])), "markdown")
    assert "state reset before the recurrent weights (Cho et al.)" in text
    assert "reset previous state, step 1" in text and "reset gate, step 0" not in text    # h_0 = 0: no r_0
    assert "new state's recurrent part" not in text           # PyTorch's U_n h' + b'_n is not computed
    worked = next(line for line in text.splitlines() if line.startswith(r"$$\begin{aligned}n^{[2]\langle 1\rangle}_{0}"))
    assert r"\operatorname{tanh}\Bigl(" in worked and r"\Bigr) \\ &=" in worked     # its six terms over two lines
    pytorch = api.render(api.derive(_cell("gru", [[0, 2, 1, 0]])), "markdown")
    assert "reset gate, step 0" in pytorch and "Cho et al." not in pytorch


def test_the_lstm_document_names_its_gates_and_carries_the_cell_state_back():
    text = api.render(api.derive(_cell("lstm", [[0, 2, 1, 0]])), "markdown")
    for title in ("input gate, step 0", "candidate cell state, step 1", "output gate, step 2", "cell state, step 1",
                  "the gradient by the forget gate's recurrent weights"):
        assert title in text, title
    assert "forget gate, step 0" not in text                 # c_0 = 0: no forget gate on the first step
    cell = next(line for line in text.splitlines()
                if line.startswith(r"$$\frac{\partial L}{\partial c^{[2]\langle 1\rangle}_{j}} ="))
    assert r"f^{[2]\langle 2\rangle}_{j}" in cell          # dL/dc_t gathers dL/dc_{t+1} f_{t+1}


def _attention_spec(layer, tokens, seed=4, extra=()):
    return from_dict({"title": "t", "init": {"seed": seed}, "input": {"tokens": tokens, "vocabulary": 3},
                      "target": {"next_token": True}, "loss": {"function": "cross_entropy"},
                      "training": {"learning_rate": 0.1},
                      "layers": [{"type": "embedding", "size": 4}, layer, *extra,
                                 {"type": "dense", "units": 3, "activation": "softmax"}]})


@pytest.mark.parametrize("heads, causal, bias, projected", [(1, False, False, False), (1, True, True, False),
                                                          (2, False, True, True), (2, True, False, True)])
def test_attentions_index_form_is_the_kernels_at_every_entry(heads, causal, bias, projected):
    result = api.derive(_attention_spec({"type": "attention", "heads": heads, "causal": causal, "bias": bias,
                                         "output_projection": projected}, [[0, 2, 1, 0], [1, 0, 2, 2]]))
    _every_gradient_proven(result)
    text = api.render(result, "markdown")
    assert ("[s \\le t]" in text) == causal and ("\\sum_{s'=0}^{t}" in text) == causal
    assert "\\sqrt{2}" in text or heads == 1                 # d_k = 2; one head of 4 scales by √4 = 2


@pytest.mark.parametrize("norm", ["pre", "post"])
def test_a_transformer_blocks_index_form_is_the_kernels_at_every_entry(norm):
    result = api.derive(_attention_spec({"type": "transformer_block", "heads": 2, "hidden": 3, "norm": norm,
                                         "causal": True}, [[0, 2, 1, 0], [1, 0, 2, 2]], extra=[{"type": "layer_norm"}]))
    _every_gradient_proven(result)
    assert api.render(result, "latex")


@settings(max_examples=10, deadline=None)
@given(st.integers(1, 2), st.integers(1, 2), st.booleans(), st.booleans(), st.integers(1, 3), st.integers(0, 2 ** 31))
def test_any_small_attention_or_block_is_proven_entry_by_entry(heads, samples, causal, block, steps, seed):
    rng = np.random.default_rng(seed)
    layer = {"type": "transformer_block", "heads": heads, "hidden": 2, "causal": causal,
             "norm": "pre" if seed % 2 else "post"} if block else {"type": "attention", "heads": heads, "causal": causal}
    tokens = rng.integers(0, 3, size=(samples, steps + 1)).tolist()
    _every_gradient_proven(api.derive(_attention_spec(layer, tokens, seed)))


@pytest.mark.parametrize("spec, title, count", [
    (lambda: _attention_spec({"type": "attention", "heads": 2, "causal": True}, [[0, 2, 1, 0], [1, 0, 2, 2]]),
     "Attention in matrix form", 6),
    (lambda: _rnn(tokens=((0, 2, 1, 3), (1, 1, 3, 0)), nonlinearity="relu"), "Backpropagation through time", 4),
    (lambda: _rnn(sequence=False), "Backpropagation through time", 4),
    (lambda: _cell("lstm", [[0, 2, 1, 0], [1, 1, 2, 2]]), "The LSTM's cell state through time", 1),
    (lambda: _cell("gru", [[0, 2, 1, 0], [1, 1, 2, 2]]), "The GRU's hidden state through time", 1),
    (lambda: _cell("gru", [[0, 2, 1, 0]], sequence=False), "The GRU's hidden state through time", 1),
    (lambda: _cell(RESET_BEFORE, [[0, 2, 1, 0], [1, 1, 2, 2]]), "The GRU's hidden state through time", 1),
], ids=["attention", "rnn-relu", "rnn-last-state", "lstm", "gru", "gru-last-state", "gru-reset-before"])
def test_the_matrix_forms_are_computed_as_written_and_equal_the_kernels(spec, title, count):
    result = api.derive(spec())
    forms = result.sequence_forms
    assert len(forms) == 1 and len(forms[0].proven) == count
    assert all(holds for _, holds in forms[0].proven), forms[0].proven
    text = api.render(result, "markdown")
    assert f"## {title}" in text and "NOT EQUAL" not in text


def test_a_long_recurrent_layer_is_worked_at_its_first_two_steps_and_folds_the_rest():
    tokens = [[0, 2, 1, 0, 2, 1, 1]]
    long, short = (api.render(api.derive(_cell("lstm", t)), "markdown") for t in (tokens, [tokens[0][:4]]))
    assert "Worked as at step 1" not in short                     # T = 3: every step worked
    assert long.count("Worked as at step 1") > 0
    worked = [line for line in long.splitlines() if line.startswith("$$\\begin{aligned}")]
    assert not any("\\langle 4\\rangle}_{0} &=" in line or "\\langle 5\\rangle}_{0} &=" in line for line in worked)
    assert any("\\langle 1\\rangle}_{0} &=" in line for line in worked)
    _every_gradient_proven(api.derive(_cell("lstm", tokens)))     # the proof still covers every step


def test_verify_reads_a_sequence_post_from_the_command_line(tmp_path, capsys):
    """Once refused in one line, a sequence post is now read: a right step is ok, a wrong one makes exit 1."""
    from derive.cli import main
    post = tmp_path / "post.md"
    post.write_text("$$dc_{prev} = dc \\odot f_t$$\n\n$$dc_{prev} = dc \\odot i_t$$\n")
    assert main(["verify", "lstm_T2", str(post)]) == 1
    out = capsys.readouterr().out
    assert "1 right, 1 wrong" in out


def _random_sequence_spec(seed: int) -> dict:
    """A small sequence network drawn from the seed: tokens or vectors, one or two of the sequence layers."""
    rng = np.random.default_rng(seed)
    heads = int(rng.integers(1, 3))
    width = 2 * heads
    kinds = ["rnn", "lstm", "gru", "attention", "transformer_block", "layer_norm"]
    layers = []
    for kind in rng.choice(kinds, size=int(rng.integers(1, 3))):
        layer = {"type": str(kind)}
        if kind in ("rnn", "lstm", "gru"):
            layer |= {"hidden": width, "sequence": True}
        elif kind == "attention":
            layer |= {"heads": heads, "causal": bool(rng.integers(2))}
        elif kind == "transformer_block":
            layer |= {"heads": heads, "hidden": 3, "causal": bool(rng.integers(2)),
                      "norm": str(rng.choice(["pre", "post"]))}
        layers.append(layer)
    steps = int(rng.integers(2, 4))
    data = {"title": f"random sequence network {seed}", "init": {"seed": seed}, "loss": {"function": "cross_entropy"},
            "training": {"learning_rate": 0.1}, "layers": layers + [{"type": "dense", "units": 3, "activation": "softmax"}]}
    if rng.integers(2):
        data["input"] = {"tokens": rng.integers(0, 3, size=(2, steps + 1)).tolist(), "vocabulary": 3}
        data["layers"].insert(0, {"type": "embedding", "size": width})
        data["target"] = {"next_token": True}
    else:
        data["input"] = {"shape": [steps, width], "values": rng.normal(size=(2, steps, width)).round(2).tolist()}
        data["target"] = {"tokens": rng.integers(0, 3, size=(2, steps)).tolist()}
    return data


def test_random_sequence_networks_are_written_and_katex_clean():
    """Networks no preset has: every formula of their Markdown parses in KaTeX, every proof holds."""
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).parent))
    from test_renderers import _fragments_of_markdown, _katex
    fragments = []
    for seed in range(8):
        result = api.derive(from_dict(_random_sequence_spec(seed)))
        _every_gradient_proven(result)
        markdown = api.render(result, "markdown")
        assert "NOT EQUAL" not in markdown
        fragments += _fragments_of_markdown(markdown)
    assert _katex(fragments) == []
