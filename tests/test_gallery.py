"""Golden files: the checked-in gallery is what derive writes now (regenerate: python tests/gallery.py)."""

import pytest

from gallery import ROOT, documents

DOCUMENTS = documents()


@pytest.mark.parametrize("path", sorted(DOCUMENTS), ids=lambda p: str(p.relative_to(ROOT)))
def test_gallery_file_is_current(path):
    assert path.exists(), f"{path} is missing: run python tests/gallery.py"
    assert path.read_text(encoding="utf-8") == DOCUMENTS[path], f"{path} is stale: run python tests/gallery.py"


def test_every_gallery_tex_has_its_pdf():
    for path in DOCUMENTS:
        if path.suffix == ".tex":
            assert path.with_suffix(".pdf").exists(), f"{path.with_suffix('.pdf')} is missing: run python tests/gallery.py"
