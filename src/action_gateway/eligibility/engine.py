"""The eligibility engine: one declarative matrix per platform, no platform-specific code.

A matrix file (``data/<platform>.yaml``) declares, per resource type, the typed **facts** it reads,
**dimensions** that classify raw status values into the seed's classes, **guards** that deny before
the table, and **rules** giving, per action, the classes each dimension must be in. Everything is
checked and compiled into lookup tables when the file is loaded (`eligibility.loading`);
this module holds those tables and evaluates them: dictionary lookups plus a memo of finished
(read-only) evaluations, because it runs on every resource the API returns. `eligibility.export`
writes a compiled matrix back out as data.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Final, NamedTuple, NoReturn

from action_gateway.domain.models import ActionName, Platform, ResourceType
from action_gateway.eligibility.export import resource_document
from action_gateway.eligibility.models import (
    Decision,
    DecisionCode,
    Evaluation,
    FactType,
    MatrixSpec,
    ResourceSpec,
)

Narrowing = Mapping[ActionName, Mapping[str, Sequence[str]]]

ENGINE_CODES: Final = frozenset(DecisionCode)
_NO_CONTEXT: Final[Mapping[str, Any]] = {}


class FactsError(ValueError):
    """Facts (or context values) of the wrong JSON type; the API answers 422 with ``problems``."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid facts: " + "; ".join(problems))


# --- Fact types --------------------------------------------------------------------------------


def as_decimal(value: object) -> Decimal | None:
    if not isinstance(value, str):
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


# bool is an int subclass: a JSON true must not pass for a status id.
TYPE_CHECKS: Final[dict[FactType, tuple[Callable[[object], bool], str]]] = {
    FactType.STRING: (lambda v: isinstance(v, str), "a string"),
    FactType.INTEGER: (lambda v: isinstance(v, int) and not isinstance(v, bool), "an integer"),
    FactType.BOOLEAN: (lambda v: isinstance(v, bool), "a boolean"),
    FactType.DECIMAL: (lambda v: as_decimal(v) is not None, "a decimal number as a string"),
}


def _json_type(value: object) -> str:
    names = {bool: "boolean", int: "integer", float: "number", str: "string", list: "array"}
    return names.get(type(value), "object" if isinstance(value, Mapping) else type(value).__name__)


# --- Compiled matrix -------------------------------------------------------------------------


class FactCheck(NamedTuple):
    name: str
    fact_type: FactType
    exact_type: type[object]

    @classmethod
    def of(cls, name: str, fact_type: FactType) -> FactCheck:
        exact = (
            bool if fact_type is FactType.BOOLEAN else int if fact_type is FactType.INTEGER else str
        )
        return cls(name, fact_type, exact)


def _read_only(self: object, *args: object, **kwargs: object) -> NoReturn:
    raise TypeError(
        f"a memoised evaluation is shared between calls: its {type(self).__name__} is read-only"
    )


class _ReadOnlyDict(dict[str, str | None]):
    """`Evaluation.state` of a memoised evaluation: a dict, as declared, that refuses changes."""

    __setitem__ = __delitem__ = __ior__ = _read_only
    clear = pop = popitem = setdefault = update = _read_only

    def __reduce__(self) -> tuple[Any, ...]:
        # Copies and pickles are rebuilt through the constructor, not item by item.
        return (type(self), (dict(self),))


class _ReadOnlyList(list[Decision]):
    """`Evaluation.decisions` of a memoised evaluation."""

    __setitem__ = __delitem__ = __iadd__ = __imul__ = _read_only
    append = extend = insert = pop = remove = clear = sort = reverse = _read_only

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (list(self),))


# Guard outcomes, kept small because they are part of the memo key.
_PASS: Final = 0
_DENY: Final = 1
_MISSING: Final = 2


