"""A notebook's printed values: a Python cell that ends with a bare name (`dlossdW`), and the output block
right below it (`array([0.00034735, 0.00272708])`, a number, or a matrix over several lines), as a
Markdown export of a Jupyter notebook shows them. Each is read as the claim `name = value` at the line
where the value starts, as a plain region: listed only where verify knows the name.

The output is parsed by Python's own parser and only its number literals are taken: nothing is run."""

from __future__ import annotations

import ast
import warnings

from .region import Region, line_starts_of
from .regions import MARKDOWN

CODE = ("python", "py", "python3", "numpy", "ipython")
OUTPUT = ("", "text", "output", "stdout", "console")
MAX_ENTRIES = 400


def cell_outputs(text: str, as_math) -> list[Region]:
    """The `name = value` regions of a Markdown document's printed cells (`as_math`: code's names as the
    reader reads them)."""
    line_starts = line_starts_of(text)
    fences = [t for t in MARKDOWN.parse(text) if t.type == "fence" and t.map is not None]
    found, changed = [], set()
    for cell, output in zip(fences, fences[1:]):
        if cell.info.strip().lower() in CODE:
            changed |= _changed(cell.content)
        if cell.info.strip().lower() not in CODE or output.info.strip().lower() not in OUTPUT or \
                text.count("\n", line_starts[cell.map[1] - 1], line_starts[output.map[0]]) > 2:
            continue                                    # the output block must follow its cell
        name = _last_name(cell.content)
        value = _value(output.content)
        line = output.map[0] + 2                       # the value's first line, below the fence
        if name is None or value is None or line - 1 >= len(line_starts):
            continue
        shown = f"{as_math(name)}^{{+}}" if name in changed else as_math(name)     # W after W -= eta * dW: W⁺
        start = line_starts[line - 1]
        end = line_starts[output.map[1] - 2] + len(text.split("\n")[output.map[1] - 2])
        found.append(Region(line, f"{shown} = {value}", start, end, plain=True, code=True))
    return found


def _parsed(source: str) -> ast.Module | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(source.strip())
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _changed(source: str) -> set[str]:
    """The names a cell changes in place (W -= eta * dW): printed below, they show the value after."""
    tree = _parsed(source)
    return {node.target.id for node in ast.walk(tree) if isinstance(node, ast.AugAssign) and
            isinstance(node.target, ast.Name)} if tree is not None else set()


def _last_name(source: str) -> str | None:
    """The name a cell's last line shows (`dlossdW`, `W`), or None where it shows none."""
    tree = _parsed(source)
    if tree is None or not tree.body or not isinstance(tree.body[-1], ast.Expr) or \
            not isinstance(tree.body[-1].value, ast.Name):
        return None
    return tree.body[-1].value.id


def _value(source: str) -> str | None:
    """A printed number, vector or matrix (NumPy's array([...]) or a bare list) in LaTeX, or None."""
    tree = _parsed(source)
    if tree is None or len(tree.body) != 1 or not isinstance(tree.body[0], ast.Expr):
        return None
    node = tree.body[0].value
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "array" and \
            len(node.args) == 1 and not node.keywords:
        node = node.args[0]
    entries = _numbers(node)
    if entries is None:
        return None
    if isinstance(entries, str):
        return entries
    if all(isinstance(entry, str) for entry in entries):
        return f"[{', '.join(entries)}]" if len(entries) <= MAX_ENTRIES else None
    if any(isinstance(entry, str) for entry in entries) or len({len(row) for row in entries}) != 1 or \
            not all(isinstance(cell, str) for row in entries for cell in row) or \
            sum(len(row) for row in entries) > MAX_ENTRIES:
        return None
    body = " \\\\ ".join(" & ".join(row) for row in entries)
    return f"\\begin{{bmatrix}} {body} \\end{{bmatrix}}"


def _numbers(node: ast.AST, depth: int = 0):
    """A number as its text, a list of them as a list: number literals only."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return repr(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _numbers(node.operand, depth)
        return f"-{inner}" if isinstance(inner, str) else None
    if isinstance(node, ast.List) and node.elts and depth < 2:
        entries = [_numbers(element, depth + 1) for element in node.elts]
        return None if any(entry is None for entry in entries) else entries
    return None
