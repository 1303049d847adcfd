"""Issue 5, acceptance 2: for random exception timelines, with an explicit clock, the plan
never leaves an open exception silent longer than the maximum silence, never sends two
messages closer than the minimum gap, and never sends in quiet hours (nor past the cap).

The simulation plays the world forward: exceptions open and resolve, news happens, and the
planner is asked at every moment it named and at every change in the world."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from orderline.domain.messaging import (
    Cadence,
    CadencePolicy,
    ExceptionView,
    MessageKind,
    MessagePlan,
    PastMessage,
    QuietHours,
    Situation,
    Trigger,
    plan_step,
)
from orderline.domain.messaging.triggers import exception_triggers

START = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)  # spans Europe's and America's DST changes
HORIZON = timedelta(days=21)
ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "Australia/Sydney"]
NEWS_KINDS = [MessageKind.SHIPMENT_SENT, MessageKind.REFUND_ISSUED, MessageKind.ORDER_CONFIRMED]


@dataclass(frozen=True)
class World:
    exceptions: list[ExceptionView]
    news: list[Trigger]

    def known_at(self, now: datetime) -> tuple[list[Trigger], list[ExceptionView]]:
        """What the order's state says at `now`: exceptions opened by then, resolved if so."""
        views = [
            ExceptionView(
                e.key, e.type, e.reason, e.opened_at, e.resolved_at if _le(e.resolved_at, now) else None
            )
            for e in self.exceptions
            if e.opened_at <= now
        ]
        news = [t for t in self.news if t.at <= now]
        return news, views

    def changes(self) -> list[datetime]:
        moments = [e.opened_at for e in self.exceptions] + [t.at for t in self.news]
        moments += [e.resolved_at for e in self.exceptions if e.resolved_at is not None]
        return sorted(moments)


def _le(moment: datetime | None, now: datetime) -> bool:
    return moment is not None and moment <= now


minutes = st.integers(min_value=0, max_value=int(HORIZON.total_seconds() // 60))


@st.composite
def worlds(draw: st.DrawFn) -> World:
    exceptions = []
    for index in range(draw(st.integers(1, 4))):
        opened = START + timedelta(minutes=draw(minutes))
        length = draw(st.one_of(st.none(), st.integers(1, 14 * 24 * 60)))
        resolved = None if length is None else opened + timedelta(minutes=length)
        exceptions.append(ExceptionView(f"exc{index}", "backorder", "waiting for stock", opened, resolved))
    news = [
        Trigger(draw(st.sampled_from(NEWS_KINDS)), f"news{index}", START + timedelta(minutes=draw(minutes)))
        for index in range(draw(st.integers(0, 8)))
    ]
    return World(exceptions, news)


@st.composite
def cadences(draw: st.DrawFn) -> Cadence:
    quiet = draw(
        st.one_of(
            st.none(),
            st.builds(
                QuietHours,
                st.sampled_from([time(20), time(21, 30), time(22), time(0, 15)]),
                st.sampled_from([time(6), time(7, 45), time(8), time(9)]),
            ),
        )
    )
    policy = CadencePolicy(
        min_gap=timedelta(hours=draw(st.sampled_from([0.5, 2, 4, 8]))),
        max_silence=timedelta(hours=draw(st.sampled_from([26, 36, 48, 72]))),
        quiet_hours=quiet,
        max_per_day=draw(st.integers(1, 4)),
        business_days_only=draw(st.booleans()),
        coalesce=timedelta(minutes=draw(st.sampled_from([0, 10, 30]))),
        stale_after=timedelta(hours=96),
    )
    if policy.check():
        policy = CadencePolicy(quiet_hours=quiet, business_days_only=policy.business_days_only)
    zone = ZoneInfo(draw(st.sampled_from(ZONES)))
    holidays = {date(2026, 4, 3), date(2026, 4, 6)}
    return Cadence(policy, zone, lambda day: day.weekday() < 5 and day not in holidays)


def simulate(world: World, cadence: Cadence) -> list[PastMessage]:
    history: list[PastMessage] = []
    now, end = START, START + HORIZON + timedelta(days=14)
    changes = world.changes()
    while now <= end:
        news, views = world.known_at(now)
        notified = frozenset(key for past in history for key in past.covers)
        triggers = [*news, *exception_triggers(views, notified)]
        situation = Situation(triggers, views, history, MessagePlan(), cadence)
        step = plan_step(situation, now)
        if step.decision is not None:
            history.append(PastMessage(step.decision.kind, step.decision.at, step.decision.covers))
            continue  # ask again at the same moment
        following = [t for t in changes if t > now]
        candidates = [t for t in (step.next_due_at, min(following, default=None)) if t is not None]
        if not candidates:
            break
        now = min(candidates)
        assert now > START - timedelta(seconds=1)
    return history


def open_periods(world: World, end: datetime) -> list[tuple[datetime, datetime]]:
    """The union of the exceptions' open intervals."""
    spans = sorted((e.opened_at, e.resolved_at or end) for e in world.exceptions)
    merged: list[tuple[datetime, datetime]] = []
    for start, stop in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], stop))
        else:
            merged.append((start, stop))
    return merged


