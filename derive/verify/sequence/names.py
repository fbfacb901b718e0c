"""What a sequence post's names stand for: the letters people write for a recurrent cell's states,
gates and weights, and for attention's Q, K, V, scores and weights, each mapped to a key of the
world (world.py). Where a letter has two common meanings (W: the input's weights or the state's; A:
the scores or the weights; dΓ_f: the gate's gradient or its net input's), the name asks the judge's
convention for one (`pick`), and the judge tries each.
"""

from __future__ import annotations

import re
from typing import Callable

from .. import syntax as s
from ..typed.evaluate import is_loss
from .derivatives import adjoint_of, step_loss_of, time_offset
from .post_facts import macro_key

Pick = Callable[[str, tuple], str]

STATES = {"h": "h", "a": "h", "s": "h", "c": "c", "C": "c", "x": "x"}
GATES = {
    "rnn": {},
    "lstm": {"i": "i", "f": "f", "o": "o", "g": "g", "u": "i"},
    "gru": {"r": "r", "z": "z", "n": "n", "u": "z", "g": "n", "c": "n"},    # c: the candidate (TensorFlow's)
}
# accents and Greek letters people use for a gate: Γ_u, c̃ (the LSTM's candidate), h̃ (the GRU's)
ACCENTED = {("lstm", "tilde", "c"): "g", ("lstm", "bar", "c"): "g", ("lstm", "tilde", "C"): "g", ("gru", "tilde", "h"): "n",
            ("gru", "hat", "h"): "n", ("lstm", "hat", "c"): "g", ("lstm", "hat", "C"): "g"}
GREEK_GATE = "\\Gamma"
# weights' gate letters that differ from the gate's own: W_c, W_u (Ng's candidate and update gate), W_a (Yi
# Wang's candidate a^t)
WEIGHT_GATES = {"lstm": {"c": "g", "C": "g", "u": "i", "i": "i", "f": "f", "o": "o", "g": "g", "a": "g"},
                "gru": {"r": "r", "z": "z", "u": "z", "n": "n", "h": "n", "g": "n", "c": "n"}}
ATTENTION = {"Q": "Q", "K": "K", "V": "V", "X": "X", "S": "S", "O": "O", "Z": "O", "P": "A", "M": "M", "mask": "M"}
# a row or an entry of attention's matrices, as index-level derivations write them: q_i, k_j, v_j, o_i, x_i;
# s_{ij}, a_{ij}, α_{ij}, p_{ij}
ROWS = {"q": "Q", "k": "K", "v": "V", "o": "O", "x": "X", "s": "S", "a": "A", "p": "A", "\\alpha": "A"}
SIZES = ("d_k", "d_{k}", "d", "D", "d_{head}", "d_h")


OWN_NAME = "post:"      # an alias that says: the post's own name (g_3 of its numbered stages), never the world's
OWN_TERM = "^"          # ∂L/∂W^{(t)}: the gradient by step t's copy of a shared weight, that step's own term


def subtracted_mask(node: s.BinOp, kind: str) -> bool:
    """exp(S - M), S - M_i: an attention post's M subtracted is its own stabilizer (a row's max, its log-sum-exp,
    as FlashAttention notes write it), never the mask, which is added (S + M)."""
    right = node.right.base if isinstance(node.right, s.Scripted) else node.right
    return kind == "attention" and node.op == "-" and right == s.Sym("M")


def key_of(node: s.Node, kind: str, pick: Pick, aliases: dict[str, str] | None = None) -> str | None:
    """The world key a written name stands for ('d:' first for a gradient), or None."""
    inner = adjoint_of(node)
    stacked = _stacked_gate(inner if inner is not None else node, kind, aliases)
    if stacked is not None:                            # a_i, da_i where a names the gates' stacked net inputs
        return ("d:" if inner is not None else "") + stacked
    if inner is not None:
        found = aliased(inner, aliases)
        if found is not None:
            return None if found.startswith("d:") or found == OWN_NAME else "d:" + found
        found = _plain_key(inner, kind, pick, adjoint=True)
        if found is not None and isinstance(node, s.Frac) and found[:2] in ("W:", "U:", "b:", "V:") and \
                not found.endswith(OWN_TERM):
            found += "!"                               # ∂L/∂W: the whole loss's, every step's term summed
        return None if found is None else "d:" + found
    step_loss = step_loss_of(node, kind)
    if step_loss is not None:                          # ∂L_t/∂h_t: the step's own loss's gradient
        found = aliased(step_loss[0], aliases) or _plain_key(step_loss[0], kind, pick, adjoint=True)
        if found is not None and found[:2] in ("W:", "U:", "b:", "V:") and found[-1] not in "@#0123456789":
            found = _timed(found, step_loss[1])        # ∂J_3/∂V: a shared weight's term from step 3's loss
        if found is None or _timed("", step_loss[1]) != found[len(found.rstrip("@#+-0123456789")):]:
            return None                                # ∂J_3/∂h_1: another step's, not read
        return f"d:{found}~"
    found = aliased(node, aliases)
    if found == OWN_NAME:
        return None                                    # g_3 of the post's numbered stages (numbered_names.py)
    if found is None and kind != "attention":
        found = _loss_key(node)
    return found if found is not None else _plain_key(node, kind, pick, adjoint=False)


