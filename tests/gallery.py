"""The gallery in reports/: one folder per preset with its generated documents.

Regenerate it with `python tests/gallery.py`; tests/test_gallery.py fails when it is stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

import derive

ROOT = Path(__file__).resolve().parent.parent
REPORTS = ROOT / "reports"
FORMATS = {"markdown": "report.md", "json": "numbers.json"}


def documents() -> dict[Path, str]:
    """Every gallery file and the text it should hold now."""
    files = {}
    for name in derive.preset_names():
        result = derive.derive(derive.load(name))
        for fmt, filename in FORMATS.items():
            files[REPORTS / name / filename] = derive.render(result, fmt)
    return files


def main() -> int:
    for path, text in documents().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
