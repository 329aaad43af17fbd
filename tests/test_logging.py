"""Log lines carry no customer e-mail address or phone number, nor traceback locals."""

from __future__ import annotations

import json
import logging
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import structlog

from action_gateway.logging import configure_logging, mask_personal_data
from action_gateway.settings import LogFormat
from tests.helpers import running_app
from tests.shared_specs import REPO_ROOT

AVA = "ava.lindqvist@example.com"  # a customer of the Shopify, BigCommerce and Recharge sandboxes
AVA_PHONE = "+14155550101"


@contextmanager
def logging_restored() -> Iterator[None]:
    """Undo ``configure_logging``: later tests must not write to this test's captured stdout."""
    was_configured = structlog.is_configured()
    saved = structlog.get_config()
    root = logging.getLogger()
    handlers, root_level = list(root.handlers), root.level
    levels = {name: logging.getLogger(name).level for name in ("httpx", "httpcore")}
    try:
        yield
    finally:
        if was_configured:
            structlog.configure(**saved)
        else:
            structlog.reset_defaults()
        for handler in list(root.handlers):
            if handler not in handlers and type(handler).__module__ == "action_gateway.logging":
                root.removeHandler(handler)
        root.setLevel(root_level)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


@pytest.fixture
def restore_logging() -> Iterator[None]:
    with logging_restored():
        yield


def mask(event_dict: dict[str, Any]) -> dict[str, Any]:
    return dict(mask_personal_data(None, "info", event_dict))


def json_lines(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def test_emails_and_phones_are_masked_at_the_top_level_and_nested() -> None:
    masked = mask(
        {
            "event": f"lookup for {AVA} or +1 (415) 555-0101, then +44 7700 900123",
            "email": "bo.wang@example.com",
            "customer_phone": "4155550142",  # no "+": masked because of its key
            "phone": 16135551234,
            "customer": {
                "email": "Carmen.Ortiz@Example.COM",
                "contact": ["emeka.obi@example.com", ("call +61 491 570 156",)],
                "phone_numbers": ["(613) 555-1234"],
            },
            "url": f"https://api.rechargeapps.com/customers?email={quote(AVA)}&phone=%2B14155550101",
        }
    )
    assert masked == {
        "event": "lookup for a***@example.com or ***01, then ***23",
        "email": "b***@example.com",
        "customer_phone": "***42",
        "phone": "***34",
        "customer": {
            "email": "C***@Example.COM",
            "contact": ["e***@example.com", ("call ***56",)],
            "phone_numbers": ["***34"],
        },
        "url": "https://api.rechargeapps.com/customers?email=a***%40example.com&phone=***01",
    }


def test_an_email_key_masks_even_an_address_the_pattern_misses() -> None:
    assert mask({"email": "root@localhost"})["email"] == "r***@localhost"


@pytest.mark.parametrize(
    "value",
    [
        "5500001001",  # Shopify order id
        "gid://shopify/Order/5500001001",
        117,  # BigCommerce ids
        "117",
        "5b000000000000000000000000000001",  # Ordergroove hex id
        "66300102",  # Recharge id
        "2026-07-01",
        "2026-07-01T10:00:00+02:00",
        "2026-11-24T03:14:51.669413Z",
        "12.50",
        "+12.50",
        "-1234.56",
        "#1001",
        "e3e70682-c209-4cac-a29f-6fbed82c07cd",
        "sandbox-shop.myshopify.com",
        "order 5500001001 refunded 1234.56 on 2026-07-01 (+2 items)",
        None,
        True,
    ],
)
def test_ids_dates_and_amounts_are_left_alone(value: object) -> None:
    event = {"event": "upstream_request", "order_id": value, "nested": {"values": [value]}}
    assert mask(event) == event


def test_the_logged_objects_are_not_changed() -> None:
    customer = {"email": AVA, "ids": [AVA]}
    mask({"customer": customer})
    assert customer == {"email": AVA, "ids": [AVA]}


def test_json_lines_are_masked(capsys: pytest.CaptureFixture[str], restore_logging: None) -> None:
    configure_logging(LogFormat.JSON)
    with structlog.contextvars.bound_contextvars(customer=AVA):  # merged before masking
        structlog.get_logger("test").info("lookup", email=AVA, query={"phone": AVA_PHONE})
    [line] = json_lines(capsys.readouterr().out)
    assert line["email"] == "a***@example.com"
    assert line["query"] == {"phone": "***01"}
    assert line["customer"] == "a***@example.com"


def test_console_lines_are_masked(
    capsys: pytest.CaptureFixture[str], restore_logging: None
) -> None:
    configure_logging(LogFormat.CONSOLE)
    structlog.get_logger("test").warning("lookup failed", detail=f"no customer {AVA}")
    out = capsys.readouterr().out
    assert "a***@example.com" in out
    assert AVA not in out


def test_stdlib_records_are_rendered_and_masked_the_same_way(
    capsys: pytest.CaptureFixture[str], restore_logging: None
) -> None:
    configure_logging(LogFormat.JSON)
    configure_logging(LogFormat.JSON)  # reconfiguring replaces the handler, does not add one
    foreign = logging.getLogger("uvicorn.error")
    foreign.warning("client %s called from %s", AVA, AVA_PHONE)
    try:
        raise ValueError(f"no customer {AVA}")
    except ValueError:
        foreign.exception("failed")
    [warning, error] = json_lines(capsys.readouterr().out)
    assert warning["event"] == "client a***@example.com called from ***01"
    assert warning["logger"] == "uvicorn.error"
    assert warning["level"] == "warning"
    assert "timestamp" in warning
    assert error["exception"][0]["exc_value"] == "no customer a***@example.com"


def test_json_tracebacks_carry_no_frame_locals(
    capsys: pytest.CaptureFixture[str], restore_logging: None
) -> None:
    configure_logging(LogFormat.JSON)
    token = "canary-local-token-91c2"

    def call_platform(access_token: str) -> None:
        raise RuntimeError("the platform call failed")

    try:
        call_platform(token)
    except RuntimeError:
        structlog.get_logger("test").exception("action")
    out = capsys.readouterr().out
    [line] = json_lines(out)
    assert line["exception"][0]["frames"]  # the traceback itself is kept
    assert token not in out


def test_levels_below_the_configured_one_are_dropped(
    capsys: pytest.CaptureFixture[str], restore_logging: None
) -> None:
    configure_logging(LogFormat.JSON, level="warning")
    structlog.get_logger("test").info("hidden")
    logging.getLogger("somelib").info("hidden too")
    logging.getLogger("httpx").warning("shown")
    assert [line["event"] for line in json_lines(capsys.readouterr().out)] == ["shown"]


async def test_a_sandbox_lookup_by_email_logs_no_full_address(
    capsys: pytest.CaptureFixture[str], restore_logging: None
) -> None:
    configure_logging(LogFormat.JSON)
    # httpx's per-request lines (off by default) hold the URL, and the platforms' URLs the address.
    logging.getLogger("httpx").setLevel(logging.INFO)
    async with running_app() as (client, _):
        response = await client.get("/v1/customers", params={"email": AVA})
    assert response.status_code == 200, response.text
    assert AVA in response.text  # the agent sees the address; only the logs must not
    out = capsys.readouterr().out
    lines = json_lines(out)
    upstream = [line for line in lines if line["event"] == "upstream_request"]
    assert {line["platform"] for line in upstream} >= {"shopify", "bigcommerce", "recharge"}
    assert any("a***%40example.com" in line["event"] for line in lines)  # an httpx line
    assert AVA not in out
    assert quote(AVA) not in out


# --- "what happened to order X": the one `action` line per action --------------------------


def _operations_jq_command() -> str:
    """The README's Operations section's jq command that selects one order's actions."""
    section = (REPO_ROOT / "README.md").read_text(encoding="utf-8").split("## Operations", 1)[1]
    section = section.split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.DOTALL)
    commands = [b for b in blocks if "jq " in b]
    assert len(commands) == 1, "the Operations section shows one jq command"
    return commands[0]


