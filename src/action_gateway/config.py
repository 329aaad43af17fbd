"""The gateway's configuration file (YAML): connections, their actions, and global limits.

Credentials are never written in the file: each connection names the environment variable that
holds its token, and the token is read once, at load time, into a ``SecretStr``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal, cast

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from action_gateway.domain.models import ACTION_FACTS, ActionName, Ceiling, Platform
from action_gateway.domain.phones import check_phone_region
from action_gateway.domain.platforms import PlatformKind
from action_gateway.platforms.registry import PLATFORMS, PlatformRegistry
from action_gateway.platforms.spec import PlatformSettings, PlatformSpec
from action_gateway.settings import APPROVAL_KEYS_ENV, approval_keys_problem

DEFAULT_DEADLINE_SECONDS = 15.0
MAX_APPROVAL_TTL_SECONDS = 24 * 3600
"""No longer than the idempotency store keeps an answer (``RETENTION_SECONDS``): an approved
token is answered from that record, so it must not outlive it."""
ENV_NAME_PATTERN = r"^[A-Z_][A-Z0-9_]*$"


class ConfigError(Exception):
    """A configuration that cannot be used; the message lists every problem, readably."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ActionsConfig(_Strict):
    """Which actions a connection offers, to whom, and how the platform matrix is narrowed."""

    enabled: bool = Field(
        default=True, description="Master switch: when false no action is offered or executable."
    )
    allowed: list[ActionName] | None = Field(
        default=None, description="Actions switched on; omitted means every supported action."
    )
    roles: dict[ActionName, list[str]] = Field(
        default_factory=dict,
        description="Roles allowed per action; an action not listed is open to every agent.",
    )
    narrowing: dict[ActionName, dict[str, list[str]]] = Field(
        default_factory=dict,
        description=(
            "Per action, per matrix dimension, the state classes still allowed "
            '(e.g. cancel_order: {fulfillment: ["unfulfilled"]}). Can only narrow.'
        ),
    )

    refund_ceilings: dict[ActionName, dict[str, Annotated[Decimal, Field(ge=0)]]] = Field(
        default_factory=dict,
        description=(
            'Per refunding action, per agent role (or "*" for any role), the largest amount in '
            "the order's currency an agent may refund without approval; the agent's highest "
            "ceiling applies. Once an action has ceilings, an agent with none of the listed "
            "roles gets approval_required for any amount. Dry runs are never limited."
        ),
    )

    compensation_ceilings: dict[ActionName, dict[str, Annotated[Decimal, Field(ge=0)]]] = Field(
        default_factory=dict,
        description=(
            'Per compensating action (a replacement order, store credit), per agent role (or "*" '
            "for any role), the largest value an agent may give without approval: the "
            "replacement's items at the original order's prices after discounts, or the credit, "
            "in that order's (that credit's) currency. As refund_ceilings: the agent's highest "
            "ceiling applies, no listed role means approval_required, dry runs say the value."
        ),
    )

    approval_ttl_seconds: Annotated[int, Field(ge=60, le=MAX_APPROVAL_TTL_SECONDS)] = Field(
        default=MAX_APPROVAL_TTL_SECONDS,
        description="How long the approval token of an approval_required answer can be "
        "approved or declined (POST /v1/approvals), in seconds; at most 86,400.",
    )

    @field_validator("compensation_ceilings")
    @classmethod
    def _ceilings_on_compensations(
        cls, value: dict[ActionName, dict[str, Decimal]]
    ) -> dict[ActionName, dict[str, Decimal]]:
        wrong = [a.value for a in value if ACTION_FACTS[a].ceiling is not Ceiling.COMPENSATION]
        if wrong:
            raise ValueError(
                f"compensation_ceilings apply to compensating actions only, not {', '.join(wrong)}"
            )
        return value

    @field_validator("refund_ceilings")
    @classmethod
    def _ceilings_on_refunds(
        cls, value: dict[ActionName, dict[str, Decimal]]
    ) -> dict[ActionName, dict[str, Decimal]]:
        wrong = [a.value for a in value if ACTION_FACTS[a].ceiling is not Ceiling.REFUND]
        if wrong:
            raise ValueError(
                f"refund_ceilings apply to refunding actions only, not {', '.join(wrong)}"
            )
        return value

    def is_active(self, action: ActionName) -> bool:
        return self.enabled and (self.allowed is None or action in self.allowed)

    @property
    def has_ceilings(self) -> bool:
        """Some action may answer approval_required, whose token needs a signing key."""
        return any(self.refund_ceilings.values()) or any(self.compensation_ceilings.values())


