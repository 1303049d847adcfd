"""The core runtime: engine, one connector per platform, the processor, the store directory
and the outreach, chosen from the configuration."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine

from orderline.bootstrap.database import open_engine
from orderline.bootstrap.outreach import Outreach, build_outreach
from orderline.clock import clock_offset, system_clock
from orderline.config import OrderlineConfig, StoreConfig
from orderline.connectors.base import Connector
from orderline.connectors.registry import PLATFORMS
from orderline.domain.lifecycle import Ownership
from orderline.domain.order import Order
from orderline.domain.order_exceptions import (
    DEFAULT_CALENDAR,
    BusinessCalendar,
    ExceptionPolicy,
    detect_all,
    with_address_rules,
)
from orderline.services.address_rules import GOOGLE_ADDRESS_RULES
from orderline.services.processing import Processor
from orderline.services.stores import StoreDirectory, StoreEndpoint


@dataclass
class Runtime:
    config: OrderlineConfig
    engine: Engine
    connectors: dict[str, Connector]
    stores: StoreDirectory
    processor: Processor
    clock: Callable[[], datetime]
    outreach: Outreach
    _policy: ExceptionPolicy | None = field(default=None, repr=False)
    _calendars: dict[str, BusinessCalendar] = field(default_factory=dict, repr=False)

    def exception_policy(self) -> ExceptionPolicy:
        """The configured policy, built once (a scale-out worker ticks per store job)."""
        if self._policy is None:
            self._policy = exception_policy(self.config)
        return self._policy

    def business_calendar(self, store_id: str) -> BusinessCalendar:
        """A configured store's business calendar (the default for an unknown store), built
        once per store: building every store's calendar per tick cost a third of a job."""
        calendar = self._calendars.get(store_id)
        if calendar is None:
            store = self.stores_by_id().get(store_id)
            calendar = DEFAULT_CALENDAR if store is None else store.business_calendar()
            self._calendars[store_id] = calendar
        return calendar

    def stores_by_id(self) -> dict[str, StoreConfig]:
        return {store.id: store for store in self.config.stores}

    def close(self) -> None:
        """Let the database go (at the end of a command)."""
        self.engine.dispose()


def connectors(config: OrderlineConfig, clock: Callable[[], datetime] = system_clock) -> dict[str, Connector]:
    """One connector per platform, each told what it needs of its stores."""
    return {
        platform.name: platform.connector([s for s in config.stores if s.platform == platform.name], clock)
        for platform in PLATFORMS
    }


def store_endpoint(store: StoreConfig) -> StoreEndpoint:
    return StoreEndpoint(
        store_id=store.id,
        platform=store.platform,
        identity=store.identity,
        webhook_secrets=store.webhook_secret_values(),
        timezone=store.timezone,
    )


def domain_ownership(config: OrderlineConfig) -> Ownership:
    """The configured owner table (the domain's one `Ownership`; no translation needed)."""
    return config.ownership.resolve()


def exception_policy(config: OrderlineConfig) -> ExceptionPolicy:
    """The configured policy, its address checks reading countries' formats from Google's
    address metadata (the domain's own table is only a fallback for unwired callers)."""
    return with_address_rules(config.exception_policy(), GOOGLE_ADDRESS_RULES)


def build_runtime(config: OrderlineConfig, clock: Callable[[], datetime] = system_clock) -> Runtime:
    clock_offset()  # a bad ORDERLINE_CLOCK_OFFSET stops the start, not every later clock read
    engine = open_engine(config)
    platform_connectors = connectors(config, clock)
    processor = Processor(engine, platform_connectors, clock, ownership=domain_ownership(config))
    directory = StoreDirectory([store_endpoint(s) for s in config.stores])
    outreach = build_outreach(config, engine)
    return Runtime(config, engine, platform_connectors, directory, processor, clock, outreach)


def database_label(runtime: Runtime) -> str:
    """The database as a log line may show it: its URL without a password."""
    return runtime.engine.url.render_as_string(hide_password=True)


def exception_types_at(runtime: Runtime, now: datetime) -> Callable[[Order], set[str]]:
    """The exception types the configured detectors find for an order at `now`."""
    policy = exception_policy(runtime.config)
    calendars = {store.id: store.business_calendar() for store in runtime.config.stores}

    def types(order: Order) -> set[str]:
        calendar = calendars.get(order.store_id, DEFAULT_CALENDAR)
        return {finding.type.value for finding in detect_all(order, policy, now, calendar)}

    return types
