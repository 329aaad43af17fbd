from __future__ import annotations

from pathlib import Path

import pytest

from action_gateway.config import ConfigError, load_config, parse_config
from action_gateway.domain.models import ActionName

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


HASH_A = "a" * 64
HASH_B = "b" * 64
ENV = {"ACME_SHOPIFY_TOKEN": "shpat_secret"}


def _with_callers(*callers: dict[str, object]) -> dict[str, object]:
    return {**GOOD, "callers": list(callers)}


def test_callers_load_with_scopes_and_rotation_hashes() -> None:
    config = parse_config(
        _with_callers(
            {
                "id": "gladly",
                "key_sha256": [HASH_A, HASH_B.upper()],
                "connections": ["acme-shopify"],
                "actions": ["refund_order"],
            },
            {"id": "reports", "key_sha256": "c" * 64, "connections": "*", "actions": []},
        ),
        environ=ENV,
    )
    assert config.callers is not None
    gladly, reports = config.callers
    assert gladly.key_sha256 == [HASH_A, HASH_B]  # normalised to lower case
    assert reports.actions == []
    assert reports.requests_per_minute == 600


def test_caller_hashes_can_come_from_the_environment() -> None:
    data = _with_callers(
        {"id": "gladly", "key_sha256_env": "GLADLY_KEY_SHA256", "connections": "*", "actions": "*"}
    )
    config = parse_config(data, environ={**ENV, "GLADLY_KEY_SHA256": f"{HASH_A}, {HASH_B}"})
    assert config.callers is not None
    assert config.callers[0].key_sha256 == [HASH_A, HASH_B]
    with pytest.raises(ConfigError, match=r"\$GLADLY_KEY_SHA256 must hold the hex SHA-256"):
        parse_config(data, environ={**ENV, "GLADLY_KEY_SHA256": "my-plain-key"})


