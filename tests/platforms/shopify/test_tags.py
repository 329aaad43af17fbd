"""edit_order_tags on Shopify: tagsAdd / tagsRemove, never orderUpdate(tags:), and what an
ambiguous failure leaves (re-read and compared, never re-sent)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from action_gateway.domain.models import EditOrderTagsInput
from action_gateway.errors import Outcome, PlatformRejected, UpstreamUnavailable
from action_gateway.platforms.base import ActionCall
from action_gateway.platforms.shopify import ShopifyAdapter
from tests.platforms.kit import LOST_IN_TRANSIT
from tests.platforms.shopify.helpers import ShopifyStub
from tests.platforms.shopify.test_adapter import ORDER_GID, an_order


def call() -> ActionCall:
    return ActionCall.within(15.0, idempotency_key="idem-tags")


def tags_read(*tags: str) -> dict[str, Any]:
    return {"order": {"id": ORDER_GID, "tags": list(tags)}}


def changed(field: str, *tags: str) -> dict[str, Any]:
    return {field: {"node": {"id": ORDER_GID, "tags": list(tags)}, "userErrors": []}}


async def edit(adapter: ShopifyAdapter, **data: Any) -> Any:
    return await adapter.edit_order_tags(an_order(), EditOrderTagsInput(**data), call=call())


async def test_adds_and_removes_only_what_changes(
    adapter: ShopifyAdapter, stub: ShopifyStub
) -> None:
    stub.reply("OrderTags", tags_read("Gift", "VIP"))
    stub.reply("OrderTagsAdd", changed("tagsAdd", "damaged", "Gift", "VIP"))
    stub.reply("OrderTagsRemove", changed("tagsRemove", "damaged", "VIP"))
    outcome = await edit(adapter, add=["vip", "damaged"], remove=["gift"])
    assert outcome.status == "succeeded"
    assert outcome.messages == []
    assert outcome.tags is not None
    assert outcome.tags.model_dump() == {
        "added": ["damaged"],
        "removed": ["Gift"],
        "tags": ["damaged", "VIP"],
    }
    assert stub.operations() == ["OrderTags", "OrderTagsAdd", "OrderTagsRemove"]
    # "vip" is already on the order (adding is case-insensitive): only "damaged" is sent.
    assert stub.bodies("OrderTagsAdd")[0]["variables"] == {"id": ORDER_GID, "tags": ["damaged"]}
    # tagsRemove is case-sensitive on orders: the order's own spelling is sent.
    assert stub.bodies("OrderTagsRemove")[0]["variables"] == {"id": ORDER_GID, "tags": ["Gift"]}
    assert all("orderUpdate" not in body["query"] for body in stub.bodies())


async def test_nothing_to_change_sends_no_mutation(
    adapter: ShopifyAdapter, stub: ShopifyStub
) -> None:
    stub.reply("OrderTags", tags_read("VIP"))
    outcome = await edit(adapter, add=["vip"], remove=["gone"])
    assert outcome.tags is not None
    assert outcome.tags.model_dump() == {"added": [], "removed": [], "tags": ["VIP"]}
    assert stub.operations() == ["OrderTags"]


async def test_user_errors_reach_the_caller_verbatim(
    adapter: ShopifyAdapter, stub: ShopifyStub
) -> None:
    stub.reply("OrderTags", tags_read())
    message = "Title Tag exceeds the maximum length of 40 characters"
    stub.reply(
        "OrderTagsAdd",
        {"tagsAdd": {"node": None, "userErrors": [{"field": ["tags", "0"], "message": message}]}},
    )
    with pytest.raises(PlatformRejected, match="maximum length") as caught:
        await edit(adapter, add=["new"])
    [error] = caught.value.extensions["platform_errors"]
    assert error.message == message
    assert error.field == ["tags", "0"]


async def test_a_tag_shopify_silently_dropped_is_reported(
    adapter: ShopifyAdapter, stub: ShopifyStub
) -> None:
    stub.reply("OrderTags", tags_read())
    stub.reply("OrderTagsAdd", changed("tagsAdd", "kept"))
    outcome = await edit(adapter, add=["kept", "あ"])
    assert outcome.tags.added == ["kept"]
    assert outcome.messages == ["Shopify did not keep the tags: あ."]


@pytest.mark.parametrize("lost", LOST_IN_TRANSIT)
async def test_lost_answer_re_read_shows_the_tags(
    adapter: ShopifyAdapter, stub: ShopifyStub, lost: Any
) -> None:
    stub.reply("OrderTags", tags_read("VIP"), tags_read("damaged", "VIP"))
    stub.reply("OrderTagsAdd", lost)
    outcome = await edit(adapter, add=["damaged"])
    assert outcome.status == "succeeded"
    assert outcome.tags.model_dump() == {
        "added": ["damaged"],
        "removed": [],
        "tags": ["damaged", "VIP"],
    }
    assert "re-reading the order shows the tags on it" in outcome.messages[0]
    assert stub.operations() == ["OrderTags", "OrderTagsAdd", "OrderTags"]  # never re-sent


@pytest.mark.parametrize("lost", LOST_IN_TRANSIT)
async def test_lost_answer_re_read_shows_nothing_changed(
    adapter: ShopifyAdapter, stub: ShopifyStub, lost: Any
) -> None:
    stub.reply("OrderTags", tags_read("VIP"), tags_read("VIP"))
    stub.reply("OrderTagsAdd", lost)
    with pytest.raises(UpstreamUnavailable, match="nothing was changed") as caught:
        await edit(adapter, add=["damaged"])
    # Told by the re-read; the flow still answers unknown once a write may have run.
    assert caught.value.extensions["outcome"] is Outcome.NOT_EXECUTED
    assert stub.operations() == ["OrderTags", "OrderTagsAdd", "OrderTags"]


async def test_lost_answer_and_a_failed_re_read_stay_unknown(
    adapter: ShopifyAdapter, stub: ShopifyStub
) -> None:
    stub.reply("OrderTags", tags_read("VIP"), *[httpx.Response(503)] * 4)
    stub.reply("OrderTagsRemove", httpx.ReadTimeout("timed out"))
    with pytest.raises(UpstreamUnavailable) as caught:
        await edit(adapter, remove=["VIP"])
    assert caught.value.extensions["outcome"] is Outcome.UNKNOWN
    assert stub.operations().count("OrderTagsRemove") == 1


async def test_lost_removal_after_the_add_is_told_as_partly_done(
    adapter: ShopifyAdapter, stub: ShopifyStub
) -> None:
    stub.reply("OrderTags", tags_read("old"), tags_read("new", "old"))
    stub.reply("OrderTagsAdd", changed("tagsAdd", "new", "old"))
    stub.reply("OrderTagsRemove", httpx.Response(502))
    with pytest.raises(UpstreamUnavailable, match="already done: added new") as caught:
        await edit(adapter, add=["new"], remove=["old"])
    assert caught.value.extensions["outcome"] is Outcome.UNKNOWN
    assert stub.operations().count("OrderTagsRemove") == 1


async def test_a_removal_refused_after_the_add_says_what_was_done(
    adapter: ShopifyAdapter, stub: ShopifyStub
) -> None:
    stub.reply("OrderTags", tags_read("old"))
    stub.reply("OrderTagsAdd", changed("tagsAdd", "new", "old"))
    refused = {"field": ["id"], "message": "Order does not exist"}
    stub.reply("OrderTagsRemove", {"tagsRemove": {"node": None, "userErrors": [refused]}})
    with pytest.raises(PlatformRejected, match="Already done: added new") as caught:
        await edit(adapter, add=["new"], remove=["old"])
    assert caught.value.extensions["outcome"] is Outcome.UNKNOWN
