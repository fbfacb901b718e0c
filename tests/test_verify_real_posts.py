"""Issue 11: `derive verify` on real posts written by others (tests/posts/real), each with its
source, licence, spec and a truth table decided by hand and with NumPy (truth.py), never by derive.

The issue's targets on unseen posts are >= 90% of real errors caught, no false alarm, no carried
rounding called wrong and <= 10% of claims unchecked. They are not met yet: the figures below are
what this corpus gives today (python tests/posts/measure.py prints the table per post), and a
change may only improve them.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import derive

sys.path.insert(0, str(Path(__file__).parent / "posts"))
import measure  # noqa: E402

POSTS = measure.posts()

# 26 posts: the first 20 (485 claims) gave 116 of 124 errors caught, 39 unchecked and no false alarm;
# kaifeng, murali806, datamapu and webmastervetea were held out until measured, then gopikrishtummala
# and therishiraj (first sight: 10 of 13 errors caught, 3 false alarms, 23 of 104 claims unchecked), then
# dummyilh and venkatareddykonasani (first sight: 12 of 13 caught, 1 false alarm, 7 of 55 unchecked)
CAUGHT_AT_LEAST = 170        # real errors caught, of 184
UNCHECKED_AT_MOST = 62       # claims unchecked, of 778
# kaifeng 68 and 99 and gopikrishtummala 78 were false alarms until their truth entries were brought to
# the corpus's convention for a working that re-quotes an earlier wrong figure (carried, as kaifeng 76 and
# gopikrishtummala 60 and 80 already were); their notes give the hand arithmetic
FALSE_ALARMS_AT_MOST = 0
CARRIED_ROUNDINGS_AT_MOST = 0   # right by the post's own rounding, called wrong


def test_the_corpus_has_at_least_twelve_posts_each_with_source_licence_and_truth():
    assert len(POSTS) >= 12
    for folder in POSTS:
        truth = tomllib.loads((folder / "truth.toml").read_text(encoding="utf-8"))
        source = truth["source"]
        assert source["url"].startswith("https://") and source["licence"], folder.name
        assert truth["claim"], folder.name
        for claim in truth["claim"]:
            assert claim["verdict"] in ("ok", "wrong") and isinstance(claim["line"], int), (folder.name, claim)
            if claim["verdict"] == "wrong":
                assert claim.get("error", "primary") in ("primary", "carried"), (folder.name, claim)


@pytest.mark.parametrize("folder", POSTS, ids=[p.name for p in POSTS])
def test_each_truth_table_is_computed_independently_and_runs(folder):
    script = folder / "truth.py"
    assert "import derive" not in script.read_text(encoding="utf-8")
    subprocess.run([sys.executable, str(script)], check=True, capture_output=True, timeout=120)


def test_verify_on_the_corpus_does_no_worse_than_recorded():
    scores = [measure.score(folder) for folder in POSTS]
    caught = sum(s.caught for s in scores)
    unchecked = sum(s.unchecked for s in scores)
    alarms = [(s.post, line) for s in scores for line in s.false_alarms]
    print(measure.table(scores))
    assert caught >= CAUGHT_AT_LEAST
    assert unchecked <= UNCHECKED_AT_MOST
    assert len(alarms) <= FALSE_ALARMS_AT_MOST, alarms
    assert sum(len(s.carried_roundings) for s in scores) <= CARRIED_ROUNDINGS_AT_MOST


def test_a_wrong_figure_of_written_numbers_alone_gets_no_cause_from_the_network():
    """e^{0.1739} = 1.1904 (the post's slip in the exponential) names nothing of the network: it is
    wrong, with the right figure, and no 'missing consumer term' of a sum it has nothing to do with."""
    from derive.verify import Checker, verify_text
    folder = next(p for p in POSTS if p.name == "ahammadnafiz_backprop_by_hand")
    result = derive.derive(derive.load(str(folder / "spec.toml")))
    report = verify_text(Checker(result), (folder / "post.md").read_text(encoding="utf-8"), "post.md")
    slips = [c for c in report.claims if c.text.startswith(("e^{0.1739}", r"\frac{1.0543}", r"\frac{0.9925}"))]
    assert len(slips) == 3 and all(c.verdict == "wrong" for c in slips)
    assert not any("consumer term" in c.reason for c in slips), [c.reason for c in slips]
