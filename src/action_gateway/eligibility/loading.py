"""Loading a matrix: parse the YAML, validate it, cross-check it and compile it for the engine.

Every problem of a file is collected and reported at once in a `MatrixError`, at start-up.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Final

import yaml
from pydantic import ValidationError

from action_gateway.domain.models import ACTION_FACTS, ActionName, ConversationStatus, ResourceType
from action_gateway.eligibility.engine import (
    ENGINE_CODES,
    TYPE_CHECKS,
    CompiledResource,
    Dimension,
    FactCheck,
    Guard,
    PlatformMatrix,
)
from action_gateway.eligibility.models import (
    DimensionSpec,
    FactType,
    GuardSpec,
    MatrixSpec,
    ResourceSpec,
)

OPEN_CONVERSATION_KEY = "conversation_status"
"""The helpdesk context value that says whether the conversation is open."""


class MatrixError(Exception):
    """A matrix file is unreadable or inconsistent; raised at start-up, never per request."""


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML keeps the last of duplicate keys silently; in a matrix that hides a mistake."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: set[object] = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                key = self.construct_object(key_node, deep=deep)
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        "while constructing a mapping",
                        node.start_mark,
                        f"found duplicate key {key!r}",
                        key_node.start_mark,
                    )
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


def load_matrix_text(platform: str, text: str, *, source: str) -> PlatformMatrix:
    """Parse, validate and compile one matrix; every problem is reported in one `MatrixError`."""
    try:
        raw = yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as exc:
        raise MatrixError(f"{source}: not valid YAML: {exc}") from None
    try:
        spec = MatrixSpec.model_validate(raw)
    except ValidationError as exc:
        problems = [
            f"{'.'.join(str(p) for p in err['loc']) or '(top level)'}: {err['msg']}"
            for err in exc.errors()
        ]
        raise _matrix_error(source, problems) from None
    checker = _Checker(platform, spec)
    compiled = checker.compile()
    if checker.problems:
        raise _matrix_error(source, checker.problems)
    return PlatformMatrix(platform, spec, compiled)


def load_matrix(platform: str, source: Traversable | Path) -> PlatformMatrix:
    """``platform``'s matrix from its file (named by its platform's spec); raises `MatrixError`,
    so start-up fails."""
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as exc:
        raise MatrixError(f"{source}: cannot be read: {exc}") from None
    return load_matrix_text(platform, text, source=_shown(source))


def _shown(source: Traversable | Path) -> str:
    """The file as a reader finds it: from the repository root when it is the package's."""
    text = str(source)
    marker = "action_gateway/"
    return text[text.index(marker) :] if marker in text else text


def _matrix_error(source: str, problems: list[str]) -> MatrixError:
    listed = "\n".join(f"  - {p}" for p in problems)
    return MatrixError(f"{source}: invalid eligibility matrix:\n{listed}")


_VALUE_TYPES: Final[dict[FactType, Callable[[object], bool]]] = {
    t: check for t, (check, _) in TYPE_CHECKS.items() if t is not FactType.DECIMAL
}


