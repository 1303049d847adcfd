"""Issue 5, acceptance 1 (first half): real SMTP receives exactly the expected customer
messages for an order with a split shipment and a backorder, in order, none twice."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise

from sqlalchemy import Engine

from orderline.persistence import message_records
from tests.integration.messaging_world import (
    BUYER,
    ORDER,
    STORE,
    Mailbox,
    World,
    at,
    kind_of,
    messaging_config,
    smtp_server,
    split_shipment_with_backorder,
)


def play_split_shipment(engine: Engine, mailbox: Mailbox, **cadence: object) -> None:
    with smtp_server(mailbox) as controller:
        world = World.build(engine, messaging_config(**cadence), controller)
        script = [(moment, ORDER, facts) for moment, facts in split_shipment_with_backorder()]
        world.play(script, until=at(24 * 8))


def test_split_shipment_with_backorder_sends_exactly_the_expected_messages(engine: Engine) -> None:
    mailbox = Mailbox()
    play_split_shipment(engine, mailbox)

    assert mailbox.kinds() == [
        "order_confirmed",  # Mon 09:10, after the coalescing wait
        "shipment_sent",  # Mon 13:10: parcel 1, the lamp still to come (4 h after the last message)
        "exception_notice",  # Mon 17:10: the lamp is backordered
        "exception_update",  # Wed 17:10: 48 h of silence while the backorder is open
        "shipment_sent",  # Thu 10:10: parcel 2, which also ends the backorder
        "order_delivered",  # Fri 15:10
    ]
    assert [m["Subject"] for m in mailbox.messages] == [
        "Thank you for your order #7001",
        "Part of your order #7001 has shipped",
        "Part of your order is on backorder (#7001)",
        "An update on your backordered items (#7001)",
        "Your order #7001 has shipped",
        "Your order #7001 has been delivered",
    ]
    assert all(m["To"] == BUYER and m["From"] == "orders@shop1.example" for m in mailbox.messages)
    assert all(
        [p.get_content_type() for p in m.walk()] == ["multipart/alternative", "text/plain", "text/html"]
        for m in mailbox.messages
    )
    ids = [m["Message-ID"] for m in mailbox.messages]
    assert len(set(ids)) == len(ids)
    first_parcel, notice, update, second_parcel = (mailbox.messages[i] for i in (1, 2, 3, 4))
    assert "still" in update.get_body(("plain",)).get_content().lower()  # type: ignore[union-attr]
    first_text = first_parcel.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "1Zs1" in first_text and "Lamp" in first_text
    second_text = second_parcel.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "1Zs2" in second_text
    assert "Still to come:\r\n  - 1 x Lamp" in first_text
    assert "Still to come" not in second_text
    assert "out of stock" in notice.get_body(("plain",)).get_content().lower()  # type: ignore[union-attr]


def test_every_delivered_message_is_recorded_sent_with_its_message_id(engine: Engine) -> None:
    mailbox = Mailbox()
    play_split_shipment(engine, mailbox)

    with engine.connect() as connection:
        stored = message_records.load_messages(connection, STORE, ORDER)
        attempts = message_records.list_attempts(connection, STORE, ORDER)
    assert [m.state for m in stored] == ["sent"] * 6
    assert [m.remote_id for m in stored] == [m["Message-ID"] for m in mailbox.messages]
    assert [a["outcome"] for a in attempts] == ["sent"] * 6
    assert [kind_of(m) for m in mailbox.messages] == [m.kind for m in stored]


def test_suppressed_kinds_are_recorded_but_never_sent(engine: Engine) -> None:
    mailbox = Mailbox()
    with smtp_server(mailbox) as controller:
        config = messaging_config()
        store = config.stores[0].model_copy(
            update={
                "messaging": config.stores[0].messaging.model_copy(update={"suppress": ["order_confirmed"]})
            }
        )
        config = config.model_copy(update={"stores": [store]})
        world = World.build(engine, config, controller)
        script = [(moment, ORDER, facts) for moment, facts in split_shipment_with_backorder()[:1]]
        world.play(script, until=at(24))

    assert mailbox.kinds() == []
    with engine.connect() as connection:
        stored = message_records.load_messages(connection, STORE, ORDER)
    assert [(m.kind, m.state) for m in stored] == [("order_confirmed", "suppressed")]


def test_a_refused_address_fails_permanently_and_is_not_retried(engine: Engine) -> None:
    mailbox = Mailbox(refuse={BUYER})
    with smtp_server(mailbox) as controller:
        world = World.build(engine, messaging_config(), controller)
        script = [(moment, ORDER, facts) for moment, facts in split_shipment_with_backorder()[:1]]
        world.play(script, until=at(24))

    assert mailbox.messages == []
    with engine.connect() as connection:
        stored = message_records.load_messages(connection, STORE, ORDER)
        attempts = message_records.list_attempts(connection, STORE, ORDER)
    assert [(m.kind, m.state) for m in stored] == [("order_confirmed", "failed")]
    assert stored[0].last_error == "RCPT TO refused: 550 5.1.1 mailbox unavailable"
    assert [a["outcome"] for a in attempts] == ["permanent"]


def test_a_deferring_server_is_retried_with_backoff_then_the_delivery_fails_to_support(
    engine: Engine,
) -> None:
    mailbox = Mailbox(defer={BUYER})
    with smtp_server(mailbox) as controller:
        config = messaging_config()
        assert config.messaging is not None
        retry = config.messaging.retry.model_copy(update={"max_attempts": 3})
        config = config.model_copy(update={"messaging": config.messaging.model_copy(update={"retry": retry})})
        world = World.build(engine, config, controller)
        script = [(moment, ORDER, facts) for moment, facts in split_shipment_with_backorder()[:1]]
        world.play(script, until=at(24))

    assert mailbox.messages == []
    with engine.connect() as connection:
        (message,) = message_records.load_messages(connection, STORE, ORDER)
        attempts = message_records.list_attempts(connection, STORE, ORDER)
    assert (message.state, message.attempts) == ("failed", 3)
    assert message.last_error == "gave up after 3 attempts: RCPT TO refused: 451 4.3.0 try again later"
    times = [a["at"] for a in attempts]
    assert [a["outcome"] for a in attempts] == ["temporary", "temporary", "temporary"]
    assert [later - earlier for earlier, later in pairwise(times)] == [
        timedelta(minutes=1),
        timedelta(minutes=2),
    ]


def test_a_store_plan_without_exception_messages_sends_only_its_kinds(engine: Engine) -> None:
    mailbox = Mailbox()
    with smtp_server(mailbox) as controller:
        config = messaging_config()
        own = config.stores[0].messaging.model_copy(update={"send": ["shipment_sent", "order_delivered"]})
        config = config.model_copy(
            update={"stores": [config.stores[0].model_copy(update={"messaging": own})]}
        )
        world = World.build(engine, config, controller)
        script = [(moment, ORDER, facts) for moment, facts in split_shipment_with_backorder()]
        world.play(script, until=at(24 * 8))

    assert mailbox.kinds() == ["shipment_sent", "shipment_sent", "order_delivered"]
