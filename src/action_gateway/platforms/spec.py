"""One descriptor per platform: everything the rest of the service needs to know about it.

Each platform package exports its :class:`PlatformSpec` as ``SPEC``; ``platforms/registry.py``
lists them. Configuration, the app, the catalog and eligibility routes and the timeline read the
spec, so no module outside the platform packages and the registry names a platform.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, ClassVar, Literal, Protocol, Self

import httpx
from pydantic import BaseModel, ConfigDict, SecretStr

from action_gateway.domain.models import ResourceType
from action_gateway.domain.platforms import PlatformProfile
from action_gateway.eligibility import PlatformMatrix
from action_gateway.eligibility.models import FactType
from action_gateway.platforms._breaker import CircuitBreakers
from action_gateway.platforms.base import CommerceAdapter, SubscriptionAdapter


class PlatformSettings(BaseModel):
    """A platform's own connection settings: the keys its connections add in the configuration
    file, flat beside the generic ones (``shop``, ``store_hash``, ``currency``, ...).

    A subclass declares the fields (unknown keys are refused) and says where the platform's API
    lives; ``check`` refuses settings a real connection cannot use.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    def check(self, *, sandbox: bool, api_base_url: str | None) -> None:
        """Raise ``ValueError`` (its message is the configuration problem) when a connection with
        these settings cannot reach its platform; ``sandbox`` connections are served by a
        simulator, ``api_base_url`` overrides :meth:`base_url`."""

    def base_url(self) -> str:
        """Where the platform's API lives for this connection (``api_base_url`` overrides it)."""
        raise NotImplementedError

    def secret_env_vars(self) -> Mapping[str, str]:
        """The connection's secrets besides its token, by name: the environment variable each is
        read from at load time (the setting ``<name>_env``); ``PlatformConnection.secret(name)``
        gives it. None by default."""
        return {}

    def reason_labels(self) -> Mapping[str, str]:
        """The merchant's cancel reason codes and their labels, for summaries (none by default)."""
        return {}

    @classmethod
    def of(cls, connection: PlatformConnection) -> Self:
        """``connection``'s settings, as this platform's model (its factory checks the type)."""
        settings = connection.settings
        if not isinstance(settings, cls):
            raise TypeError(f"connection {connection.id!r} has no {cls.__name__}")
        return settings


class PlatformConnection(Protocol):
    """A configured connection as an adapter reads it (``config.ConnectionConfig`` is one)."""

    @property
    def id(self) -> str: ...

    @property
    def api_version(self) -> str | None: ...

    @property
    def api_base_url(self) -> str | None: ...

    @property
    def token(self) -> SecretStr: ...

    @property
    def settings(self) -> PlatformSettings: ...

    def secret(self, name: str) -> SecretStr:
        """One of the secrets its settings name (``PlatformSettings.secret_env_vars``)."""
        ...


class TransportWrapper(Protocol):
    """Wraps one connection's transport, e.g. to sign each request as it leaves (each attempt
    anew: a retry gets a fresh nonce and timestamp)."""

    def __call__(
        self, connection: PlatformConnection, transport: httpx.AsyncBaseTransport
    ) -> httpx.AsyncBaseTransport: ...


class AdapterFactory(Protocol):
    """Builds one connection's adapter on the app's HTTP client and circuit breakers."""

    def __call__(
        self,
        connection: PlatformConnection,
        http: httpx.AsyncClient,
        *,
        breakers: CircuitBreakers | None = None,
    ) -> CommerceAdapter | SubscriptionAdapter: ...


class ResourceFacts(BaseModel):
    """One resource's facts as a caller states them to ``POST /v1/eligibility``.

    A subclass declares ``type: Literal["<resource type>"]`` and one optional field per fact its
    matrix declares, of the matching type (checked at start-up: :func:`facts_problems`).
    """

    model_config = ConfigDict(extra="forbid")

    type: str
    """The resource type (a subclass narrows it to its own: ``Literal["order"]``)."""
    example: ClassVar[Mapping[str, Any] | None] = None
    """A resource's facts for the API documentation's request example (the first one shown)."""

    def matrix_facts(self) -> dict[str, Any]:
        """The facts the matrix is given: the stated ones (a subclass adapts a platform's quirk)."""
        return self.model_dump(exclude={"type"}, exclude_none=True)


