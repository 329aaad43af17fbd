"""The README's "AI agents (MCP)" section: its client runs against a served sandbox and prints
what the README says, and its host configuration points at /mcp with a bearer key."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.e2e_server import served_gateway
from tests.shared_specs import REPO_ROOT


def _section() -> str:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    return readme.split("## AI agents (MCP)", 1)[1].split("\n## ", 1)[0]


def _fence(language: str) -> str:
    found = re.search(rf"```{language}\n(.*?)```", _section(), re.DOTALL)
    assert found is not None, f"no {language} block in the README's MCP section"
    return found.group(1)


def test_the_readme_mcp_client_runs_and_prints_what_the_readme_says(tmp_path: Path) -> None:
    with served_gateway(tmp_path / "server.log") as base_url:
        ran = subprocess.run(
            [sys.executable, "-c", _fence("python")],
            env={**os.environ, "ACTION_GATEWAY_URL": base_url},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == _fence("text")


def test_the_readme_host_configuration_names_mcp_and_a_bearer_key() -> None:
    # jsonc: the walkthrough's test reads every json block as the answer of a curl request.
    [server] = json.loads(_fence("jsonc"))["mcpServers"].values()
    assert server["type"] == "http"
    assert server["url"].endswith("/mcp")
    assert server["headers"]["Authorization"].startswith("Bearer ")
