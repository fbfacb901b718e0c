"""Math regions of a document, each with the 1-based line where it starts.

Markdown goes through markdown-it (with the dollarmath, amsmath and texmath plugins), so
code blocks and escaped dollars are never taken for math; LaTeX goes through pylatexenc's
walker, which knows comments, groups and environments.
"""

from __future__ import annotations

import html as html_module
import re
from dataclasses import replace
from bisect import bisect_right

from markdown_it import MarkdownIt
from mdit_py_plugins.amsmath import amsmath_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.dollarmath.index import math_block_dollar
from mdit_py_plugins.texmath import texmath_plugin
from pylatexenc.latexwalker import (
    LatexEnvironmentNode,
    LatexGroupNode,
    LatexMacroNode,
    LatexMathNode,
    LatexWalker,
    LatexWalkerError,
    get_default_latex_context_db,
)
from pylatexenc.macrospec import MacroSpec

from ..errors import DeriveError
from .html_regions import html_math_elements, html_regions, is_html
from .image_math import formula
from .escaped_math import ESCAPED, escaped_math
from .mathjax_text import MATH_SCRIPT, UNTYPESET, mathjax_regions, untypeset_blanked
from .limits import MAX_LATEX_DOCUMENT, MAX_LATEX_NESTING, MAX_MATH, MAX_REGIONS, latex_nesting_depth
from .plain import plain_regions
from .rate_prose import rate_regions
from .document_macros import expanded, own_macros
from .region import Region, line_starts_of
from .rst_regions import is_rst, rst_regions
from .tables import table_regions
from .typst_regions import is_typst, typst_regions

MATH_ENVIRONMENTS = {f"{name}{star}" for name in ("equation", "align", "gather", "multline", "eqnarray", "empheq")
                     for star in ("", "*")}
# empheq's own arguments, [left=\empheqlbrace]{align}: how to set the display, not math
_EMPHEQ_ARGUMENTS = re.compile(r"^[ \t]*(?:\[[^\]\n]*\])?[ \t]*\{[A-Za-z]+\*?\}")
DEFINITIONS = {"newcommand", "renewcommand", "providecommand", "def", "DeclareMathOperator"}


# a sectioning command at a line's start: a LaTeX document's part without its preamble (Markdown has none)
_MARKDOWN = re.compile(r"^(?:```|~~~|#{1,6}\s)", re.M)      # a fence or a heading: Markdown, showing LaTeX
_SECTIONING = re.compile(r"^[ \t]*\\(?:chapter|(?:sub){0,2}section|paragraph)\*?\{", re.M)


def is_latex(text: str, name: str = "") -> bool:
    return name.endswith((".tex", ".ltx")) or "\\documentclass" in text or "\\begin{document}" in text or \
        bool(_SECTIONING.search(text)) and not _MARKDOWN.search(text)


