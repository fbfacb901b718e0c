"""One self-contained HTML page: the Markdown document converted by markdown-it, math typeset by
KaTeX in the browser, with KaTeX's script, stylesheet and fonts inlined (no network fetches)."""

from __future__ import annotations

import base64
import re
from functools import cache
from pathlib import Path

from . import documents

KATEX = Path(__file__).resolve().parent.parent / "assets" / "katex"
FONT_URL = re.compile(r"url\(fonts/([A-Za-z0-9_-]+\.woff2)\)")


@cache
def _converter():
    # Raw HTML stays on for the inline SVG figures; the user's strings cannot use it: the Markdown
    # templates print them through the `md` filter (documents.markdown_text), which escapes them.
    # markdown-it is imported here: only an HTML page needs it, and it costs every command 0.04 s.
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin

    return MarkdownIt("commonmark", {"html": True}).enable("table").use(dollarmath_plugin, double_inline=True)


@cache
def katex_assets() -> dict[str, str]:
    """KaTeX's script, and its stylesheet with every woff2 font as a data URI (browsers that read
    woff2 never fetch the other formats the stylesheet lists)."""
    def inline_font(match: re.Match) -> str:
        data = base64.b64encode((KATEX / "fonts" / match.group(1)).read_bytes()).decode("ascii")
        return f"url(data:font/woff2;base64,{data})"
    css = FONT_URL.sub(inline_font, (KATEX / "katex.min.css").read_text(encoding="utf-8"))
    return {"katex_css": css, "katex_js": (KATEX / "katex.min.js").read_text(encoding="utf-8")}


def page(markdown: str, title: str, template_dir: str | None = None) -> str:
    body = _converter().render(markdown)
    return documents.render_template("html", "page.html.j2", {"title": title, "body": body, **katex_assets()},
                                     template_dir)
