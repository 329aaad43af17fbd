"""The README's configuration example is a valid configuration."""

from __future__ import annotations

import re

import pytest
import yaml

from action_gateway.app import validate_matrices
from action_gateway.config import ConfigError, parse_config
from action_gateway.platforms.registry import load_matrices
from action_gateway.settings import APPROVAL_KEYS_ENV
from tests.shared_specs import REPO_ROOT


def test_the_configuration_example_validates() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Configuration", 1)[1]
    block = re.search(r"```yaml\n(.*?)```", section, re.DOTALL)
    assert block is not None
    data = yaml.safe_load(block.group(1))
    environ = {
        variable: "token"
        for c in data["connections"]
        for key, variable in c.items()
        if key.endswith("_env")
    }
    environ |= {c["key_sha256_env"]: "0" * 64 for c in data["callers"] if "key_sha256_env" in c}
    with pytest.raises(ConfigError, match="APPROVAL_KEYS"):  # its ceilings sign approvals
        parse_config(data, source="README.md", environ=environ)
    assert "`APPROVAL_KEYS`" in readme.split("## Configuration", 1)[1]
    environ[APPROVAL_KEYS_ENV] = "k" * 32
    config = parse_config(data, source="README.md", environ=environ)
    assert config.callers is not None
    assert [c.actions for c in config.callers] == ["*", []]
    validate_matrices(config, load_matrices())
    assert {c.platform for c in config.connections} == {
        "shopify",
        "bigcommerce",
        "ordergroove",
        "recharge",
        "magento",
    }
