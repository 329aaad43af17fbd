from __future__ import annotations

from pathlib import Path

import pytest

from action_gateway.config import ConfigError, load_config, parse_config

GOOD = {
    "deadline_seconds": 10,
    "connections": [
        {
            "id": "acme-shopify",
            "platform": "shopify",
            "shop": "acme.myshopify.com",
            "access_token_env": "ACME_SHOPIFY_TOKEN",
            "actions": {
                "allowed": ["cancel_order", "refund_order"],
                "roles": {"refund_order": ["lead"]},
                "narrowing": {"cancel_order": {"fulfillment": ["unfulfilled"]}},
            },
        }
    ],
}


def test_good_config_loads_token_as_secret() -> None:
    config = parse_config(GOOD, environ={"ACME_SHOPIFY_TOKEN": "shpat_secret"})
    connection = config.connections[0]
    assert connection.api_version == "2026-07"
    assert connection.token.get_secret_value() == "shpat_secret"
    assert "shpat_secret" not in repr(connection)
    assert "shpat_secret" not in connection.model_dump_json()
    assert config.deadline_for(connection) == 10


def test_missing_token_variable_is_reported() -> None:
    with pytest.raises(ConfigError, match=r"acme-shopify \(\$ACME_SHOPIFY_TOKEN\)"):
        parse_config(GOOD, environ={})


def test_inline_secret_is_refused() -> None:
    data = {"connections": [{**GOOD["connections"][0], "access_token": "shpat_inline"}]}  # type: ignore[dict-item]
    with pytest.raises(ConfigError, match="inline secret") as info:
        parse_config(data, environ={"ACME_SHOPIFY_TOKEN": "x"})
    assert "shpat_inline" not in str(info.value)


def test_readable_validation_errors() -> None:
    data = {
        "connections": [
            {"id": "Bad Id", "platform": "shopify", "access_token_env": "lower"},
            {"id": "bc", "platform": "bigcommerce", "access_token_env": "BC"},
        ]
    }
    with pytest.raises(ConfigError) as info:
        parse_config(data, environ={})
    message = str(info.value)
    assert "connections.0.id" in message
    assert "connections.0.access_token_env" in message
    assert "store_hash" in message


def test_load_config_reports_bad_yaml(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("connections: [\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(path)
