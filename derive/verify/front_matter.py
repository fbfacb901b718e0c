"""A post that names its own spec: a `derive:` key in its YAML front matter.

    ---
    title: Backpropagation by hand
    derive:
      spec: specs/net.toml      # beside the post (relative to its folder), or a preset name: mazur
    ---

or the spec itself, `derive: {spec_toml: "..."}` (a block scalar `spec_toml: |` holding the TOML).
A Markdown post's front matter is its leading block between `---` lines; a LaTeX post, which cannot
start with `---`, writes the same lines as comments (`% ---`, `% derive:`, `%   spec: net.toml`, `% ---`).
The YAML is read by yaml.safe_load, the TOML by the spec's own loader: neither is ever evaluated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..errors import DeriveError
from ..spec import presets
from ..spec.checks import shown
from ..spec.load import NetworkSpec, load_file, load_text
from .regions import is_latex

DERIVE_KEYS = ("spec", "spec_toml")
EXAMPLE = "derive: {spec: net.toml} (a path beside the post, or a preset name)"
_LINE = re.compile(r"([^\r\n]*)(\r\n|\r|\n|$)")
_MARKDOWN_OPEN, _MARKDOWN_CLOSE = re.compile(r"---[ \t]*"), re.compile(r"(?:---|\.\.\.)[ \t]*")
_LATEX_FENCE = re.compile(r"%[ \t]*---[ \t]*")
_DERIVE_LINE = re.compile(r"""^["']?derive["']?[ \t]*:""", re.M)     # a top-level derive: key


@dataclass(frozen=True)
class FrontMatter:
    yaml: str            # the YAML between the fences (a LaTeX post's without its comment marks)
    first_line: int      # the post's line number of the YAML's first line
    end: int             # the block, fences included, is the post's text[:end]


def find(text: str, name: str = "") -> FrontMatter | None:
    """The post's leading front matter when it holds a top-level derive: key; None otherwise, so that
    a post that only starts with a rule (---) is read as it always was."""
    latex = is_latex(text, name)
    lines = _lines(text)
    start = 1 if text.startswith("\ufeff") else 0
    if not lines or not (_LATEX_FENCE if latex else _MARKDOWN_OPEN).fullmatch(lines[0][0][start:]):
        return None
    body: list[str] = []
    for row, end in lines[1:]:
        if (_LATEX_FENCE if latex else _MARKDOWN_CLOSE).fullmatch(row):
            found = FrontMatter("\n".join(body), 2, end)
            return found if _DERIVE_LINE.search(found.yaml) else None
        if latex:
            if not row.startswith("%"):
                return None          # the comments stopped before a closing % ---: no front matter
            row = row[2:] if row.startswith(("% ", "%\t")) else row[1:]
        body.append(row)
    return None


def for_checking(text: str, name: str = "") -> str:
    """The post with a derive: front matter blanked: its claims are the body's, and every offset and
    line number stays the post's own (the block keeps its length and its line ends)."""
    front = find(text, name)
    if front is None:
        return text
    return re.sub(r"[^\r\n]", " ", text[:front.end]) + text[front.end:]


def settings(text: str, name: str = "") -> dict[str, str] | None:
    """The post's `derive:` table ({"spec": ...} or {"spec_toml": ...}), checked; None when it has none."""
    front = find(text, name)
    if front is None:
        return None
    where = name or "document"
    try:
        data = yaml.safe_load(front.yaml)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f", line {mark.line + front.first_line}" if mark is not None else ""
        raise DeriveError(f"{where}: front matter{line}: YAML error: {exc.problem or exc.context}; expected "
                          "YAML between the --- lines") from None
    except yaml.YAMLError as exc:
        raise DeriveError(f"{where}: front matter: YAML error: {' '.join(str(exc).split())}") from None
    except RecursionError:
        raise DeriveError(f"{where}: front matter nests too deeply to read") from None
    if not isinstance(data, dict) or "derive" not in data:
        raise DeriveError(f"{where}: front matter: expected a mapping of keys with {EXAMPLE}")
    table = data["derive"]
    if not isinstance(table, dict) or len(table) != 1 or next(iter(table)) not in DERIVE_KEYS:
        keys = ", ".join(shown(key) for key in table) if isinstance(table, dict) else type(table).__name__
        raise DeriveError(f"{where}: front matter derive: expected one key, spec or spec_toml, as in "
                          f"{EXAMPLE}; got {keys or 'nothing'}")
    key, value = next(iter(table.items()))
    if not isinstance(value, str) or not value.strip():
        raise DeriveError(f"{where}: front matter derive.{key}: expected " +
                          ("a path or a preset name" if key == "spec" else "the spec's TOML as a string") +
                          f", got {'an empty string' if isinstance(value, str) else type(value).__name__}")
    return {key: value}


def post_spec(text: str, name: str = "") -> NetworkSpec | None:
    """The spec a post names in its front matter (None when it names none). A path is relative to the
    post's folder (to the working folder for a post without a name, or stdin's '-')."""
    source = spec_source(text, name)
    return None if source is None else load_source(source, name)


def spec_source(text: str, name: str = "") -> tuple[str, str] | None:
    """Where the post's spec is: ("toml", the TOML itself), ("file", its path) or ("preset", its name)."""
    found = settings(text, name)
    if found is None:
        return None
    if "spec_toml" in found:
        return ("toml", found["spec_toml"])
    value = found["spec"].strip()
    if "\0" in value:
        raise DeriveError(f"{name or 'document'}: front matter derive.spec: a NUL character in {shown(value)}; "
                          "expected a path or a preset name")
    path = (Path(name).parent if name not in ("", "-") else Path()) / value
    if value.endswith(".toml") or "/" in value or "\\" in value or _exists(path):
        return ("file", str(path))
    return ("preset", value)


def load_source(source: tuple[str, str], name: str = "") -> NetworkSpec:
    """The spec at a spec_source, its errors naming the post and the front matter's key."""
    kind, value = source
    where = name or "document"
    if kind == "toml":
        return load_text(value, source=f"{where}: derive.spec_toml")
    try:
        return load_file(value) if kind == "file" else presets.load(value)
    except DeriveError as exc:
        raise DeriveError(f"{where}: front matter derive.spec: {exc}") from None


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:              # a name the system refuses (File name too long) names no file
        return False


def _lines(text: str) -> list[tuple[str, int]]:
    """Each line without its end, and the offset just past its end."""
    found = []
    for match in _LINE.finditer(text):
        if match.start() == len(text) and found:
            break
        found.append((match.group(1), match.end()))
        if match.end() == len(text):
            break
    return found
