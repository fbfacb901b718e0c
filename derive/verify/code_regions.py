"""A Markdown post's Python code as claims: each line of its ```python blocks as a plain region, in the
reader's notation (x**2 as x^{2}, np.sum(x, axis=0) as np.sum(x, 0), W_ih as W_{ih}, np.sqrt(v) as √v)."""

from __future__ import annotations

import ast
import re
import warnings

from .cell_outputs import cell_outputs
from .region import Region, line_starts_of
from .regions import MARKDOWN

CODE_LANGUAGES = ("python", "py", "python3", "numpy", "ipython")      # a bare fence is plain.py's


def code_lines(text: str, comments: bool = False) -> list[Region]:
    """Each line of a Markdown document's Python code blocks as a plain region, its comment dropped: a
    sequence post's code (dWhh += np.dot(dhraw, hs[t-1].T)) states claims as its formulas do. A document
    that is itself a Python file (a gist, a notebook's cell pasted whole) is all code."""
    line_starts = line_starts_of(text)
    own = set(_DEFINED.findall(text))
    if is_source(text):
        return _regions(text.split("\n"), 1, line_starts, comments, own)
    found = []
    for token in MARKDOWN.parse(text):
        if token.type == "fence" and token.info.strip().lower() in CODE_LANGUAGES and token.map is not None:
            found += _regions(token.content.split("\n"), token.map[0] + 2, line_starts, comments, own)
    return found


_DEFINED = re.compile(r"^\s*def\s+([A-Za-z_]\w*)", re.MULTILINE)


def code_functions(text: str) -> dict[str, tuple[tuple[str, ...], str]]:
    """The one-line functions a post's code defines (def dtanh(x): return 1 - np.tanh(x)**2), each as its
    parameters and its returned expression in the reader's notation; a docstring may come first."""
    sources = [text] if is_source(text) else \
        [token.content for token in MARKDOWN.parse(text) if token.type == "fence" and token.map is not None
         and token.info.strip().lower() in CODE_LANGUAGES]
    found = {}
    for source in sources:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        for node in ast.walk(tree):
            body = [statement for statement in getattr(node, "body", []) if not (
                isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant))]
            if isinstance(node, ast.FunctionDef) and len(body) == 1 and isinstance(body[0], ast.Return) and \
                    body[0].value is not None and not node.args.vararg and not node.args.kwarg:
                returned = ast.get_source_segment(source, body[0].value)
                if returned is not None and "\n" not in returned:
                    found[node.name] = (tuple(a.arg for a in node.args.args), _as_math(returned).strip())
    return found


def with_code(regions: list[Region], text: str) -> list[Region]:
    """A Markdown document's regions, its code's lines and its notebook cells' printed values, in the
    document's order; a Python file's lines only (its comments are no prose)."""
    code = code_lines(text, comments=True)
    if is_source(text):
        return code
    return sorted(regions + code + cell_outputs(text, _as_math), key=lambda r: r.start)


def is_source(text: str) -> bool:
    """Whether the whole document is Python that assigns something: Markdown and prose never parse."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")             # an invalid escape in a string is still Python
            tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return any(isinstance(node, (ast.Assign, ast.AugAssign)) for node in ast.walk(tree))


def _regions(lines: list[str], first: int, line_starts: list[int], comments: bool = False,
             own: set[str] = frozenset()) -> list[Region]:
    """`own`: the functions the post defines, read as it defines them."""
    found = []
    for k, line in enumerate(lines):
        number = first + k
        if number - 1 >= len(line_starts):
            break
        start = line_starts[number - 1]
        code, _, comment = line.partition("#")
        for statement in _statements(code.strip()):
            written = _as_math(derivative_calls(statement, own))
            if written.strip():
                found.append(Region(number, written.strip(), start, start + len(line), plain=True, code=True))
        defined = _COMMENT_DEFINITION.search(comment) if comments else None
        if defined and re.search(rf"(?<![\w.]){re.escape(defined.group(1))}(?!\w)", code):
            written = _as_math(f"{defined.group(1)} = {defined.group(2).strip()}").strip()
            found.append(Region(number, written, start, start + len(line), plain=True, code=True, defines=True))
    return found


# `# where l_i = sum_k(exp(S_ik))`: a comment's definition of a name its line uses
_COMMENT_DEFINITION = re.compile(r"(?:^|[\s:：,，(（])([A-Za-z][A-Za-z0-9_]*)\s*=\s*([^=#]+?)\s*[.。]?\s*$")


def _statements(line: str) -> list[str]:
    """A line's assignments: `a, b = x, y` as a = x and b = y; `x, h = cache` (an unpacking) as none; any
    other line as itself."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(line)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return [line]
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.Assign) or len(tree.body[0].targets) != 1 or \
            not isinstance(tree.body[0].targets[0], ast.Tuple):
        return [line]
    names, values = tree.body[0].targets[0].elts, tree.body[0].value
    if not isinstance(values, ast.Tuple) or len(values.elts) != len(names):
        return []
    return [f"{ast.get_source_segment(line, name)} = {ast.get_source_segment(line, value)}"
            for name, value in zip(names, values.elts)]


