"""The check every published page passes: opened in headless Chromium from a local server, every
equation rendered (no raw $$ or \\frac left in the text, no KaTeX or MathJax error element, as many
rendered equations as the document has), and nothing asked of any host but the local one.

A screenshot of each page is kept in tests/output/ (or $DERIVE_TEST_OUTPUT) for a human to look at.
"""

from __future__ import annotations

import contextlib
import functools
import html.parser
import http.server
import json
import os
import re
import shutil
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

from renderers import need

ASSETS = Path(__file__).parent / "katex" / "node_modules"
KATEX = ASSETS / "katex" / "dist"
MATHJAX = ASSETS / "mathjax" / "es5"
MATHJAX2 = ASSETS / "mathjax2"
REQUIREJS = ASSETS / "requirejs" / "require.js"
REVEAL = ASSETS / "reveal.js"
OUTPUT = Path(os.environ.get("DERIVE_TEST_OUTPUT", Path(__file__).parent / "output"))

FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.S)
DISPLAY = re.compile(r"\$\$(.+?)\$\$", re.S)
INLINE = re.compile(r"(?<![$\\])\$(?!\$)([^$\n]+?)\$")
# what a page shows when math went through unrendered
RAW_MATH = re.compile(r"\$\$|\\frac|\\partial|\\begin\{|\\\(|\\\[")
# KaTeX's, MathJax 3's, and MathJax 2's (its error text, and the noErrors box holding the source)
ERRORS = ('class="katex-error"', "<mjx-merror", 'class="MathJax_Error"', 'class="mjx-merror"', 'class="mjx-noError"')
# text that is not a page's prose: scripts, the math's own markup, and code shown as code (a
# notebook's input cells), which no renderer typesets
SKIPPED = {"script", "style", "annotation", "math", "mjx-assistive-mml", "svg", "noscript", "template", "pre", "code"}


@dataclass(frozen=True)
class Equations:
    total: int
    displays: int


def equations(markdown: str) -> Equations:
    """How many equations a derive Markdown document has (its $$…$$ and $…$ fragments), and how many
    of them are displays (a $$…$$ alone on its line; the jekyll flavor writes inline math as $$…$$ too)."""
    body = FRONT_MATTER.sub("", markdown)
    displays = sum(1 for line in body.split("\n") if len(line) > 4 and line.startswith("$$") and line.endswith("$$"))
    return Equations(len(DISPLAY.findall(body)) + len(INLINE.findall(DISPLAY.sub("", body))), displays)


def copy_assets(*pairs: tuple[Path, Path]) -> None:
    for source, target in pairs:
        need_assets(source)
        shutil.copytree(source, target, dirs_exist_ok=True)


def need_assets(path: Path) -> None:
    if not path.exists():
        import pytest
        message = f"{path} is missing (the README's test command runs npm ci --prefix tests/katex)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:        # the test log is for failures, not for every asset
        return None


@contextlib.contextmanager
def serve(folder: Path):
    """The folder on http://127.0.0.1:PORT/, as a site's own server would give it."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


class _Text(html.parser.HTMLParser):
    """The text a reader sees: every text node outside scripts, styles and the math's own markup."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth, self.parts = 0, []

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED or self.depth:
            self.depth += tag not in VOID

    def handle_startendtag(self, tag, attrs):
        return None

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if not self.depth:
            self.parts.append(data)


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def visible_text(dom: str) -> str:
    parser = _Text()
    parser.feed(dom)
    return "".join(parser.parts)


@dataclass(frozen=True)
class Page:
    dom: str
    requests: tuple[str, ...]      # every URL the page asked for
    screenshot: Path

    @property
    def displayed(self) -> int:
        """Equations typeset as displays: KaTeX's .katex-display, MathJax 3's display containers,
        MathJax 2's display frames (CommonHTML output)."""
        return (self.dom.count('class="katex-display"') + len(re.findall(r'<mjx-container[^>]*display="true"', self.dom))
                + self.dom.count('class="mjx-chtml MJXc-display"'))

    @property
    def rendered(self) -> int:
        """Equations typeset: KaTeX's .katex spans, MathJax 3's containers, MathJax 2's frames."""
        return (self.dom.count('class="katex"') + self.dom.count("<mjx-container")
                + len(re.findall(r'id="MathJax-Element-\d+-Frame"', self.dom)))


def _chromium(*arguments: str, profile: Path) -> subprocess.CompletedProcess:
    need("chromium")
    return subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                           "--no-first-run", "--disable-background-networking", "--disable-component-update",
                           "--disable-sync", f"--user-data-dir={profile}", "--virtual-time-budget=20000",
                           *arguments], capture_output=True, text=True, timeout=180)


def open_page(url: str, name: str, work: Path) -> Page:
    """The page's DOM after its scripts ran, the URLs it asked for, and a screenshot of it."""
    net_log = work / f"{name}-net.json"
    run = _chromium(f"--log-net-log={net_log}", "--dump-dom", url, profile=work / f"{name}-profile")
    assert run.returncode == 0, run.stderr[-800:]
    dom = run.stdout
    events = json.loads(net_log.read_text())["events"]
    asked = sorted({e["params"]["url"] for e in events if "url" in e.get("params", {})
                    and e["params"].get("initiator", "not an origin") != "not an origin"})
    OUTPUT.mkdir(parents=True, exist_ok=True)
    shot = OUTPUT / f"{name}.png"
    run = _chromium(f"--screenshot={shot}", "--window-size=1000,2400", "--hide-scrollbars", url,
                    profile=work / f"{name}-profile-shot")
    assert run.returncode == 0 and shot.exists(), run.stderr[-800:]
    return Page(dom, tuple(asked), shot)


def assert_rendered(page: Page, expected: Equations, host: str) -> None:
    """Every equation typeset, none left raw, none in error, nothing fetched from elsewhere."""
    text = visible_text(page.dom)
    raw = [m.group() for m in RAW_MATH.finditer(text)]
    assert not raw, f"raw math left in the page text: {raw[:5]} (screenshot: {page.screenshot})"
    errors = [e for e in ERRORS if e in page.dom]
    assert not errors, f"math errors in the page: {errors} (screenshot: {page.screenshot})"
    assert page.rendered == expected.total, \
        f"{page.rendered} equations rendered, the document has {expected.total} (screenshot: {page.screenshot})"
    assert page.displayed == expected.displays, \
        f"{page.displayed} displays, the document has {expected.displays} (screenshot: {page.screenshot})"
    elsewhere = [u for u in page.requests if not u.startswith(host) and not u.startswith("data:")]
    assert elsewhere == [], f"the page asked beyond the local server: {elsewhere[:5]}"