CALLER_ID_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,62}$"
SHA256_HEX_PATTERN = r"^[0-9a-f]{64}$"
Wildcard = Literal["*"]


class CallerConfig(_Strict):
    """A system allowed to call the gateway (a helpdesk backend), identified by its API key.

    Only the SHA-256 of the key is configured (``action-gateway hash-key`` prints it); the key
    itself is never stored. Several hashes let a key be rotated without downtime.
    """

    id: Annotated[str, Field(pattern=CALLER_ID_PATTERN)]
    key_sha256: list[Annotated[str, Field(pattern=SHA256_HEX_PATTERN)]] = Field(
        default_factory=list,
        description="Hex SHA-256 of the caller's API key (a list while rotating keys).",
    )
    key_sha256_env: Annotated[str | None, Field(pattern=ENV_NAME_PATTERN)] = Field(
        default=None,
        description="An environment variable holding the hash(es), comma-separated, for "
        "deployments that keep them in a secret.",
    )
    connections: Wildcard | list[str] = Field(
        description='Connection ids this caller may use, or "*" for all.'
    )
    actions: Wildcard | list[ActionName] = Field(
        description='Actions this caller may perform (or preview), or "*"; an empty list makes '
        "a read-only caller (lookups and eligibility only)."
    )
    requests_per_minute: Annotated[int, Field(ge=1, le=100_000)] = Field(
        default=600, description="Rate limit of this caller, over every endpoint but health."
    )

    @field_validator("key_sha256", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list):
            return [v.strip().lower() if isinstance(v, str) else v for v in value]
        return value

    @model_validator(mode="after")
    def _one_key_source(self) -> CallerConfig:
        if bool(self.key_sha256) == bool(self.key_sha256_env):
            raise ValueError(
                f"caller {self.id!r}: give exactly one of `key_sha256` (the hex SHA-256 of its "
                "key, from `action-gateway hash-key`) or `key_sha256_env`"
            )
        return self


PLATFORMS_CONTEXT = "platforms"
"""The validation context key of the platform registry to validate against (default: PLATFORMS)."""


def _registry(info: ValidationInfo | None) -> PlatformRegistry:
    context = info.context if info is not None else None
    registry: PlatformRegistry | None = (context or {}).get(PLATFORMS_CONTEXT)
    return registry if registry is not None else PLATFORMS


