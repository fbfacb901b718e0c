"""Formulas that READMEs show as images of a rendering service: read from the image's address."""

import pytest

import derive
from derive.verify import Checker, verify_text
from derive.verify.image_math import formula
from derive.verify.regions import scan


@pytest.mark.parametrize("address, expected", [
    ("https://latex.codecogs.com/gif.latex?%5Cinline%20%5Cdpi%7B120%7D%20w_%7B5%7D%20%3D%200.4", r"w_{5} = 0.4"),
    ("https://latex.codecogs.com/svg.image?\\bg_white&space;E_{total}", r"E_{total}"),
    ("https://render.githubusercontent.com/render/math?math=out_%7Bh1%7D%3D0.5933", "out_{h1}=0.5933"),
    ("https://chart.googleapis.com/chart?cht=tx&chl=%5Ceta%3D0.5", r"\eta=0.5"),
    ("https://i.upmath.me/svg/net_%7Bh1%7D%3D0.3775", "net_{h1}=0.3775"),
    ("https://example.com/gif.latex?w_5=1", None),
    ("images/diagram.png", None),
    ("https://latex.codecogs.com/gif.latex?%5Cinline", None),
])
def test_formula_from_address(address, expected):
    got = formula(address)
    assert got == expected


def test_image_regions_keep_their_lines_and_skip_code():
    text = ("intro\n\n![f](https://latex.codecogs.com/gif.latex?out_%7Bh1%7D%20%3D%200.593269992)\n\n"
            "```\n![g](https://latex.codecogs.com/gif.latex?w_5%3D9)\n```\n"
            "and ![h](https://latex.codecogs.com/gif.latex?E_%7Bo1%7D%3D0.3) inline\n")
    regions = scan(text, "post.md")
    assert [(r.line, r.text) for r in regions] == [(3, "out_{h1} = 0.593269992"), (8, "E_{o1}=0.3")]
    assert text[regions[0].start:regions[0].end].startswith("![f](")


def test_image_claims_are_judged():
    checker = Checker(derive.derive(derive.load("mazur")))
    text = ("![a](https://latex.codecogs.com/gif.latex?out_%7Bh1%7D%20%3D%200.593269992)\n\n"
            "![b](https://latex.codecogs.com/png.latex?%5Cdpi%7B110%7D%20out_%7Bh2%7D%20%3D%200.61)\n")
    report = verify_text(checker, text, "post.md")
    assert [(c.line, c.verdict) for c in report.claims] == [(1, "ok"), (3, "wrong")]


def test_html_img_tags_are_read_too():
    text = ('<p align="center"><img src="https://latex.codecogs.com/svg.latex?w_5%3D0.4" alt="w5"></p>\n\n'
            'text <img src="https://render.githubusercontent.com/render/math?math=w_6%3D0.45"> text\n')
    assert [(r.line, r.text) for r in scan(text, "post.md")] == [(1, "w_5=0.4"), (3, "w_6=0.45")]
