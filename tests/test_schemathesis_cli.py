"""`st run <served openapi.json> --checks all` (schemathesis 4) finds nothing, in both modes.

A real server each time: the sandbox as `make run` serves it (no callers: the document claims
no token), and the sandbox with a configured caller (every /v1 operation needs its bearer key,
which st is given). Every check runs; the examples per operation are bounded so both runs take
about a minute and a half together. schemathesis.toml (read from the repository root) tells the
positive-data check about the operations' business refusals that OpenAPI cannot state; st
is pointed at it explicitly and runs in a scratch directory (it keeps a crash cache there).
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.e2e_server import free_port, served_gateway, stop, wait_until_ready
from tests.sandbox_with_caller import CALLER_KEY
from tests.shared_specs import REPO_ROOT

ST = Path(sys.executable).parent / "st"


def _st_run(base_url: str, workdir: Path, *extra: str) -> str:
    # One worker: with two, Hypothesis's lambda-source cache races between threads and the run
    # ends in a Runtime Error of its own ("AST constructor recursion depth mismatch").
    command = [
        str(ST), "--no-color", "--config-file", str(REPO_ROOT / "schemathesis.toml"),
        "run", f"{base_url}/openapi.json", "--checks", "all", "--max-examples", "5",
        "--generation-deterministic", "--workers", "1", *extra,
    ]  # fmt: skip
    # In a scratch directory: st keeps a crash cache (.schemathesis/) where it runs.
    result = subprocess.run(
        command, cwd=workdir, capture_output=True, text=True, timeout=240, check=False
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    summary = re.search(r"(\d+) generated, (\d+) passed", output)
    assert summary, output[-3000:]
    generated, passed = map(int, summary.groups())
    assert generated > 500, output[-3000:]
    assert passed == generated, output[-3000:]
    operations = sum(
        len(methods) for methods in httpx.get(f"{base_url}/openapi.json").json()["paths"].values()
    )
    assert f"Selected: {operations}/{operations}" in output, output[-3000:]
    assert f"Tested: {operations}" in output, output[-3000:]
    for phase in ("Examples", "Coverage", "Fuzzing", "Stateful"):
        assert f"✅ {phase}" in output, output[-3000:]
    return output


def test_st_finds_nothing_against_the_sandbox(tmp_path: Path) -> None:
    with served_gateway(tmp_path / "server.log") as base_url:
        assert "security" not in str(httpx.get(f"{base_url}/openapi.json").json()["paths"])
        _st_run(base_url, tmp_path)


@contextmanager
def _server_with_a_caller(log_path: Path) -> Iterator[str]:
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", "--factory",
        "tests.sandbox_with_caller:sandbox_app_with_caller",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
    ]  # fmt: skip
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT)
        base_url = f"http://127.0.0.1:{port}"
        try:
            wait_until_ready(process, base_url, log_path, timeout=30)
            yield base_url
        finally:
            stop(process)


def test_st_finds_nothing_against_a_server_with_a_configured_caller(tmp_path: Path) -> None:
    with _server_with_a_caller(tmp_path / "server.log") as base_url:
        document = httpx.get(f"{base_url}/openapi.json").json()
        assert document["paths"]["/v1/actions"]["post"]["security"] == [{"HTTPBearer": []}]
        assert httpx.get(f"{base_url}/v1/connections").status_code == 401
        _st_run(base_url, tmp_path, "--header", f"Authorization: Bearer {CALLER_KEY}")
