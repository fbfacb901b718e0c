"""A conv layer's whole tensors, as posts write its matrix forms: Z = X * W, dW = X * dZ,
dX = dZ * rot180(W) (or rot180(W) ⊗ dZ), ∂E/∂x_m = Σ_n ∂E/∂y_n * k_{nm}.

`*` (\\ast, \\otimes, \\star, \\circledast) is the post's: a cross-correlation (deep learning's
"convolution") or a true convolution, whichever its forward claim makes true (the document finds
it); its mode, valid, full or same, is the one whose shape the other side has. A value is a list of
candidate arrays (one per mode), each with whether it came from the kernel (the operand a
correlation slides)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import syntax as s
from .evaluate import derivative_parts, is_loss, is_label, sum_letter
from .deltas import error_role, unlabelled_error, unsaid
from .labelled import check_label
from .lookup import Unread, View
from .model import LOSS
from .names import KRONECKER, index_pieces

CONVOLVING = ("conv",)
ROTATIONS = ("rot", "rot180", "rotate", "flip")


@dataclass(frozen=True)
class Candidate:
    array: np.ndarray          # 2-D, or a 0-D scalar
    kernel: bool = False       # derived from the kernel: the operand a correlation slides over the other


def tensor_claim(chain: s.Chain, names, model) -> bool:
    """A claim in whole tensors: it convolves (⊗, or * between whole tensors) or rotates."""
    for node in s.nodes(chain):
        if isinstance(node, s.BinOp) and node.op in CONVOLVING:
            return True
        if isinstance(node, s.BinOp) and node.op == "*" and whole(node.left, names, model) and \
                whole(node.right, names, model):
            # ∂L/∂x_{0,0} = ∂L/∂V · [written matrix]: an entry, the · a sum of products, not a convolution
            written = any(isinstance(_bare(n), s.Matrix) for n in (node.left, node.right))
            if not (written and _entry(chain.sides[0])):
                return True
        if _rotation(node) is not None:
            return True
    # x = [x_00 … x_44]: a tensor written out entry by entry
    return len(chain.sides) == 2 and any(isinstance(_bare(side), s.Matrix) and whole(side, names, model)
                                         for side in chain.sides) and all(whole(side, names, model)
                                                                          for side in chain.sides)


def whole(node: s.Node, names, model) -> bool:
    """A whole tensor's name (X, dZ, ∂E/∂y_n, k_{nm}, rot180(W)): a matrix, not one of its entries."""
    while isinstance(node, s.Paren):
        node = node.inner
    if isinstance(node, s.Matrix):          # its entries written out: a matrix of them
        return not node.listed and len(node.rows) > 1 and len(node.rows[0]) > 1
    if isinstance(node, s.Juxt) and node.items:
        return any(whole(item, names, model) for item in node.items)
    if isinstance(node, s.Frac):
        return whole(node.den, names, model)
    base, sub = (node.base, node.sub) if isinstance(node, s.Scripted) else (node, None)
    while isinstance(base, s.Paren) and base.kind == "{":
        base = base.inner
    if not isinstance(base, s.Sym):
        return False
    role = names.role(base.text, base.font)
    if role is None and base.text.startswith("d") and len(base.text) > 1:
        role = names.role(base.text[1:])
    if base == s.Sym(KRONECKER) and not model.normalizing:
        try:
            role = whole_error(node, names)
        except Unread:             # another layer's δ: a whole tensor all the same, which is not read
            return True
    if role not in ("input", "output", "kernel", "upstream"):
        return False
    pieces = [] if sub is None else index_pieces(sub.text)
    if pieces is None:
        return False
    count = len(pieces)
    channels = model.tensors["kernel"].shape[:2] if role == "kernel" else None
    return count == 0 or count == 1 if role != "kernel" else count < 2 or (count == 2 and channels != (1, 1))