@dataclass(frozen=True, slots=True)
class Guard:
    code: str
    from_context: bool
    key: str
    input_name: str
    require: bool
    value: bool | int | str
    actions: frozenset[ActionName]
    reason: str

    def outcome(self, facts: Mapping[str, Any], context: Mapping[str, Any]) -> int:
        value = (context if self.from_context else facts).get(self.key)
        if self.require:
            return _PASS if value is not None and value == self.value else _DENY
        if value is None:
            return _MISSING  # "deny if cancelled" cannot be decided without knowing
        return _DENY if value == self.value else _PASS


@dataclass(frozen=True, slots=True)
class Dimension:
    name: str
    fact: str
    lookup: Mapping[Hashable, str]
    labels: Mapping[str, str]
    absent_fact: str | None
    absent_class: str | None

    def classify(self, facts: Mapping[str, Any]) -> tuple[str | None, str | None]:
        """The class, or None and what was not understood (for the reason)."""
        raw = facts.get(self.fact)
        if raw is None:
            if self.absent_fact is None or self.absent_class is None:
                return None, f"{self.fact} is missing"
            amount = facts.get(self.absent_fact)
            if amount is None:
                return None, f"{self.fact} is null and {self.absent_fact} is missing"
            if as_decimal(amount) == 0:
                return self.absent_class, None
            return None, f"{self.fact} is null while {self.absent_fact} is {amount}"
        found = self.lookup.get(raw)
        if found is None:
            return None, f"{self.fact} {raw!r} is not recognised"
        return found, None


_MemoKey = tuple[tuple[int, ...], tuple[str | None, ...], tuple[tuple[ActionName, str], ...]]


@dataclass(slots=True)
class CompiledResource:
    type: ResourceType
    spec: ResourceSpec
    fact_checks: tuple[FactCheck, ...]
    context_checks: tuple[FactCheck, ...]
    guards: tuple[Guard, ...]
    dimensions: tuple[Dimension, ...]
    actions: tuple[ActionName, ...]
    # Per action, the allowed classes of each dimension, in dimension order.
    allow: dict[ActionName, tuple[frozenset[str], ...]]
    alternatives: dict[ActionName, tuple[ActionName, ...]]
    memo: dict[_MemoKey, Evaluation] = field(default_factory=dict)

    def decide(
        self,
        guard_key: tuple[int, ...],
        classes: tuple[str | None, ...],
        unknown: str | None,
        narrowed: tuple[tuple[ActionName, str], ...],
    ) -> tuple[Decision, ...]:
        """Every action's decision; a pure function of its arguments, hence memoisable."""
        narrowed_on = dict(narrowed)
        verdicts = {
            action: self._verdict(action, guard_key, classes, unknown, narrowed_on)
            for action in self.actions
        }
        decisions = []
        for action, (code, why) in verdicts.items():
            if code == DecisionCode.ELIGIBLE:
                reason = f"{action} is available."
            elif code == DecisionCode.NARROWED_BY_CONNECTION:
                reason = f"{action} is not available for this connection{why}."
            elif code == DecisionCode.STATUS_NOT_ELIGIBLE:
                # Point the agent at the sibling action the matrix offers in this state instead.
                alternative = next(
                    (
                        alt
                        for alt in self.alternatives[action]
                        if verdicts[alt][0] == DecisionCode.ELIGIBLE
                    ),
                    None,
                )
                use = f"; use {alternative}" if alternative is not None else ""
                reason = f"{action} is not available: {why}{use}."
            else:
                reason = f"{action} is not available: {why}."
            allowed = code == DecisionCode.ELIGIBLE
            decisions.append(
                Decision(action=action, allowed=allowed, code=str(code), reason=reason)
            )
        return tuple(decisions)

    def _verdict(
        self,
        action: ActionName,
        guard_key: tuple[int, ...],
        classes: tuple[str | None, ...],
        unknown: str | None,
        narrowed_on: Mapping[ActionName, str],
    ) -> tuple[str, str]:
        """(code, the clause explaining a denial) for one action, in precedence order."""
        noun = self.type.value
        for guard, outcome in zip(self.guards, guard_key, strict=True):
            if outcome != _PASS and action in guard.actions:
                if outcome == _DENY:
                    return guard.code, guard.reason
                return DecisionCode.UNKNOWN_STATUS, f"the {noun}'s {guard.input_name} is missing"
        if unknown is not None:
            return DecisionCode.UNKNOWN_STATUS, f"the {noun}'s {unknown}"
        for dim, cls, allowed in zip(self.dimensions, classes, self.allow[action], strict=True):
            if cls is not None and cls not in allowed:
                return DecisionCode.STATUS_NOT_ELIGIBLE, f"the {noun} is {dim.labels[cls]}"
        narrowed_dimension = narrowed_on.get(action)
        if narrowed_dimension is not None:
            for dim, cls in zip(self.dimensions, classes, strict=True):
                if dim.name == narrowed_dimension and cls is not None:
                    return DecisionCode.NARROWED_BY_CONNECTION, f": the {noun} is {dim.labels[cls]}"
            # The narrowing names a dimension this resource lacks: deny, without a state to name.
            return DecisionCode.NARROWED_BY_CONNECTION, ""
        return DecisionCode.ELIGIBLE, ""


