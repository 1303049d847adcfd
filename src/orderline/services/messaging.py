"""Deciding an order's customer messages at `now`, in the evaluation's own transaction.

The scheduler evaluates an order whenever its facts change (processing brings its timer
forward in the transaction that stores the facts) and whenever its timer falls due. After
the exceptions are brought up to date, `MessagePlanner.plan` asks the pure planner
(`domain.messaging`) what is due and writes each decision into the outbox, rendered, in
that same transaction: a message exists exactly when the state change that causes it was
committed. The planner's next due time joins the order's timer, so deferred news, the
end of a coalescing wait and the silence reminder all come back by themselves.

A message that does not render is recorded `failed` with the reason, never queued half
built; one for a buyer without an e-mail address is `failed` too. Both show in the
timeline and the messaging audit.

The go-live guard needs to know how Orderline learned each order (`news_provenance`):
every fact remembers the inbox delivery that first brought it, and the delivery when it
arrived and whether an import brought it (its dedupe key starts `import:`). The planner
turns that into what is history (`domain.messaging.provenance`); facts Orderline
established itself have no delivery and say nothing.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    Select,
    Table,
    and_,
    bindparam,
    func,
    or_,
    select,
    type_coerce,
)

from orderline.channels.templates.context import Branding, MessageTopic, message_context
from orderline.channels.templates.rendering import TemplateRenderError, TemplateSet
from orderline.domain.messaging import (
    Arrival,
    Cadence,
    CadencePolicy,
    Decision,
    ExceptionView,
    MessagePlan,
    PastMessage,
    Provenance,
    Situation,
    order_triggers,
    plan_step,
)
from orderline.domain.messaging.buyer_zone import buyer_zone
from orderline.domain.messaging.cadence import SEARCH_DAYS
from orderline.domain.messaging.kinds import MessageKind
from orderline.domain.order import Order
from orderline.persistence import exception_records, message_records
from orderline.persistence.outbox import OutboxState
from orderline.persistence.tables import UtcDateTime, facts, inbox
from orderline.services.exception_evaluation import Evaluation
from orderline.services.importer import IMPORT_KEY_PREFIX
from orderline.services.status_pages import StatusLinks

MAX_DECISIONS_PER_EVALUATION = 20
"""Each decision covers new news or starts a silence period; the bound guards a bug."""
GUARD_DELAY = timedelta(minutes=1)
NEWS_WAIT = timedelta(days=SEARCH_DAYS)
"""News waits its turn at most this long: the cadence finds no moment for it beyond."""
RENDER_FAILED = "render_failed"
ORDERS_PER_QUERY = 400
"""Orders per query when many are read at once (the audit)."""
OrderKey = tuple[str, str]


@dataclass(frozen=True, slots=True)
class StoreMessaging:
    """One store's messaging, resolved from the configuration."""

    plan: MessagePlan
    policy: CadencePolicy
    zone: tzinfo
    is_working_day: Callable[[date], bool]
    exception_types: frozenset[str]
    channel: str
    templates: TemplateSet
    branding: Branding
    locale: str


SettingsFor = Callable[[str], "StoreMessaging | None"]


class MessagePlanner:
    def __init__(self, settings_for: SettingsFor, links: StatusLinks | None = None) -> None:
        self._settings_for = settings_for
        self._links = links
        """Every message links the buyer's status page when the configuration makes links."""

    def evaluated(
        self, connection: Connection, order: Order, evaluation: Evaluation, now: datetime
    ) -> datetime | None:
        """Evaluation listener: the order's messages, once its exceptions are settled."""
        return self.plan(connection, order, now)

    def plan(self, connection: Connection, order: Order, now: datetime) -> datetime | None:
        """Record every message due for `order` at `now`; the next moment to look again."""
        settings = self._settings_for(order.store_id)
        if settings is None:
            return None
        views = buyer_facing(connection, order, settings.exception_types)
        if not _may_have_news(order, views, settings.policy, now):
            return None  # most evaluations: history long past, nothing open; skip the outbox
        history = message_records.load_messages(connection, order.store_id, order.order_id)
        past = [_past(m) for m in history]
        provenance = news_provenance(connection, order.store_id, order.order_id, now)
        zone = buyer_zone(order.shipping_address, settings.zone)
        cadence = Cadence(settings.policy, zone, settings.is_working_day)
        for _ in range(MAX_DECISIONS_PER_EVALUATION):
            notified = frozenset(key for p in past for key in p.covers)
            triggers = order_triggers(order, views, notified)
            situation = Situation(triggers, views, past, settings.plan, cadence, provenance)
            step = plan_step(situation, now)
            if step.decision is None:
                return step.next_due_at
            decision = step.decision
            link = None if decision.is_suppressed else self._link(connection, order, now)
            message = _record(connection, order, decision, settings, link)
            past.append(_past(message))
        return now + GUARD_DELAY

    def _link(self, connection: Connection, order: Order, now: datetime) -> str | None:
        if self._links is None:
            return None
        return self._links.live_url(connection, order.store_id, order.order_id, now)