def whole_error(node: s.Node, names) -> str:
    """δ, δ^l, δ^{l-1} as a whole tensor: the loss's gradient at the tensor the post's labels make it (deltas.py),
    at the input under a label one below where they say nothing; an unlabelled δ, at what its definition says."""
    if isinstance(node, s.Scripted) and node.sup is not None and is_label(node.sup.text):
        return error_role(node, names) or unsaid(node)
    return unlabelled_error(names)


def _bare(node: s.Node) -> s.Node:
    while isinstance(node, s.Paren):
        node = node.inner
    return node


def _entry(node: s.Node) -> bool:
    """A side that is one entry: x_{0,0}, or a derivative by one (∂L/∂w_{0,0})."""
    node = _bare(node)
    if isinstance(node, s.Frac):
        parts = derivative_parts(node)
        node = _bare(parts[1]) if parts is not None else node
    return isinstance(node, s.Scripted) and node.sub is not None


class Arrays:
    def __init__(self, evaluator, convention: str, dilated: bool = False):
        self.e, self.convention = evaluator, convention       # convention: correlation or convolution
        self.model = evaluator.model
        self.dilated = dilated         # ∂L/∂(output) with stride - 1 zeros between its entries

    def value(self, node: s.Node, view: View) -> list[Candidate]:
        if isinstance(node, s.Paren):
            return self.value(node.inner, view)
        if isinstance(node, s.Num):
            return [Candidate(np.array(float(node.text)))]
        if isinstance(node, s.Neg):
            return [Candidate(-c.array, c.kernel) for c in self.value(node.arg, view)]
        if isinstance(node, s.BinOp):
            return self._binary(node, view)
        if isinstance(node, s.BigSum):
            letter, low, high = self._channel_range(node, view)
            total = None
            for k in range(low, high + 1):
                inner = View(view.indices | {letter: k}, view.entry, view.group, view.base, view.sums + (letter,))
                found = self.value(node.body, inner)
                total = found if total is None else _combine(total, found, np.add)
            return total
        if isinstance(node, s.Juxt):
            return self._juxt(node, view)
        if isinstance(node, s.Matrix):
            return [self._written(node, view)]
        if isinstance(node, s.Frac):
            return self._fraction(node, view)
        if isinstance(node, (s.Sym, s.Scripted)):
            return [self.named(node, view, gradient=False)]
        raise Unread(f"{type(node).__name__.lower()} is not read in a whole-tensor formula")

    def _channel_range(self, node: s.BigSum, view: View) -> tuple[str, int, int]:
        """Σ_m over whole tensors runs over channels: the ones its letter picks (x_m: the input's,
        k_{nm}: out, in), where the sum gives no range of its own."""
        if node.sup is not None:
            return self.e._range(node, view)
        letter = sum_letter(node)
        for item in s.nodes(node.body):
            if isinstance(item, s.Scripted) and item.sub is not None and isinstance(item.base, s.Sym):
                pieces = index_pieces(item.sub.text) or []
                role = self.e.names.role(item.base.text, item.base.font)
                if letter in pieces and role in self.model.tensors:
                    shape = self.model.tensors[role].shape
                    axis = {"kernel": pieces.index(letter)}.get(role, 1)
                    return letter, view.base, view.base + shape[axis] - 1
        raise Unread("a sum over whole tensors without its range is not read")

    def _written(self, node: s.Matrix, view: View) -> Candidate:
        """A matrix written entry by entry (x_{11} … or ∂L/∂y_{11} …), each entry read at the point; it
        slides as the kernel does where its entries are the kernel's."""
        if len({len(row) for row in node.rows}) != 1:
            raise Unread("a matrix with rows of different lengths is not read")
        point = self.e.point
        array = np.array([[float(point.value(self.e.side(entry, view))) for entry in row] for row in node.rows])
        kernel = any(isinstance(n, s.Sym) and self.e.names.role(n.text, n.font) == "kernel"
                     for n in s.nodes(node.rows))
        return Candidate(array, kernel)

    # -- names ------------------------------------------------------------------------------------
    def named(self, node: s.Node, view: View, gradient: bool) -> Candidate:
        while isinstance(node, s.Paren) and node.kind == "{":
            node = node.inner
        base, sub = (node.base, node.sub) if isinstance(node, s.Scripted) else (node, None)
        if isinstance(node, s.Scripted) and node.sup is not None and not is_label(node.sup.text):
            raise Unread("a power of a whole tensor is not read")
        while isinstance(base, s.Paren) and base.kind == "{":
            base = base.inner
        if not isinstance(base, s.Sym):
            raise Unread("a whole tensor's name is not read")
        text, font = base.text, base.font
        role = self.e.names.role(text, font)
        if role is None and text.startswith("d") and len(text) > 1 and not font:
            role, gradient = self.e.names.role(text[1:]), True
        if base == s.Sym(KRONECKER) and not self.model.normalizing:
            role, gradient = whole_error(node, self.e.names), True
        elif isinstance(node, s.Scripted) and node.sup is not None:         # W^{l+1}: this layer's, or Unread
            check_label(self.e.names, text, node.sup.text, self.model.layer, self.model.kind)
        if role not in ("input", "output", "kernel", "bias", "upstream"):
            raise Unread(f"{text} names no tensor of this layer")
        pieces = [] if sub is None else [self.e.index(p, view) for p in _pieces(sub.text)]
        tensor = self.model.tensors[role]
        return Candidate(self._array(tensor, pieces, gradient), role == "kernel")

    def _array(self, tensor, indices: list[int], gradient: bool) -> np.ndarray:
        point = self.e.point
        if gradient:
            values = [point.total(LOSS, e) for e in tensor.entries()]
        else:
            values = [point.values[e] for e in tensor.entries()]
        full = np.array(values, dtype=float).reshape(tensor.shape)
        stride = self.model.attributes.get("stride", 1)
        if self.dilated and stride > 1 and (tensor.role == "upstream" or tensor.role == "output" and gradient):
            spread = np.zeros(full.shape[:2] + tuple((n - 1) * stride + 1 for n in full.shape[2:]))
            spread[:, :, ::stride, ::stride] = full
            full = spread
        if tensor.role == "bias":
            return np.array(full[indices[0]] if indices else (full[0] if full.size == 1 else np.nan))
        if tensor.role == "kernel":
            out, inner = full.shape[:2]
            if len(indices) == 2:
                return full[indices[0], indices[1]]
            if len(indices) == 1 and (inner == 1 or out == 1):
                return full[indices[0], 0] if inner == 1 else full[0, indices[0]]
            if not indices and out == inner == 1:
                return full[0, 0]
        else:
            if len(indices) == 1:
                return full[0, indices[0]]
            if not indices and full.shape[1] == 1:
                return full[0, 0]
        raise Unread(f"the {tensor.role}'s channels are not named: which of its {tensor.shape[:2]} is meant")

    # -- operations -------------------------------------------------------------------------------
    def _binary(self, node: s.BinOp, view: View) -> list[Candidate]:
        left, right = self.value(node.left, view), self.value(node.right, view)
        if node.op == "+":
            return _combine(left, right, np.add)
        if node.op == "-":
            return _combine(left, right, np.subtract)
        if node.op in CONVOLVING or (node.op == "*" and _arrays(left) and _arrays(right)):
            return self._convolve(left, right)
        if node.op in ("*", "odot"):
            return _combine(left, right, np.multiply)
        if node.op == "/":
            return _combine(left, right, np.divide)
        raise Unread(f"the operator {node.op} is not read between whole tensors")

    def _juxt(self, node: s.Juxt, view: View) -> list[Candidate]:
        items, found, k = list(node.items), None, 0
        while k < len(items):
            item = items[k]
            marker = _rotation_at(items, k)
            if marker and k + marker < len(items):
                rotated = [Candidate(np.rot90(c.array, 2), c.kernel) for c in self.value(items[k + marker], view)]
                value, k = rotated, k + marker + 1
            elif isinstance(item, s.Sym) and item.text == "d" and k + 1 < len(items):
                value, k = [self.named(items[k + 1], view, gradient=True)], k + 2
            else:
                value, k = self.value(item, view), k + 1
            found = value if found is None else _combine(found, value, np.multiply)
        return found

    def _fraction(self, node: s.Frac, view: View) -> list[Candidate]:
        derivative = derivative_parts(node)
        if derivative is None:
            return _combine(self.value(node.num, view), self.value(node.den, view), np.divide)
        top, bottom = derivative
        if top is None or not is_loss(top, self.e.names):
            raise Unread("a derivative of a whole tensor by another is not read")
        return [self.named(bottom, view, gradient=True)]

    def _convolve(self, left: list[Candidate], right: list[Candidate]) -> list[Candidate]:
        found = []
        for a in left:
            for b in right:
                # the kernel's operand slides over the other; of two images (dW = dY * X) posts write either first
                orders = [(b, a)] if a.kernel and not b.kernel else [(a, b)] if b.kernel or a.kernel else [(a, b), (b, a)]
                for image, kernel in orders:
                    if image.array.ndim != 2 or kernel.array.ndim != 2:
                        raise Unread("a convolution of other than two matrices is not read")
                    slid = kernel.array if self.convention == "correlation" else np.rot90(kernel.array, 2)
                    stride = self.model.attributes.get("stride", 1)
                    for padding in _paddings(kernel.array.shape, self.model.attributes.get("padding", 0)):
                        result = _correlate(image.array, slid, padding)
                        found.append(Candidate(result))
                        if stride > 1:              # the layer's own forward: every stride-th window
                            found.append(Candidate(result[::stride, ::stride]))
        return found


