"""structlog set-up: readable console lines in development, JSON lines in production.

Every line passes :func:`mask_personal_data` just before it is rendered: the gateway's own
(structlog) and other libraries' (stdlib ``logging``, through the root handler installed here).
"""

from __future__ import annotations

import functools
import logging
import re
import sys
from collections.abc import Callable
from typing import Any, TextIO

import structlog
from structlog.tracebacks import ExceptionDictTransformer

from action_gateway.settings import LogFormat

# The local part's first character, then the rest of it, then "@" (or "%40" in a URL) and a
# dotted domain.
_EMAIL = re.compile(r"(?P<first>[\w+-])[\w.+-]*(?P<at>@|%40)(?P<domain>[\w-]+(?:\.[\w-]+)+)")
# In free text only "+" then 7-15 digits is a phone number: order ids (5500001001), BigCommerce
# ids (117), hex ids, dates and amounts have no leading "+" and stay readable.
_PLUS_PHONE = re.compile(r"(?:\+|%2[Bb])\(?\d(?:[ .\-()]{0,2}\d){6,14}(?!\d)")
_NON_DIGIT = re.compile(r"\D")
_MASK = "***"


def _mask_email(match: re.Match[str]) -> str:
    return f"{match['first']}{_MASK}{match['at']}{match['domain']}"


def _mask_phone(number: str) -> str:
    return _MASK + _NON_DIGIT.sub("", number)[-2:]


def _mask_text(text: str) -> str:
    # Most values have neither "@" nor "+": skip the regexes for them.
    if "@" in text or "%40" in text:
        text = _EMAIL.sub(_mask_email, text)
    if "+" in text or "%2" in text:
        text = _PLUS_PHONE.sub(lambda match: _mask_phone(match[0]), text)
    return text


def _mask_email_value(text: str) -> str:
    masked = _mask_text(text)
    if "@" in masked and masked == text:
        # Under an email key even an address the pattern misses (no dot in the domain, ...).
        local, _, domain = text.rpartition("@")
        return f"{local[:1]}{_MASK}@{domain}"
    return masked


def _mask_phone_value(text: str) -> str:
    # Under a phone key any value is a phone number, with or without its "+".
    return _mask_phone(text) if text else text


_Rule = Callable[[str], str]


@functools.lru_cache(maxsize=1024)
def _rule_for(key: object) -> _Rule | None:
    name = str(key).lower()
    if "phone" in name:
        return _mask_phone_value
    if "email" in name or "e-mail" in name:
        return _mask_email_value
    return None


def _mask(value: Any, rule: _Rule | None) -> Any:
    if isinstance(value, str):
        return rule(value) if rule is not None else _mask_text(value)
    if isinstance(value, dict):
        return {key: _mask(item, _rule_for(key) or rule) for key, item in value.items()}
    if isinstance(value, list):
        return [_mask(item, rule) for item in value]
    if isinstance(value, tuple):
        return tuple(_mask(item, rule) for item in value)
    if rule is _mask_phone_value and isinstance(value, int) and not isinstance(value, bool):
        return _mask_phone(str(value))
    return value


_NOTHING_TO_MASK = frozenset({int, float, bool, type(None)})


def mask_personal_data(
    logger: structlog.typing.WrappedLogger, method_name: str, event_dict: structlog.typing.EventDict
) -> structlog.typing.EventDict:
    """Mask e-mail addresses (``a***@example.com``) and phone numbers (``***01``) in every value.

    Values under keys named like ``phone`` / ``email`` are masked whatever their shape; in other
    strings only e-mail addresses and ``+``-prefixed numbers are. Strings are searched inside
    dicts, lists and tuples; other objects (models, exceptions) are not: log their fields.
    """
    for key, value in event_dict.items():
        rule = _rule_for(key)
        if rule is None and type(value) in _NOTHING_TO_MASK:
            continue  # most values of most lines: numbers, flags, None
        masked = _mask(value, rule)
        if masked is not value:
            event_dict[key] = masked
    return event_dict


# The gateway's own shared processors; the stdlib handler runs them on foreign records too.
_SHARED: list[structlog.typing.Processor] = [
    structlog.contextvars.merge_contextvars,
    structlog.processors.add_log_level,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]

# Off-the-shelf dict_tracebacks logs each frame's locals (tokens, request headers): not these.
_DICT_TRACEBACKS = structlog.processors.ExceptionRenderer(
    ExceptionDictTransformer(show_locals=False)
)

# Each library's own per-request INFO lines repeat our `upstream_request` line with the full
# URL (query strings hold customers' emails, percent-encoded); their warnings still show.
_QUIET_LOGGERS = ("httpx", "httpcore")


class _GatewayHandler(logging.StreamHandler[TextIO]):
    """The root handler this module installs; replaced, not added again, on reconfiguration."""


def configure_logging(log_format: LogFormat = LogFormat.CONSOLE, level: str = "info") -> None:
    numeric_level = logging.getLevelName(level.upper())
    if not isinstance(numeric_level, int):
        numeric_level = logging.INFO
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer()
        if log_format is LogFormat.JSON
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    final: list[structlog.typing.Processor] = [
        _DICT_TRACEBACKS if log_format is LogFormat.JSON else structlog.processors.format_exc_info,
        mask_personal_data,  # after the traceback is text, so exception messages are masked too
        renderer,
    ]
    structlog.configure(
        processors=[*_SHARED, *final],
        wrapper_class=structlog.make_filtering_bound_logger(numeric_level),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stdout),
        cache_logger_on_first_use=False,
    )

    handler = _GatewayHandler(sys.stdout)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[*_SHARED, structlog.stdlib.add_logger_name],
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *final],
        )
    )
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _GatewayHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(numeric_level)
    for name in _QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(numeric_level, logging.WARNING))
