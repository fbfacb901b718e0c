"""KaTeX parses every math fragment of every Markdown and HTML output; Chromium renders the HTML pages
with no KaTeX error and no request beyond the page itself."""

import json
import re
import subprocess
from pathlib import Path

import pytest

import derive
from renderers import need

KATEX_DIR = Path(__file__).parent / "katex"
CASES = [(name, notation) for name in derive.dense_preset_names() for notation in ("neuron", "index", "layer")
         if derive.load(name).has_values or notation == "layer"]
DISPLAY = re.compile(r"\$\$(.+?)\$\$", re.S)
INLINE = re.compile(r"(?<![$\\])\$(?!\$)([^$\n]+?)\$")
MATH_ELEMENT = re.compile(r'<(span|div) class="math (inline|block)">(.*?)</\1>', re.S)
CHECKED = {"fragments": 0}


def _fragments_of_markdown(text: str) -> list[dict]:
    display = [{"tex": m.strip(), "display": True} for m in DISPLAY.findall(text)]
    inline = [{"tex": m, "display": False} for m in INLINE.findall(DISPLAY.sub("", text))]
    return display + inline


def _fragments_of_html(text: str) -> list[dict]:
    import html
    return [{"tex": html.unescape(body).strip(), "display": kind == "block"}
            for _, kind, body in MATH_ELEMENT.findall(text)]


def _katex(fragments: list[dict]) -> list[dict]:
    need("node")
    if not (KATEX_DIR / "node_modules" / "katex").is_dir():
        need("npm")
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=KATEX_DIR, check=True, capture_output=True)
    run = subprocess.run(["node", "check.js"], cwd=KATEX_DIR, input=json.dumps(fragments), capture_output=True,
                         text=True, check=True)
    CHECKED["fragments"] += len(fragments)
    return json.loads(run.stdout)


@pytest.mark.parametrize("name,notation", CASES, ids=["-".join(c) for c in CASES])
def test_every_math_fragment_parses_in_katex(name, notation):
    result = derive.derive(derive.load(name))
    markdown = derive.render(result, "markdown", notation)
    page = derive.render(result, "html", notation)
    fragments = _fragments_of_markdown(markdown) + _fragments_of_html(page)
    assert len(fragments) > 20
    assert _katex(fragments) == []


def test_katex_catches_a_bad_fragment():
    failures = _katex([{"tex": r"\frac{1}{", "display": True}, {"tex": r"x_1^2", "display": False}])
    assert [f["index"] for f in failures] == [0]


def _chromium(page: Path, folder: Path) -> tuple[str, list[str]]:
    """The DOM after scripts ran, and the URLs the page itself asked for (not the browser's own)."""
    need("chromium")
    net_log = folder / "net.json"
    run = subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                          "--disable-background-networking", "--disable-component-update", "--disable-sync",
                          f"--user-data-dir={folder / 'profile'}", f"--log-net-log={net_log}", "--window-size=800,1000",
                          "--virtual-time-budget=10000", "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-500:]
    events = json.loads(net_log.read_text())["events"]
    asked = {e["params"]["url"] for e in events
             if "url" in e.get("params", {}) and e["params"].get("initiator", "not an origin") != "not an origin"}
    return run.stdout, sorted(u for u in asked if u != page.as_uri() and not u.startswith("data:"))


@pytest.mark.parametrize("name,notation", CASES, ids=["-".join(c) for c in CASES])
def test_html_page_renders_offline_in_chromium(name, notation, tmp_path):
    """Every math element typeset, nothing fetched, and (one launch of Chromium for both) no display
    wider than an 800-pixel window."""
    page = tmp_path / "page.html"
    text = derive.render(derive.derive(derive.load(name)), "html", notation)
    assert not re.search(r"""(src|href)=["']https?:|url\(https?:""", text)
    # every KaTeX font face starts with an inlined woff2, so the browser fetches none of the others
    faces = re.findall(r"@font-face\{[^}]*?src:url\(([^)]{0,30})", text)
    assert faces and all(f.startswith("data:font/woff2;base64,") for f in faces)
    page.write_text(text.replace("</body>", MEASURE + "</body>"))
    dom, requests = _chromium(page, tmp_path)
    assert dom.count('class="katex"') > 20
    assert 'class="katex-error"' not in dom
    assert requests == []
    scrolling = _scrolling(dom)
    assert scrolling == [], f"{len(scrolling)} displays scroll, e.g. {scrolling[:3]}"


def test_report_how_many_fragments_were_checked(capsys):
    # keeps the count visible in the test log for the closing note
    with capsys.disabled():
        print(f"\nKaTeX fragments checked in this run: {CHECKED['fragments']}")


SPECS = Path(__file__).parent / "specs"
# At 800 pixels, a display that is wider than the page scrolls (.math.block has overflow-x: auto).
# Measured once KaTeX's fonts are in: before, the fallback fonts give other widths.
MEASURE = """<pre id="derive-overflow"></pre><script>document.fonts.ready.then(function () {
document.getElementById("derive-overflow").textContent = JSON.stringify(
  Array.from(document.querySelectorAll(".math.block")).filter(el => el.scrollWidth > el.clientWidth + 1)
       .map(el => [el.scrollWidth, el.clientWidth, el.textContent.slice(0, 80)])); });
</script>"""
# the gallery's pages are measured in test_html_page_renders_offline_in_chromium; these are wider
WIDTH_CASES = [(str(SPECS / f"{name}.toml"), notation) for name in ("batch_3_4_2", "wide_10_20_5")
               for notation in ("neuron", "index", "layer")]


def _scrolling(dom: str) -> list:
    import html as html_module
    found = re.search(r'<pre id="derive-overflow">(.+?)</pre>', dom, re.S)
    assert found, "the measuring script did not run"
    return json.loads(html_module.unescape(found.group(1)))


@pytest.mark.parametrize("spec,notation", WIDTH_CASES, ids=["-".join((Path(c[0]).stem, c[1])) for c in WIDTH_CASES])
def test_no_equation_scrolls_on_an_800_pixel_page(spec, notation, tmp_path):
    """Long sums break over aligned lines, so no display is wider than an 800-pixel window."""
    page = tmp_path / "page.html"
    html = derive.render(derive.derive(derive.load(spec)), "html", notation)
    page.write_text(html.replace("</body>", MEASURE + "</body>"))
    dom, _ = _chromium(page, tmp_path)
    scrolling = _scrolling(dom)
    assert scrolling == [], f"{len(scrolling)} displays scroll, e.g. {scrolling[:3]}"