def normalize(text: str) -> str:
    """Line ends as markdown-it sees them, so that offsets and line numbers agree with the text."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def scan(text: str, name: str = "") -> list[Region]:
    """The regions of `text`, which must be normalized (offsets refer to it); a document beyond
    the limits (see limits.py) is refused with a DeriveError before it is read as far as can be."""
    html, latex = is_html(text, name), not is_html(text, name) and is_latex(text, name)
    if latex and len(text) > MAX_LATEX_DOCUMENT:
        raise DeriveError(f"document: {len(text)} characters of LaTeX; at most {MAX_LATEX_DOCUMENT} are read")
    marked = html_math_elements(text) if html else _delimited(text)
    if marked > 2 * MAX_REGIONS:        # counted cheaply before the (slower) parse; the regions are counted after
        raise DeriveError(f"document: about {marked} math regions (by their delimiters); "
                          f"at most {MAX_REGIONS} are read")
    regions = (html_regions(text) if html else _latex_regions(text) if latex
               else typst_regions(text) if is_typst(text, name) else rst_regions(text) if is_rst(text, name)
               else _markdown_regions(text))
    if len(regions) > MAX_REGIONS:
        raise DeriveError(f"document: {len(regions)} math regions; at most {MAX_REGIONS} are read")
    math = sum(len(formula) for formula in {region.text for region in regions})    # a repeated one is read once
    if math > MAX_MATH:
        raise DeriveError(f"document: {math} characters of math; at most {MAX_MATH} are read")
    if not (html or latex):             # a Markdown page's math reaches MathJax through the browser: &amp; is &
        regions = [replace(r, text=_ENTITY.sub(_unescaped, r.text)) for r in regions]
    macros = own_macros(text)
    return [Region(r.line, unbroken(expanded(r.text, macros)), r.start, r.end, r.plain) for r in regions]


def _unescaped(entity: re.Match) -> str:
    """&amp; as &; an entity for a line break or a control character stays (it would move the lines)."""
    found = html_module.unescape(entity.group())
    return found if found.isprintable() else entity.group()


_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


# A display broken over aligned lines: \begin{aligned} ... \end{aligned} around the whole of it, and a
# row that goes on with the sum or product above (\\ &\quad {}+ ..., \\ &\quad {}\cdot ...), as derive
# and people break long lines.
_ALIGNED = re.compile(r"^\s*\\begin\{(aligned|split|gathered)\}(.*)\\end\{\1\}\s*$", re.S)
# A continued row is marked (\quad, or an empty {} that makes the operator binary), so that a matrix
# row that starts with a minus sign is never taken for one.
_SUM_GOES_ON = re.compile(r"\\\\\s*&?\s*(?:\\q?quad\s*(?:\{\}\s*)?|\{\}\s*)(?=[+-]|\\cdot|\\times)")


def unbroken(math: str) -> str:
    """The rows of an aligned display as align's body, with a continued sum's or product's rows joined back."""
    whole = _ALIGNED.match(math)
    body = "\n" * math[:whole.start(2)].count("\n") + whole.group(2) if whole else math    # lines kept: claims
    return _SUM_GOES_ON.sub(lambda m: " " + "\n" * m.group().count("\n"), body)           # keep their own lines


def _delimited(text: str) -> int:
    """An upper estimate of the math regions in Markdown or LaTeX: $…$ counts one per two dollars."""
    dollars = text.count("$") - text.count("\\$")
    return dollars // 2 + sum(text.count(opening) for opening in ("\\(", "\\[", "\\begin{"))


def _markdown_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark").enable("table")
    md.use(dollarmath_plugin, allow_space=True, allow_digits=True, double_inline=True)
    # Blogs (Hexo, Jekyll with MathJax) start a display on any line that opens with $$, even right
    # after a line of prose: let the block rule interrupt a paragraph, as those renderers do.
    md.block.ruler.at("math_block", _probe_quietly(math_block_dollar(True, None, True)),
                      {"alt": ["paragraph", "reference", "blockquote", "list"]})
    md.use(amsmath_plugin)
    md.use(texmath_plugin, delimiters="brackets")
    return md


def _probe_quietly(rule):
    """The plugin's block rule writes its tokens even when only asked whether it would match
    (silent mode, as a paragraph asks before it is interrupted): undo that."""
    def rule_or_probe(state, start_line: int, end_line: int, silent: bool) -> bool:
        line = state.src[state.bMarks[start_line] + state.tShift[start_line]:state.eMarks[start_line]].strip()
        if line.startswith("$$") and line.endswith("$$") and "$$" in line[2:-2]:
            return False          # $$a$$ text $$b$$ on one line: inline displays, not one block
        if not silent:
            return rule(state, start_line, end_line, False)
        tokens, line = len(state.tokens), state.line
        matched = rule(state, start_line, end_line, False)
        del state.tokens[tokens:]
        state.line = line
        return matched
    return rule_or_probe


MARKDOWN = _markdown_parser()
_BLOCKS = {"math_block", "math_block_label", "math_block_eqno", "amsmath"}
_INLINE = {"math_inline", "math_inline_double"}


