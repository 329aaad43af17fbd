"""Access to the platforms' published contracts in ../shared/specs (never copied here).

A test that needs one skips with a reason when it is absent; with
ACTION_GATEWAY_REQUIRE_SHARED_SPECS=1 (set by .ci/run) the absence is a failure instead.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SHARED_SPECS = REPO_ROOT.parent / "shared" / "specs"


def shared_specs_dir() -> Path:
    return Path(os.environ.get("ACTION_GATEWAY_SHARED_SPECS", DEFAULT_SHARED_SPECS))


def require_spec(relative: str) -> Path:
    """The path of a spec file under the shared specs folder, or skip (fail in CI) without it."""
    path = shared_specs_dir() / relative
    if path.is_file():
        return path
    reason = (
        f"{path} is absent: set ACTION_GATEWAY_SHARED_SPECS to the folder holding the "
        "platforms' published specs"
    )
    if os.environ.get("ACTION_GATEWAY_REQUIRE_SHARED_SPECS") == "1":
        pytest.fail(reason)
    pytest.skip(reason)