def _paddings(kernel_shape, layer_padding: int) -> list[int]:
    """valid (0), full (k - 1), and the layer's own: same (P), full cropped by P (k - 1 - P)."""
    k = kernel_shape[0]
    return sorted(p for p in {0, k - 1, layer_padding, k - 1 - layer_padding} if p >= 0)


def _correlate(image: np.ndarray, kernel: np.ndarray, padding: int) -> np.ndarray:
    padded = np.pad(image, padding)
    kh, kw = kernel.shape
    rows, cols = padded.shape[0] - kh + 1, padded.shape[1] - kw + 1
    if rows < 1 or cols < 1:
        return np.full((0, 0), np.nan)
    windows = np.lib.stride_tricks.sliding_window_view(padded, kernel.shape)
    return np.einsum("ijpq,pq->ij", windows, kernel)


def _combine(left: list[Candidate], right: list[Candidate], op) -> list[Candidate]:
    found = []
    for a in left:
        for b in right:
            if a.array.ndim and b.array.ndim and a.array.shape != b.array.shape:
                continue
            found.append(Candidate(op(a.array, b.array), a.kernel or b.kernel))
    if not found:
        raise ShapeMismatch("the operands' shapes do not match")
    return found


def _arrays(values: list[Candidate]) -> bool:
    return all(c.array.ndim == 2 for c in values)


class ShapeMismatch(Unread):
    """Whole tensors of shapes that do not fit together."""


def _rotation(node: s.Node) -> str | None:
    if isinstance(node, s.Scripted) and isinstance(node.base, s.Sym) and node.base.text.lower() in ROTATIONS \
            and node.sub is not None and node.sub.text.strip("{}") == "180":
        return "rot"
    if isinstance(node, s.Sym) and node.text.lower() in ("rot180", "rotate180", "flip180"):
        return "rot"
    return None


def _rotation_at(items: list, k: int) -> int:
    """How many items the rotation's name at k takes: rot_{180}, rot180 (1), or rot_180 as TeX reads it,
    rot_1 then 80 (2); 0 if none starts there."""
    item = items[k]
    if _rotation(item) is not None:
        return 1
    if isinstance(item, s.Scripted) and isinstance(item.base, s.Sym) and item.base.text.lower() in ROTATIONS and \
            item.sub is not None and item.sub.text == "1" and k + 1 < len(items) and \
            isinstance(items[k + 1], s.Num) and items[k + 1].text == "80":
        return 2
    return 0


def _pieces(text: str) -> list[str]:
    found = index_pieces(text)
    if found is None:
        raise Unread(f"the index {text} is not read")
    return found
