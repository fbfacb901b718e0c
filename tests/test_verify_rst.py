"""verify on reStructuredText (Sphinx, Read the Docs): each equation of a `.. math::` directive at its own line
(blank-line-separated paragraphs of the block are separate displays; :label: and :nowrap: options are no math),
an argument on the directive's line, inline :math:`…` roles, and no math read in literal or code blocks."""

from __future__ import annotations

import subprocess
import sys

import pytest

import derive
from derive.verify import Checker, verify_text
from derive.verify.regions import scan
from derive.verify.rst_regions import is_rst

POST = """Gradients
=========

The output error is :math:`\\frac{\\partial E_{total}}{\\partial out_{o1}} = 0.74136507`.

.. math::
   :label: eq-w5

   \\frac{\\partial E_{total}}{\\partial w_5} = 0.082167041

   \\frac{\\partial E_{total}}{\\partial w_6} = 0.5

.. math:: net_{o1} = 1.105905967

.. note::

   And :math:`\\frac{\\partial E_{total}}{\\partial w_5} = 0.08`.

A literal block::

    :math:`w_5 = 3`

.. code-block:: python

   # .. math:: w_5 = 3
"""


@pytest.fixture(scope="module")
def mazur():
    return Checker(derive.derive(derive.load("mazur")))


def test_every_equation_of_a_math_directive_and_every_role_at_its_line(mazur):
    claims = [(c.line, c.verdict) for c in verify_text(mazur, POST, "post.rst").claims]
    assert claims == [(4, "ok"), (9, "ok"), (11, "wrong"), (13, "ok"), (17, "ok")]      # 0.08: 0.0827, rounded


def test_a_document_is_rst_by_its_name_or_its_directives():
    assert is_rst("", "notes.rst") and is_rst(".. math::\n\n   a = b\n") and is_rst("see :math:`a = b`\n")
    assert not is_rst("A Markdown post that shows Sphinx's `:math:` role and $a = b$.\n", "post.md")
    assert not is_rst("# Title\n\n$$a = b$$\n")
    assert [r.text.strip() for r in scan(".. math::\n   :nowrap:\n\n   a = b\n   + c\n\n   d = e\n", "x.rst")] == \
        ["a = b\n   + c", "d = e"]


def test_the_cli_reads_an_rst_file(tmp_path):
    post = tmp_path / "gradients.rst"
    post.write_text(POST)
    done = subprocess.run([sys.executable, "-m", "derive", "verify", "mazur", str(post)], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 1, done.stderr            # wrong claims found: exit 1
    assert "✗ 11" in done.stdout and "4 right, 1 wrong, 0 unchecked" in done.stdout, done.stdout