# dsigmoid(z), sigmoid_prime(z), tanh_derivative(h), d_tanh(c): code's name for an activation's derivative,
# read as f'(·) (at its argument, or at the output it is, as posts write either), unless the post defines it
_DERIVATIVE_CALL = re.compile(r"(?<![\w.])(?:d_?(?P<a>sigmoid|sigm|sig|tanh|relu)|(?:deriv(?:ative)?_)(?P<b>sigmoid|tanh|relu)|"
                              r"(?P<c>sigmoid|tanh|relu)_?(?:prime|derivative|deriv|der|grad|gradient))\s*\(",
                              re.IGNORECASE)
_DERIVED = {"sigmoid": "\\sigma", "sigm": "\\sigma", "sig": "\\sigma", "tanh": "\\tanh", "relu": "\\operatorname{ReLU}"}


def derivative_calls(code: str, own: set[str] = frozenset()) -> str:
    """A line with each call of a derivative's code name written f'( , those the post defines kept."""
    def primed(found: re.Match) -> str:
        name = found.group(0)[:-1].strip()
        if name in own:
            return found.group(0)
        activation = (found.group("a") or found.group("b") or found.group("c")).lower()
        return f"{_DERIVED[activation]}'("
    return _DERIVATIVE_CALL.sub(primed, code)


_POWER = re.compile(r"\*\*\s*(\([^()]*\)|[\w.]+)")
_KEYWORDS = re.compile(r",\s*(?:axis\s*=\s*(-?\d+)|keepdims\s*=\s*\w+)")


_SNAKE = re.compile(r"\b([A-Za-z]+)_([A-Za-z0-9]+)\b(?!\s*\()")      # row_sum( stays a call's name
_OPAQUE = re.compile(r"(?<![\\\w])([A-Za-z]+\d+[A-Za-z]\w*)\b(?!\s*\()")    # digits inside: not a letter and its step
_INDEX_SUM = re.compile(r"(?<![\w.])sum_(?:([a-z])|\{\s*([a-z])\s*(?:≠|!=|\\neq?)\s*([a-z])\s*\})\s*\(")


def _index_sum(match: re.Match) -> str:
    letter = match.group(1) or match.group(2)
    return f"\\sum_{{{letter} \\neq {match.group(3)}}}(" if match.group(3) else f"\\sum_{{{letter}}}("


# ∂P_ij / ∂S_ij, ∂L/∂W: a derivative a code block writes with the partial sign and a slash
_PARTIAL_SLASH = re.compile(r"∂\s*([A-Za-z]\w*)\s*/\s*∂\s*([A-Za-z]\w*)")
_OPERATOR_SLASH = re.compile(r"∂\s*/\s*∂\s*([A-Za-z]\w*)")                   # ∂/∂S_ij [·]: the operator
# dLdW, dL_dW, dloss_dW, dJdb1: the loss's gradient by a name, as code spells ∂L/∂W
_LOSS_BY = re.compile(r"\bd(L|loss|Loss|J|E|C|cost)_?d([A-Za-z][A-Za-z0-9]*)\b")
_ACCENT = re.compile(r"\b(d?)([A-Za-z])_(hat|tilde|bar)\b")        # h_hat as ĥ, dc_tilde as d c̃


def _as_math(code: str) -> str:
    """Python's x**2 as x^{2}, np.sum(x, axis=0, keepdims=True) as np.sum(x, 0), W_ih as W_{ih},
    np.sqrt(v + eps) as \\sqrt{v + eps}: what the reader reads."""
    code = _OPAQUE.sub(r"\\operatorname{\1}", code)                # dh3dh2, dh1dW: one name of the post's
    code = _INDEX_SUM.sub(_index_sum, code)                       # sum_k(·), sum_{k≠j}(·): Σ_k, Σ_{k≠j}
    code = _PARTIAL_SLASH.sub(lambda m: f"\\frac{{\\partial {m.group(1)}}}{{\\partial {m.group(2)}}}", code)
    code = _OPERATOR_SLASH.sub(lambda m: f"\\frac{{\\partial}}{{\\partial {m.group(1)}}}", code)
    code = _LOSS_BY.sub(lambda m: f"\\frac{{\\partial {m.group(1)}}}{{\\partial {m.group(2)}}}", code)
    code = _ACCENT.sub(lambda m: f"{m.group(1)}\\{m.group(3)}{{{m.group(2)}}}", code)
    code = _roots(_SNAKE.sub(r"\1_{\2}", code))
    code = _POWER.sub(lambda m: "^{" + m.group(1) + "}", code)
    return _KEYWORDS.sub(lambda m: f", {m.group(1)}" if m.group(1) is not None else "", code)


def _roots(code: str) -> str:
    """np.sqrt(...) and math.sqrt(...) as \\sqrt{...}, to the parenthesis that closes the call."""
    start = code.find("sqrt(")
    while start >= 0:
        depth, end = 0, start + 4
        for end in range(start + 4, len(code)):
            depth += {"(": 1, ")": -1}.get(code[end], 0)
            if depth == 0:
                break
        if depth != 0:
            return code
        prefix = re.sub(r"\b(?:np|numpy|math)\.$", "", code[:start])
        code = f"{prefix}\\sqrt{{{code[start + 5:end]}}}{code[end + 1:]}"
        start = code.find("sqrt(")
    return code


def code_text(line: str) -> str:
    """A line of code, its comment dropped, in the reader's notation."""
    return _as_math(line.split("#", 1)[0]).strip()


def code_name(name: str) -> str:
    """dh_{prev} (the reader's) as dh_prev (the code's)."""
    return re.sub(r"_\{(\w+)\}", r"_\1", name)