def aliased(node: s.Node, aliases: dict[str, str] | None) -> str | None:
    """The post's own name for a quantity (u^t = W x^t + U z^{t-1} + b: u the net input), also at another step
    than the one it was defined at (u^{t-1}), where the definition was at the step in view."""
    key = macro_key(node)
    if not aliases or key is None:
        return None
    if key in aliases:
        return aliases[key]
    head, _, sup = key.rpartition("^")
    base, _, sub = head.rpartition("_")
    for timed in (0, 1):                               # the time written above (u^{t-1}), or below (u_{t-1})
        script, other = (sup, sub)[timed], (sub, sup)[timed]
        offset = time_offset(script) if script else None
        if not isinstance(offset, int) or offset == 0:
            continue
        for written, meaning in aliases.items():
            w_head, _, w_sup = written.rpartition("^")
            w_base, _, w_sub = w_head.rpartition("_")
            mine, theirs = (w_sup, w_sub)[timed], (w_sub, w_sup)[timed]
            if w_base == base and theirs == other and time_offset(mine) == 0 and meaning[-1] not in "@#0123456789":
                return _timed(meaning, offset)
    return None


def _loss_key(node: s.Node) -> str | None:
    """L, J, 𝓛: the loss (loss:all); L_t, J^{(t)}, E_3: one step's own cross-entropy (loss, at its step).
    C is the LSTM's cell state and l an index, never the loss here."""
    while isinstance(node, s.Paren) and node.kind == "{":
        node = node.inner
    time = None
    if isinstance(node, s.Scripted):
        if node.primes or (node.sub is None) == (node.sup is None):
            return None
        time = time_offset((node.sub or node.sup).text)
        if time is None or time == "next":
            return None
        node = node.base
    if not isinstance(node, s.Sym) or node.text in ("C", "l") or not is_loss(node):
        return None
    return "loss:all" if time is None else _timed("loss", time)


def _stacked_gate(node: s.Node, kind: str, aliases: dict[str, str] | None) -> str | None:
    """a_i, a_f where the post's a is the gates' net inputs stacked (CS231n's a = x Wx + h Wh + b): net:i."""
    if not aliases or not isinstance(node, s.Scripted) or node.sup is not None or node.sub is None or node.primes:
        return None
    if aliases.get(macro_key(node.base)) != "net:stack":
        return None
    gate = GATES.get(kind, {}).get(node.sub.text.strip("{}"))
    return f"net:{gate}" if gate else None


def _parts(node: s.Node):
    """(letter, accent, sub, sup) of a name: Γ_o^{⟨t⟩} -> (\\Gamma, '', 'o', '\\langlet\\rangle')."""
    while isinstance(node, s.Paren) and node.kind == "{":
        node = node.inner
    sub = sup = None
    if isinstance(node, s.Scripted):
        if node.primes:
            return None
        sub = node.sub.text if node.sub else None
        sup = node.sup.text if node.sup else None
        node = node.base
        while isinstance(node, s.Paren) and node.kind == "{":
            node = node.inner                           # {c}_t: c_t, the letter braced
    if isinstance(node, s.Func) and node.name == "sigma":
        node = s.Sym("\\sigma")
    if not isinstance(node, s.Sym):
        return None
    font = node.font if node.font in ("tilde", "bar", "hat", "widehat", "widetilde") else ""
    if node.font and not font and node.font not in ("mathbf", "boldsymbol", "bm", "vec", "mathrm", "text"):
        return None
    text = node.text
    if sub is None and not font:
        glued = _GLUED.match(text)                      # Wxh, Whh, by, hnext: code's names, scripts glued on
        if glued:
            text, sub = next((glued.group(k), glued.group(k + 1)) for k in (1, 3, 5) if glued.group(k))
    elif text in ("next", "prev") and sub in STATES and sup is None:
        text, sub = sub, text                           # next_h, prev_c: CS231n's order
    return text, font.replace("wide", ""), sub, sup