@settings(max_examples=300, deadline=None)
@given(worlds(), cadences())
def test_cadence_holds_for_random_exception_timelines(world: World, cadence: Cadence) -> None:
    history = simulate(world, cadence)
    sent = sorted(m.at for m in history)
    policy = cadence.policy
    for earlier, later in pairwise(sent):
        assert later - earlier >= policy.min_gap, f"gap {later - earlier} < {policy.min_gap}"
    for at in sent:
        assert not cadence.is_quiet(at), f"sent in quiet hours or on a day off: {at.astimezone(cadence.zone)}"
        assert cadence.sent_on_day(at, sent) <= policy.max_per_day
    end = START + HORIZON + timedelta(days=14)
    for start, stop in open_periods(world, end):
        anchors = [start, *(at for at in sent if start < at < stop), stop]
        for earlier, later in pairwise(anchors):
            silence = cadence.silence(earlier, later)
            assert silence <= policy.max_silence, f"silent {silence} from {earlier} to {later}"
    covered = [key for m in history for key in m.covers]
    assert len(covered) == len(set(covered)), "a trigger was announced twice"


def test_reminder_lands_before_quiet_hours_not_after() -> None:
    # Given an exception opened at 12:30 Berlin on a Friday, quiet 21:00-08:00, 48 h silence
    zone = ZoneInfo("Europe/Berlin")
    cadence = Cadence(CadencePolicy(coalesce=timedelta(0)), zone)
    opened = datetime(2026, 5, 8, 12, 30, tzinfo=zone).astimezone(UTC)
    exception = ExceptionView("e", "backorder", "waiting", opened)
    notice = Trigger(MessageKind.EXCEPTION_NOTICE, exception.notice_key, opened, exception=exception)
    first = plan_step(Situation([notice], [exception], [], MessagePlan(), cadence), opened)
    assert first.decision is not None and first.decision.kind is MessageKind.EXCEPTION_NOTICE
    history = [PastMessage(first.decision.kind, opened, first.decision.covers)]
    # When asked again, the next step is the reminder, due at the silence deadline (Sunday 12:30)
    then = plan_step(Situation([notice], [exception], history, MessagePlan(), cadence), opened)
    assert then.decision is None
    assert then.next_due_at == opened + timedelta(hours=48)
    # And a deadline inside quiet hours moves before them, never after
    late = datetime(2026, 5, 8, 23, 0, tzinfo=zone).astimezone(UTC)
    history = [PastMessage(MessageKind.EXCEPTION_NOTICE, late, frozenset({exception.notice_key}))]
    step = plan_step(Situation([notice], [exception], history, MessagePlan(), cadence), late)
    assert step.next_due_at == datetime(2026, 5, 10, 20, 59, 59, tzinfo=zone).astimezone(UTC)


def test_inconsistent_cadence_is_reported() -> None:
    policy = CadencePolicy(min_gap=timedelta(hours=4), max_silence=timedelta(hours=36))
    problems = policy.check()
    assert problems == [
        "max_silence (36h) must be at least 25h + quiet hours + min_gap (40h): "
        "otherwise a reminder could be due when no message may be sent"
    ]
    assert CadencePolicy().check() == []
