"""Reads of the messaging area: a send's progress, and what one member has been sent."""

from __future__ import annotations

from typing import Any

from django.db.models import Count

from .models import Channel, DeliveryState, Message, MessageRecipient, MessageStatus
from .text import fill


def progress(message: Message) -> dict[str, Any]:
    """Counts per channel and state, for the progress view (one grouped query)."""
    counts: dict[str, dict[str, int]] = {c: {s: 0 for s in DeliveryState} for c in Channel}
    for channel, state, n in (
        MessageRecipient.objects.filter(message=message)
        .order_by()
        .values_list("channel", "state")
        .annotate(n=Count("pk"))
    ):
        counts[channel][state] = n
    total = sum(sum(states.values()) for states in counts.values())
    done = sum(
        states[DeliveryState.SENT] + states[DeliveryState.FAILED] for states in counts.values()
    )
    return {
        "channels": [
            {
                "channel": channel,
                "label": Channel(channel).label,
                "total": sum(states.values()),
                "sent": states[DeliveryState.SENT],
                "failed": states[DeliveryState.FAILED],
                "waiting": states[DeliveryState.PENDING] + states[DeliveryState.CLAIMED],
            }
            for channel, states in counts.items()
            if sum(states.values())
        ],
        "total": total,
        "done": done,
        "percent": int(done * 100 / total) if total else 0,
        "finished": message.status in (MessageStatus.SENT, MessageStatus.CANCELLED),
    }


def message_row(item: dict, values: dict[str, str]) -> dict:
    """One message sent to a member, from the "Mine data" periods query (where `place`
    is "channel:state" and `started` the day it was sent). The subject is stored once
    per message with its placeholders; `values` (`text.values_for`) fill them in for
    the member, as in what they received."""
    channel, _sep, state = (item.get("place") or "").partition(":")
    return {
        "subject": fill(item["label"], values),
        "channel": channel,
        "channel_label": str(dict(Channel.choices).get(channel, channel)),
        "state": state,
        "state_label": str(dict(DeliveryState.choices).get(state, state)),
        "sent_at": item["started"],
    }