# --- The public matrix -----------------------------------------------------------------------


class PlatformMatrix:
    """One platform's compiled matrix. Build it with `load_matrix` or `load_matrix_text`
    (`eligibility.loading`)."""

    __slots__ = ("_by_action", "_platform", "_resources", "_spec")

    def __init__(
        self,
        platform: Platform,
        spec: MatrixSpec,
        compiled: Mapping[ResourceType, CompiledResource],
    ) -> None:
        self._platform = platform
        self._spec = spec
        self._resources = dict(compiled)
        self._by_action = {a: r for r in compiled.values() for a in r.actions}

    def __repr__(self) -> str:
        return f"PlatformMatrix({self._platform!r})"

    @property
    def platform(self) -> Platform:
        return self._platform

    def resource_types(self) -> list[ResourceType]:
        return list(self._resources)

    def actions_for(self, resource_type: ResourceType) -> list[ActionName]:
        return list(self._resource(resource_type).actions)

    def actions(self) -> list[ActionName]:
        return [a for r in self._resources.values() for a in r.actions]

    def inputs(self, resource_type: ResourceType) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The names of the facts and of the context values ``resource_type`` is decided on."""
        spec = self._resource(resource_type).spec
        return tuple(spec.facts), tuple(spec.context)

    def declared_facts(self, resource_type: ResourceType) -> dict[str, FactType]:
        """The facts ``resource_type`` declares, with their types (the matrix's ``facts:``)."""
        return dict(self._resource(resource_type).spec.facts)

    def _resource(self, resource_type: ResourceType) -> CompiledResource:
        try:
            return self._resources[resource_type]
        except KeyError:
            raise ValueError(f"{self._platform} has no {resource_type} resource") from None

    def evaluate(
        self,
        resource_type: ResourceType,
        facts: Mapping[str, Any],
        *,
        context: Mapping[str, Any] | None = None,
        narrowing: Narrowing | None = None,
    ) -> Evaluation:
        """Decide every action of ``resource_type``; raises `FactsError` for mistyped facts.

        ``narrowing`` should have passed `validate_narrowing`; anything in it that cannot be
        applied (a dimension this resource lacks) denies rather than being ignored.
        """
        res = self._resource(resource_type)
        ctx = _NO_CONTEXT if context is None else context
        if not (_plainly_typed(res.fact_checks, facts) and _plainly_typed(res.context_checks, ctx)):
            problems = _type_problems(res.fact_checks, facts, "")
            problems += _type_problems(res.context_checks, ctx, "context.")
            if problems:
                raise FactsError(problems)

        guard_key = tuple([guard.outcome(facts, ctx) for guard in res.guards])
        state: dict[str, str | None] = {}
        unknown: str | None = None
        for dim in res.dimensions:
            cls, not_understood = dim.classify(facts)
            state[dim.name] = cls
            if unknown is None:
                unknown = not_understood
        classes = tuple(state.values())

        if unknown is not None:
            # The reason quotes the raw value, so this (rare) path is not memoised.
            decisions = res.decide(guard_key, classes, unknown, ())
            return Evaluation(state=state, decisions=list(decisions))
        narrowed = _narrowed(res.actions, narrowing, state) if narrowing else ()
        key = (guard_key, classes, narrowed)
        cached = res.memo.get(key)
        if cached is None:
            # Finitely many keys (guard outcomes x classes x narrowed actions), so no eviction.
            decisions = res.decide(guard_key, classes, None, narrowed)
            cached = res.memo[key] = Evaluation.model_construct(
                state=_ReadOnlyDict(state), decisions=_ReadOnlyList(decisions)
            )
        return cached

    def validate_narrowing(self, narrowing: Narrowing) -> list[str]:
        """Problems with a connection's narrowing; empty when it only narrows this matrix."""
        if not isinstance(narrowing, Mapping):
            return ["narrowing must map actions to {dimension: [classes]}"]
        problems: list[str] = []
        for raw_action, limits in narrowing.items():
            try:
                action = ActionName(raw_action)
            except ValueError:
                problems.append(f"unknown action {raw_action!r}")
                continue
            res = self._by_action.get(action)
            if res is None:
                problems.append(f"{action} is not an action of {self._platform}")
                continue
            if not isinstance(limits, Mapping):
                problems.append(f"{action}: expected a mapping of dimension to classes")
                continue
            allow = dict(zip((d.name for d in res.dimensions), res.allow[action], strict=True))
            for dimension, classes in limits.items():
                where = f"{action}.{dimension}"
                dim = next((d for d in res.dimensions if d.name == dimension), None)
                if dim is None:
                    known = ", ".join(d.name for d in res.dimensions) or "none"
                    problems.append(f"{where}: unknown dimension (known: {known})")
                elif isinstance(classes, str) or not isinstance(classes, Sequence):
                    problems.append(f"{where}: expected a list of classes")
                else:
                    problems.extend(
                        _narrowing_class_problems(where, action, classes, dim, allow[dimension])
                    )
        return problems

    def as_document(self) -> dict[str, Any]:
        """The matrix as JSON-able data, rules expanded to the classes each action allows."""
        return {
            "platform": self._platform,
            "resources": {
                res.type.value: resource_document(res) for res in self._resources.values()
            },
        }


def _plainly_typed(checks: tuple[FactCheck, ...], values: Mapping[str, Any]) -> bool:
    """The fast, conservative type test: exact JSON types only (subclasses take the slow path)."""
    for name, fact_type, exact_type in checks:
        value = values.get(name)
        if value is not None and (
            type(value) is not exact_type
            or (fact_type is FactType.DECIMAL and as_decimal(value) is None)
        ):
            return False
    return True


def _type_problems(
    checks: tuple[FactCheck, ...], values: Mapping[str, Any], prefix: str
) -> list[str]:
    problems = []
    for check in checks:
        name = check.name
        value = values.get(name)
        if value is not None:
            accepts, expected = TYPE_CHECKS[check.fact_type]
            if not accepts(value):
                problems.append(
                    f"{prefix}{name}: expected {expected}, got {_json_type(value)} {value!r}"
                )
    return problems


def _narrowed(
    actions: tuple[ActionName, ...], narrowing: Narrowing, state: Mapping[str, str | None]
) -> tuple[tuple[ActionName, str], ...]:
    """(action, first dimension whose class the connection excludes) for each narrowed action."""
    found = []
    for action in actions:
        limits = narrowing.get(action)
        if limits:
            for dimension, classes in limits.items():
                if state.get(dimension) not in classes:
                    found.append((action, dimension))
                    break
    return tuple(found)


def _narrowing_class_problems(
    where: str,
    action: ActionName,
    classes: Sequence[str],
    dim: Dimension,
    allowed: frozenset[str],
) -> list[str]:
    problems = []
    for cls in classes:
        if cls not in dim.labels:
            problems.append(f"{where}: unknown class {cls!r} (known: {', '.join(dim.labels)})")
        elif cls not in allowed:
            problems.append(
                f"{where}: {cls!r} would widen the matrix, which allows {action} only in "
                f"{', '.join(c for c in dim.labels if c in allowed)}"
            )
    return problems
