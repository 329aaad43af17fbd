"""The simulators stay out of production: they are a sibling distribution.

``action-gateway-sandbox`` (``sandbox/``, package ``action_gateway_sandbox``) holds the four
simulators and the sandbox's wiring; ``make install`` installs it beside the gateway for
``make run`` and the tests. The gateway's wheel (what its Docker image installs) holds none of
it, does not require graphql-core, and no gateway module imports it but the sandbox's one lazy
import in ``app.py``.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.shared_specs import REPO_ROOT
from tests.wheels import Wheel, build_wheel

GATEWAY = REPO_ROOT / "src" / "action_gateway"
SIMULATORS = REPO_ROOT / "sandbox" / "src" / "action_gateway_sandbox"
SANDBOX_PACKAGE = "action_gateway_sandbox"


def _py_files(package: Path) -> set[str]:
    return {
        path.relative_to(package).as_posix()
        for path in package.rglob("*.py")
        if "__pycache__" not in path.parts
    }


@pytest.fixture(scope="module")
def gateway_wheel(tmp_path_factory: pytest.TempPathFactory) -> Wheel:
    return build_wheel(REPO_ROOT, tmp_path_factory.mktemp("gateway-wheel"))


def test_the_gateway_wheel_holds_the_gateway_and_no_simulator(gateway_wheel: Wheel) -> None:
    assert gateway_wheel.path.name == "action_gateway-0.1.0-py3-none-any.whl"
    # Exactly the gateway's modules: the simulators are not among them, under any name.
    assert gateway_wheel.modules("action_gateway") == _py_files(GATEWAY)
    assert not [name for name in gateway_wheel.names if name.startswith(f"{SANDBOX_PACKAGE}/")]
    simulator_files = _py_files(SIMULATORS)
    assert {"shopify/simulator.py", "bigcommerce/simulator.py", "connections.py"} <= (
        simulator_files
    )
    assert not [name for name in gateway_wheel.names if "/sandbox/" in name]
    assert not gateway_wheel.modules("action_gateway") & simulator_files - {"__init__.py"}


def test_the_gateway_wheel_does_not_require_graphql_core(gateway_wheel: Wheel) -> None:
    required = gateway_wheel.requirement_names()
    assert {"fastapi", "httpx", "pydantic"} <= required  # the metadata was really read
    assert "graphql-core" not in required
    assert "action-gateway-sandbox" not in required


def test_the_sandbox_wheel_holds_the_simulators_and_requires_the_gateway(
    tmp_path: Path,
) -> None:
    wheel = build_wheel(REPO_ROOT / "sandbox", tmp_path)
    assert wheel.path.name == "action_gateway_sandbox-0.1.0-py3-none-any.whl"
    assert wheel.modules(SANDBOX_PACKAGE) == _py_files(SIMULATORS)
    assert wheel.modules("action_gateway") == set()
    assert wheel.requirement_names() == {"action-gateway", "graphql-core"}


def _imports_of_the_sandbox(path: Path) -> list[str]:
    """Where ``path`` imports the simulators: the enclosing function's name, or <module>."""
    found: list[str] = []

    def visit(node: ast.AST, scope: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                visit(child, child.name)
                continue
            modules: list[str] = []
            if isinstance(child, ast.Import):
                modules = [alias.name for alias in child.names]
            elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                modules = [child.module]
            if any(m.split(".")[0] == SANDBOX_PACKAGE for m in modules):
                found.append(scope)
            visit(child, scope)

    visit(ast.parse(path.read_text(encoding="utf-8")), "<module>")
    return found


def test_the_gateway_imports_the_simulators_once_lazily_in_app() -> None:
    imports = {
        path.relative_to(GATEWAY).as_posix(): where
        for path in sorted(GATEWAY.rglob("*.py"))
        if (where := _imports_of_the_sandbox(path))
    }
    assert imports == {"app.py": ["_simulated"]}
    # Nor by a name built at run time (importlib): the package is named nowhere else.
    named = {
        path.relative_to(GATEWAY).as_posix()
        for path in GATEWAY.rglob("*.py")
        if SANDBOX_PACKAGE in path.read_text(encoding="utf-8")
    }
    assert named == {"app.py"}


def test_the_finder_sees_an_import_of_the_simulators(tmp_path: Path) -> None:
    """Guards the test above against a walk that finds nothing."""
    module = tmp_path / "module.py"
    module.write_text(
        "import action_gateway_sandbox.shopify\n"
        "def f():\n    from action_gateway_sandbox.connections import build_sandbox\n",
        encoding="utf-8",
    )
    assert _imports_of_the_sandbox(module) == ["<module>", "f"]


def test_importing_every_gateway_module_loads_no_simulator_nor_graphql(tmp_path: Path) -> None:
    """The gateway, serving a real platform, never loads the simulators or graphql-core."""
    config = tmp_path / "gateway.yaml"
    config.write_text(
        "connections:\n"
        "  - {id: acme, platform: shopify, shop: acme.myshopify.com,"
        " access_token_env: ACME_TOKEN_FOR_PACKAGING_TEST}\n",
        encoding="utf-8",
    )
    script = textwrap.dedent(
        """
        import asyncio, importlib, pkgutil, sys
        import action_gateway
        from action_gateway.app import create_app
        from action_gateway.settings import Settings

        for info in pkgutil.walk_packages(action_gateway.__path__, "action_gateway."):
            if info.name != "action_gateway.__main__":  # it runs the command line
                importlib.import_module(info.name)
        app = create_app(Settings(config=sys.argv[1]))

        async def start_and_stop():
            async with app.router.lifespan_context(app):
                assert list(app.state.services.connections) == ["acme"]

        asyncio.run(start_and_stop())
        print(sorted(
            name for name in sys.modules
            if name.split(".")[0] in ("action_gateway_sandbox", "graphql")
        ))
        print(len([name for name in sys.modules if name.startswith("action_gateway.")]))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(config)],
        env={**os.environ, "ACME_TOKEN_FOR_PACKAGING_TEST": "shpat_x"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=REPO_ROOT,
    )
    assert result.returncode == 0, result.stderr
    loaded, gateway_modules = result.stdout.splitlines()[-2:]  # after the app's log lines
    assert loaded == "[]"
    assert int(gateway_modules) >= len(_py_files(GATEWAY)) - 2  # every module really imported
