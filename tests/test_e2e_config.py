"""`action-gateway serve --config FILE` over real HTTP: connections and per-connection errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import yaml

from tests.e2e_server import free_port, served_gateway


def test_serve_with_a_config_file_reports_an_unreachable_platform_per_connection(
    tmp_path: Path,
) -> None:
    dead_port = free_port()  # nothing listens there: the platform is unreachable
    config = {
        "deadline_seconds": 3,
        "connections": [
            {
                "id": "acme-shopify",
                "platform": "shopify",
                "shop": "acme.myshopify.com",
                "access_token_env": "ACME_E2E_TOKEN",
                "api_base_url": f"http://127.0.0.1:{dead_port}",
                "actions": {"allowed": ["cancel_order", "edit_order_note"]},
            }
        ],
    }
    path = tmp_path / "gateway.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    log = tmp_path / "server.log"
    token = "shpat_e2e_canary_token"
    with served_gateway(log, "--config", str(path), env={"ACME_E2E_TOKEN": token}) as base_url:
        connections = httpx.get(f"{base_url}/v1/connections").json()["connections"]
        lookup = httpx.get(
            f"{base_url}/v1/customers", params={"email": "a@example.com"}, timeout=10
        )

    assert connections == [
        {
            "id": "acme-shopify",
            "platform": "shopify",
            "actions_enabled": True,
            "active_actions": ["cancel_order", "edit_order_note"],
            "linked_connection": None,
        }
    ]
    [result] = lookup.json()["results"]
    assert result["status"] == "error"
    assert result["error"]["code"] == "upstream_unavailable"
    assert result["error"]["outcome"] == "not_executed"
    assert token not in log.read_text()


def test_serve_refuses_an_invalid_config(tmp_path: Path) -> None:
    path = tmp_path / "gateway.yaml"
    path.write_text("connections:\n  - id: Bad Id\n    platform: shopify\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "action_gateway", "serve", "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "invalid configuration" in result.stderr
    assert "connections.0.id" in result.stderr
