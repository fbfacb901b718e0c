"""Ops as rows, one table: each op's rule at every level of the one reverse walk (walk.py).

    numeric   NumPy forward and VJP kernels over arrays of one sample per row, (m, units)
    units     the VJP over a tensor's entries: the unit graph's units, connections and deltas
    matrices  the VJP (and the forward) over matrix symbols, in the spec's layout
    indices   the VJP and the forward over Indexed entries, with sums over a layer's units

A level calls its own rule: vjp(level, application, upstream) for the symbolic ones. The numeric
rules make kernels bound to one application's attributes, once: forward(**attributes)(inputs) and
vjp(**attributes)(inputs, output, upstream); a training step calls them thousands of times. `fused` is the loss's, after the
activation it reads alone: one step from the loss to that activation's net input. The rows take
every derivative from the rule table (rules/), so none is written here again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from . import (attention, attention_index, conv, conv_index, dense, elementwise, gates, joins, loss, norm,
               norm_index, penalty, recurrent, sequence_index)


@dataclass(frozen=True)
class Rule:
    vjp: Callable[..., tuple] | None = None       # one term per input (None: no gradient flows there)
    forward: Callable | None = None
    fused: Callable | None = None


@dataclass(frozen=True)
class Printing:
    """How the op is written. code and latex print its forward from its operands' printed forms,
    (printers, application, operands) -> str, where printers gives code(expr), latex(expr), axis
    (the unit axis of an array) and level (the matrix level: a dropout's mask); None: its matrix
    forward printed whole. prose: the words for its step in a backward derivation."""
    code: Callable[..., str] | None = None
    latex: Callable[..., str] | None = None
    prose: str = ""


@dataclass(frozen=True)
class Op:
    name: str
    numeric: Rule
    units: Rule
    matrices: Rule
    indices: Rule
    printing: Printing = Printing()


OPS: dict[str, Op] = {
    "dense": Op("dense", Rule(dense.vjp, dense.forward), Rule(dense.unit_vjp),
                Rule(dense.matrix_vjp, dense.matrix_forward), Rule(dense.index_vjp, dense.index_forward),
                Printing(prose=dense.PROSE)),
    "activation": Op("activation", Rule(elementwise.activation_vjp, elementwise.activation_forward),
                     Rule(elementwise.activation_unit_vjp),
                     Rule(elementwise.activation_matrix_vjp, elementwise.activation_matrix_forward),
                     Rule(elementwise.activation_index_vjp, elementwise.activation_index_forward),
                     Printing(elementwise.activation_code, elementwise.activation_latex, elementwise.ACTIVATION_PROSE)),
    "dropout": Op("dropout", Rule(elementwise.dropout_vjp, elementwise.dropout_forward),
                  Rule(elementwise.dropout_unit_vjp),
                  Rule(elementwise.dropout_matrix_vjp, elementwise.dropout_matrix_forward),
                  Rule(elementwise.dropout_index_vjp, elementwise.dropout_index_forward),
                  Printing(elementwise.dropout_code, elementwise.dropout_latex, elementwise.DROPOUT_PROSE)),
    "add": Op("add", Rule(joins.vjp, joins.forward), Rule(joins.unit_vjp), Rule(joins.matrix_vjp, joins.matrix_forward),
              Rule(joins.index_vjp, joins.index_forward), Printing(joins.code, joins.code, joins.PROSE)),
    "l2": Op("l2", Rule(penalty.vjp, penalty.forward), Rule(penalty.unit_vjp), Rule(penalty.matrix_vjp),
             Rule(penalty.index_vjp, penalty.index_forward)),
    "loss": Op("loss", Rule(loss.vjp, loss.forward, loss.fused), Rule(fused=loss.unit_fused),
               Rule(fused=loss.matrix_fused), Rule(loss.index_vjp, loss.index_forward, loss.index_fused)),
}

# Issue 14's op families: the numeric and index levels (the matrix forms of a conv are the
# documents' own, core/conv_matrix.py). A graph of typed layers (lower_tensor.py) runs on TENSOR_OPS.
CONV_AND_NORM: dict[str, Op] = {
    "conv2d": Op("conv2d", Rule(conv.conv2d_vjp, conv.conv2d_forward), Rule(), Rule(),
                 Rule(conv_index.conv2d_vjp, conv_index.conv2d_forward)),
    "max_pool": Op("max_pool", Rule(conv.max_pool_vjp, conv.max_pool_forward), Rule(), Rule(),
                   Rule(conv_index.max_pool_vjp, conv_index.max_pool_forward)),
    "avg_pool": Op("avg_pool", Rule(conv.avg_pool_vjp, conv.avg_pool_forward), Rule(), Rule(),
                   Rule(conv_index.avg_pool_vjp, conv_index.avg_pool_forward)),
    "flatten": Op("flatten", Rule(conv.flatten_vjp, conv.flatten_forward), Rule(), Rule(),
                  Rule(conv_index.flatten_vjp, conv_index.flatten_forward)),
    "batch_norm": Op("batch_norm", Rule(norm.batch_norm_vjp, norm.batch_norm_forward), Rule(), Rule(),
                     Rule(norm_index.vjp, norm_index.forward)),
    "layer_norm": Op("layer_norm", Rule(norm.layer_norm_vjp, norm.layer_norm_forward), Rule(), Rule(),
                     Rule(norm_index.vjp, norm_index.forward)),
    "rms_norm": Op("rms_norm", Rule(norm.rms_norm_vjp, norm.rms_norm_forward), Rule(), Rule(),
                   Rule(norm_index.vjp, norm_index.forward)),
}
# Issue 15's op families: embedding, the recurrent cells' parts of one time step (a recurrent layer
# is lowered unrolled, core/lower_sequence.py), attention's parts, and the sequence loss, with their
# index forms.
SEQUENCE: dict[str, Op] = {
    name: Op(name, Rule(vjp, forward), Rule(), Rule(), Rule(*index)) for name, forward, vjp, *index in (
        ("time_step", recurrent.time_step_forward, recurrent.time_step_vjp, sequence_index.time_step_vjp,
         sequence_index.time_step_forward),
        ("stack", recurrent.stack_forward, recurrent.stack_vjp, sequence_index.stack_vjp, sequence_index.stack_forward),
        ("embedding", recurrent.embedding_forward, recurrent.embedding_vjp, sequence_index.embedding_vjp,
         sequence_index.embedding_forward),
        ("gate", gates.gate_forward, gates.gate_vjp, gates.gate_index_vjp, gates.gate_index_forward),
        ("lstm_cell", gates.lstm_cell_forward, gates.lstm_cell_vjp, gates.lstm_cell_index_vjp,
         gates.lstm_cell_index_forward),
        ("lstm_out", gates.lstm_out_forward, gates.lstm_out_vjp, gates.lstm_out_index_vjp, gates.lstm_out_index_forward),
        ("gru_new", gates.gru_new_forward, gates.gru_new_vjp, gates.gru_new_index_vjp, gates.gru_new_index_forward),
        ("gru_mix", gates.gru_mix_forward, gates.gru_mix_vjp, gates.gru_mix_index_vjp, gates.gru_mix_index_forward),
        ("gru_reset", gates.gru_reset_forward, gates.gru_reset_vjp, gates.gru_reset_index_vjp,
         gates.gru_reset_index_forward),
        ("linear", attention.linear_forward, attention.linear_vjp, sequence_index.linear_vjp,
         sequence_index.linear_forward),
        ("scores", attention.scores_forward, attention.scores_vjp, attention_index.scores_vjp,
         attention_index.scores_forward),
        ("softmax", attention.softmax_forward, attention.softmax_vjp, attention_index.softmax_vjp,
         attention_index.softmax_forward),
        ("attend", attention.attend_forward, attention.attend_vjp, attention_index.attend_vjp,
         attention_index.attend_forward),
        ("sequence_ce", attention.sequence_ce_forward, attention.sequence_ce_vjp, sequence_index.sequence_ce_vjp,
         sequence_index.sequence_ce_forward),
    )
}
TENSOR_OPS: dict[str, Op] = {**OPS, **CONV_AND_NORM, **SEQUENCE}
