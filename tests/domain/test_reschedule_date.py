"""reschedule_subscription_order's `date`: after today (UTC) and at most 365 days ahead, held
against a fixed clock at both ends of the boundary."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from pydantic import ValidationError

from action_gateway.domain import models
from action_gateway.domain.models import RescheduleSubscriptionOrderInput

TODAY = date(2026, 12, 3)


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(models, "subscription_today", lambda: TODAY)


@pytest.mark.parametrize(
    ("days", "accepted"),
    [(-1, False), (0, False), (1, True), (364, True), (365, True), (366, False)],
    ids=["yesterday", "today", "tomorrow", "today+364", "today+365", "today+366"],
)
def test_the_date_is_after_today_and_within_365_days(days: int, accepted: bool) -> None:
    value = (TODAY + timedelta(days=days)).isoformat()
    if accepted:
        parsed = RescheduleSubscriptionOrderInput.model_validate({"date": value})
        assert parsed.date == TODAY + timedelta(days=days)
        return
    with pytest.raises(ValidationError) as caught:
        RescheduleSubscriptionOrderInput.model_validate({"date": value})
    [error] = caught.value.errors()
    assert error["loc"] == ("date",)
    if days <= 0:
        assert "date must be after today (2026-12-03, UTC)" in error["msg"]
    else:
        assert "at most 365 days ahead (2027-12-03 at the latest)" in error["msg"]


def test_a_leap_year_still_allows_365_days() -> None:
    # 2028 is a leap year: 365 days after 2028-01-01 is 2028-12-31, not 2029-01-01.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(models, "subscription_today", lambda: date(2028, 1, 1))
        assert RescheduleSubscriptionOrderInput(date=date(2028, 12, 31)).date.day == 31
        with pytest.raises(ValidationError):
            RescheduleSubscriptionOrderInput(date=date(2029, 1, 1))


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"date": "2026-13-01"},
        {"date": "next tuesday"},
        {"date": "2026-12-10", "reason": "x" * 256},
        {"date": "2026-12-10", "note": "unknown field"},
    ],
)
def test_a_bad_input_is_refused(body: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        RescheduleSubscriptionOrderInput.model_validate(body)


def test_the_reason_is_optional_and_up_to_255_characters() -> None:
    assert RescheduleSubscriptionOrderInput.model_validate({"date": "2026-12-10"}).reason is None
    kept = RescheduleSubscriptionOrderInput.model_validate(
        {"date": "2026-12-10", "reason": "y" * 255}
    )
    assert kept.reason == "y" * 255