def _readme_order_history(logs: str, directory: Path) -> list[dict[str, Any]]:
    """The README's jq command run over ``logs`` saved as gateway.log."""
    (directory / "gateway.log").write_text(logs, encoding="utf-8")
    ran = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", _operations_jq_command()],
        cwd=directory,
        capture_output=True,
        text=True,
        check=True,
    )
    return [json.loads(line) for line in ran.stdout.splitlines()]


async def test_the_action_line_says_what_happened_to_an_order(
    capsys: pytest.CaptureFixture[str], restore_logging: None, tmp_path: Path
) -> None:
    configure_logging(LogFormat.JSON)
    cancel = {
        "connection": "sandbox-shopify",
        "target": {"order_id": "5500001001"},  # #1001, paid
        "input": {"reason": "customer"},
        "context": {"agent_id": "agent-42", "conversation_id": "conv-1"},
    }
    async with running_app() as (client, _):
        refused = await client.post(
            "/v1/actions",
            json={**cancel, "action": "cancel_order"},
            headers={"Idempotency-Key": "try-1"},
        )
        done = await client.post(
            "/v1/actions",
            json={**cancel, "action": "cancel_and_refund_order"},
            headers={"Idempotency-Key": "refund-1001"},
        )
        other = await client.post(
            "/v1/actions",
            json={
                **cancel,
                "action": "edit_order_note",
                "target": {"order_id": "5500001007"},
                "input": {"note": f"call {AVA}"},
            },
            headers={"Idempotency-Key": "note-1007"},
        )
    assert refused.json()["code"] == "not_eligible"
    assert done.status_code == 200, done.text
    assert other.status_code == 200, other.text
    out = capsys.readouterr().out
    actions = [line for line in json_lines(out) if line["event"] == "action"]
    assert len(actions) == 3
    first, second, _ = actions
    assert {k: first[k] for k in ("target_type", "target_id", "target_name")} == {
        "target_type": "order",
        "target_id": "5500001001",
        "target_name": "#1001",
    }
    assert (first["outcome"], first["idempotency_key"]) == ("not_eligible", "anonymous:try-1")
    refund = done.json()["refund"]["total"]
    assert second["outcome"] == "succeeded"
    assert second["idempotency_key"] == "anonymous:refund-1001"  # the caller-scoped key
    assert second["event_id"] == done.json()["timeline_event"]["id"]
    assert (second["amount"], second["currency"]) == (refund["amount"], refund["currency"])
    assert second["caller"] == "anonymous"
    assert AVA not in out  # the note's address is masked wherever it is logged

    if shutil.which("jq") is None:
        pytest.skip("jq is not on PATH (`make test` installs it): the README's command not run")
    history = _readme_order_history(out, tmp_path)
    assert [(h["action"], h["outcome"]) for h in history] == [
        ("cancel_order", "not_eligible"),
        ("cancel_and_refund_order", "succeeded"),
    ]
    assert history[1]["event_id"] == second["event_id"]
    assert history[1]["idempotency_key"] == "anonymous:refund-1001"
