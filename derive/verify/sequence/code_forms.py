"""The evaluator's reading of code (mixed into evaluate.Evaluator): NumPy's arrays over the steps
(hs[t], xs[t-1].T, x[0]) and a.dot(b)."""

from __future__ import annotations

import re

import numpy as np

from .. import syntax as s
from ..syntax import TRANSPOSES
from .unfit import Unfit



SIZE_NAMES = {"H": "h", "n_a": "h", "n_h": "h", "hidden": "h", "hidden_size": "h", "D": "x", "n_x": "x"}
_BOUND = re.compile(r"^\s*(\d*)\s*\*?\s*([A-Za-z_]\w*)?\s*$")


class CodeForms:
    def sliced(self, value, text: str):
        """gates[:H], a[:, H:2*H], delta[:, None]: NumPy's slices, H the hidden size and D the input's."""
        value = np.asarray(value)
        if text.replace(" ", "") in (":,None", "...,None") and value.ndim == 2 and value.shape[1] == 1:
            return value            # delta[:, None]: code's 1-D vector made a column, which a vector here is
        index = []
        for part in text.split(","):
            part = part.strip()
            if part == "None":
                index.append(None)
            elif ":" in part:
                low, high = (self._bound(piece) for piece in part.split(":", 1))
                index.append(slice(low, high))
            else:
                index.append(self._bound(part))
        try:
            found = value[tuple(index)]
        except (IndexError, TypeError):
            raise Unfit(f"the slice [{text}]") from None
        if found.ndim > 2 and value.ndim <= 2:
            raise Unfit(f"the slice [{text}], which adds an axis to what is a vector or matrix here")
        return found

    def _bound(self, text: str) -> int | None:
        found = _BOUND.match(text)
        if not text.strip():
            return None
        if found is None or not (found.group(1) or found.group(2)):
            raise Unfit(f"the slice bound {text}")
        size = 1
        if found.group(2):
            key = SIZE_NAMES.get(found.group(2))
            known = self.world.lookup(key) if key else None
            if not known:
                raise Unfit(f"the size {found.group(2)}")
            size = known[0].size
        return (int(found.group(1)) if found.group(1) else 1) * size

    def _at_step(self, name: s.Node, index: s.Node):
        """hs[t], xs[t-1].T, x[0]: code's arrays over the steps, a step's entry (x[0] the first step's)."""
        transposed = isinstance(index, s.Scripted) and index.sup is not None and index.sup.text in TRANSPOSES
        bracket = index.base if transposed else index
        if not (isinstance(name, s.Sym) and isinstance(bracket, s.Paren) and bracket.kind == "[" and
                (len(name.text) == 1 or len(name.text) == 2 and name.text.endswith("s"))):
            return None
        inner = bracket.inner
        offset = int(inner.text) - self.world.at if isinstance(inner, s.Num) and inner.text.isdigit() and \
            self.world.steps else _time_of(inner)
        if offset is None:
            return None
        stem = PLURALS.get(name.text) or name.text[0]
        time = "t" if offset == 0 else f"t{offset:+d}"
        found = self.named(s.Scripted(s.Sym(stem[0]), s.Script(time, None), None) if len(stem) == 1 else
                           s.Scripted(s.Sym(stem[0], "hat"), s.Script(time, None), None))
        if found is None:
            raise Unfit(f"{name.text}[...]")
        return np.transpose(found) if transposed else found


PLURALS = {"ps": "yhat"}          # min-char-rnn's ps[t]: the softmax's output at step t


def _time_of(node: s.Node) -> int | None:
    """t -> 0, t-1 -> -1, t+1 -> 1."""
    if node == s.Sym("t"):
        return 0
    if isinstance(node, s.BinOp) and node.op in "+-" and node.left == s.Sym("t") and isinstance(node.right, s.Num) \
            and node.right.text.isdigit():
        return int(node.right.text) * (1 if node.op == "+" else -1)
    return None


def method(node: s.Node, name: str) -> s.Node | None:
    """a.dot(b) read as a times dot(b): b, the method's argument."""
    if isinstance(node, s.Juxt) and len(node.items) == 2 and node.items[0] == s.Sym(name) and \
            isinstance(node.items[1], s.Paren) and node.items[1].kind == "(":
        return node.items[1].inner
    return None
