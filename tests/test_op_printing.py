"""Issue 13, point 3: each op row holds how it is written (its forward in NumPy source and in LaTeX,
the words for its backward step), and the generated code and the layer document read them there."""

import dataclasses

import derive
from derive.core import ops
from derive.core.ops import OPS


def test_every_op_after_a_dense_layer_has_its_code_and_latex_and_every_step_op_its_words():
    for name in ("activation", "dropout", "add"):
        assert OPS[name].printing.code and OPS[name].printing.latex, name
    for name in ("dense", "activation", "dropout", "add"):
        assert OPS[name].printing.prose.strip(), name


def _with_printing(monkeypatch, name, **changes):
    row = OPS[name]
    monkeypatch.setitem(ops.OPS, name, dataclasses.replace(row, printing=dataclasses.replace(row.printing, **changes)))


def test_the_generated_output_line_is_the_rows_printing_composed(monkeypatch):
    """A row that wrote its forward otherwise would change the generated module's line A = ...: the
    code is not a second statement of the forms."""
    spec = derive.load("residual")
    before = derive.code(spec)
    assert "A2 = numpy.tanh(Z2) + A1  # A^{[2]} = \\tanh\\left(Z^{[2]}\\right) + A^{[1]}" in before
    _with_printing(monkeypatch, "add", code=lambda printers, application, operands: f"numpy.add({', '.join(operands)})",
                   latex=lambda printers, application, operands: " \\oplus ".join(operands))
    after = derive.code(spec)
    assert "A2 = numpy.add(numpy.tanh(Z2), A1)  # A^{[2]} = \\tanh\\left(Z^{[2]}\\right) \\oplus A^{[1]}" in after


def test_a_dropout_layers_line_reads_the_dropout_rows_form(monkeypatch):
    spec = derive.load("dropout")
    assert "A1 = 2 * D1 * (1 / (1 + numpy.exp(-Z1)))  # A^{[1]} = 2 D^{[1]} \\odot \\sigma\\left(Z^{[1]}\\right)" \
        in derive.code(spec)
    _with_printing(monkeypatch, "dropout", code=lambda printers, application, operands: f"dropped({operands[0]})")
    assert "A1 = dropped(1 / (1 + numpy.exp(-Z1)))" in derive.code(spec)


def test_the_layer_documents_step_sentences_are_the_rows_words(monkeypatch):
    spec = derive.load("residual")
    _with_printing(monkeypatch, "add", prose="Along the skip, whole:")
    _with_printing(monkeypatch, "activation", prose="then through g:")
    text = derive.derive(spec).render("markdown", notation="layer")
    assert "Along the skip, whole:" in text and "then through g:" in text
