"""Markdown flavors: how math is delimited and escaped for each Markdown engine, and front matter.

mathjax  $$…$$ and $…$                      katex   $$…$$ and \\(…\\)
github   ```math blocks and $`…`$          jekyll  kramdown's $$…$$ for both, front matter
hugo     $$…$$ and $…$, escaped so Goldmark keeps _, * and backslashes; front matter
"""

from __future__ import annotations

import json
import re
import string

FLAVORS = ("mathjax", "katex", "github", "hugo", "jekyll")
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
}
INLINE = {
    "mathjax": lambda tex: f"${tex}$",
    "katex": lambda tex: rf"\({tex}\)",
    "github": lambda tex: f"$`{tex}`$",
    "hugo": lambda tex: f"${_hugo_escape(tex)}$",
    "jekyll": lambda tex: f"$${tex}$$",
}


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
