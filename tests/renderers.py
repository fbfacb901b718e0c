"""Real renderers for the tests: present, or a failure under CI=true, or a skip on a developer's machine."""

from __future__ import annotations

import os
import shutil

import pytest


def need(*tools: str) -> None:
    missing = [t for t in tools if shutil.which(t) is None]
    if not missing:
        return
    message = f"{', '.join(missing)} not installed (the README's test command installs it)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)
