"""The go-live guard of the message plan: history is never announced.

News first seen more than `stale_after` after it happened sends nothing, nor does news an
import brought; a reminder follows only an exception the buyer was told of. A plan with
`now` passed in, on a cadence without quiet hours (UTC, every day) so the moments are exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from orderline.domain.messaging import (
    Arrival,
    Cadence,
    CadencePolicy,
    ExceptionView,
    MessageKind,
    MessagePlan,
    PastMessage,
    PlanStep,
    Provenance,
    Situation,
    Trigger,
    plan_step,
)
from orderline.domain.messaging.triggers import exception_triggers

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
DAY, HOUR = timedelta(days=1), timedelta(hours=1)
CADENCE = Cadence(CadencePolicy(quiet_hours=None, coalesce=timedelta(0)), UTC)
K = MessageKind


def confirmed(at: datetime) -> Trigger:
    return Trigger(K.ORDER_CONFIRMED, "confirmed", at)


def shipped(at: datetime, shipment_id: str = "s1") -> Trigger:
    return Trigger(K.SHIPMENT_SENT, f"shipment:{shipment_id}", at, shipment_id=shipment_id)


def backorder(opened: datetime) -> ExceptionView:
    return ExceptionView("backorder:fo1", "backorder", "waiting for stock", opened)


def step(
    now: datetime,
    news: list[Trigger],
    exceptions: Sequence[ExceptionView] = (),
    history: Sequence[PastMessage] = (),
    provenance: Provenance | None = None,
    plan: MessagePlan | None = None,
) -> PlanStep:
    notified = frozenset(key for past in history for key in past.covers)
    triggers = [*news, *exception_triggers(exceptions, notified)]
    situation = Situation(
        triggers, exceptions, history, plan or MessagePlan(), CADENCE, provenance or Provenance()
    )
    return plan_step(situation, now)


def webhook(received: datetime, newest: datetime) -> Arrival:
    return Arrival(received, newest)


def imported(received: datetime, newest: datetime) -> Arrival:
    return Arrival(received, newest, is_import=True)


# --- stale news: first seen more than stale_after after it happened --------------------------


def test_news_first_seen_more_than_stale_after_late_sends_nothing() -> None:
    placed = NOW - 30 * DAY
    exception = backorder(placed + HOUR)

    first = step(NOW, [confirmed(placed), shipped(placed + DAY)], [exception])

    assert first == PlanStep(decision=None, next_due_at=None)


def test_an_exception_whose_notice_was_history_gets_no_reminder_ever() -> None:
    # Given an order placed in 2008, first seen now, with a fulfilment delay open since then
    exception = backorder(datetime(2008, 5, 2, 12, 0, tzinfo=UTC))

    # When the plan is asked now and on every day after (the silence deadline long passed)
    steps = [step(NOW + n * DAY, [], [exception]) for n in range(0, 10)]

    # Then nothing is ever due: no notice, no "still being prepared" reminder
    assert steps == [PlanStep()] * 10


def test_news_first_seen_just_within_stale_after_is_announced() -> None:
    opened = NOW - 72 * HOUR
    exception = backorder(opened)

    first = step(NOW, [], [exception])

    assert first.decision is not None and first.decision.kind is K.EXCEPTION_NOTICE


def test_news_waiting_its_turn_stays_news_past_stale_after() -> None:
    # Given a notice seen fresh when the plan decided a parcel message, then held back for days
    opened = NOW - 100 * HOUR
    exception = backorder(opened)
    parcel = PastMessage(K.SHIPMENT_SENT, opened, frozenset({"shipment:s1"}))

    # Then, now that it may go, it is still news: the plan saw it in time
    notice = step(NOW, [shipped(opened)], [exception], [parcel])

    assert notice.decision is not None and notice.decision.kind is K.EXCEPTION_NOTICE


def test_news_the_plan_first_meets_late_is_history() -> None:
    # Given messaging switched on today, and an exception Orderline learned live 4 days ago
    opened = NOW - 4 * DAY
    provenance = Provenance((webhook(opened, opened),))

    assert step(NOW, [], [backorder(opened)], provenance=provenance) == PlanStep()


def test_a_long_weekend_does_not_age_news_on_a_store_counting_working_days() -> None:
    # Given a store that speaks on working days only, closed Good Friday and Easter Monday
    holidays = {date(2026, 4, 3), date(2026, 4, 6)}
    policy = CadencePolicy(quiet_hours=None, business_days_only=True, stale_after=timedelta(hours=96))
    cadence = Cadence(policy, UTC, lambda day: day.weekday() < 5 and day not in holidays)
    # And an exception that opens on Thursday night, first seen then
    exception = backorder(datetime(2026, 4, 2, 23, 50, tzinfo=UTC))
    triggers = exception_triggers([exception], frozenset())
    tuesday = datetime(2026, 4, 7, 0, 0, tzinfo=UTC)  # 96 h 10 min later, 10 min of working time

    notice = plan_step(Situation(triggers, [exception], [], MessagePlan(), cadence), tuesday)

    assert notice.decision is not None and notice.decision.kind is K.EXCEPTION_NOTICE


# --- reminders follow only an exception the buyer was told of --------------------------------


def test_no_reminder_for_an_exception_the_plan_never_announces() -> None:
    # Given a plan that sends reminders but not notices, and an exception open for days
    exception = backorder(NOW - 60 * HOUR)
    plan = MessagePlan(frozenset({K.EXCEPTION_UPDATE}))

    # Then the buyer, never told of it, is not reminded of it either
    assert step(NOW, [], [exception], plan=plan) == PlanStep()


def test_no_reminder_after_a_notice_that_failed() -> None:
    exception = backorder(NOW - 60 * HOUR)
    failed = PastMessage(
        K.EXCEPTION_NOTICE, NOW - 59 * HOUR, frozenset({exception.notice_key}), contact=False
    )

    assert step(NOW, [], [exception], [failed]) == PlanStep()


def test_a_notice_the_platform_sent_is_followed_by_reminders() -> None:
    exception = backorder(NOW - 60 * HOUR)
    by_platform = PastMessage(
        K.EXCEPTION_NOTICE, exception.opened_at, frozenset({exception.notice_key}), paced=False
    )

    reminder = step(NOW, [], [exception], [by_platform])

    assert reminder.decision is not None
    assert (reminder.decision.kind, reminder.decision.exception) == (K.EXCEPTION_UPDATE, exception)


def test_a_history_exception_does_not_stretch_the_silence_of_an_announced_one() -> None:
    # Given an exception from long ago never announced, and one announced an hour ago
    old = ExceptionView("address:x", "address_invalid", "no street number", NOW - 40 * DAY)
    new = backorder(NOW - 2 * HOUR)
    told = PastMessage(K.EXCEPTION_NOTICE, NOW - HOUR, frozenset({new.notice_key}))

    # Then the reminder is due 48 h after the notice, about the announced exception
    waiting = step(NOW, [], [old, new], [told])
    reminder = step(NOW + 47 * HOUR, [], [old, new], [told])

    assert waiting == PlanStep(next_due_at=NOW + 47 * HOUR)
    assert reminder.decision is not None and reminder.decision.exception == new


# --- import provenance: what an import brought is history whatever its age ------------------


def test_news_an_import_brought_sends_nothing_however_recent() -> None:
    # Given an order placed an hour ago, paid and on backorder, learned through an import now
    placed = NOW - HOUR
    provenance = Provenance((imported(NOW, placed + timedelta(minutes=10)),))
    exception = backorder(placed + timedelta(minutes=5))

    steps = [step(NOW + n * DAY, [confirmed(placed)], [exception], provenance=provenance) for n in range(4)]

    assert steps == [PlanStep()] * 4


def test_news_a_webhook_brings_after_an_import_is_announced_alone() -> None:
    placed = NOW - HOUR
    provenance = Provenance((imported(NOW, placed), webhook(NOW + DAY, NOW + DAY)))

    later = step(
        NOW + DAY, [confirmed(placed), shipped(NOW + DAY - timedelta(minutes=1))], provenance=provenance
    )

    assert later.decision is not None
    assert (later.decision.kind, later.decision.covers) == (K.SHIPMENT_SENT, frozenset({"shipment:s1"}))


def test_an_exception_opening_later_from_an_old_cause_is_history() -> None:
    # Given an order placed 5 days ago, first seen now through re-sent webhooks
    placed = NOW - 5 * DAY
    provenance = Provenance((webhook(NOW, placed), webhook(NOW, placed + HOUR)))
    # And an exception that only opens tomorrow, as its timer runs out (an authorisation lapsing)
    exception = backorder(NOW + DAY)

    assert step(NOW + DAY, [], [exception], provenance=provenance) == PlanStep()


def test_an_exception_opening_as_time_passes_on_a_live_order_is_announced() -> None:
    placed = NOW - HOUR
    provenance = Provenance((webhook(placed + timedelta(seconds=1), placed),))
    exception = backorder(NOW + 2 * DAY)

    notice = step(NOW + 2 * DAY, [], [exception], provenance=provenance)

    assert notice.decision is not None and notice.decision.kind is K.EXCEPTION_NOTICE


def test_an_order_known_only_from_facts_orderline_recorded_is_judged_by_age_alone() -> None:
    assert Provenance().is_history(NOW - 365 * DAY, timedelta(hours=72)) is False


# --- provenance: with which delivery Orderline learned news ----------------------------------


def test_news_is_learned_with_the_first_delivery_received_after_it() -> None:
    live = webhook(NOW, NOW)
    late_retry = webhook(NOW + 4 * DAY, NOW - HOUR)  # a stale retry of old content, days late
    provenance = Provenance((late_retry, live))

    assert provenance.learner(NOW - 2 * HOUR) == live
    assert provenance.learner(NOW + HOUR) == late_retry
    assert provenance.learner(NOW + 5 * DAY) is None
    assert provenance.is_history(NOW - 2 * HOUR, timedelta(hours=72)) is False


def test_news_reported_only_by_a_late_delivery_is_history() -> None:
    provenance = Provenance((webhook(NOW - 10 * DAY, NOW - 10 * DAY), webhook(NOW, NOW - 4 * DAY)))

    assert provenance.is_history(NOW - 4 * DAY, timedelta(hours=72)) is True
    assert provenance.is_history(NOW - 4 * DAY, timedelta(hours=100)) is False


def test_an_exception_that_opened_before_the_import_stays_history_once_webhooks_follow() -> None:
    # Given an order imported now, last changed 3 days ago, delayed since yesterday
    delayed_since = NOW - DAY
    provenance = Provenance((imported(NOW, NOW - 3 * DAY),))
    # And a live webhook about it an hour later (a tag changed)
    then = Provenance((*provenance.arrivals, webhook(NOW + HOUR, NOW + HOUR)))

    assert provenance.is_history(delayed_since, timedelta(hours=72)) is True
    assert then.is_history(delayed_since, timedelta(hours=72)) is True
    assert then.is_history(NOW + HOUR, timedelta(hours=72)) is False  # what the webhook reports is news
