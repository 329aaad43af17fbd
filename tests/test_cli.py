from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from action_gateway.cli import _openapi_document, main
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


def test_check_config_ok(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ACME_TOKEN_FOR_CLI_TEST", "shpat_x")
    path = _write(tmp_path, {"connections": [_connection()]})
    assert main(["check-config", str(path)]) == 0
    assert "ok (1 connection(s))" in capsys.readouterr().out


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


def test_check_config_without_the_token_variable_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, {"connections": [_connection()]})
    assert main(["check-config", str(path)]) == 1
    assert "ACME_TOKEN_FOR_CLI_TEST" in capsys.readouterr().err


def test_check_config_subscription_connections_need_a_commerce_link(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    unlinked = {"connections": [{"id": "og", "platform": "ordergroove", "access_token_env": "OG"}]}
    assert main(["check-config", "--skip-env", str(_write(tmp_path, unlinked))]) == 1
    assert "needs `linked_connection`" in capsys.readouterr().err
    dangling = {
        "connections": [
            {
                "id": "og",
                "platform": "ordergroove",
                "access_token_env": "OG",
                "linked_connection": "x",
            }
        ]
    }
    assert main(["check-config", "--skip-env", str(_write(tmp_path, dangling))]) == 1
    assert "is not a configured commerce connection" in capsys.readouterr().err
    linked = {
        "connections": [
            _connection(),
            {
                "id": "og",
                "platform": "ordergroove",
                "access_token_env": "OG",
                "linked_connection": "acme",
            },
        ]
    }
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
