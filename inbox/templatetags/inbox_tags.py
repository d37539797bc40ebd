"""The forwarding address card, for pages of apps below the Inbox (Settings)."""

from typing import Any

from django import template

from inbox.services import address_for, forwarding_address_get

register = template.Library()


@register.inclusion_tag("inbox/_address.html", takes_context=True)
def forwarding_address_card(context: Any, next_page: str = "") -> dict[str, Any]:
    user = context["request"].user
    address = forwarding_address_get(user=user)
    return {
        "forwarding_address": address_for(address.token),
        "dropped": address.dropped_count,
        "next": next_page,
        "csrf_token": context.get("csrf_token"),
    }
