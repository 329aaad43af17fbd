"""Outside the platform packages and the registry, no module names a platform.

The rest of the service reads each platform's spec (``platforms/registry.py``), so adding a
platform is writing its package and one line of the registry. This test reads every module's
code (not its docstrings and comments: prose may cite a platform's behaviour) for a platform id
in a string or a name.
"""

from __future__ import annotations

import ast
import itertools
import re
from pathlib import Path

import action_gateway
from action_gateway.platforms.registry import PLATFORMS

PACKAGE = Path(action_gateway.__file__).parent
# The simulators, platform-specific by nature, are a distribution of their own (sandbox/).
OWNERS = [PACKAGE / "platforms" / platform for platform in PLATFORMS] + [
    PACKAGE / "platforms" / "registry.py",
]
ALLOWED = {
    # The sandbox's own setting (the Shopify simulator's GraphQL schema), handed to it by the app.
    ("settings.py", "shopify_schema"),
    ("app.py", "shopify_schema"),
    # The OpenAPI document's examples name the default sandbox's connection (a connection id).
    ("models.py", "sandbox-shopify"),
    ("actions.py", "sandbox-shopify"),
    ("context.py", "sandbox-shopify"),
}
"""(module, string or name) pairs that name a platform on the sandbox's behalf."""


def _owned(path: Path) -> bool:
    return any(path == owner or owner in path.parents for owner in OWNERS)


def _docstrings(tree: ast.AST) -> set[int]:
    found: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            value = body[0].value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                found.add(id(value))
        # An attribute's docstring: the string right after an assignment.
        if isinstance(body, list):
            for before, after in itertools.pairwise(body):
                if (
                    isinstance(before, ast.AnnAssign | ast.Assign)
                    and isinstance(after, ast.Expr)
                    and isinstance(after.value, ast.Constant)
                ):
                    found.add(id(after.value))
    return found


def platform_names(source: str, ids: list[str]) -> list[str]:
    """Each string (but docstrings) or name in ``source`` that names one of ``ids``."""
    tree = ast.parse(source)
    docstrings = _docstrings(tree)
    words = re.compile(r"(?<![a-z])(" + "|".join(map(re.escape, ids)) + r")(?![a-z])")
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
            and words.search(node.value)
        ):
            found.append(node.value)
        name = (
            node.id
            if isinstance(node, ast.Name)
            else node.attr
            if isinstance(node, ast.Attribute)
            else node.name
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            else node.arg
            if isinstance(node, ast.arg | ast.keyword) and node.arg
            else None
        )
        if name and any(platform in name.lower() for platform in ids):
            found.append(name)
    return found


def test_no_module_outside_the_platform_packages_names_a_platform() -> None:
    ids = list(PLATFORMS)
    offenders = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if _owned(path):
            continue
        names = [
            name
            for name in platform_names(path.read_text(encoding="utf-8"), ids)
            if (path.name, name) not in ALLOWED
        ]
        if names:
            offenders[str(path.relative_to(PACKAGE))] = sorted(set(names))
    assert offenders == {}


def test_the_check_finds_a_platform_in_a_string_or_a_name() -> None:
    source = '''
"""Docstrings may say shopify."""
WITHOUT_SWITCH = frozenset({Platform.BIGCOMMERCE})
example = {"connection": "sandbox-shopify"}
def build_recharge_adapter(): ...
'''
    assert sorted(platform_names(source, ["shopify", "bigcommerce", "recharge"])) == [
        "BIGCOMMERCE",
        "build_recharge_adapter",
        "sandbox-shopify",
    ]
