"""The one list of the platforms the gateway knows: id → :class:`PlatformSpec`.

Everything that depends on the set of platforms takes a registry (a mapping like
:data:`PLATFORMS`) and defaults to this one: configuration validation
(``parse_config(..., platforms=...)``), the app (``create_app(..., platforms=...)``: adapters,
matrices, the catalog and eligibility routes, the OpenAPI document). A test registers a platform
of its own by passing ``with_platforms(its_spec)`` to both, for that app only; nothing global
changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from action_gateway.eligibility import MatrixError, PlatformMatrix, load_matrix
from action_gateway.platforms import bigcommerce, magento, ordergroove, recharge, shopify
from action_gateway.platforms.spec import PlatformSpec, facts_problems

PlatformRegistry = Mapping[str, PlatformSpec]
"""Platform id → its spec."""

PLATFORMS: PlatformRegistry = MappingProxyType(
    {
        spec.id: spec
        for spec in (shopify.SPEC, bigcommerce.SPEC, ordergroove.SPEC, recharge.SPEC, magento.SPEC)
    }
)
"""The platforms the gateway ships with, in the order the catalog lists them."""


def with_platforms(*specs: PlatformSpec, base: PlatformRegistry = PLATFORMS) -> PlatformRegistry:
    """``base`` and ``specs`` (a platform defined elsewhere, e.g. a test's), ids unique."""
    registry = dict(base)
    for spec in specs:
        if spec.id in registry:
            raise ValueError(f"platform id {spec.id!r} is already registered")
        registry[spec.id] = spec
    return MappingProxyType(registry)


def load_matrices(platforms: PlatformRegistry = PLATFORMS) -> dict[str, PlatformMatrix]:
    """Each platform's matrix, checked against its facts models; raises `MatrixError`, so
    start-up fails on a matrix and an eligibility request model that disagree."""
    matrices = {}
    for platform, spec in platforms.items():
        matrix = load_matrix(platform, spec.matrix)
        problems = facts_problems(spec, matrix)
        if problems:
            listed = "\n".join(f"  - {p}" for p in problems)
            raise MatrixError(f"{spec.matrix}: the facts models disagree:\n{listed}")
        matrices[platform] = matrix
    return matrices
