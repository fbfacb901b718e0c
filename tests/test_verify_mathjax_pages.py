"""verify on an HTML page that leaves its math to MathJax in the browser (course pages, reveal.js slides): \\( … \\),
\\[ … \\], $$ … $$ and the math environments in the page's text, HTML entities unescaped; never in comments,
scripts, styles, code or pre; and a page with math elements of its own (Pandoc's) read by those alone."""

from __future__ import annotations

import derive
from derive.verify import Checker, verify_text
from derive.verify.html_regions import html_regions
from derive.verify.mathjax_text import untypeset_blanked

PAGE = """<!doctype html>
<html><head><script>MathJax = {tex: {inlineMath: [['\\\\(', '\\\\)']]}};</script></head>
<body><section>
<p>The output's net input is \\(net_{o1} = 1.105905967\\).</p>
\\[\\frac{\\partial E_{total}}{\\partial w_5} = 0.082167041\\]
<div>
\\begin{align}
\\frac{\\partial E_{total}}{\\partial w_6} &= 0.5 \\\\
&= 0.5
\\end{align}
</div>
<p>$$net_{h1} = 0.3775$$ and $$0.3775 &lt; 1$$</p>
<pre>\\(w_5 = 3\\)</pre>
<!-- \\(w_5 = 4\\) -->
<code>$$w_5 = 5$$</code>
</section></body></html>
"""


def test_math_left_to_mathjax_is_read_where_the_page_writes_it():
    checker = Checker(derive.derive(derive.load("mazur")))
    claims = [(c.line, c.verdict) for c in verify_text(checker, PAGE, "slides.html").claims]
    assert claims == [(4, "ok"), (5, "ok"), (8, "wrong"), (9, "wrong"), (12, "ok")], claims


def test_a_page_with_math_elements_is_read_by_those_alone():
    pandoc = '<html><body><p><span class="math inline">\\(a = 1\\)</span> and \\(b = 2\\)</p></body></html>'
    assert [r.text for r in html_regions(pandoc)] == ["a = 1"]


def test_unclosed_code_and_hostile_openings_stay_linear():
    assert untypeset_blanked("<pre>" + "x" * 50) == " " * 55
    hostile = "<html>" + "\\begin{align}" * 8000 + "\\(" * 8000 + "</html>"
    assert html_regions(hostile) == []


def test_a_markdown_posts_html_block_leaves_its_environments_to_mathjax_and_its_entities_to_the_browser():
    """Kept from idiomer's CNN post (conv_blind11): a page's HTML pasted into Markdown, its matrices in
    \\begin{equation*} with &amp; between the entries."""
    from derive.verify.regions import normalize, scan
    post = ("<h2>2.1</h2><p>C is:\n\\begin{equation*}\nC=\\begin{bmatrix}\n37 &amp; 47\\\\\n67 &amp; 77\n"
            "\\end{bmatrix}\n\\end{equation*}\n</p>\n\nText $$a &lt; b$$ after.\n")
    regions = scan(normalize(post), "post.md")
    assert [(r.line, r.text.strip()) for r in regions] == [
        (2, "C=\\begin{bmatrix}\n37 & 47\\\\\n67 & 77\n\\end{bmatrix}"), (10, "a < b")]
    # inside code, MathJax typesets nothing, and a bare & stays an alignment
    assert scan(normalize("<pre>\\begin{equation}a = b\\end{equation}</pre>\n"), "post.md") == []
    assert [r.text for r in scan(normalize("$$\\begin{aligned} a &= b \\end{aligned}$$\n"), "post.md")] == [" a &= b "]


SCRIPTS = """<p>The output's net input is <script type="math/tex">net_{o1} = 1.105905967</script>.</p>
<p class="Indented">
<span class="MathJax_Preview">
<script type="math/tex;mode=display">
\\frac{\\partial E_{total}}{\\partial w_5} = 0.082167041
</script>
</span>
</p>
<script type="math/tex; mode=display">\\frac{\\partial E_{total}}{\\partial w_6} = 0.5</script>
<script>var notMath = "w_5 = 3";</script>
<!-- a draft: <script type="math/tex">w_5 = 4</script> -->
<script type="math/tex-foo">w_5 = 5</script>
<script data-type="math/tex" type="text/javascript">w_5 = 6</script>
<textarea><script type="math/tex">w_5 = 7</script></textarea>
"""


def test_mathjax_2s_script_elements_are_math_in_a_page_and_in_a_post():
    """kramdown's mathjax engine and LyX's HTML write each formula as <script type="math/tex"> (MathJax 2's own
    form; tfjgeorge's batch-norm post, conv_blind17): its TeX raw, read in an HTML page and in a Markdown post's
    HTML; a script of another type, or in a comment or a textarea, is no math (found in review)."""
    checker = Checker(derive.derive(derive.load("mazur")))
    page = "<!doctype html>\n<html><body>\n" + SCRIPTS + "</body></html>\n"
    assert [(c.line, c.verdict) for c in verify_text(checker, page, "post.html").claims] == \
        [(3, "ok"), (7, "ok"), (11, "wrong")]     # each at its formula's line
    assert [(c.line, c.verdict) for c in verify_text(checker, SCRIPTS, "post.md").claims] == \
        [(1, "ok"), (5, "ok"), (9, "wrong")]
