from __future__ import annotations

import argparse
import hashlib
import importlib
import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from action_gateway.cli import _openapi_document, build_parser, main
from tests.shared_specs import REPO_ROOT


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "gateway.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _connection(**actions: object) -> dict[str, object]:
    return {
        "id": "acme",
        "platform": "shopify",
        "shop": "acme.myshopify.com",
        "access_token_env": "ACME_TOKEN_FOR_CLI_TEST",
        "actions": actions,
    }


@pytest.mark.parametrize(
    ("token", "status", "says"),
    [("shpat_x", 0, "ok (1 connection(s))"), (None, 1, "ACME_TOKEN_FOR_CLI_TEST")],
    ids=["ok", "without_the_token_variable_fails"],
)
def test_check_config_reads_the_token_variable(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    token: str | None,
    status: int,
    says: str,
) -> None:
    if token is None:
        monkeypatch.delenv("ACME_TOKEN_FOR_CLI_TEST", raising=False)
    else:
        monkeypatch.setenv("ACME_TOKEN_FOR_CLI_TEST", token)
    path = _write(tmp_path, {"connections": [_connection()]})
    assert main(["check-config", str(path)]) == status
    output = capsys.readouterr()
    assert says in (output.out if status == 0 else output.err)


def test_check_config_refuses_widening_and_unknown_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    narrowing = {
        "refund_order": {"payment": ["unpaid"]},
        "cancel_order": {"nowhere": ["x"]},
    }
    path = _write(tmp_path, {"connections": [_connection(narrowing=narrowing)]})
    assert main(["check-config", "--skip-env", str(path)]) == 1
    err = capsys.readouterr().err
    assert "refund_order" in err
    assert "nowhere" in err


