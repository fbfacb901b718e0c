"""LaTeX -> PDF with latexmk (TeX Live), in a temporary folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import DeriveError

INSTALL_HINT = ("apt-get install texlive-latex-base texlive-latex-recommended texlive-pictures latexmk lmodern")
TIMEOUT_SECONDS = 300
# The same PDF bytes on every run (reproducible builds): TeX reads its dates from SOURCE_DATE_EPOCH;
# derive uses the caller's, else this fixed one (2026-01-01).
DEFAULT_SOURCE_DATE_EPOCH = "1767225600"
# kpathsea reads these from the environment: no shell commands, and no reading or writing outside
# the build folder by a path a document names (a user template's \input{/etc/passwd}).
SANDBOX = {"shell_escape": "f", "openin_any": "p", "openout_any": "p"}


def tex_environment() -> dict[str, str]:
    env = dict(os.environ, **SANDBOX, FORCE_SOURCE_DATE="1")
    env.setdefault("SOURCE_DATE_EPOCH", DEFAULT_SOURCE_DATE_EPOCH)
    return env


def compile_pdf(tex: str, name: str = "derive") -> bytes:
    """Compile a whole LaTeX document; a failure names the first TeX error."""
    if shutil.which("latexmk") is None or shutil.which("pdflatex") is None:
        raise DeriveError(f"--format pdf needs latexmk and pdflatex (TeX Live); install them with: {INSTALL_HINT}")
    with tempfile.TemporaryDirectory(prefix="derive-") as folder:
        source = Path(folder, f"{name}.tex")
        source.write_text(tex, encoding="utf-8")
        try:
            run = subprocess.run(["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", source.name],
                                 cwd=folder, capture_output=True, text=True, timeout=TIMEOUT_SECONDS,
                                 env=tex_environment())
        except subprocess.TimeoutExpired:
            raise DeriveError(f"latexmk did not finish within {TIMEOUT_SECONDS} s") from None
        pdf = Path(folder, f"{name}.pdf")
        if run.returncode != 0 or not pdf.exists():
            raise DeriveError(f"LaTeX failed: {first_error(Path(folder, f'{name}.log'))}")
        return pdf.read_bytes()


def first_error(log: Path) -> str:
    """The first '!' line of a TeX log, with the line number TeX gives after it."""
    if not log.exists():
        return "no log was written"
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    for i, text in enumerate(lines):
        if text.startswith("!"):
            where = next((l for l in lines[i + 1:i + 8] if l.startswith("l.")), "")
            return f"{text[1:].strip()} {where}".strip()
    return "see the LaTeX log"
