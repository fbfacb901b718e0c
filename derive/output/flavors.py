"""Markdown flavors: how math is delimited and escaped for each Markdown engine, and front matter.

mathjax  $$…$$ and $…$                      katex   $$…$$ and \\(…\\)
github   ```math blocks and $`…`$          jekyll  kramdown's $$…$$ for both, front matter
hugo     $$…$$ and $…$, escaped so Goldmark keeps _, * and backslashes; front matter
mkdocs   $$…$$ and $…$ for pymdownx.arithmatex, each display a paragraph of its own
"""

from __future__ import annotations

import json
import re
import string

FLAVORS = ("mathjax", "katex", "github", "hugo", "jekyll", "mkdocs")
# engines that read a display only when it is a paragraph of its own (own_paragraphs)
PARAGRAPHED = ("jekyll", "mkdocs")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(T[0-9:.]+([+-]\d{2}:\d{2})?)?")
# Goldmark and CommonMark drop a backslash before ASCII punctuation, and read _ and * as emphasis.
_HUGO = re.compile(r"\\(?=[" + re.escape(string.punctuation) + r"])|[_*]")


def _hugo_escape(tex: str) -> str:
    return _HUGO.sub(lambda m: "\\\\" if m.group() == "\\" else "\\" + m.group(), tex)


DISPLAY = {
    "mathjax": lambda tex: f"$${tex}$$",
    "katex": lambda tex: f"$${tex}$$",
    "github": lambda tex: f"```math\n{tex}\n```",
    "hugo": lambda tex: f"$${_hugo_escape(tex)}$$",
    "jekyll": lambda tex: f"$${tex}$$",
    "mkdocs": lambda tex: f"$${tex}$$",
}
INLINE = {
    "mathjax": lambda tex: f"${tex}$",
    "katex": lambda tex: rf"\({tex}\)",
    "github": lambda tex: f"$`{tex}`$",
    "hugo": lambda tex: f"${_hugo_escape(tex)}$",
    "jekyll": lambda tex: f"$${tex}$$",
    "mkdocs": lambda tex: f"${tex}$",
}


def own_paragraphs(markdown: str) -> str:
    """Every display ($$…$$ alone on its line) as a paragraph of its own, with a blank line before
    and after: kramdown reads $$ inside a paragraph as inline math, and arithmatex takes two displays
    on adjacent lines for one. Code fences are left as they are."""
    lines, fenced, out = markdown.split("\n"), False, []
    for k, line in enumerate(lines):
        if line.startswith("```"):
            fenced = not fenced
        display = not fenced and len(line) > 4 and line.startswith("$$") and line.endswith("$$")
        if display and out and out[-1].strip():
            out.append("")
        out.append(line)
        if display and k + 1 < len(lines) and lines[k + 1].strip():
            out.append("")
    return "\n".join(out)


def front_matter(flavor: str, title: str, date: str | None, tags: tuple[str, ...]) -> str:
    """YAML front matter for the static-site flavors (JSON strings are valid YAML scalars)."""
    if flavor not in ("hugo", "jekyll"):
        return ""
    lines = ["---", f"title: {json.dumps(title)}"]
    if date:
        # spec.py lets only ISO dates through; one from elsewhere is quoted, so it cannot add lines
        lines.append(f"date: {date if ISO_DATE.fullmatch(date) else json.dumps(date)}")
    if tags:
        lines.append(f"tags: {json.dumps(list(tags))}")
    lines += ["math: true", "---", ""]
    return "\n".join(lines) + "\n"
