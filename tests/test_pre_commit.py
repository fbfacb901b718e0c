"""The derive-verify hook of .pre-commit-hooks.yaml, run by the real pre-commit over a blog's repo.

pre-commit installs this repo (a snapshot of the working tree, committed in a temporary repo) into a
virtualenv of its own, as it would for a user's config, and runs the hook on the blog's posts.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys

import pytest

from helpers import ROOT
from renderers import need

BODY = r"""
The hidden unit: $out_{h1} = \frac{1}{1 + e^{-net_{h1}}} = 0.593269992$.

$$
\frac{\partial E_{total}}{\partial w_5} = 0.0822
$$
"""
FRONT = "---\ntitle: {title}\nderive:\n  spec: mazur\n---\n"
GIT_IDENTITY = {"GIT_AUTHOR_NAME": "derive tests", "GIT_AUTHOR_EMAIL": "tests@derive.invalid",
                "GIT_COMMITTER_NAME": "derive tests", "GIT_COMMITTER_EMAIL": "tests@derive.invalid"}


def need_pre_commit() -> None:
    if importlib.util.find_spec("pre_commit") is not None:
        return
    message = "pre-commit not installed (the test extras install it)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def git(*args: str, cwd) -> str:
    done = subprocess.run(["git", "-c", "commit.gpgsign=false", *args], cwd=cwd, capture_output=True, text=True,
                          env=os.environ | GIT_IDENTITY)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory):
    """This repo's working tree as it is now (tracked and new files), committed: (path, commit)."""
    need("git")
    snapshot = tmp_path_factory.mktemp("derive-repo")
    files = git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=ROOT).split("\0")
    for name in filter(None, files):
        if (ROOT / name).is_file():
            (snapshot / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, snapshot / name)
    git("init", "-q", cwd=snapshot)
    git("add", "-A", cwd=snapshot)
    git("commit", "-q", "-m", "snapshot", cwd=snapshot)
    return snapshot, git("rev-parse", "HEAD", cwd=snapshot).strip()


def run_hooks(blog, home) -> subprocess.CompletedProcess:
    git("add", "-A", cwd=blog)
    return subprocess.run([sys.executable, "-m", "pre_commit", "run", "--all-files", "--color", "never"], cwd=blog,
                          capture_output=True, text=True, timeout=600,
                          # the report's width, as a pipe gets it where the runner sets no COLUMNS (xdist does)
                          env=os.environ | GIT_IDENTITY | {"PRE_COMMIT_HOME": str(home), "COLUMNS": "100"})


def test_the_hook_fails_on_the_wrong_post_and_passes_once_it_is_fixed(hook_repo, tmp_path):
    need_pre_commit()
    repo, commit = hook_repo
    blog = tmp_path / "blog"
    (blog / "posts").mkdir(parents=True)
    git("init", "-q", cwd=blog)
    (blog / ".pre-commit-config.yaml").write_text(
        f"repos:\n-   repo: {repo}\n    rev: {commit}\n    hooks:\n    -   id: derive-verify\n")
    (blog / "posts" / "right.md").write_text(FRONT.format(title="Right") + BODY)
    (blog / "posts" / "wrong.md").write_text(FRONT.format(title="Wrong") + BODY.replace("0.0822", "0.0823"))
    (blog / "posts" / "about.md").write_text("# About\n\nNo derivation here: $a = 1$.\n")   # no derive: key
    (blog / "README.md").write_text("# Blog\n")

    done = run_hooks(blog, tmp_path / "pre-commit-home")
    out = done.stdout + done.stderr
    assert done.returncode == 1, out
    assert "derive verify" in out and "Failed" in out and "Traceback" not in out
    wrong = out.split("posts/wrong.md:\n", 1)[1].splitlines()
    assert wrong[1].startswith("✗ 10  \\frac{\\partial E_{total}}{\\partial w_5} = 0.0823  expected 0.0822"), out
    assert "✗" not in out.split("posts/right.md:\n", 1)[1].split("posts/wrong.md:")[0]
    assert "posts/about.md: skipped" in out and "README.md: skipped" in out

    (blog / "posts" / "wrong.md").write_text(FRONT.format(title="Wrong no more") + BODY)
    done = run_hooks(blog, tmp_path / "pre-commit-home")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "derive verify" in done.stdout and "Passed" in done.stdout
