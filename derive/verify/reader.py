"""The reader: LaTeX math -> syntax tree, with lark's LALR parser over `grammar.lark`.

Nothing read here is evaluated: the tree only records what was written. Errors carry the
line and column inside the region; the caller adds the region's own line.
"""

from __future__ import annotations

import hashlib
import os
import re
from functools import lru_cache
from pathlib import Path

from lark import Lark, Tree
from lark.exceptions import (
    LarkError,
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
)

from . import syntax as s
from .build_syntax import Build, Continued
from .limits import MAX_NESTING, MAX_REGION, MAX_TREE_DEPTH, nesting_depth
from .see_through import see_through

READ_CACHE = 1_024         # short formulas kept read: a post repeats $w_5$ and its like many times
CACHED_LENGTH = 500        # characters: longer formulas are rarely repeated, and would hold much memory


class ReadError(Exception):
    def __init__(self, message: str, line: int = 1, column: int = 1):
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


class TooDeep(ReadError):
    """A formula nested deeper than derive reads (brackets, or a chain of operators)."""


@lru_cache(maxsize=1)
def _parser() -> Lark:
    grammar = (Path(__file__).parent / "grammar.lark").read_text(encoding="utf-8")
    return Lark(grammar, parser="lalr", start="region", maybe_placeholders=True,
                cache=_cache_file(grammar))


@lru_cache(maxsize=1)
def relation() -> re.Pattern:
    """The grammar's relation (REL): a formula in which it is nowhere, once seen through, states none."""
    return re.compile(_parser().get_terminal("REL").pattern.to_regexp())


def _cache_file(grammar: str) -> str | bool:
    """Where lark keeps the parser tables it builds (0.06 s, in every process otherwise):
    the user's cache directory, one file per grammar, so two versions of derive do not overwrite each
    other's. lark uses a file only if its digest of the grammar, the options, lark's version and
    Python's matches, and otherwise builds anew and writes it; it survives a file it cannot read or
    write. False (no cache) without a cache directory derive can make: never a shared one like /tmp."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    try:
        folder = (Path(base) if os.path.isabs(base) else Path.home() / ".cache") / "derive"
        folder.mkdir(parents=True, exist_ok=True)
    except (OSError, RuntimeError):         # RuntimeError: no home directory
        return False
    return str(folder / f"grammar-{hashlib.sha256(grammar.encode()).hexdigest()[:16]}.lark")


def read(text: str) -> list[s.Line]:
    """Every line of one math region (lines split at \\\\ or at a top-level comma)."""
    found = _read_cached(text) if len(text) <= CACHED_LENGTH else _read(text)
    if isinstance(found, ReadError):         # a fresh exception each time: the cached one keeps no traceback
        raise type(found)(found.message, found.line, found.column)
    return list(found)


def _read(text: str) -> tuple[s.Line, ...] | ReadError:
    """The lines of a formula, or why it cannot be read."""
    if len(text) > MAX_REGION:
        return ReadError(f"the region is {len(text)} characters long; at most {MAX_REGION} are read")
    text = see_through(text)
    depth = nesting_depth(text)
    if depth > MAX_NESTING:        # measured before parsing: nothing below recurses that deep
        return TooDeep(f"the formula nests too deeply ({depth} levels of brackets; at most {MAX_NESTING} are read)")
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as exc:
        return ReadError(_describe(exc, text), exc.line if exc.line > 0 else 1, exc.column if exc.column > 0 else 1)
    except LarkError as exc:           # lark's other failures (grammar state) are read errors too
        return ReadError(str(exc).splitlines()[0])
    except RecursionError:             # the last line of defence; the depth is measured above
        return TooDeep("the formula nests too deeply")
    levels = _tree_depth(tree)
    if levels > MAX_TREE_DEPTH:        # a - - - - x or a + b + ... long enough to exhaust the stack later
        return TooDeep(f"the formula nests too deeply ({levels} levels of operators and brackets; "
                       f"at most {MAX_TREE_DEPTH} are read)")
    try:
        return tuple(Build(text).transform(tree))
    except Continued as exc:
        line_start = text.rfind("\n", 0, exc.at) + 1
        return ReadError("a row that starts with & and a sign goes on with the sum above it: write it on that row, "
                         "or start it with &=", text.count("\n", 0, exc.at) + 1, exc.at - line_start + 1)
    except RecursionError:
        return TooDeep("the formula nests too deeply")


_read_cached = lru_cache(maxsize=READ_CACHE)(_read)     # either answer is kept: the syntax is immutable


def _tree_depth(tree: Tree) -> int:
    """The parse tree's depth (its tokens a level too), measured level by level, without recursion."""
    deepest, level = 0, [tree]
    while level:
        deepest += 1
        level = [child for node in level if isinstance(node, Tree) for child in node.children]
    return deepest


def _describe(exc: UnexpectedInput, text: str) -> str:
    if isinstance(exc, UnexpectedCharacters):
        return f"cannot read {text[exc.pos_in_stream:exc.pos_in_stream + 12]!r}"
    if isinstance(exc, UnexpectedEOF):
        return "the formula ends too early (an unclosed brace or bracket?)"
    if isinstance(exc, UnexpectedToken):
        token = exc.token
        if token.type == "$END":
            return "the formula ends too early (an unclosed brace or bracket?)"
        return f"did not expect {str(token)!r} here"
    return "cannot read the formula"