def _may_have_news(order: Order, views: list[ExceptionView], policy: CadencePolicy, now: datetime) -> bool:
    """Whether the plan could decide anything now or later: an open buyer-facing exception
    (reminders), or any trigger recent enough to be news, or to have been news when the
    plan first saw it and still be waiting its turn. Triggers are taken as if every
    exception had been announced, a superset of what the plan will see."""
    if any(view.is_open for view in views):
        return True
    every_notice = frozenset(view.notice_key for view in views)
    recent = policy.stale_after + NEWS_WAIT
    return any(now - t.at <= recent for t in order_triggers(order, views, every_notice))


def _arrivals(of_orders: ColumnElement[bool]) -> Select[Any]:
    """Per order, one row per inbox delivery that first brought some of its facts, received
    by the bound `now`: when it arrived, its dedupe key, its newest fact's platform time."""
    f, i = facts.c, inbox.c
    newest = type_coerce(func.max(f.occurred_at), UtcDateTime()).label("newest_at")
    return (
        select(f.store_id, f.order_id, i.received_at, i.dedupe_key, newest)
        .select_from(facts.join(inbox, i.id == f.inbox_id))
        .where(of_orders, i.received_at <= bindparam("now", type_=UtcDateTime()))
        .group_by(f.store_id, f.order_id, f.inbox_id, i.received_at, i.dedupe_key)
    )


# Built once: the planner reads an order's provenance on every evaluation with news.
_ORDER_ARRIVALS = _arrivals(
    and_(facts.c.store_id == bindparam("store_id"), facts.c.order_id == bindparam("order_id"))
)


def news_provenance(connection: Connection, store_id: str, order_id: str, now: datetime) -> Provenance:
    """How Orderline had learned one order by `now` (see `news_provenances`)."""
    rows = connection.execute(_ORDER_ARRIVALS, {"store_id": store_id, "order_id": order_id, "now": now})
    return Provenance(tuple(_arrival(row) for row in rows))


def news_provenances(
    connection: Connection, keys: Iterable[OrderKey], now: datetime
) -> dict[OrderKey, Provenance]:
    """How Orderline had learned each order by `now`: an `Arrival` per inbox delivery that
    first brought some of its facts. Orders without any are left out."""
    found: dict[OrderKey, list[Arrival]] = defaultdict(list)
    ordered = sorted(set(keys))
    for start in range(0, len(ordered), ORDERS_PER_QUERY):
        chunk = of_orders(facts, ordered[start : start + ORDERS_PER_QUERY])
        for row in connection.execute(_arrivals(chunk), {"now": now}):
            found[(row.store_id, row.order_id)].append(_arrival(row))
    return {key: Provenance(tuple(arrivals)) for key, arrivals in found.items()}


def of_orders(table: Table, keys: Iterable[OrderKey]) -> ColumnElement[bool]:
    """`(store_id, order_id) IN keys` as `store_id = ? AND order_id IN (...)` per store,
    which SQLite answers from the index (a row-value IN scans the table)."""
    by_store: dict[str, list[str]] = defaultdict(list)
    for store_id, order_id in keys:
        by_store[store_id].append(order_id)
    return or_(
        *(
            and_(table.c.store_id == store, table.c.order_id.in_(ids))
            for store, ids in sorted(by_store.items())
        )
    )