_GLUED = re.compile(r"^([WUVb])(xh|hh|hx|hy|yh|ih|ho|oh|[xh][ifgoczrnu]|x|h|y|[ifgoczrnuqkvQKVO])$|^(b)([ifgoczrnu])$|"
                    r"^([hcas])(next|prev|raw)$")


def _plain_key(node: s.Node, kind: str, pick: Pick, adjoint: bool) -> str | None:
    parts = _parts(node)
    if parts is None:
        return None
    letter, accent, sub, sup = parts
    if kind == "attention":
        return _attention_key(letter, accent, sub, sup, pick)
    return _cell_key(letter, accent, sub, sup, kind, pick, adjoint)


def _cell_key(letter, accent, sub, sup, kind, pick, adjoint) -> str | None:
    starred = letter == "y" and sup in ("*", "\\ast") and not accent
    if starred:
        sup = None                                     # y^*: the true label, the target, never the logits
    if sup == "+" and letter in ("W", "U", "V", "b") and not adjoint:       # W⁺: the weight after an update
        found = _cell_key(letter, accent, sub, None, kind, pick, adjoint)
        return f"new:{found}" if found is not None and found.split(":")[0] in ("W", "U", "V", "b", "b'") else None
    if letter in ("W", "U", "V", "b") and sub is None and sup is not None and time_offset(sup) is None and \
            sup not in ("T", "\\top") and not sup.isdigit():
        sub, sup = sup, None                           # W^{hh}, W^{xh}: the weight's role written above
    time = time_offset(sup) if sup is not None and not sup.strip("{}").isdigit() else None    # g^2: a power
    if sup is not None and time is None:
        return None                                    # h^2, W^T: not a name with a time
    pieces = [sub] if sub is not None else []
    if sub is not None and "," in sub:
        pieces = [p.strip("{}") for p in sub.split(",")]
    gate_letter, net = None, False
    for piece in pieces:
        offset = time_offset(piece)
        if offset is not None:
            if time is not None:
                return None
            time = offset
        elif piece in ("gate", "raw"):                 # o_gate, hraw: the net input, before the activation
            net = True
        elif gate_letter is None:       # W_{(in)}, W_{(out)}: the role's word in parentheses
            gate_letter = piece[1:-1] if re.fullmatch(r"\([a-z]{2,}\)", piece) else piece
        else:
            return None
    if letter == "B" and gate_letter is not None and not accent:
        letter = "b"                                   # B_h, B_y: a bias in capitals, beside W_hh
    swapped = letter == "y" and gate_letter is None and accent in ("", "hat") and not starred and \
        pick("hat", ("prediction", "target")) == "target"
    if swapped:
        accent = "" if accent else "hat"               # y the softmax, ŷ the true class: the post's own letters
    if letter == "X" and time is not None and not accent and gate_letter is None:
        letter = "x"                                   # X_t: the step's input (a bare X may be the whole sequence)
    read_out = _read_out_key(letter, accent, gate_letter, kind)
    if read_out == "V:" and kind == "lstm" and gate_letter in ("ho", "oh") and pick("W_ho", ("read-out", "gate")) == "gate":
        read_out = None                                # W_{ho} beside W_{xo}: the output gate's, as the post's o_t says
    if read_out is not None and read_out[:2] in ("V:", "b:"):
        if letter == "c" and time is not None:
            return None                                # c_t, c^{(t)}: a cell state at a step, never the bias c
        return read_out if time in (None, 0) else None
    if letter in ("W", "U", "b"):
        found = _weight_key(letter, gate_letter, kind, pick) if time in (None, 0) else None
        return found + OWN_TERM if found is not None and time == 0 and adjoint else found   # ∂L/∂W^{(t)}
    if letter == "\\delta" and kind == "rnn" and gate_letter is None and time is not None and not adjoint:
        # δ_t: dL/dz_t, or dL/dh_t, or (δ_t = ∂E_t/∂s_t, where the post says so) step t's own loss's dE_t/dz_t
        meaning = pick("delta", ("net", "state"))            # "own" only where fixed (document.py)
        return _timed(f"d:{'h' if meaning == 'state' else 'net:'}", time) + ("~" if meaning == "own" else "")
    base = read_out or _base(letter, accent, gate_letter, kind, pick)
    if base is None:
        return None
    if base == "y" and letter == "y" and not adjoint and not starred and not swapped:
        base = pick("y", ("y", "logit"))               # y_t: the target, or (p_t = softmax(y_t)) the logits
    if base == "p":
        base = pick("p", ("yhat", "net:"))             # p_t: the probabilities, or (p_t = U x_t + W h_{t-1}) the net
    if kind == "rnn" and not gate_letter and letter in ("z", "a") and not net:
        # z_t, a_t: W x + U h, the state, or (z_t = W_hy h_t + b_y) the read-out's logits; z_{t,i} in -Σ z log p
        # (where y is the logits) the target
        base = pick(f"{letter}-name", ("net:", "h", "logit", "y") if letter == "z" else ("h", "net:", "logit"))
    if kind in ("lstm", "gru") and letter == "a" and not gate_letter and not net and not accent:
        # a^t: Ng's hidden state, or (a^t = tanh(W_c x^t + U_c h^{t-1})) the cell's input, the candidate
        base = pick("a-name", ("h", "g" if kind == "lstm" else "n"))
    if adjoint and base == "y":
        base = "logit"                                 # code's dy: the gradient at the output's logits
    if net:
        if base in ("c", "x") or (base == "h" and kind != "rnn"):
            return None
        base = "net:" if base == "h" else f"net:{base}"
    if time == "next":
        time = 0
        if adjoint and base in ("h", "c"):
            return f"{base}>"                          # dc_next: what the later steps send back to c_t
    if adjoint and base in GATES[kind].values() and not net:
        # dΓ_f: the gate's, or its net input's, gate by gate: dr = (U_nᵀ dn) ⊙ h' takes dn as n's net input's
        if pick(f"gate-gradient:{base}", ("output", "net")) == "net":
            base = f"net:{base}"
    return _timed(base, time)