class _Checker:
    """Cross-reference checks that a schema cannot express, compiling as it goes."""

    def __init__(self, platform: str, spec: MatrixSpec) -> None:
        self.platform = platform
        self.spec = spec
        self.problems: list[str] = []

    def compile(self) -> dict[ResourceType, CompiledResource]:
        if self.spec.platform != self.platform:
            self.problems.append(
                f"platform: the file is for {self.spec.platform!r}, not {self.platform!r}"
            )
        compiled = {}
        for name, res_spec in self.spec.resources.items():
            try:
                resource_type = ResourceType(name)
            except ValueError:
                known = ", ".join(ResourceType)
                self.problems.append(f"resources.{name}: unknown resource type (known: {known})")
                continue
            compiled[resource_type] = self._resource(resource_type, res_spec)
        return compiled

    def _resource(self, resource_type: ResourceType, spec: ResourceSpec) -> CompiledResource:
        where = f"resources.{resource_type}"
        used: set[str] = set()
        dimensions = tuple(
            self._dimension(f"{where}.dimensions.{name}", name, dim, spec, used)
            for name, dim in spec.dimensions.items()
        )
        actions = self._actions(where, resource_type, spec)
        guards = tuple(
            self._guard(f"{where}.guards[{i}]", guard, spec, actions, used)
            for i, guard in enumerate(spec.guards)
        )
        self._open_conversation_guarded(where, actions, guards)
        allow: dict[ActionName, tuple[frozenset[str], ...]] = {}
        alternatives: dict[ActionName, tuple[ActionName, ...]] = {}
        for action in actions:
            rule = spec.rules[action.value]
            rule_where = f"{where}.rules.{action}"
            for dimension in rule.allow:
                if dimension not in spec.dimensions:
                    self.problems.append(f"{rule_where}.allow: unknown dimension {dimension!r}")
            allow[action] = tuple(
                self._allowed_classes(
                    f"{rule_where}.allow.{dim.name}", dim, rule.allow.get(dim.name)
                )
                for dim in dimensions
            )
            alternatives[action] = self._alternatives(
                rule_where, action, rule.alternatives, actions
            )
        for kind, declared in (("facts", spec.facts), ("context", spec.context)):
            for name in declared:
                if name not in used:
                    self.problems.append(f"{where}.{kind}.{name}: declared but never used")
        return CompiledResource(
            type=resource_type,
            spec=spec,
            fact_checks=tuple(FactCheck.of(name, t) for name, t in spec.facts.items()),
            context_checks=tuple(FactCheck.of(name, t) for name, t in spec.context.items()),
            guards=guards,
            dimensions=dimensions,
            actions=actions,
            allow=allow,
            alternatives=alternatives,
        )

    def _actions(
        self, where: str, resource_type: ResourceType, spec: ResourceSpec
    ) -> tuple[ActionName, ...]:
        found = set()
        for name in spec.rules:
            try:
                action = ActionName(name)
            except ValueError:
                self.problems.append(f"{where}.rules.{name}: unknown action")
                continue
            acts_on = ACTION_FACTS[action].resource_type
            if acts_on is not resource_type:
                self.problems.append(
                    f"{where}.rules.{name}: {name} acts on a {acts_on}, not a {resource_type}"
                )
                continue
            found.add(action)
        # Declaration order of ActionName, so every matrix lists actions the same way.
        return tuple(a for a in ActionName if a in found)

    def _dimension(
        self, where: str, name: str, spec: DimensionSpec, resource: ResourceSpec, used: set[str]
    ) -> Dimension:
        used.add(spec.fact)
        fact_type = resource.facts.get(spec.fact)
        if fact_type is None:
            self.problems.append(f"{where}.fact: {spec.fact!r} is not declared in facts")
        elif fact_type is FactType.DECIMAL:
            self.problems.append(f"{where}.fact: a decimal fact cannot be classified by value")
        lookup: dict[Hashable, str] = {}
        for cls, cls_spec in spec.classes.items():
            for value in cls_spec.values:
                if fact_type in _VALUE_TYPES and not _VALUE_TYPES[fact_type](value):
                    self.problems.append(
                        f"{where}.classes.{cls}: value {value!r} is not of type {fact_type}"
                    )
                if value in lookup:
                    self.problems.append(
                        f"{where}.classes.{cls}: value {value!r} is already in class "
                        f"{lookup[value]!r}"
                    )
                else:
                    lookup[value] = cls
        absent_fact = absent_class = None
        if spec.when_absent is not None:
            absent_fact, absent_class = spec.when_absent.fact, spec.when_absent.if_zero
            used.add(absent_fact)
            if resource.facts.get(absent_fact) is not FactType.DECIMAL:
                self.problems.append(
                    f"{where}.when_absent.fact: {absent_fact!r} must be declared as a decimal fact"
                )
            if absent_class not in spec.classes:
                self.problems.append(f"{where}.when_absent.if_zero: unknown class {absent_class!r}")
        for cls, cls_spec in spec.classes.items():
            if not cls_spec.values and cls != absent_class:
                self.problems.append(f"{where}.classes.{cls}: no value leads to this class")
        labels = {cls: cls_spec.label for cls, cls_spec in spec.classes.items()}
        return Dimension(name, spec.fact, lookup, labels, absent_fact, absent_class)

    def _guard(
        self,
        where: str,
        spec: GuardSpec,
        resource: ResourceSpec,
        actions: tuple[ActionName, ...],
        used: set[str],
    ) -> Guard:
        if spec.code in ENGINE_CODES:
            self.problems.append(f"{where}.code: {spec.code!r} is reserved for the engine")
        from_context = spec.context is not None
        key = spec.context if spec.context is not None else spec.fact
        assert key is not None  # GuardSpec requires one of them
        declared = resource.context if from_context else resource.facts
        kind = "context" if from_context else "facts"
        used.add(key)
        input_type = declared.get(key)
        if input_type is None:
            self.problems.append(f"{where}: {key!r} is not declared in {kind}")
        elif input_type not in _VALUE_TYPES or not _VALUE_TYPES[input_type](spec.test_value):
            self.problems.append(
                f"{where}: {spec.test_value!r} cannot be compared with {input_type} {key!r}"
            )
        guarded: set[ActionName] = set()
        for name in spec.actions if spec.actions is not None else [a.value for a in actions]:
            action = next((a for a in actions if a.value == name), None)
            if action is None:
                self.problems.append(f"{where}.actions: {name!r} is not an action with a rule here")
            else:
                guarded.add(action)
        return Guard(
            code=spec.code,
            from_context=from_context,
            key=key,
            input_name=spec.input_name,
            require=spec.require is not None,
            value=spec.test_value,
            actions=frozenset(guarded),
            reason=spec.reason,
        )

    def _open_conversation_guarded(
        self, where: str, actions: tuple[ActionName, ...], guards: tuple[Guard, ...]
    ) -> None:
        """An action whose facts say it needs an open conversation is guarded so here."""
        for action in actions:
            if not ACTION_FACTS[action].needs_open_conversation:
                continue
            if not any(
                guard.from_context
                and guard.key == OPEN_CONVERSATION_KEY
                and guard.require
                and guard.value == ConversationStatus.OPEN.value
                and action in guard.actions
                for guard in guards
            ):
                self.problems.append(
                    f"{where}.rules.{action}: {action} needs an open conversation: add a guard "
                    f"that requires context {OPEN_CONVERSATION_KEY} to be "
                    f"{ConversationStatus.OPEN.value}"
                )

    def _allowed_classes(
        self, where: str, dim: Dimension, listed: tuple[str, ...] | None
    ) -> frozenset[str]:
        if listed is None:
            return frozenset(dim.labels)
        if not listed:
            self.problems.append(f"{where}: allows no class; remove the rule instead")
        if len(set(listed)) != len(listed):
            self.problems.append(f"{where}: a class is listed twice")
        for cls in listed:
            if cls not in dim.labels:
                self.problems.append(f"{where}: unknown class {cls!r}")
        return frozenset(listed)

    def _alternatives(
        self,
        where: str,
        action: ActionName,
        names: tuple[str, ...],
        actions: tuple[ActionName, ...],
    ) -> tuple[ActionName, ...]:
        found = []
        for name in names:
            alternative = next((a for a in actions if a.value == name), None)
            if alternative is None or alternative is action:
                self.problems.append(
                    f"{where}.alternatives: {name!r} is not another action with a rule here"
                )
            else:
                found.append(alternative)
        return tuple(found)
