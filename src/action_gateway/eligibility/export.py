"""A compiled matrix written back out as JSON-able data (the eligibility matrix endpoint)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from action_gateway.eligibility.engine import CompiledResource


def resource_document(res: CompiledResource) -> dict[str, Any]:
    """One resource's facts, dimensions, guards and rules, expanded to the classes each action
    allows."""
    spec = res.spec
    return {
        "facts": {name: t.value for name, t in spec.facts.items()},
        "context": {name: t.value for name, t in spec.context.items()},
        "dimensions": {
            name: dim.model_dump(mode="json", exclude_none=True)
            for name, dim in spec.dimensions.items()
        },
        "guards": [
            {
                "code": g.code,
                "input": g.input_name,
                ("deny_if" if g.deny_if is not None else "require"): g.test_value,
                "actions": [a.value for a in res.actions if a in guard.actions],
                "reason": g.reason,
            }
            for g, guard in zip(spec.guards, res.guards, strict=True)
        ],
        "actions": {
            action.value: {
                "allowed_in": {
                    dim.name: [c for c in dim.labels if c in allowed]
                    for dim, allowed in zip(res.dimensions, res.allow[action], strict=True)
                },
                "alternatives": [a.value for a in res.alternatives[action]],
            }
            for action in res.actions
        },
    }