def _timed(key: str, time) -> str:
    """The key at a step: h (the step in view), h@-1 (the one before), h#3 (step 3 as the post counts)."""
    if time in (None, 0):
        return key
    if isinstance(time, str):
        return f"{key}{time}"
    return f"{key}@{time:+d}"


def _read_out_key(letter, accent, gate_letter, kind) -> str | None:
    """The read-out's names: ŷ (the softmax), y (the target), an RNN's o (the logits), V, W_{hy}, b_y."""
    if letter == "y" and gate_letter is None:
        return "yhat" if accent == "hat" else ("y" if not accent else None)
    if accent:
        return None
    if letter == "o" and kind == "rnn" and gate_letter is None:
        return "logit"
    if letter == "p" and gate_letter is None:
        return "yhat" if kind != "rnn" else "p"        # p_t = softmax(o_t): the probabilities
    if letter in ("labels", "label", "targets", "target") and gate_letter is None:
        return "y"
    if letter == "V" and gate_letter is None:
        return "V:"
    if letter == "W" and gate_letter in ("hy", "yh", "y", "ho", "oh", "hq", "out", "ya", "ay"):     # Ng's W_{ya}
        return "V:"
    if letter == "b" and gate_letter in ("y", "o", "out") and not (kind == "lstm" and gate_letter == "o"):
        return "b:y"
    if letter == "c" and kind == "rnn" and gate_letter is None:
        return "b:y"
    return None


def _base(letter, accent, gate_letter, kind, pick) -> str | None:
    if letter == GREEK_GATE:
        return GATES[kind].get(gate_letter) if gate_letter else None
    if accent:
        found = ACCENTED.get((kind, accent, letter))
        return found if gate_letter is None else None
    if gate_letter is not None:
        # a_f, z_o: a gate's net input, before its activation (f_t = σ(a_f)); a GRU's z is a gate of its own
        named = WEIGHT_GATES.get(kind, {}).get(gate_letter) if letter == "a" or (letter, kind) == ("z", "lstm") else None
        return None if not named else f"net:{named}" if pick(f"{letter}-gate", ("net", "gate")) == "net" else named
    state = STATES.get(letter) if STATES.get(letter) != "c" or kind == "lstm" else None    # a cell state: an LSTM's
    return state or GATES[kind].get(letter) or ("net:" if kind == "rnn" and letter == "z" else None)


RNN_SIDES = {"in": "x", "input": "x", "rec": "h", "recurrent": "h",
             "ax": "x", "xa": "x", "aa": "h"}      # Ng's a^{<t>} = tanh(W_{aa} a^{<t-1>} + W_{ax} x^{<t>} + b_a)


