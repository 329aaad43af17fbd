"""Calendar arithmetic the platforms share."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from action_gateway.domain.dates import add_months


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (datetime(2027, 1, 31, 8, tzinfo=UTC), 1, datetime(2027, 2, 28, 8, tzinfo=UTC)),
        (datetime(2028, 1, 31, 8, tzinfo=UTC), 1, datetime(2028, 2, 29, 8, tzinfo=UTC)),
        (datetime(2026, 11, 23, tzinfo=UTC), 3, datetime(2027, 2, 23, tzinfo=UTC)),
        (datetime(2026, 8, 31, tzinfo=UTC), 6, datetime(2027, 2, 28, tzinfo=UTC)),
        (datetime(2026, 5, 31, tzinfo=UTC), 9, datetime(2027, 2, 28, tzinfo=UTC)),
        (datetime(2026, 12, 15, tzinfo=UTC), 1, datetime(2027, 1, 15, tzinfo=UTC)),
    ],
)
def test_add_months(start: datetime, months: int, end: datetime) -> None:
    assert add_months(start, months) == end
