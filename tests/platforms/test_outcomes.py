"""The write-outcome helpers every adapter shares (``platforms/_outcomes.py``)."""

from __future__ import annotations

import time
from datetime import UTC

import pytest

from action_gateway.errors import Outcome, UpstreamError, UpstreamUnavailable
from action_gateway.platforms._outcomes import (
    is_ambiguous,
    not_executed,
    reconcile_reserve,
    still_unknown,
    utc_now,
)
from action_gateway.platforms.base import ActionCall


def lost() -> UpstreamUnavailable:
    return UpstreamUnavailable(
        "The platform did not answer in time",
        code="custom_code",
        headers={"Retry-After": "2"},
        outcome=Outcome.UNKNOWN,
        platform_errors=["timeout"],
    )


def test_only_an_unknown_outcome_is_ambiguous() -> None:
    assert is_ambiguous(lost())
    assert not is_ambiguous(UpstreamError("refused", outcome=Outcome.NOT_EXECUTED))
    assert not is_ambiguous(UpstreamError("no outcome said"))


def test_still_unknown_keeps_the_failure_and_adds_what_the_reread_showed() -> None:
    settled = still_unknown(lost(), "Check the order.")

    assert type(settled) is UpstreamUnavailable
    assert settled.detail == "The platform did not answer in time. Check the order."
    assert settled.instance_code == "custom_code"
    assert settled.headers == {"Retry-After": "2"}
    assert settled.extensions == {"outcome": Outcome.UNKNOWN, "platform_errors": ["timeout"]}


def test_not_executed_settles_the_outcome_and_joins_after_a_full_stop() -> None:
    exc = UpstreamError("Lost!  ", outcome=Outcome.UNKNOWN)

    settled = not_executed(exc, "Nothing was changed.")

    assert settled.detail == "Lost! Nothing was changed."
    assert settled.extensions["outcome"] is Outcome.NOT_EXECUTED
    assert exc.extensions["outcome"] is Outcome.UNKNOWN  # the original is left as it was


@pytest.mark.parametrize(
    ("seconds", "margin", "reserved"),
    [(30.0, 3.0, 3.0), (6.0, 3.0, 2.0), (-1.0, 3.0, 0.0)],
    ids=["margin", "a third of a short budget", "none when the budget is spent"],
)
def test_reconcile_reserve_keeps_back_at_most_a_third_of_what_remains(
    seconds: float, margin: float, reserved: float
) -> None:
    call = ActionCall(deadline=time.monotonic() + seconds)

    assert reconcile_reserve(call, margin) == pytest.approx(reserved, abs=0.05)


def test_utc_now_is_aware_and_to_the_second() -> None:
    now = utc_now()

    assert now.tzinfo is UTC
    assert now.microsecond == 0
