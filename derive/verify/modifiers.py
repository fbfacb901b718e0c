"""The marks that modify a written name: the updated value (w^{+}, w^{new}, w^{(t+1)}, w_{nuevo}),
the value before (w^{old}, w^{(t)}), after n steps (E^{(100)}), a transpose (W^{[2]T}), and a
sample's own value on a line tagged with that sample."""

from __future__ import annotations

import re

from . import syntax as s

AFTER_STEPS = re.compile(r"^(.*)\((\d+)\)$")

# new and old in the languages of the posts read so far (Spanish, Portuguese, French, German too)
NEW_WORDS = ("new", "updated", "nuevo", "nueva", "actualizado", "novo", "nova", "atualizado", "nouveau",
             "nouvelle", "neu", "neue")
OLD_WORDS = ("old", "viejo", "vieja", "anterior", "antiguo", "velho", "antigo", "ancien", "alt")
_WRAPS = (("", ""), ("(", ")"), ("\\text{", "}"), ("\\mathrm{", "}"))
UPDATED = {f"{a}{word}{b}" for word in NEW_WORDS for a, b in _WRAPS} | {"(t+1)", "{(t+1)}", "(k+1)", "t+1", "k+1", "next"}
CURRENT = {f"{a}{word}{b}" for word in OLD_WORDS for a, b in _WRAPS} | {"(t)", "(k)", "t", "k"}


def split_modifier(node: s.Scripted) -> tuple[s.Scripted, str, int]:
    """w_5^{+} -> (w_5, 'updated', 1); E_{total}^{(100)} -> (E_total, 'updated', 100); W^{[2]T} -> (W^{[2]}, 'T', 0).
    Updates are written many ways: w^{new}, W^l_{new}, w^{(t+1)} after; w^{old}, W_{old}, w^{(t)} before."""
    if node.sub is not None and node.sub.text in UPDATED | {"new"}:
        return s.Scripted(node.base, None, node.sup, node.primes), "updated", 1
    if node.sub is not None and node.sub.text in CURRENT - {"t", "k"}:
        return s.Scripted(node.base, None, node.sup, node.primes), "", 0
    if node.sup is None:
        return node, "", 0
    text = node.sup.text
    if text in UPDATED:
        return _with_sup(node, ""), "updated", 1
    if text in CURRENT:
        return _with_sup(node, ""), "", 0
    if text.endswith("+") or text == "*":             # w_5^+, W^*: after the update
        return _with_sup(node, text[:-1]), "updated", 1
    match = AFTER_STEPS.match(text)
    if match:
        return _with_sup(node, match.group(1)), "updated", int(match.group(2))
    if text.endswith("T") and text != "T" and text[:-1].endswith("]"):
        return _with_sup(node, text[:-1]), "T", 0
    if text == "T":
        return _with_sup(node, ""), "T", 0
    return node, "", 0


def without_sample(node: s.Node, sample: int | None) -> s.Node:
    """E_{total}^{(1)} on a line tagged (sample 1) is sample 1's own loss, not the loss after one step."""
    if (sample is not None and isinstance(node, s.Scripted) and node.sup is not None
            and node.sup.text == f"({sample + 1})"):
        return _with_sup(node, "")
    return node


def _with_sup(node: s.Scripted, text: str) -> s.Scripted:
    return s.Scripted(node.base, node.sub, s.Script(text, None) if text else None, node.primes)
