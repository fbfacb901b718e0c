"""The gallery in reports/: one folder per preset with its generated documents.

Regenerate it with `python tests/gallery.py`; tests/test_gallery.py fails when it is stale.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import derive

ROOT = Path(__file__).resolve().parent.parent
REPORTS = ROOT / "reports"
def presets() -> list[str]:
    """The gallery's presets, each a folder of reports/."""
    return list(derive.dense_preset_names()) + list(derive.typed_preset_names())


def preset_documents(name: str) -> dict[Path, str]:
    """The gallery files of one preset and the text each should hold now."""
    files = {}
    result = derive.derive(derive.load(name))
    folder = REPORTS / name
    if name not in derive.typed_preset_names():
        notation = result.spec.notation
        files[folder / "layer.md"] = derive.render(result, "markdown", "layer")
        files[folder / f"article-{notation}.tex"] = derive.render(result, "latex")
        files[folder / f"slides-{notation}.tex"] = derive.render(result, "beamer")
        if result.values is not None:  # a spec without numbers is written in the layer notation only
            files[folder / "neuron.md"] = derive.render(result, "markdown", "neuron")
            files[folder / "index.md"] = derive.render(result, "markdown", "index")
            files[folder / "numbers.json"] = derive.render(result, "json")
        if all(layer.activation != "g" for layer in result.spec.layers):
            files[folder / "gradients.py"] = derive.code(result.spec)
        return files
    files[folder / "index.md"] = derive.render(result, "markdown")
    files[folder / "article.tex"] = derive.render(result, "latex")
    files[folder / "slides.tex"] = derive.render(result, "beamer")
    if result.values is not None:
        files[folder / "numbers.json"] = derive.render(result, "json")
    files[folder / "gradients.py"] = derive.code(result.spec)
    return files


def documents() -> dict[Path, str]:
    """Every gallery file and the text it should hold now."""
    return {path: text for name in presets() for path, text in preset_documents(name).items()}


def main() -> int:
    for stale in REPORTS.glob("*/*"):
        stale.unlink()
    for path, text in documents().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(path.relative_to(ROOT))
        if path.suffix == ".tex":
            compile_pdf(path)
    # the README's picture: the first page of Mazur's article
    subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile",
                    str(REPORTS / "mazur" / "article-neuron.pdf"), str(REPORTS / "mazur" / "article-page-1")],
                   check=True)
    return 0


def compile_pdf(source: Path) -> None:
    """The PDF beside its .tex, reproducible (fixed dates), with no build files left behind."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": "0", "FORCE_SOURCE_DATE": "1"}
    subprocess.run(["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", source.name],
                   cwd=source.parent, check=True, capture_output=True, env=env)
    subprocess.run(["latexmk", "-c", source.name], cwd=source.parent, check=True, capture_output=True)
    for extra in ("nav", "snm", "vrb"):  # Beamer's files, which latexmk -c keeps
        source.with_suffix(f".{extra}").unlink(missing_ok=True)
    print(source.with_suffix(".pdf").relative_to(ROOT))


if __name__ == "__main__":
    sys.exit(main())