class ConnectionConfig(BaseModel):
    """One store (or subscription account) the gateway can act on.

    The generic keys are fields; the platform's own keys (``shop``, ``store_hash``, ...) sit
    beside them in the file and are validated by its spec's settings model, then kept as this
    model's extra attributes (``connection.shop``); :attr:`settings` gives them typed.
    """

    model_config = ConfigDict(extra="allow", frozen=True)

    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")]
    platform: Platform
    api_version: str | None = None
    access_token_env: Annotated[str | None, Field(pattern=ENV_NAME_PATTERN)] = Field(
        default=None,
        description="The environment variable holding the platform token (required unless "
        "`sandbox`).",
    )
    sandbox: bool = Field(
        default=False,
        description="Served by the built-in simulator of its platform, with its seeded data: no "
        "token, no network. To try callers, roles and refund ceilings locally.",
    )
    api_base_url: str | None = Field(
        default=None, description="Overrides the platform's base URL (proxies, test doubles)."
    )
    linked_connection: str | None = Field(
        default=None,
        description="Subscription platforms: the commerce connection whose customers these "
        "subscriptions belong to (Ordergroove keys customers by that store's customer id).",
    )
    deadline_seconds: Annotated[float | None, Field(gt=0, le=120)] = None
    phone_region: str | None = Field(
        default=None,
        description="Commerce platforms: the region (ISO 3166-1 alpha-2, e.g. GB) whose numbering "
        "reads a looked-up phone number written without its country code; defaults to "
        "ACTION_GATEWAY_PHONE_REGION (US).",
    )
    actions: ActionsConfig = ActionsConfig()
    access_token: SecretStr | None = Field(default=None, exclude=True, repr=False)
    """Filled from ``access_token_env`` at load time; never read from the file."""
    secrets: dict[str, SecretStr] = Field(default_factory=dict, exclude=True, repr=False)
    """The platform's other secrets (``PlatformSettings.secret_env_vars``), filled at load time
    from the environment; never read from the file."""
    _spec: PlatformSpec = PrivateAttr()

    @field_validator("platform")
    @classmethod
    def _registered(cls, value: str, info: ValidationInfo) -> str:
        registry = _registry(info)
        if value not in registry:
            ids = [repr(p) for p in registry]
            expected = ", ".join(ids[:-1]) + f" or {ids[-1]}" if len(ids) > 1 else "".join(ids)
            raise PydanticCustomError("enum", "Input should be {expected}", {"expected": expected})
        return value

    @field_validator("phone_region")
    @classmethod
    def _known_phone_region(cls, value: str | None) -> str | None:
        return check_phone_region(value) if value is not None else None

    @field_validator("api_base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("api_base_url must start with http:// or https://")
        return value.rstrip("/") if value else value

    # mypy may resolve pydantic's ModelWrapValidator protocol to Never here (pydantic-core
    # 2.50's generic ValidationInfo), depending on its cache; the signature is pydantic's own.
    @model_validator(mode="wrap")  # type: ignore[arg-type, unused-ignore]
    @classmethod
    def _with_platform_settings(
        cls, data: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo
    ) -> ConnectionConfig:
        """The generic keys by the fields, the others by the platform's settings model; the
        problems of both are reported together, each at its key."""
        if not isinstance(data, dict):
            return cast(ConnectionConfig, handler(data))
        platform = data.get("platform")
        spec = _registry(info).get(platform) if isinstance(platform, str) else None
        own = {k: v for k, v in data.items() if k not in cls.model_fields}
        errors: list[InitErrorDetails] = []
        connection: ConnectionConfig | None = None
        settings: PlatformSettings | None = None
        try:
            connection = handler({k: v for k, v in data.items() if k in cls.model_fields})
        except ValidationError as exc:
            errors += _error_details(exc)
        if spec is not None:
            try:
                settings = spec.settings.model_validate(own)
            except ValidationError as exc:
                errors += _error_details(exc)
        if errors or connection is None or settings is None or spec is None:
            # Without errors all three are set: an unknown platform is the field's error.
            raise ValidationError.from_exception_data(cls.__name__, errors)
        connection._check(spec, settings)
        connection._spec = spec
        object.__setattr__(connection, "__pydantic_extra__", dict(settings))
        if connection.api_version is None and spec.default_api_version is not None:
            object.__setattr__(connection, "api_version", spec.default_api_version)
        return connection

    def _check(self, spec: PlatformSpec, settings: PlatformSettings) -> None:
        if self.sandbox:
            # The simulator stands in for the platform: its address and token are its own.
            if self.access_token_env is not None or self.api_base_url is not None:
                raise ValueError(
                    "a sandbox connection has no `access_token_env` or `api_base_url`: its "
                    "simulator makes its own token and serves in process"
                )
        elif self.access_token_env is None:
            raise ValueError(
                "a connection needs `access_token_env`: the environment variable holding its "
                "token (or `sandbox: true` to try it against the built-in simulator)"
            )
        settings.check(sandbox=self.sandbox, api_base_url=self.api_base_url)
        if spec.kind is PlatformKind.SUBSCRIPTION and not self.linked_connection:
            raise ValueError(
                f"a {self.platform} connection needs `linked_connection`: the id of the "
                "commerce connection whose customers it serves"
            )

    @property
    def spec(self) -> PlatformSpec:
        """The spec of its platform (from the registry it was validated against)."""
        return self._spec

    @property
    def settings(self) -> PlatformSettings:
        """Its platform's own settings, typed (read from its extra attributes, so a copy with
        updated settings keys reads the update)."""
        return self._spec.settings.model_construct(**(self.__pydantic_extra__ or {}))

    @property
    def base_url(self) -> str:
        """Where its platform's API is: ``api_base_url``, or the platform's for its settings."""
        return self.api_base_url or self.settings.base_url()

    @property
    def token(self) -> SecretStr:
        if self.access_token is None:
            raise ConfigError(f"connection {self.id!r}: its token was not loaded")
        return self.access_token

    def secret(self, name: str) -> SecretStr:
        found = self.secrets.get(name)
        if found is None:
            raise ConfigError(f"connection {self.id!r}: its {name} was not loaded")
        return found


def _error_details(error: ValidationError) -> list[InitErrorDetails]:
    """``error``'s problems, to be raised again with others (same type, place and message)."""
    return [
        InitErrorDetails(
            type=item["type"], loc=item["loc"], input=item["input"], ctx=item.get("ctx", {})
        )
        for item in error.errors()
    ]


class GatewayConfig(_Strict):
    deadline_seconds: Annotated[float, Field(gt=0, le=120)] = DEFAULT_DEADLINE_SECONDS
    connections: list[ConnectionConfig] = Field(default_factory=list)
    callers: list[CallerConfig] | None = Field(
        default=None,
        description="Who may call the gateway. Without callers it answers unauthenticated "
        "requests, and only on a loopback address (the sandbox, local development).",
    )

    @model_validator(mode="after")
    def _unique_ids_and_links(self, info: ValidationInfo) -> GatewayConfig:
        if info.context and info.context.get(_LINKS_CHECKED):
            return self  # parse_config checked them on the document, listing every problem
        problems = _link_problems(
            self.model_dump(mode="json", include={"connections", "callers"}, exclude_none=True),
            _registry(info),
        )
        if problems:
            raise ValueError(problems[0][1])
        return self

    def linked_to(self, commerce_connection_id: str) -> list[ConnectionConfig]:
        """The subscription connections whose customers are this commerce connection's."""
        return [c for c in self.connections if c.linked_connection == commerce_connection_id]

    def connection(self, connection_id: str) -> ConnectionConfig | None:
        return next((c for c in self.connections if c.id == connection_id), None)

    def deadline_for(self, connection: ConnectionConfig) -> float:
        return connection.deadline_seconds or self.deadline_seconds

    @property
    def needs_approval_keys(self) -> bool:
        """A connection that is not simulated has ceilings: approval tokens need keys from the
        environment (the sandbox makes its own, one per process)."""
        return any(c.actions.has_ceilings for c in self.connections if not c.sandbox)


_LINKS_CHECKED = "links_checked"
_INLINE_SECRET_KEYS = ("access_token", "token", "api_key", "password", "secrets")
ConfigProblem = tuple[str, str]
"""Where (a dotted path in the file, or "(top level)") and what is wrong."""
ExtraChecks = Callable[[list[tuple[int, ConnectionConfig]]], list[ConfigProblem]]
"""More checks of the connections that are valid on their own (by index in the file)."""


def _items(data: Mapping[str, Any], key: str) -> list[tuple[int, dict[str, Any]]]:
    value = data.get(key)
    if not isinstance(value, list):
        return []
    return [(i, item) for i, item in enumerate(value) if isinstance(item, dict)]


def _link_problems(data: Mapping[str, Any], registry: PlatformRegistry) -> list[ConfigProblem]:
    """Ids used twice and references to nothing, read leniently from a (partial) document."""
    problems: list[ConfigProblem] = []
    platforms: dict[str, Any] = {}
    for i, connection in _items(data, "connections"):
        cid = connection.get("id")
        if not isinstance(cid, str):
            continue
        if cid in platforms:
            problems.append((f"connections.{i}.id", f"connection id {cid!r} is used twice"))
        platforms[cid] = connection.get("platform")
    commerce = {p for p, spec in registry.items() if spec.kind is PlatformKind.COMMERCE}
    for i, connection in _items(data, "connections"):
        link = connection.get("linked_connection")
        if isinstance(link, str) and str(platforms.get(link)) not in commerce:
            problems.append(
                (
                    f"connections.{i}.linked_connection",
                    f"connection {connection.get('id')!r}: linked_connection {link!r} is not a "
                    "configured commerce connection",
                )
            )
    seen_callers: set[str] = set()
    seen_hashes: set[str] = set()
    for i, caller in _items(data, "callers"):
        name = caller.get("id")
        if name in seen_callers:
            problems.append((f"callers.{i}.id", f"caller id {name!r} is used twice"))
        if isinstance(name, str):
            seen_callers.add(name)
        hashes = caller.get("key_sha256") or []
        for digest in [hashes] if isinstance(hashes, str) else hashes:
            digest = str(digest).strip().lower()
            if digest in seen_hashes:
                problems.append(
                    (
                        f"callers.{i}.key_sha256",
                        f"caller {name!r}: its key hash is another caller's",
                    )
                )
            seen_hashes.add(digest)
        wanted = caller.get("connections")
        if isinstance(wanted, list):
            unknown = [str(c) for c in wanted if c not in platforms]
            if unknown:
                problems.append(
                    (
                        f"callers.{i}.connections",
                        f"caller {name!r}: unknown connection(s) {', '.join(unknown)}",
                    )
                )
    return problems


def _validation_problems(error: ValidationError, prefix: str = "") -> list[ConfigProblem]:
    problems: list[ConfigProblem] = []
    for item in error.errors():
        where = prefix + ".".join(str(part) for part in item["loc"])
        message = str(item["msg"]).removeprefix("Value error, ")
        problems.append((where or "(top level)", message))
    return problems


def _format_problems(source: str, problems: list[ConfigProblem]) -> str:
    lines = [f"{source}: {len(problems)} problem(s)"]
    lines += [f"  - {where}: {message}" for where, message in problems]
    return "\n".join(lines)


def parse_config(
    data: Any,
    *,
    source: str = "config",
    environ: Mapping[str, str] | None = None,
    extra_checks: ExtraChecks | None = None,
    platforms: PlatformRegistry = PLATFORMS,
) -> GatewayConfig:
    """Validate a parsed config document and load each connection's token from the environment.

    Every problem of the document is found in one pass and reported together, in one format
    (``  - where: what``): the schema's, ids and references, the environment's, and
    ``extra_checks`` (the eligibility matrices'). ``environ=None`` reads ``os.environ``.
    Connections are validated against ``platforms`` (their ids, their own settings).
    """
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(_format_problems(source, [("(top level)", "must be a mapping")]))
    problems: list[ConfigProblem] = []
    document = dict(data)
    if isinstance(data.get("connections"), list):
        connections: list[Any] = []
        for i, connection in enumerate(data["connections"]):
            inline = [
                k for k in _INLINE_SECRET_KEYS if isinstance(connection, dict) and k in connection
            ]
            if inline:
                problems.append(
                    (
                        f"connections.{i}.{inline[0]}",
                        f"connection {connection.get('id')!r} has an inline secret; name the "
                        "environment variable that holds it with `access_token_env`",
                    )
                )
                connection = {k: v for k, v in connection.items() if k not in inline}
            connections.append(connection)
        document["connections"] = connections
    link_problems = _link_problems(document, platforms)
    config: GatewayConfig | None = None
    try:
        config = GatewayConfig.model_validate(
            document, context={_LINKS_CHECKED: True, PLATFORMS_CONTEXT: platforms}
        )
    except ValidationError as exc:
        problems += _validation_problems(exc)
    problems += link_problems
    env = os.environ if environ is None else environ
    for i, connection in _items(document, "connections"):
        variable = connection.get("access_token_env")
        if (
            isinstance(variable, str)
            and re.fullmatch(ENV_NAME_PATTERN, variable)
            and not connection.get("sandbox")
            and not env.get(variable)
        ):
            problems.append(
                (
                    f"connections.{i}.access_token_env",
                    f"no token in the environment for: {connection.get('id')} (${variable})",
                )
            )
    hashes: dict[str, list[str]] = {}
    for i, caller in _items(document, "callers"):
        variable = caller.get("key_sha256_env")
        if not isinstance(variable, str):
            continue
        raw = env.get(variable, "")
        found = [part.strip().lower() for part in raw.split(",") if part.strip()]
        if not found or not all(re.fullmatch(SHA256_HEX_PATTERN, h) for h in found):
            problems.append(
                (
                    f"callers.{i}.key_sha256_env",
                    f"caller {caller.get('id')!r}: ${variable} must hold the hex SHA-256 of the "
                    "caller's key (comma-separated while rotating)",
                )
            )
        hashes[str(caller.get("id"))] = found
    if config is not None and config.needs_approval_keys:
        problem = approval_keys_problem(env.get(APPROVAL_KEYS_ENV))
        if problem is not None:
            problems.append(
                ("(environment)", f"{problem}: a connection has ceilings, which sign approvals")
            )
    for i, valid_connection in enumerate(config.connections if config is not None else []):
        if valid_connection.sandbox:
            continue
        for name, variable in valid_connection.settings.secret_env_vars().items():
            if not env.get(variable):
                problems.append(
                    (
                        f"connections.{i}.{name}_env",
                        f"no {name.replace('_', ' ')} in the environment for: "
                        f"{valid_connection.id} (${variable})",
                    )
                )
    if extra_checks is not None:
        valid: list[tuple[int, ConnectionConfig]] = []
        for i, connection in _items(document, "connections"):
            try:
                valid.append(
                    (
                        i,
                        ConnectionConfig.model_validate(
                            connection, context={PLATFORMS_CONTEXT: platforms}
                        ),
                    )
                )
            except ValidationError:
                continue  # reported above
        problems += extra_checks(valid)
    if problems or config is None:
        raise ConfigError(_format_problems(source, problems))
    connections_with_tokens = [
        c
        if c.sandbox or c.access_token_env is None
        else c.model_copy(
            update={
                "access_token": SecretStr(env[c.access_token_env]),
                "secrets": {
                    name: SecretStr(env[variable])
                    for name, variable in c.settings.secret_env_vars().items()
                },
            }
        )
        for c in config.connections
    ]
    callers = None
    if config.callers is not None:
        callers = [
            c if c.key_sha256_env is None else c.model_copy(update={"key_sha256": hashes[c.id]})
            for c in config.callers
        ]
    return config.model_copy(update={"connections": connections_with_tokens, "callers": callers})


def load_config(
    path: str | Path,
    *,
    environ: Mapping[str, str] | None = None,
    extra_checks: ExtraChecks | None = None,
    platforms: PlatformRegistry = PLATFORMS,
) -> GatewayConfig:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        problem = ("(file)", f"cannot be read ({exc.strerror})")
        raise ConfigError(_format_problems(str(path), [problem])) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        problem = ("(file)", f"not valid YAML ({exc})")
        raise ConfigError(_format_problems(str(path), [problem])) from None
    return parse_config(
        data, source=str(path), environ=environ, extra_checks=extra_checks, platforms=platforms
    )
