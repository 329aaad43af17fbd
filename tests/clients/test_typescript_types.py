"""TypeScript types generated from openapi/openapi.json compile against a typed usage file.

In clients/typescript: ``npm ci`` (only when node_modules is missing or was installed from
another package.json or lock file), openapi-typescript writes schema.d.ts from the spec, and
``tsc --noEmit`` checks usage.ts against it; a spec change that breaks that caller fails here
with the compiler's output. A second, deliberately wrong file proves the check can fail at
all.

Without node and npm the tests skip, or fail when ACTION_GATEWAY_REQUIRE_NODE=1 (CI).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.shared_specs import REPO_ROOT

PROJECT = REPO_ROOT / "clients" / "typescript"
SCHEMA = PROJECT / "schema.d.ts"
STAMP = PROJECT / "node_modules" / ".action-gateway-installed"


def _run(
    *command: str, cwd: Path = PROJECT, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )


def _check(result: subprocess.CompletedProcess[str], what: str) -> None:
    assert result.returncode == 0, f"{what} failed:\n{result.stdout}\n{result.stderr}"


def _lock_digest() -> str:
    digest = hashlib.sha256()
    for name in ("package.json", "package-lock.json"):
        digest.update((PROJECT / name).read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def typescript_project() -> Path:
    """clients/typescript with its packages installed and schema.d.ts generated from the spec."""
    missing = [tool for tool in ("node", "npm", "npx") if shutil.which(tool) is None]
    if missing:
        reason = f"{', '.join(missing)} not found: the TypeScript client check needs Node.js"
        if os.environ.get("ACTION_GATEWAY_REQUIRE_NODE") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    digest = _lock_digest()
    if not STAMP.is_file() or STAMP.read_text() != digest:
        _check(_run("npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"), "npm ci")
        STAMP.write_text(digest)
    _check(_run("npm", "run", "--silent", "generate"), "openapi-typescript")
    assert SCHEMA.is_file()
    return PROJECT


def test_usage_type_checks_against_the_generated_types(typescript_project: Path) -> None:
    result = _run("npx", "--no", "--", "tsc", "--noEmit", "-p", ".", cwd=typescript_project)
    assert result.returncode == 0, (
        "usage.ts does not compile against the types generated from openapi/openapi.json:\n"
        f"{result.stdout}\n{result.stderr}"
    )


WRONG = """\
import type {{ components, paths }} from {schema};

type ActionRequest = paths["/v1/actions"]["post"]["requestBody"]["content"]["application/json"];

export function code(problem: components["schemas"]["Problem"]): string {{
  return problem.error_code; // WRONG: no such field
}}

export const mismatched: ActionRequest = {{
  connection: "sandbox-shopify",
  action: "edit_order_note",
  target: {{ order_id: "5500001001" }},
  input: {{ reason: "customer" }}, // WRONG: a cancel's input under edit_order_note
}};
"""


def test_the_type_check_fails_on_a_wrong_field(typescript_project: Path, tmp_path: Path) -> None:
    source = WRONG.format(schema=json.dumps(str(typescript_project / "schema")))
    (tmp_path / "wrong.ts").write_text(source)
    tsconfig = {
        "extends": str(typescript_project / "tsconfig.json"),
        "compilerOptions": {"lib": ["ES2022"], "skipLibCheck": True},
        "include": ["wrong.ts"],
    }
    (tmp_path / "tsconfig.json").write_text(json.dumps(tsconfig))
    result = _run(
        "npx", "--no", "--", "tsc", "--noEmit", "-p", str(tmp_path), cwd=typescript_project
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0, f"tsc accepted a wrong file:\n{output}"
    wrong_lines = [n for n, line in enumerate(source.splitlines(), 1) if "// WRONG" in line]
    for line in wrong_lines:
        assert f"wrong.ts({line}," in output, f"no error reported on line {line}:\n{output}"
    assert "error TS2339: Property 'error_code' does not exist" in output, output
