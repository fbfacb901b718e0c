"""The gallery in reports/: one folder per preset with its generated documents.

Regenerate it with `python tests/gallery.py`; tests/test_gallery.py fails when it is stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

import derive

ROOT = Path(__file__).resolve().parent.parent
REPORTS = ROOT / "reports"
def documents() -> dict[Path, str]:
    """Every gallery file and the text it should hold now."""
    files = {}
    for name in derive.preset_names():
        result = derive.derive(derive.load(name))
        folder = REPORTS / name
        files[folder / "layer.md"] = derive.render(result, "markdown", "layer")
        if result.values is not None:  # a spec without numbers is written in the layer notation only
            files[folder / "neuron.md"] = derive.render(result, "markdown", "neuron")
            files[folder / "index.md"] = derive.render(result, "markdown", "index")
            files[folder / "numbers.json"] = derive.render(result, "json")
        if all(layer.activation != "g" for layer in result.spec.layers):
            files[folder / "gradients.py"] = derive.code(result.spec)
    return files


def main() -> int:
    for stale in REPORTS.glob("*/*"):
        stale.unlink()
    for path, text in documents().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
