"""NumPy's calls in a typed post's code (np.sum(dout, axis=0), np.sqrt(var + eps), np.mean(x, axis=0)),
written as the formulas they compute: Σ^{axis=k}, √, and the mean as that sum over the axis's size.
The reader has read `np.f(...)` as np times f applied to its arguments."""

from __future__ import annotations

from .. import syntax as s


def numpy_formula(node: s.BinOp, axis_size) -> s.Node | None:
    """The formula a call np.f(...) computes; None where it is no NumPy call this reads. `axis_size(k)`:
    how many entries the layer's input has along axis k (None: no such axis)."""
    if node.op != "*":
        return None
    if isinstance(node.left, s.BinOp) and node.left.op == "*" and node.left.right == s.Sym("np", ""):
        inner = numpy_formula(s.BinOp("*", node.left.right, node.right), axis_size)   # 1./N * np.sum(x, 0)
        return s.BinOp("*", node.left.left, inner) if inner is not None else None
    if node.left != s.Sym("np", ""):
        return None
    call = node.right
    if not (isinstance(call, s.Juxt) and len(call.items) == 2 and isinstance(call.items[0], s.Sym)):
        return None
    name, arguments = call.items[0].text, call.items[1]
    if isinstance(arguments, s.Scripted) and arguments.sub is None and arguments.sup is not None:
        inner = numpy_formula(s.BinOp("*", node.left, s.Juxt((call.items[0], arguments.base))), axis_size)
        return s.Scripted(s.Paren(inner, "("), None, arguments.sup, 0) if inner is not None else None   # np.mean(v)**2
    items = arguments.items if isinstance(arguments, s.Args) else \
        (arguments.inner,) if isinstance(arguments, s.Paren) else None
    if not items:
        return None
    if name == "sqrt" and len(items) == 1:
        return s.Sqrt(items[0])
    if name in ("sum", "mean") and len(items) == 2 and isinstance(items[1], s.Num) and items[1].text.isdigit():
        size = axis_size(int(items[1].text))
        if size is None:
            return None
        axis = s.Chain((s.Sym("axis", ""), items[1]), ("=",), False, f"axis={items[1].text}", 0)
        summed = s.BigSum(None, s.Script(f"axis={items[1].text}", axis), items[0])
        return summed if name == "sum" else s.BinOp("/", summed, s.Num(str(size)))
    return None