class CustomerFacts(ResourceFacts):
    # A customer has no facts: its actions depend on the conversation only. (No docstring: it
    # would become the schema's description in the OpenAPI document.)
    type: Literal["customer"]


@dataclass(frozen=True)
class PlatformSpec(PlatformProfile):
    """Everything the service knows about one platform (its :class:`PlatformProfile` and more)."""

    settings: type[PlatformSettings]
    """Its connections' own settings."""
    default_api_version: str | None
    """The API version a connection uses unless it sets ``api_version`` (None: unversioned)."""
    matrix: Traversable | Path
    """Its eligibility matrix file (YAML)."""
    facts: Mapping[ResourceType, type[ResourceFacts]]
    """Per resource type of its matrix, the facts ``POST /v1/eligibility`` takes."""
    build_adapter: AdapterFactory
    phone_lookup_limits: str | None = None
    """What a phone lookup on this platform cannot reach, told as a warning when it finds no one
    by that number (None: nothing beyond the platform's own matching)."""
    wrap_transport: TransportWrapper | None = None
    """Applied to each connection's transport, injected ones (sandbox, tests) included: request
    signing stays on the transport every client of the platform sends through."""

    @property
    def schema_name(self) -> str:
        """The prefix of its OpenAPI schema names (``BigCommerceEligibilityRequest``)."""
        return "".join(ch for ch in self.name if ch.isalnum())


_JSON_TYPES = {"string": FactType.STRING, "integer": FactType.INTEGER, "boolean": FactType.BOOLEAN}
_DECIMAL_REF = "#/$defs/DecimalString"


def facts_problems(spec: PlatformSpec, matrix: PlatformMatrix) -> list[str]:
    """Where ``spec.facts`` and the facts its matrix declares differ (names, types, resources).

    The facts models carry the API's descriptions and limits; the matrix is what decides. They
    must agree, so a fact the matrix reads can be given, and a fact given is read.
    """
    problems: list[str] = []
    where = f"{spec.id}: facts"
    if set(spec.facts) != set(matrix.resource_types()):
        problems.append(
            f"{where} cover {sorted(spec.facts)}, the matrix {sorted(matrix.resource_types())}"
        )
    for resource_type, model in spec.facts.items():
        if resource_type not in matrix.resource_types():
            continue
        declared = matrix.declared_facts(resource_type)
        given = _fact_types(model)
        for name in sorted(set(declared) | set(given)):
            if name not in given:
                problems.append(f"{where}: {model.__name__} lacks the matrix's {name!r}")
            elif name not in declared:
                problems.append(f"{where}: {model.__name__}.{name} is not a fact of the matrix")
            elif given[name] is not declared[name]:
                problems.append(
                    f"{where}: {model.__name__}.{name} is {given[name]}, the matrix says "
                    f"{declared[name]}"
                )
    return problems


def _fact_types(model: type[ResourceFacts]) -> dict[str, FactType | None]:
    """Each field's fact type, read from the model's JSON Schema (None: no fact type fits)."""
    properties: dict[str, Any] = model.model_json_schema()["properties"]
    types: dict[str, FactType | None] = {}
    for name, schema in properties.items():
        if name == "type":
            continue
        options = [o for o in schema.get("anyOf", [schema]) if o.get("type") != "null"]
        found: FactType | None = None
        if len(options) == 1:
            option = options[0]
            found = (
                FactType.DECIMAL
                if option.get("$ref") == _DECIMAL_REF
                else _JSON_TYPES.get(option.get("type", ""))
            )
        types[name] = found
    return types
