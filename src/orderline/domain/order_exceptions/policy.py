"""Exception policy: for each exception type, whether it is detected, who owns it, its
thresholds and its escalation ladder.

`DetectorPolicy` is what every type's settings have. Each type's own settings class lives
with its detector (detectors/<type>.py) and is named by its spec; the class's field
defaults *are* the default policy. `ExceptionPolicy` keeps the settings that differ from
those defaults, so a type registered later has its defaults in every policy.
`DEFAULT_POLICY` is what a store gets when its configuration names no policy; `merge`
(policy_merge.py) overrides it piece by piece. docs/exception-policy.md shows the
defaults in a table generated from the registry (policy_doc.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import Field, dataclass, field, fields
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import TYPE_CHECKING, TypeVar

from orderline.domain.order_exceptions.business_calendar import BusinessCalendar
from orderline.domain.order_exceptions.escalation import EscalationLevel, check_ladder
from orderline.domain.vocabulary import Team

if TYPE_CHECKING:
    from orderline.domain.order_exceptions.spec import ExceptionSpec

HOUR = timedelta(hours=1)
OPERATIONS = Team.OPERATIONS.value
SUPPORT = Team.SUPPORT.value


def ladder(
    owner: str, first: timedelta = 4 * HOUR, second: timedelta = 24 * HOUR
) -> tuple[EscalationLevel, ...]:
    """The default two-level ladder: the owning team's lead at `first`, its manager at
    `second`. Both go to the owning team's queue until a store names e-mails or webhooks."""
    return (EscalationLevel(first, owner), EscalationLevel(second, owner))


WIRED: Mapping[str, bool] = MappingProxyType({"wired": True})
"""Field metadata of a setting the composition root chooses rather than the configuration
(`AddressPolicy.country_rules`): `merge` refuses it and the settings docs leave it out."""


def is_setting(setting: Field[object]) -> bool:
    """Whether a field of a settings class is written in the configuration (not `WIRED`)."""
    return not setting.metadata.get("wired", False)


@dataclass(frozen=True, slots=True)
class DetectorPolicy:
    """What every exception type has. Subclasses add their thresholds."""

    enabled: bool = True
    owner: str = OPERATIONS
    escalation: tuple[EscalationLevel, ...] = ladder(OPERATIONS)

    def __post_init__(self) -> None:
        if not self.owner.strip():
            raise ValueError("owner must name a team")
        check_ladder(self.escalation)
        self._check_thresholds()

    def _check_thresholds(self) -> None:
        """Subclasses refuse thresholds that make no sense (zero-argument super() is not
        available in slotted dataclasses, hence a hook rather than an override)."""

    def latest_firing(self, last_fact_at: datetime, calendar: BusinessCalendar) -> datetime:
        """The latest moment at which time alone can make this detector fire on an order
        whose last fact is at `last_fact_at`: its longest duration setting later. A
        subclass with a threshold of another kind (business hours) says so itself."""
        durations = [value for f in fields(self) if isinstance(value := getattr(self, f.name), timedelta)]
        return last_fact_at + max(durations, default=timedelta(0))


@dataclass(frozen=True, slots=True)
class HoldingPolicy(DetectorPolicy):
    """The settings of a type whose findings may hold fulfilment; its spec names the hold
    reason. `places_hold` False reports the exception and leaves fulfilment alone."""

    places_hold: bool = True


def check_positive(name: str, value: float) -> None:
    if value <= 0:
        raise ValueError(f"{name} must be positive, got {value}")


def check_positive_duration(name: str, value: timedelta) -> None:
    if value <= timedelta(0):
        raise ValueError(f"{name} must be positive, got {value}")


P = TypeVar("P", bound=DetectorPolicy)


@dataclass(frozen=True, slots=True)
class ExceptionPolicy:
    """Every exception type's settings: `rules` (type name -> settings) for the types whose
    settings differ from their defaults, the defaults for every other type.

    Rules equal to their defaults are dropped, so two policies with the same settings are
    equal however they were built."""

    rules: Mapping[str, DetectorPolicy] = field(default_factory=dict)

    def __post_init__(self) -> None:
        changed = {
            str(kind): rule
            for kind, rule in sorted(self.rules.items(), key=lambda item: str(item[0]))
            if rule != type(rule)()
        }
        object.__setattr__(self, "rules", MappingProxyType(changed))

    def __hash__(self) -> int:
        return hash(tuple(self.rules.items()))

    def rule(self, spec: ExceptionSpec[P]) -> P:
        """The settings of `spec`'s type in this policy."""
        rule = self.rules.get(spec.type)
        if rule is None:
            return spec.defaults
        if not isinstance(rule, spec.settings):
            raise TypeError(
                f"{spec.type}: settings are a {type(rule).__name__}, not a {spec.settings.__name__}"
            )
        return rule

    def with_rules(self, rules: Mapping[str, DetectorPolicy]) -> ExceptionPolicy:
        """This policy with the settings of the types named in `rules` replaced."""
        return ExceptionPolicy({**self.rules, **rules})


DEFAULT_POLICY = ExceptionPolicy()