def test_check_config_subscription_connections_need_a_commerce_link(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    unlinked = {"connections": [{"id": "og", "platform": "ordergroove", "access_token_env": "OG"}]}
    assert main(["check-config", "--skip-env", str(_write(tmp_path, unlinked))]) == 1
    assert "needs `linked_connection`" in capsys.readouterr().err
    dangling = {"connections": [{**unlinked["connections"][0], "linked_connection": "x"}]}
    assert main(["check-config", "--skip-env", str(_write(tmp_path, dangling))]) == 1
    assert "is not a configured commerce connection" in capsys.readouterr().err
    og = {**unlinked["connections"][0], "linked_connection": "acme"}
    linked = {"connections": [_connection(), og]}
    assert main(["check-config", "--skip-env", str(_write(tmp_path, linked))]) == 0


def test_committed_openapi_matches_the_app() -> None:
    committed = (REPO_ROOT / "openapi" / "openapi.json").read_text(encoding="utf-8")
    assert committed == _openapi_document(), "run `action-gateway openapi` and commit the file"


def test_openapi_check_detects_a_stale_file(tmp_path: Path) -> None:
    stale = tmp_path / "openapi.json"
    stale.write_text(json.dumps({"openapi": "3.1.0"}), encoding="utf-8")
    assert main(["openapi", "--check", "--output", str(stale)]) == 1
    assert main(["openapi", "--output", str(stale)]) == 0
    assert main(["openapi", "--check", "--output", str(stale)]) == 0


def test_hash_key_prints_the_sha256_of_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    key = "k" * 40
    monkeypatch.setattr("sys.stdin", io.StringIO(key + "\n"))
    assert main(["hash-key"]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == hashlib.sha256(key.encode()).hexdigest()
    assert key not in out + err


@pytest.mark.parametrize(("given", "code", "message"), [("", 1, "on stdin"), (" x ", 1, "spaces")])
def test_hash_key_refuses_empty_or_padded_keys(
    given: str,
    code: int,
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(given))
    assert main(["hash-key"]) == code
    assert message in capsys.readouterr().err


def test_hash_key_warns_about_short_keys(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("short"))
    assert main(["hash-key"]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == hashlib.sha256(b"short").hexdigest()
    assert "easy to guess" in err


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10"])
def test_serve_refuses_a_non_loopback_address_without_callers(
    host: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import uvicorn

    def must_not_run(*args: object, **kwargs: object) -> None:
        raise AssertionError("uvicorn.run was called")

    monkeypatch.setattr(uvicorn, "run", must_not_run)
    monkeypatch.delenv("ACTION_GATEWAY_CONFIG", raising=False)
    assert main(["serve", "--host", host, "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert f"refusing to serve on {host} without callers" in err
    assert "hash-key" in err


def test_serve_binds_any_address_once_callers_are_configured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    served: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: served.update(kwargs))
    monkeypatch.setenv("ACME_TOKEN_FOR_CLI_TEST", "shpat_x")
    caller = {
        "id": "helpdesk",
        "key_sha256": hashlib.sha256(b"k" * 40).hexdigest(),
        "connections": "*",
        "actions": "*",
    }
    path = _write(tmp_path, {"connections": [_connection()], "callers": [caller]})
    assert main(["serve", "--config", str(path), "--host", "0.0.0.0", "--port", "0"]) == 0
    assert served["host"] == "0.0.0.0"


def _caller() -> dict[str, object]:
    return {
        "id": "helpdesk",
        "key_sha256": hashlib.sha256(b"k" * 40).hexdigest(),
        "connections": "*",
        "actions": "*",
    }


class _RecordedRun:
    """Stands in for ``uvicorn.run``: records its arguments instead of serving."""

    def __init__(self) -> None:
        self.calls: list[tuple[tuple[object, ...], dict[str, object]]] = []

    def __call__(self, *args: object, **kwargs: object) -> None:
        self.calls.append((args, kwargs))


@pytest.fixture
def recorded_run(monkeypatch: pytest.MonkeyPatch) -> _RecordedRun:
    import uvicorn

    recorder = _RecordedRun()
    monkeypatch.setattr(uvicorn, "run", recorder)
    monkeypatch.setenv("ACME_TOKEN_FOR_CLI_TEST", "shpat_x")
    # serve exports the validated config path for its workers: restore it after each test.
    monkeypatch.setenv("ACTION_GATEWAY_CONFIG", "/nonexistent/restored-after-the-test.yaml")
    for name in ("ACTION_GATEWAY_WORKERS", "ACTION_GATEWAY_REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    return recorder


@pytest.fixture
def redis_url(recorded_run: _RecordedRun, monkeypatch: pytest.MonkeyPatch) -> None:
    """A shared Redis is configured (after ``recorded_run`` cleared it), as several workers need."""
    monkeypatch.setenv("ACTION_GATEWAY_REDIS_URL", "redis://127.0.0.1:6379/0")


Refused = Callable[[list[str]], str]


@pytest.fixture
def refused(recorded_run: _RecordedRun, capsys: pytest.CaptureFixture[str]) -> Refused:
    """Runs ``main(argv)``, checks it exits 2 without starting the server, returns its stderr."""

    def serve_refused(argv: list[str]) -> str:
        assert main(argv) == 2
        assert recorded_run.calls == []
        return capsys.readouterr().err

    return serve_refused


def test_serve_one_worker_runs_the_validated_app_in_process(
    tmp_path: Path, recorded_run: _RecordedRun
) -> None:
    from fastapi import FastAPI

    path = _write(tmp_path, {"connections": [_connection()], "callers": [_caller()]})
    assert main(["serve", "--config", str(path), "--host", "0.0.0.0", "--port", "0"]) == 0
    [(args, kwargs)] = recorded_run.calls
    assert len(args) == 1
    assert isinstance(args[0], FastAPI)
    expected = {
        "host": "0.0.0.0",
        "port": 0,
        "log_level": "info",
        "access_log": False,
        "timeout_graceful_shutdown": 20,  # the default 15 s deadline + 5
    }
    assert {name: kwargs.get(name) for name in expected} == expected
    assert "workers" not in kwargs
    assert "factory" not in kwargs


@pytest.mark.usefixtures("redis_url")
def test_serve_several_workers_run_the_app_factory(
    tmp_path: Path, recorded_run: _RecordedRun
) -> None:
    import os

    path = _write(tmp_path, {"connections": [_connection()], "callers": [_caller()]})
    argv = ["serve", "--config", str(path), "--host", "0.0.0.0", "--port", "0", "--workers", "3"]
    assert main(argv) == 0
    [(args, kwargs)] = recorded_run.calls
    assert args == ("action_gateway.app:create_app_from_env",)
    expected = {
        "factory": True,
        "workers": 3,
        "host": "0.0.0.0",
        "port": 0,
        "log_level": "info",
        "access_log": False,
        "timeout_graceful_shutdown": 20,
    }
    assert {name: kwargs.get(name) for name in expected} == expected
    # Each worker reads its config from the environment: the file validated here.
    assert os.environ["ACTION_GATEWAY_CONFIG"] == str(path.resolve())


@pytest.mark.usefixtures("redis_url")
def test_serve_workers_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, recorded_run: _RecordedRun
) -> None:
    monkeypatch.setenv("ACTION_GATEWAY_WORKERS", "2")
    path = _write(tmp_path, {"connections": [_connection()], "callers": [_caller()]})
    monkeypatch.setenv("ACTION_GATEWAY_CONFIG", str(path))
    assert main(["serve", "--host", "127.0.0.1", "--port", "0"]) == 0
    [(_, kwargs)] = recorded_run.calls
    assert kwargs["workers"] == 2
    assert kwargs["factory"] is True


@pytest.mark.parametrize("how", ["flag", "env"])
def test_serve_refuses_several_workers_without_redis(
    how: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, refused: Refused
) -> None:
    path = _write(tmp_path, {"connections": [_connection()], "callers": [_caller()]})
    argv = ["serve", "--config", str(path), "--host", "0.0.0.0", "--port", "0"]
    if how == "flag":
        argv += ["--workers", "4"]
    else:
        monkeypatch.setenv("ACTION_GATEWAY_WORKERS", "4")
    err = refused(argv)
    assert "idempotency across workers needs Redis" in err
    assert "ACTION_GATEWAY_REDIS_URL" in err
    assert "twice" in err


@pytest.mark.usefixtures("redis_url")
def test_serve_several_workers_still_refuse_a_non_loopback_address_without_callers(
    tmp_path: Path, refused: Refused
) -> None:
    path = _write(tmp_path, {"connections": [_connection()]})
    argv = ["serve", "--config", str(path), "--host", "0.0.0.0", "--workers", "3"]
    assert "refusing to serve on 0.0.0.0 without callers" in refused(argv)


@pytest.mark.usefixtures("redis_url")
def test_serve_several_workers_validate_the_config_before_binding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, refused: Refused
) -> None:
    monkeypatch.delenv("ACME_TOKEN_FOR_CLI_TEST")
    path = _write(tmp_path, {"connections": [_connection()], "callers": [_caller()]})
    assert "ACME_TOKEN_FOR_CLI_TEST" in refused(["serve", "--config", str(path), "--workers", "3"])


@pytest.mark.usefixtures("redis_url")
def test_serve_refuses_the_sandbox_with_several_workers(
    monkeypatch: pytest.MonkeyPatch, refused: Refused
) -> None:
    monkeypatch.delenv("ACTION_GATEWAY_CONFIG")
    assert "sandbox" in refused(["serve", "--port", "0", "--workers", "2"])


@pytest.mark.usefixtures("redis_url")
def test_serve_runs_a_config_with_sandbox_connections_in_one_process_only(
    tmp_path: Path, recorded_run: _RecordedRun, refused: Refused
) -> None:
    from fastapi import FastAPI

    sandbox = {"id": "try-shopify", "platform": "shopify", "sandbox": True}
    path = _write(tmp_path, {"connections": [_connection(), sandbox], "callers": [_caller()]})
    argv = ["serve", "--config", str(path), "--port", "0", "--workers", "2"]
    assert "without sandbox connections" in refused(argv)
    assert main(["serve", "--config", str(path), "--port", "0"]) == 0
    [(args, _)] = recorded_run.calls
    assert isinstance(args[0], FastAPI)


@pytest.fixture
def without_the_sandbox_package(monkeypatch: pytest.MonkeyPatch) -> None:
    """The gateway installed alone, as in its image: the simulators' package cannot be imported."""
    for name in ("action_gateway_sandbox", "action_gateway_sandbox.connections"):
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("action_gateway_sandbox.connections")


SANDBOX_PACKAGE_MISSING = (
    "the sandbox needs the action-gateway-sandbox package (pip install -e ./sandbox"
)


@pytest.mark.usefixtures("without_the_sandbox_package")
@pytest.mark.parametrize("given", ["no config", "a config with sandbox connections"])
def test_serve_without_the_sandbox_package_says_so_and_does_not_start(
    given: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, refused: Refused
) -> None:
    argv = ["serve", "--port", "0"]
    if given == "no config":
        monkeypatch.delenv("ACTION_GATEWAY_CONFIG")
    else:
        sandbox = {"id": "try-shopify", "platform": "shopify", "sandbox": True}
        argv += ["--config", str(_write(tmp_path, {"connections": [_connection(), sandbox]}))]
    err = refused(argv)
    assert err.startswith("action-gateway: invalid configuration\n")
    assert SANDBOX_PACKAGE_MISSING in err
    assert "Traceback" not in err


@pytest.mark.usefixtures("without_the_sandbox_package")
def test_serve_runs_real_platforms_without_the_sandbox_package(
    tmp_path: Path, recorded_run: _RecordedRun
) -> None:
    from fastapi import FastAPI

    path = _write(tmp_path, {"connections": [_connection()]})
    assert main(["serve", "--config", str(path), "--port", "0"]) == 0
    [(args, _)] = recorded_run.calls
    assert isinstance(args[0], FastAPI)


@pytest.mark.parametrize("workers", ["0", "65"])
def test_serve_refuses_a_worker_count_out_of_range(workers: str, refused: Refused) -> None:
    assert "workers" in refused(["serve", "--port", "0", "--workers", workers])


def test_serve_graceful_shutdown_covers_the_longest_connection_deadline(
    tmp_path: Path, recorded_run: _RecordedRun
) -> None:
    slow = {**_connection(), "id": "slow", "deadline_seconds": 40.5}
    config = {"connections": [_connection(), slow], "callers": [_caller()]}
    assert main(["serve", "--config", str(_write(tmp_path, config)), "--port", "0"]) == 0
    [(_, kwargs)] = recorded_run.calls
    assert kwargs["timeout_graceful_shutdown"] == 46  # ceil(40.5) + 5


async def test_app_factory_builds_the_app_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, recorded_run: _RecordedRun
) -> None:
    import httpx

    from action_gateway.app import create_app_from_env

    path = _write(tmp_path, {"connections": [_connection()], "callers": [_caller()]})
    monkeypatch.setenv("ACTION_GATEWAY_CONFIG", str(path))
    app = create_app_from_env()
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
            ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["connections"] == 1


# --- what a newcomer trips on ---------------------------------------------------------------

MANY_PROBLEMS = """\
deadline_seconds: 500
colour: blue
connections:
  - id: Acme Shop
    platform: shopify
    access_token_env: ACME_TOKEN_UNSET_FOR_CLI_TEST
    access_token: shpat_inline_canary
  - id: acme-bc
    platform: bigcommerce
    access_token_env: ACME_BC_TOKEN_FOR_CLI_TEST
  - id: acme-bc
    platform: bigcommerce
    store_hash: abc
    access_token_env: ACME_BC_TOKEN_FOR_CLI_TEST
    actions:
      narrowing:
        refund_order: {nowhere: [x]}
  - id: og
    platform: ordergroove
    linked_connection: nowhere
    access_token_env: ACME_BC_TOKEN_FOR_CLI_TEST
callers:
  - id: gladly
    key_sha256: not-a-hash
    connections: [acme-missing]
    actions: "*"
"""


def test_check_config_lists_every_problem_of_a_file_in_one_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ACME_BC_TOKEN_FOR_CLI_TEST", "x")
    monkeypatch.delenv("ACME_TOKEN_UNSET_FOR_CLI_TEST", raising=False)
    path = tmp_path / "gateway.yaml"
    path.write_text(MANY_PROBLEMS, encoding="utf-8")
    assert main(["check-config", str(path)]) == 1
    err = capsys.readouterr().err
    header, *lines = err.strip().splitlines()
    expected = [
        "connections.0.access_token: connection 'Acme Shop' has an inline secret",
        "deadline_seconds: Input should be less than or equal to 120",
        "colour: Extra inputs are not permitted",
        "connections.0.id: String should match pattern",
        "connections.1: a bigcommerce connection needs `store_hash`",
        "connections.2.id: connection id 'acme-bc' is used twice",
        "connections.3.linked_connection: connection 'og': linked_connection 'nowhere' is not",
        "callers.0.key_sha256.0: String should match pattern",
        "callers.0.connections: caller 'gladly': unknown connection(s) acme-missing",
        "connections.0.access_token_env: no token in the environment for: Acme Shop "
        "($ACME_TOKEN_UNSET_FOR_CLI_TEST)",
        "connections.2.actions.narrowing: refund_order.nowhere: unknown dimension",
    ]
    assert header == f"{path}: {len(lines)} problem(s)"
    assert len(lines) == len(expected), err
    for fragment in expected:
        assert sum(line.startswith(f"  - {fragment}") for line in lines) == 1, fragment
    assert "shpat_inline_canary" not in err


def test_serve_lists_every_problem_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ACME_BC_TOKEN_FOR_CLI_TEST", "x")
    path = tmp_path / "gateway.yaml"
    path.write_text(MANY_PROBLEMS, encoding="utf-8")
    assert main(["serve", "--config", str(path), "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "problem(s)" in err
    assert "used twice" in err
    assert "unknown dimension" in err  # the matrices' problems in the same run


@pytest.mark.parametrize("text", ["", "# nothing yet\n", "{}\n", "connections: []\n"])
def test_an_empty_config_is_a_warning_and_an_error_with_strict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    path = tmp_path / "gateway.yaml"
    path.write_text(text, encoding="utf-8")
    assert main(["check-config", str(path)]) == 0
    captured = capsys.readouterr()
    assert "warning" in captured.err
    assert "declares no connections" in captured.err
    assert "ok (0 connection(s))" in captured.out
    assert main(["check-config", "--strict", str(path)]) == 1
    captured = capsys.readouterr()
    assert f"{path}: 1 problem(s)" in captured.err
    assert "declares no connections" in captured.err
    assert "ok" not in captured.out


def test_serve_says_when_its_config_is_empty(
    tmp_path: Path, recorded_run: _RecordedRun, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "gateway.yaml"
    path.write_text("", encoding="utf-8")
    assert main(["serve", "--config", str(path), "--port", "0"]) == 0
    assert f"warning: {path}: the file declares no connections" in capsys.readouterr().err
    assert len(recorded_run.calls) == 1


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    from action_gateway import __version__

    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out == f"action-gateway {__version__}\n"


def _parsers() -> list[argparse.ArgumentParser]:
    parser = build_parser()
    [commands] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return [parser, *commands.choices.values()]


def test_every_command_and_argument_has_help_without_markup() -> None:
    parser = build_parser()
    [commands] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    helped = {choice.dest for choice in commands._choices_actions if choice.help}
    assert helped == set(commands.choices), "a subcommand without help"
    for each in _parsers():
        for action in each._actions:
            if isinstance(action, argparse._SubParsersAction):
                continue
            assert action.help, f"{each.prog}: {action.option_strings or action.dest} has no help"
        text = each.format_help()
        assert each.description, f"{each.prog} has no description"
        assert "``" not in text, f"{each.prog} --help shows literal markup:\n{text}"
        assert "%" not in text.replace("%s", ""), f"{each.prog}: unformatted %:\n{text}"


@pytest.mark.parametrize(
    ("arguments", "environment", "port"),
    [
        ([], {}, "8080"),
        (["PORT=9123"], {}, "9123"),
        ([], {"ACTION_GATEWAY_PORT": "9124"}, "9124"),
        (["PORT=9125"], {"ACTION_GATEWAY_PORT": "9124"}, "9125"),  # the explicit one wins
    ],
)
def test_make_run_honours_port_and_action_gateway_port(
    arguments: list[str], environment: dict[str, str], port: str
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACTION_GATEWAY_")}
    env.pop("PORT", None)
    ran = subprocess.run(
        ["make", "-n", "-s", "run", *arguments],
        cwd=REPO_ROOT,
        env={**env, **environment},
        capture_output=True,
        text=True,
        check=True,
    )
    [serve] = [line for line in ran.stdout.splitlines() if "action-gateway serve" in line]
    assert serve.endswith(f"serve --host 127.0.0.1 --port {port}")
