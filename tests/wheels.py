"""Building a wheel of this repository offline, and reading what it holds."""

from __future__ import annotations

import email
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Wheel:
    path: Path
    names: frozenset[str]
    """Every file the wheel holds, by its path inside it."""
    requires: tuple[str, ...]
    """Its METADATA's ``Requires-Dist`` values: what ``pip install`` of it pulls in."""

    def modules(self, package: str) -> set[str]:
        """The ``.py`` files under ``package`` (its import name), relative to it."""
        prefix = f"{package}/"
        return {
            name.removeprefix(prefix)
            for name in self.names
            if name.startswith(prefix) and name.endswith(".py")
        }

    def requirement_names(self) -> set[str]:
        """The distributions it requires (any extra), normalised as pip compares them."""
        names = set()
        for requirement in self.requires:
            name = requirement.split(";")[0].split("[")[0]
            for stop in "<>=!~ (":
                name = name.split(stop)[0]
            names.add(name.strip().lower().replace("_", "-"))
        return names


def build_wheel(source: Path, out: Path) -> Wheel:
    """The wheel pip builds from the project in ``source``, as the Docker builder does.

    Offline: no index, and the build backend (hatchling, a dev extra) is this venv's own.
    """
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-index",
            "--no-build-isolation",
            "--wheel-dir",
            str(out),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    [path] = out.glob("*.whl")
    with zipfile.ZipFile(path) as archive:
        names = frozenset(archive.namelist())
        [metadata] = [n for n in names if n.endswith(".dist-info/METADATA")]
        message = email.message_from_bytes(archive.read(metadata))
    return Wheel(path=path, names=names, requires=tuple(message.get_all("Requires-Dist") or ()))