def _arrival(row: Row[Any]) -> Arrival:
    is_import = str(row.dedupe_key).startswith(IMPORT_KEY_PREFIX)
    return Arrival(row.received_at, row.newest_at, is_import)


def buyer_facing(connection: Connection, order: Order, types: frozenset[str]) -> list[ExceptionView]:
    stored = exception_records.load_exceptions(connection, order.store_id, order.order_id)
    return [
        ExceptionView(
            e.key, e.type, e.reason, e.opened_at, None if e.is_open else e.resolved_at or e.opened_at
        )
        for e in stored.values()
        if e.type in types
    ]


def _past(message: message_records.NewMessage | message_records.StoredMessage) -> PastMessage:
    return PastMessage(
        MessageKind(message.kind),
        message.decided_at,
        frozenset(message.covers),
        paced=message.state != OutboxState.SUPPRESSED,
        contact=message.state != OutboxState.FAILED,
    )


def message_key(order: Order, decision: Decision) -> str:
    """Stable for the message's life and unique: each trigger is announced once, and a
    reminder belongs to its moment. Readable in a Message-ID, bounded in length."""
    anchor = decision.triggers[0].key if decision.triggers else f"update@{decision.at.isoformat()}"
    digest = hashlib.sha256(
        f"{order.store_id}\0{order.order_id}\0{decision.kind}\0{anchor}".encode()
    ).hexdigest()
    return f"{order.store_id[:40]}-{order.order_id[:40]}-{decision.kind}-{digest[:16]}"


def topic_of(decision: Decision) -> MessageTopic:
    exception = decision.exception
    return MessageTopic(
        kind=decision.kind,
        shipment_ids=tuple(t.shipment_id for t in decision.triggers if t.shipment_id is not None),
        exception_type=None if exception is None else exception.type,
        exception_reason=None if exception is None else exception.reason,
        exception_opened_at=None if exception is None else exception.opened_at,
        refund_ids=tuple(t.refund_id for t in decision.triggers if t.refund_id is not None),
    )


def _topic_json(topic: MessageTopic) -> dict[str, object]:
    opened = topic.exception_opened_at
    return {
        "shipment_ids": list(topic.shipment_ids),
        "refund_ids": list(topic.refund_ids),
        "exception_type": topic.exception_type,
        "exception_reason": topic.exception_reason,
        "exception_opened_at": None if opened is None else opened.isoformat(),
    }


def _record(
    connection: Connection,
    order: Order,
    decision: Decision,
    settings: StoreMessaging,
    status_url: str | None = None,
) -> message_records.NewMessage:
    topic = topic_of(decision)
    draft = message_records.NewMessage(
        store_id=order.store_id,
        order_id=order.order_id,
        idempotency_key=message_key(order, decision),
        kind=decision.kind.value,
        channel=settings.channel,
        recipient=order.email,
        covers=sorted(decision.covers),
        topic=_topic_json(topic),
        decided_at=decision.at,
        state=OutboxState.SUPPRESSED,
    )
    message = draft if decision.is_suppressed else _rendered(order, topic, settings, draft, status_url)
    message_records.insert_message(connection, message)
    return message


def _rendered(
    order: Order,
    topic: MessageTopic,
    settings: StoreMessaging,
    draft: message_records.NewMessage,
    status_url: str | None = None,
) -> message_records.NewMessage:
    if settings.channel == "email" and not order.email:
        return replace(draft, state=OutboxState.FAILED, last_error="the order has no buyer e-mail address")
    try:
        context = message_context(order, topic, settings.branding, status_url)
        zone = buyer_zone(order.shipping_address, settings.zone)  # dates read as the buyer's day
        rendered = settings.templates.render(topic, context, settings.locale, zone)
    except TemplateRenderError as error:
        return replace(draft, state=OutboxState.FAILED, last_error=f"{RENDER_FAILED}: {error}")
    return replace(
        draft,
        state=OutboxState.QUEUED,
        subject=rendered.subject,
        body_text=rendered.text,
        body_html=rendered.html,
    )