@pytest.mark.parametrize(
    ("caller", "message"),
    [
        ({"id": "x", "key_sha256": "not-a-hash", "connections": "*", "actions": "*"}, "pattern"),
        ({"id": "x", "connections": "*", "actions": "*"}, "exactly one of `key_sha256`"),
        ({"id": "x", "key_sha256": HASH_A, "connections": ["nope"], "actions": "*"}, "unknown"),
        ({"id": "x", "key_sha256": HASH_A, "connections": "*", "actions": ["fly"]}, "actions"),
        ({"id": "x", "key_sha256": HASH_A, "actions": "*"}, "connections"),
        ({"id": "X:y", "key_sha256": HASH_A, "connections": "*", "actions": "*"}, "id"),
    ],
)
def test_bad_callers_are_refused_readably(caller: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config(_with_callers(caller), environ=ENV)


def test_two_callers_may_not_share_an_id_or_a_key() -> None:
    one = {"id": "a", "key_sha256": HASH_A, "connections": "*", "actions": "*"}
    with pytest.raises(ConfigError, match="used twice"):
        parse_config(_with_callers(one, {**one, "key_sha256": HASH_B}), environ=ENV)
    with pytest.raises(ConfigError, match="another caller's"):
        parse_config(_with_callers(one, {**one, "id": "b"}), environ=ENV)


def test_refund_ceilings_apply_to_refunding_actions_only() -> None:
    data = {**GOOD, "connections": [dict(GOOD["connections"][0])]}  # type: ignore[index]
    data["connections"][0]["actions"] = {  # type: ignore[index]
        "refund_ceilings": {"refund_order": {"support": "50", "*": "0"}}
    }
    ceilings = parse_config(data, environ=ENV).connections[0].actions.refund_ceilings
    assert {role: str(v) for role, v in ceilings[ActionName.REFUND_ORDER].items()} == {
        "support": "50",
        "*": "0",
    }
    data["connections"][0]["actions"] = {  # type: ignore[index]
        "refund_ceilings": {"edit_order_note": {"support": "1"}}
    }
    with pytest.raises(ConfigError, match="refunding actions only"):
        parse_config(data, environ=ENV)


@pytest.mark.parametrize(
    "shop", ["evil.example.com", "acme.myshopify.com.evil.io", "169.254.169.254", "acme"]
)
def test_a_shopify_shop_must_be_a_myshopify_host(shop: str) -> None:
    connection = {**GOOD["connections"][0], "shop": shop}  # type: ignore[index]
    with pytest.raises(ConfigError, match=r"not a \*\.myshopify\.com host"):
        parse_config({"connections": [connection]}, environ=ENV)
    # Naming the endpoint explicitly (a proxy, a test double) is the operator's decision.
    explicit = {**connection, "api_base_url": "https://shopify-proxy.internal"}
    assert parse_config({"connections": [explicit]}, environ=ENV).connections[0].shop == shop


def test_a_sandbox_connection_needs_no_token_nor_address() -> None:
    data = {
        "connections": [
            {"id": "try-shopify", "platform": "shopify", "sandbox": True},
            {"id": "try-bc", "platform": "bigcommerce", "sandbox": True},
            {
                "id": "try-og",
                "platform": "ordergroove",
                "sandbox": True,
                "linked_connection": "try-shopify",
            },
        ]
    }
    config = parse_config(data, environ={})
    assert [c.sandbox for c in config.connections] == [True, True, True]
    assert all(c.access_token is None for c in config.connections)  # the simulator makes one


@pytest.mark.parametrize(
    ("connection", "message"),
    [
        ({"sandbox": True, "access_token_env": "X"}, "a sandbox connection has no"),
        ({"sandbox": True, "api_base_url": "http://127.0.0.1:1"}, "a sandbox connection has no"),
        ({}, "needs `access_token_env`"),
    ],
)
def test_sandbox_and_real_connections_are_told_apart(
    connection: dict[str, object], message: str
) -> None:
    data = {
        "connections": [{"id": "x", "platform": "shopify", "shop": "x.myshopify.com", **connection}]
    }
    with pytest.raises(ConfigError, match=message):
        parse_config(data, environ={"X": "token"})


def test_sandbox_connections_are_served_by_simulators_next_to_real_ones() -> None:
    from action_gateway_sandbox.connections import with_simulators

    data = {
        "connections": [
            {**GOOD["connections"][0]},  # type: ignore[index]
            {"id": "try-shopify", "platform": "shopify", "sandbox": True},
        ]
    }
    sandbox = with_simulators(parse_config(data, environ=ENV))
    real, simulated = sandbox.config.connections
    assert real.shop == "acme.myshopify.com"
    assert real.token.get_secret_value() == "shpat_secret"
    assert set(sandbox.simulators) == set(sandbox.transports) == {"try-shopify"}
    assert simulated.shop == "sandbox-shop.myshopify.com"
    assert simulated.token.get_secret_value()  # a fresh token the simulator checks


def test_a_connections_phone_region_is_a_known_region() -> None:
    connection = {**GOOD["connections"][0], "phone_region": "gb"}  # type: ignore[dict-item]
    config = parse_config({"connections": [connection]}, environ={"ACME_SHOPIFY_TOKEN": "x"})
    assert config.connections[0].phone_region == "GB"
    with pytest.raises(ConfigError, match=r"connections\.0\.phone_region.*not a region"):
        parse_config(
            {"connections": [{**connection, "phone_region": "XX"}]},
            environ={"ACME_SHOPIFY_TOKEN": "x"},
        )


def test_the_default_phone_region_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pydantic import ValidationError

    from action_gateway.settings import Settings

    assert Settings(config=None).phone_region == "US"
    monkeypatch.setenv("ACTION_GATEWAY_PHONE_REGION", "de")
    assert Settings(config=None).phone_region == "DE"
    monkeypatch.setenv("ACTION_GATEWAY_PHONE_REGION", "Mars")
    with pytest.raises(ValidationError, match="not a region"):
        Settings(config=None)


@pytest.mark.parametrize("platform", ["woocommerce", ["shopify"], None])
def test_an_unknown_platform_is_refused_at_its_key(platform: object) -> None:
    connection = {**GOOD["connections"][0], "platform": platform}  # type: ignore[dict-item]
    with pytest.raises(ConfigError, match=r"connections\.0\.platform: Input should be"):
        parse_config({"connections": [connection]}, environ=ENV)


def test_a_platforms_own_keys_are_checked_at_their_key() -> None:
    og = {
        "id": "og",
        "platform": "ordergroove",
        "access_token_env": "ACME_SHOPIFY_TOKEN",
        "linked_connection": "acme-shopify",
        "currency": "usd",
        "shop": "acme.myshopify.com",
    }
    data = {"connections": [GOOD["connections"][0], og]}  # type: ignore[index]
    with pytest.raises(ConfigError) as info:
        parse_config(data, environ=ENV)
    assert "  - connections.1.currency: String should match pattern" in str(info.value)
    assert "  - connections.1.shop: Extra inputs are not permitted" in str(info.value)