def _weight_key(letter: str, gate: str | None, kind: str, pick: Pick) -> str | None:
    """W_f, U_f, b_f, W_{xf}, W_{hf}; an RNN's W, U, b, W_{hh}, W_{xh}, b_h; an LSTM's gates stacked as
    PyTorch's W_{ih}, W_{hh}, b_{ih}, b_{hh} (or W_x, W_h), in its order i, f, g, o."""
    if kind == "lstm" and letter == "b" and gate is None:
        return "b:stack"                               # CS231n's b: the four gates' biases stacked
    if kind == "lstm" and gate in ("ih", "hh", "x", "h"):
        side = "x" if gate in ("ih", "x") else "h"
        if letter == "b":                              # b_ih + b_hh: derive's one b is either, the other 0
            return "b:stack" if pick("bias", ("ih", "hh")) == {"x": "ih", "h": "hh"}[side] else "b:zero"
        return f"{'W' if side == 'x' else 'U'}:stack" if letter == "W" else None
    side = None
    if gate is not None and len(gate) >= 2 and gate[0] in "xh" and letter == "W":
        side, gate = ("x" if gate[0] == "x" else "h"), gate[1:]
        if kind == "rnn" and gate in ("h", "x"):       # W_{hh}, W_{xh}, W_{hx}
            side = "h" if (side, gate) == ("h", "h") else "x"
            gate = None
    elif gate is not None and len(gate) == 2 and gate[1] in "xh" and letter == "W" and kind != "rnn":
        side, gate = gate[1], gate[0]                  # W_{zh}, W_{fx}: the gate's letter, then the side's
    if kind == "rnn":
        if letter == "W" and gate in ("x", "h") and side is None:      # W_x, W_h
            side, gate = gate, None
        if letter == "W" and gate in RNN_SIDES:          # Pascanu's W_in, W_rec (W_out: the read-out's)
            side, gate = RNN_SIDES[gate], None
        if letter == "b" and gate in ("h", "a"):
            gate = None
        if gate is not None:
            return None
        gate = ""
    else:
        gate = WEIGHT_GATES[kind].get(gate or "")
        if gate is None:
            return None
    if letter == "b":
        return f"b:{gate}"
    if side is None:
        meaning = pick("W", ("x", "h", "hx", "xh"))    # W alone: the input's, the state's, or both side by side
        side = meaning if letter == "W" else {"x": "h", "h": "x"}.get(meaning)
        if side is None:
            return None
    return {"x": f"W:{gate}", "h": f"U:{gate}"}.get(side, f"W:{gate}|{side}")


def _attention_key(letter, accent, sub, sup, pick) -> str | None:
    if letter == "W" and bool(sub) != bool(sup):       # W_q or W^Q; W_q^T is a transpose of one
        role = (sub or sup).strip("{}").lower()
        if role in ("q", "k", "v", "o"):
            return f"W:{role}"
        return None
    if sub is not None or sup is not None:
        return None
    if letter == "A" and accent == "hat":
        return "A"
    if accent:
        return None
    if letter == "A":
        return pick("A", ("A", "S", "O"))             # A: the weights, or (Â the weights) the scores, or A = PV
    if letter == "S":
        return pick("S", ("S", "QK"))                 # S: the scores, or QKᵀ before the scale
    if letter == "Y":
        return "Y"
    return ATTENTION.get(letter) or ROWS.get(letter)


def size_of(node: s.Node) -> str | None:
    """d_k, d, D: the head's width, as a post writes it (d_k); T, the number of steps (T)."""
    if node == s.Sym("T"):
        return "T"
    parts = _parts(node)
    if parts is None:
        return None
    letter, accent, sub, sup = parts
    text = letter + (f"_{{{sub}}}" if sub else "")
    return "d_k" if not accent and sup is None and (text in SIZES or letter + (f"_{sub}" if sub else "") in SIZES) \
        else None


def spoken(key: str) -> str:
    """A key as a reason names it: d:yhat as ∂L/∂yhat, W:q as W_q, net:n as the net input of n."""
    key = key.split("@")[0]
    if key.startswith("d:"):
        own = key.endswith(OWN_TERM)
        return f"∂L/∂{spoken(key[2:].rstrip(OWN_TERM))}" + (" (one step's term)" if own else "")
    if key.startswith("net:"):
        return f"the net input of {key[4:]}" if key[4:] else "the state's net input"
    head, _, tail = key.partition(":")
    return f"{head}_{tail}" if tail else head