def _markdown_regions(text: str) -> list[Region]:
    tokens = MARKDOWN.parse(text)
    regions = _as_rendered(_math_regions(text, tokens))
    math_lines = {line for r in regions for line in range(r.line, r.line + text.count("\n", r.start, r.end) + 1)}
    plain = [Region(*found, plain=True) for found in plain_regions(text, tokens, math_lines)]
    plain += [Region(*found, plain=True) for found in table_regions(text, tokens)]
    plain += [Region(*found, plain=True) for found in rate_regions(text, tokens)]
    return sorted(regions + plain, key=lambda r: r.start)


def _math_regions(text: str, tokens) -> list[Region]:
    line_starts = line_starts_of(text)
    regions: list[Region] = []
    cursor = 0
    for token in tokens:
        if token.map is not None:
            cursor = max(cursor, line_starts[token.map[0]])
        if token.type == "fence" and token.info.strip() == "math":     # GitHub's ```math blocks
            start = line_starts[token.map[0]]
            end = line_starts[token.map[1]] if token.map[1] < len(line_starts) else len(text)
            regions.append(Region(token.map[0] + 1, token.content, start, end))
            cursor = end
        if token.type in _BLOCKS:
            body = _environment_body(token.content) if token.type == "amsmath" else token.content
            start = cursor
            end = line_starts[token.map[1]] if token.map and token.map[1] < len(line_starts) else len(text)
            if token.map is None:      # texmath's \[ \] blocks carry no line map
                start = max(text.find(token.content, cursor), cursor)
                end = start + len(token.content)
            regions.append(Region(bisect_right(line_starts, start), body, start, end))
            cursor = end
        # HTML indented after a blank line is a code block to CommonMark, HTML to kramdown (Jekyll), as
        # the post's readers see it
        if token.type == "html_block" or token.type == "code_block" and token.content.lstrip().startswith("<"):
            _html_block_math(token, text, line_starts, regions)
            cursor = _html_images(token.content, text, cursor, line_starts, regions)
        if token.type == "inline" and token.map is not None and "\\[" in token.content:
            _paragraph_displays(token, text, line_starts, regions)
        if token.type == "inline" and token.map is not None and ESCAPED.search(token.content):
            escaped_math(token, text, line_starts, regions)
        for child in token.children or []:
            if child.type == "image" and formula(child.attrGet("src") or "") is not None:
                # the image's markup ![alt](address): found from the cursor by its alt text's opening
                start = max(text.find("![", cursor), cursor)
                end = text.find(")", start) + 1 or len(text)
                end = max(end, text.find(child.attrGet("src")[:40], start) + 1)
                regions.append(Region(bisect_right(line_starts, start), formula(child.attrGet("src")), start, end))
                cursor = end
            if child.type == "html_inline":
                cursor = _html_images(child.content, text, cursor, line_starts, regions)
            if child.type in _INLINE:
                start = text.find(child.content, cursor)
                start = cursor if start < 0 else start
                end = start + len(child.content)
                end += next((len(d) for d in ("$$", "$", "\\)") if text.startswith(d, end)), 0)
                opening = start - next((len(d) for d in ("$$", "$", "\\(") if text.endswith(d, 0, start)), 0)
                regions.append(Region(bisect_right(line_starts, start), _unquoted(child.content), opening, end))
                cursor = end
    return regions


_IMG = re.compile(r"<img\b[^>]*?\bsrc\s*=\s*[\"']([^\"']+)[\"'][^>]*>", re.I)


_DOLLARS = re.compile(r"(?<![$\\])\$(?!\$)([^$]{1,2000})(?<!\\)\$(?!\$)")


_BRACKET_DISPLAY = re.compile(r"\\\[(.+?)\\\]", re.S)


