"""A Magento connection's settings (its address, store code and the credentials of each mode) and
what its spec tells callers."""

from __future__ import annotations

from pathlib import Path

import pytest

from action_gateway.cli import main
from action_gateway.config import ConfigError, parse_config
from tests.helpers import running_sandbox
from tests.platforms.magento.helpers import CREDENTIALS, OAUTH_CONNECTION, magento_connection


def test_the_api_lives_under_the_store_code() -> None:
    assert magento_connection().base_url == "https://shop.example.com/rest/default"
    connection = magento_connection(store_code="de_de", base_url="https://shop.example.com/")
    assert connection.base_url == "https://shop.example.com/rest/de_de"


def test_oauth_credentials_are_read_from_the_environment_and_never_shown() -> None:
    connection = magento_connection()
    assert connection.secret("consumer_secret").get_secret_value() == "consumer-secret"
    assert "consumer-secret" not in repr(connection)
    assert "consumer-secret" not in connection.model_dump_json()


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"consumer_secret_env": None}, "missing: `consumer_secret_env`"),
        ({"base_url": None}, "needs `base_url`"),
        ({"base_url": "http://shop.example.com"}, "must start with https://"),
        ({"auth": "bearer"}, "`auth: bearer` needs `access_token_env` only"),
    ],
)
def test_check_config_explains_what_each_mode_needs(changes: dict[str, str], problem: str) -> None:
    document = {k: v for k, v in {**OAUTH_CONNECTION, **changes}.items() if v is not None}
    with pytest.raises(ConfigError, match=problem) as refused:
        parse_config({"connections": [document]}, environ=CREDENTIALS)
    if "consumer_secret_env" in changes:
        assert "With `auth: bearer`" in str(refused.value)


def test_a_named_variable_missing_from_the_environment_is_reported_by_name() -> None:
    environ = {k: v for k, v in CREDENTIALS.items() if k != "MAGENTO_TOKEN_SECRET"}
    with pytest.raises(ConfigError) as refused:
        parse_config({"connections": [OAUTH_CONNECTION]}, environ=environ)
    assert "connections.0.access_token_secret_env: no access token secret in the environment " in (
        str(refused.value)
    )
    assert "$MAGENTO_TOKEN_SECRET" in str(refused.value)


def test_bearer_mode_needs_the_access_token_only() -> None:
    connection = magento_connection(
        auth="bearer",
        consumer_key_env=None,
        consumer_secret_env=None,
        access_token_secret_env=None,
    )
    assert connection.settings.secret_env_vars() == {}


def test_a_secret_written_in_the_file_is_refused() -> None:
    with pytest.raises(ConfigError, match="inline secret"):
        parse_config(
            {"connections": [{**OAUTH_CONNECTION, "secrets": {"consumer_secret": "x"}}]},
            environ=CREDENTIALS,
        )


def test_check_config_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "gateway.yaml"
    config.write_text(
        "connections:\n  - id: shop\n    platform: magento\n    base_url: https://shop.test\n"
        "    access_token_env: MAGENTO_TOKEN\n"
    )
    assert main(["check-config", str(config), "--skip-env"]) == 1
    assert "consumer_key_env" in capsys.readouterr().err


async def test_a_phone_lookup_that_finds_no_one_says_what_magento_cannot_search() -> None:
    async with running_sandbox() as (client, _):
        answer = await client.get("/v1/customers", params={"phone": "+14155550199"})
    (magento,) = [r for r in answer.json()["results"] if r["connection"] == "sandbox-magento"]
    assert magento["customers"] == []
    assert any("default billing telephone only" in w for w in magento["warnings"])
