"""The layers contract (pyproject.toml, run by ``make check``) holds, and would catch a breach."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import action_gateway

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
PACKAGE = Path(action_gateway.__file__).parent


def _lint_imports(pythonpath: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_every_module_of_the_package_is_in_one_layer() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (contract,) = config["contracts"]
    assert contract["type"] == "layers"
    assert contract["exhaustive"] is True
    assert "ignore_imports" not in contract
    named = {m.strip() for layer in contract["layers"] for m in layer.split("|")}
    children = {p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"} | {
        p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()
    }
    assert named == children


def test_the_package_keeps_the_contract() -> None:
    result = _lint_imports()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 1 kept, 0 broken." in result.stdout


def test_an_import_pointing_up_breaks_it(tmp_path: Path) -> None:
    shutil.copytree(PACKAGE, tmp_path / "action_gateway")
    errors = tmp_path / "action_gateway" / "errors.py"
    errors.write_text(errors.read_text() + "\nimport action_gateway.timeline  # noqa\n")
    result = _lint_imports(pythonpath=tmp_path)
    assert result.returncode == 1
    assert "action_gateway.errors is not allowed to import action_gateway.timeline" in (
        result.stdout
    )