def _paragraph_displays(token, text: str, line_starts: list[int], regions: list[Region]) -> None:
    """\\[ ... \\] inside a paragraph or a list item (after "- Loss:"), which MathJax shows as a
    display but the Markdown parser leaves as text."""
    base = line_starts[token.map[0]]
    block = text[base:line_starts[token.map[1]] if token.map[1] < len(line_starts) else len(text)]
    for match in _BRACKET_DISPLAY.finditer(block):
        if match.start() > 0 and block[match.start() - 1] == "\\":
            continue                     # \\[ … \\]: Markdown's escapes (escaped_math.py)
        start = base + match.start(1)
        regions.append(Region(bisect_right(line_starts, start), match.group(1), base + match.start(),
                              base + match.end()))


def _html_block_math(token, text: str, line_starts: list[int], regions: list[Region]) -> None:
    """Math in a block of HTML (<div style=...> around \\( ... \\)): MathJax typesets it in the page."""
    if token.map is None or UNTYPESET.match(token.content.lstrip()) and not MATH_SCRIPT.match(token.content.lstrip()):
        return                           # a page's MathJax settings, styles, comments, code: MathJax skips them
    base = line_starts[token.map[0]]
    block = text[base:line_starts[token.map[1]] if token.map[1] < len(line_starts) else len(text)]
    taken = []
    for found in mathjax_regions(block):        # \( … \), \[ … \], $$ … $$ and the math environments
        start = base + found.start
        regions.append(Region(bisect_right(line_starts, start), found.text, start, base + found.end))
        taken.append((found.start, found.end))
    block = untypeset_blanked(block)
    for match in _DOLLARS.finditer(block):      # $ … $, as a page's MathJax set to read single dollars does
        if "\\" in match.group(1) and not any(a < match.end() and match.start() < b for a, b in taken):
            start = base + match.start()
            regions.append(Region(bisect_right(line_starts, start), match.group(1), start, base + match.end()))


def _html_images(html: str, text: str, cursor: int, line_starts: list[int], regions: list[Region]) -> int:
    """<img src="https://latex.codecogs.com/..."> in a post's HTML: a formula each."""
    for match in _IMG.finditer(html):
        math = formula(match.group(1))
        start = text.find(match.group(0), cursor)
        if math is None or start < 0:
            continue
        cursor = start + len(match.group(0))
        regions.append(Region(bisect_right(line_starts, start), math, start, cursor))
    return cursor


_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")


def _unquoted(math: str) -> str:
    """GitHub's inline math $`…`$ without its backticks."""
    return math[1:-1] if len(math) > 1 and math.startswith("`") and math.endswith("`") else math


def _as_rendered(regions: list[Region]) -> list[Region]:
    """Math escaped for Hugo's Goldmark (w\\_{5}, \\\\) throughout the document: undo the backslash
    escapes, as Goldmark does before the math renderer sees the text."""
    texts = [r.text for r in regions]
    if not any("\\_" in x for x in texts) or any(re.search(r"(?<!\\)_", x) for x in texts):
        return regions
    return [Region(r.line, _ESCAPED.sub(lambda m: m.group(1), r.text), r.start, r.end, r.plain) for r in regions]


def _environment_body(source: str) -> str:
    """\\begin{align} ... \\end{align} -> the body between them."""
    start = source.find("}") + 1
    stop = source.rfind("\\end")
    return source[start:stop] if 0 < start <= stop else source


def _latex_nodes(text: str, math_macros: set[str] = frozenset()):
    depth = latex_nesting_depth(text)
    if depth > MAX_LATEX_NESTING:       # pylatexenc recurses on each level: measured before it starts
        raise DeriveError(f"document: braces and environments nest {depth} deep; at most {MAX_LATEX_NESTING} "
                          "levels are read")
    context = get_default_latex_context_db()       # a fresh database on each call
    if math_macros:
        context.add_context_category("derive-math-macros", prepend=True,
                                     macros=[MacroSpec(name, "{") for name in sorted(math_macros)])
    walker = LatexWalker(text, latex_context=context, tolerant_parsing=True)
    try:
        return walker.get_latex_nodes()[0]
    except LatexWalkerError as exc:
        raise DeriveError(f"document: cannot read the LaTeX structure ({exc}); expected balanced braces") from None
    except RecursionError:              # the last line of defence; the depth is measured above
        raise DeriveError("document: the LaTeX structure nests too deeply to read") from None


