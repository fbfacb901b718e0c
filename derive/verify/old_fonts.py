"""Plain TeX's font switches as posts still write them: {\\rm i}, \\rm{d}, {\\bf x_t}, {\\cal L}, \\cal{L}: the
letters they hold (upright, bold and script letters are read as the letters), braced where a command before
the group takes it as its argument (\\bar{\\bf h}_t: \\bar{h}_t) or the letters carry scripts of their own."""

from __future__ import annotations

import re

_OLD_FONT = re.compile(r"\\(?:rm|it|bf)\s*\{\s*([A-Za-z0-9]+)\s*\}|"
                       r"\{\s*\\(?:rm|it|bf)\s+([A-Za-z0-9]+(?:[_^]\{?[A-Za-z0-9+-]+\}?)*)\s*\}")
_OLD_CAL = re.compile(r"\{\s*\\cal\s+([A-Za-z])\s*\}|\\cal\s*\{\s*([A-Za-z])\s*\}|\\cal\s+([A-Za-z])(?![A-Za-z])")
_COMMAND_BEFORE = re.compile(r"\\[A-Za-z]+\s*$")


def plain_tex_fonts(text: str) -> str:
    text = _OLD_FONT.sub(_letters, text)
    return _OLD_CAL.sub(lambda m: rf"\mathcal{{{m.group(1) or m.group(2) or m.group(3)}}}", text)


def _letters(found: re.Match) -> str:
    inner = found.group(1) or found.group(2)
    before = found.string[max(0, found.start() - 40):found.start()]          # a command's name, at most
    braced = found.group(2) and (_COMMAND_BEFORE.search(before) or "_" in inner or "^" in inner)
    return f"{{{inner}}}" if braced else inner
