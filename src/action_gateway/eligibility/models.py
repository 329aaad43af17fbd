"""The shape of a platform's eligibility matrix file, and the engine's result models.

The YAML is validated into these frozen models first (structure, types); cross-references
(actions, dimensions, classes, facts) are checked afterwards by the engine, which reports every
problem at once.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, model_validator

from action_gateway.domain.models import ActionName, ResponseModel

Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
Label = Annotated[str, Field(min_length=1, max_length=200)]
# A raw status value as the platform sends it: text (Shopify enums), a number (BigCommerce ids).
RawValue = StrictBool | StrictInt | StrictStr


class DecisionCode(StrEnum):
    """The codes the engine itself produces; guards add their own codes from the matrix files."""

    ELIGIBLE = "eligible"
    STATUS_NOT_ELIGIBLE = "status_not_eligible"
    UNKNOWN_STATUS = "unknown_status"
    NARROWED_BY_CONNECTION = "narrowed_by_connection"


class FactType(StrEnum):
    """The JSON type a fact must have; ``decimal`` is a decimal number written as a string."""

    STRING = "string"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    DECIMAL = "decimal"


class _Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ClassSpec(_Spec):
    label: Label
    values: tuple[RawValue, ...] = ()


class WhenAbsentSpec(_Spec):
    """How to classify a dimension whose fact is null or missing: by whether ``fact`` is zero."""

    fact: Identifier
    if_zero: Identifier


class DimensionSpec(_Spec):
    label: Label
    fact: Identifier
    classes: Annotated[dict[Identifier, ClassSpec], Field(min_length=1)]
    when_absent: WhenAbsentSpec | None = None


class GuardSpec(_Spec):
    """A check made before the table: ``deny_if`` the input equals a value, or ``require`` it."""

    code: Identifier
    fact: Identifier | None = None
    context: Identifier | None = None
    deny_if: RawValue | None = None
    require: RawValue | None = None
    actions: tuple[Identifier, ...] | None = None
    reason: Label

    @model_validator(mode="after")
    def _one_input_one_test(self) -> GuardSpec:
        if (self.fact is None) == (self.context is None):
            raise ValueError("a guard names exactly one of 'fact' or 'context'")
        if (self.deny_if is None) == (self.require is None):
            raise ValueError("a guard has exactly one of 'deny_if' or 'require'")
        return self

    @property
    def input_name(self) -> str:
        return self.fact if self.fact is not None else f"context.{self.context}"

    @property
    def test_value(self) -> bool | int | str:
        value = self.deny_if if self.deny_if is not None else self.require
        assert value is not None  # guaranteed by _one_input_one_test
        return value


class RuleSpec(_Spec):
    """When an action is allowed: per dimension, the classes it is allowed in (omitted = all)."""

    allow: dict[Identifier, tuple[Identifier, ...]] = {}
    alternatives: tuple[Identifier, ...] = ()


class ResourceSpec(_Spec):
    facts: dict[Identifier, FactType] = {}
    context: dict[Identifier, FactType] = {}
    dimensions: dict[Identifier, DimensionSpec] = {}
    guards: tuple[GuardSpec, ...] = ()
    rules: Annotated[dict[Identifier, RuleSpec], Field(min_length=1)]


class MatrixSpec(_Spec):
    platform: StrictStr
    resources: Annotated[dict[Identifier, ResourceSpec], Field(min_length=1)]


# --- Results ---------------------------------------------------------------------------------


class Decision(ResponseModel):
    model_config = ConfigDict(frozen=True)

    action: ActionName
    allowed: bool
    code: str
    reason: str


class Evaluation(BaseModel):
    """Every action of a resource type, decided; ``state`` is the class found per dimension."""

    model_config = ConfigDict(frozen=True)

    state: dict[str, str | None]
    decisions: list[Decision]

    def allowed_actions(self) -> list[ActionName]:
        return [d.action for d in self.decisions if d.allowed]

    def decision(self, action: ActionName) -> Decision:
        for candidate in self.decisions:
            if candidate.action == action:
                return candidate
        raise KeyError(f"{action} is not an action of this resource type")
