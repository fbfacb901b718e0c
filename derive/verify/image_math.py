"""Math that a Markdown post shows as an image: the LaTeX is in the image's address.

READMEs on GitHub long had no math, so their authors wrote each formula into the address of an
image that a web service renders (CodeCogs, GitHub's own math renderer, Google Charts, upmath).
The formula is the address's query or path, percent-encoded, after the service's size and font
switches (\\inline, \\dpi{120}, \\bg_white). Each such image is a math region at its own line.
"""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, unquote, urlsplit

# host (and path start) -> where the formula is: "query" (the whole query), a query key, or "path"
SERVICES = (
    (re.compile(r"^(latex\.codecogs\.com|www\.codecogs\.com)$"), "query"),
    (re.compile(r"^latex\.artofproblemsolving\.com$"), "query"),
    (re.compile(r"^render\.githubusercontent\.com$"), "math"),
    (re.compile(r"^chart\.(googleapis|apis\.google)\.com$"), "chl"),
    (re.compile(r"^math\.now\.sh$"), "from"),
    (re.compile(r"^i\.upmath\.me$"), "path"),
)
# the services' switches before the formula: size, resolution, background, font
_SWITCHES = re.compile(r"^\s*(?:\\(?:inline|displaystyle|dpi\{\d+\}|dpi\d+|bg_\w+|bg\{\w+\}|fn_\w+|fg_\w+|"
                       r"fg\{\w+\}|tiny|small|normalsize|large|Large|LARGE|huge|Huge|color\{\w+\})\s*)+")


def formula(address: str) -> str | None:
    """The LaTeX an image address renders, or None when the address is not a formula service's."""
    try:
        parts = urlsplit(address.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https", ""):
        return None
    where = next((place for host, place in SERVICES if host.match(parts.hostname or "")), None)
    if where is None:
        return None
    if where == "query":
        text = unquote(parts.query)
    elif where == "path":
        text = unquote(parts.path.split("/", 2)[-1]) if parts.path.count("/") >= 2 else ""
    else:
        text = (parse_qs(parts.query).get(where) or [""])[0]
    text = html.unescape(text.replace("&space;", " "))       # CodeCogs' editor writes &space; and &plus;
    text = _SWITCHES.sub("", text).strip()
    return text or None