def _math_macros(nodes) -> set[str]:
    """Macros the document defines to set their one argument as math: \\newcommand{\\fiteq}[1]{$#1$}."""
    found: set[str] = set()

    def walk(nodelist) -> None:
        for node in nodelist or []:
            if isinstance(node, LatexMacroNode) and node.macroname in DEFINITIONS - {"def"} and node.nodeargd:
                args = [a for a in node.nodeargd.argnlist]
                name, count, body = (args[1], args[2], args[4]) if len(args) >= 5 else (None, None, None)
                if name is None or body is None or count is None or count.latex_verbatim().strip("[] ") != "1":
                    continue
                if _math_holds_argument(body.latex_verbatim()):
                    found.add(name.latex_verbatim().strip("{} \\"))
            elif isinstance(node, (LatexEnvironmentNode, LatexGroupNode)):
                walk(node.nodelist)

    walk(nodes)
    return found


def _math_holds_argument(body: str) -> bool:
    holds = False

    def walk(nodelist, in_math: bool) -> None:
        nonlocal holds
        for node in nodelist or []:
            if node is None:
                continue
            if in_math and "#1" in node.latex_verbatim():
                holds = True
            if isinstance(node, LatexMathNode):
                walk(node.nodelist, True)
            elif isinstance(node, (LatexEnvironmentNode, LatexGroupNode)):
                walk(node.nodelist, in_math)
            elif isinstance(node, LatexMacroNode) and node.nodeargd:
                walk([a for a in node.nodeargd.argnlist if a is not None], in_math)

    walk(_latex_nodes(body), False)
    return holds


def _latex_regions(text: str) -> list[Region]:
    nodes = _latex_nodes(text)
    math_macros = _math_macros(nodes)
    if math_macros:
        nodes = _latex_nodes(text, math_macros)
    line_starts = line_starts_of(text)
    regions: list[Region] = []

    def walk(nodelist) -> None:
        for node in nodelist or []:
            if isinstance(node, LatexMathNode):
                inner = _verbatim(node.nodelist)
                regions.append(Region(bisect_right(line_starts, node.pos), inner, node.pos, node.pos + node.len))
            elif isinstance(node, LatexEnvironmentNode) and node.environmentname in MATH_ENVIRONMENTS:
                inner = _verbatim(node.nodelist)
                if node.environmentname.startswith("empheq"):
                    inner = _EMPHEQ_ARGUMENTS.sub("", inner)
                regions.append(Region(bisect_right(line_starts, node.pos), inner, node.pos, node.pos + node.len))
            elif isinstance(node, LatexEnvironmentNode):
                walk(node.nodelist)
            elif isinstance(node, LatexGroupNode):
                walk(node.nodelist)
            elif isinstance(node, LatexMacroNode) and node.macroname in math_macros and node.nodeargd:
                argument = node.nodeargd.argnlist[0]
                if argument is not None:
                    inner = "".join(n.latex_verbatim() for n in argument.nodelist or [] if n is not None)
                    regions.append(Region(bisect_right(line_starts, node.pos), inner, node.pos, node.pos + node.len))
            elif isinstance(node, LatexMacroNode) and node.macroname not in DEFINITIONS and node.nodeargd:
                walk([a for a in node.nodeargd.argnlist if a is not None])

    walk(nodes)
    return sorted(regions, key=lambda r: r.start)


_COMMENT = re.compile(r"(?<!\\)((?:\\\\)*)%[^\n]*")      # after an even run of backslashes: \\% is a row's end


def _verbatim(nodelist) -> str:
    """A math node's source, each % comment (to its line's end, at any depth) left out; \\% is a percent sign."""
    return _COMMENT.sub(r"\1", "".join(n.latex_verbatim() for n in nodelist or [] if n is not None))

