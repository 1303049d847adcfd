"""The exception types Orderline knows: `BUILT_IN`, the one list of them, and
`EXCEPTION_TYPES`, the registry everything else reads.

Everything about a type is in its spec, beside its detector in detectors/<type>.py.
Everything that lists types derives from the registry: detection (`detect_all`), the
policy and `merge`, the owner table's defaults (`lifecycle.Ownership`), which exception
type places which hold, the configuration's type names and defaults, check-config's owner
table, and the table in docs/exception-policy.md. `ExceptionType` (vocabulary.py) names
the built-in types for code that refers to one; a test keeps it equal to `BUILT_IN`.

A type can also be registered at start-up, before the configuration is read
(`EXCEPTION_TYPES.register(spec)`): its spec names it with a `StrEnum` of its own, and
nothing else changes. See "Adding an exception type" in docs/exception-policy.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from orderline.domain.order_exceptions.detectors.address_invalid import ADDRESS_INVALID
from orderline.domain.order_exceptions.detectors.backorder import BACKORDER
from orderline.domain.order_exceptions.detectors.delivery_exception import DELIVERY_EXCEPTION
from orderline.domain.order_exceptions.detectors.fraud_review import FRAUD_REVIEW
from orderline.domain.order_exceptions.detectors.fulfillment_delayed import FULFILLMENT_DELAYED
from orderline.domain.order_exceptions.detectors.payment_failed import PAYMENT_FAILED
from orderline.domain.order_exceptions.detectors.split_shipment import SPLIT_SHIPMENT
from orderline.domain.order_exceptions.detectors.stale_order import STALE_ORDER
from orderline.domain.order_exceptions.detectors.state_drift import STATE_DRIFT
from orderline.domain.order_exceptions.policy import DetectorPolicy
from orderline.domain.order_exceptions.spec import ExceptionSpec
from orderline.domain.vocabulary import HoldReason

AnySpec = ExceptionSpec[DetectorPolicy]
S = TypeVar("S", bound=AnySpec)

BUILT_IN: tuple[AnySpec, ...] = (
    ADDRESS_INVALID,
    PAYMENT_FAILED,
    FRAUD_REVIEW,
    BACKORDER,
    SPLIT_SHIPMENT,
    FULFILLMENT_DELAYED,
    DELIVERY_EXCEPTION,
    STALE_ORDER,
    STATE_DRIFT,
)
"""The built-in exception types, in the product's order (and of every listing)."""


class ExceptionTypes:
    """Registered exception types by name, in registration order.

    A type's name is unique, and so is the hold reason it places: a hold reason escalates
    along the ladder of the one type that places it.
    """

    def __init__(self, specs: Iterable[AnySpec] = ()) -> None:
        self._specs: dict[str, AnySpec] = {}
        for spec in specs:
            self.register(spec)

    def register(self, spec: AnySpec) -> None:
        """Add `spec`; refused when its name or its hold reason is taken."""
        if spec.type in self._specs:
            raise ValueError(f"exception type {spec.type} is registered already")
        placer = self.placing(spec.hold) if spec.hold is not None else None
        if placer is not None:
            raise ValueError(f"{spec.type}: {placer.type} places {spec.hold} holds already")
        self._specs[spec.type] = spec

    def unregister(self, name: str) -> None:
        """Remove the type named `name`; KeyError if there is none."""
        del self._specs[name]

    @contextmanager
    def registered(self, spec: S) -> Iterator[S]:
        """`spec` registered for the duration of a `with` block (a test, a plugin's run)."""
        self.register(spec)
        try:
            yield spec
        finally:
            self.unregister(spec.type)

    def __iter__(self) -> Iterator[AnySpec]:
        return iter(tuple(self._specs.values()))

    def __len__(self) -> int:
        return len(self._specs)

    def __contains__(self, name: object) -> bool:
        return name in self._specs

    def __getitem__(self, name: str) -> AnySpec:
        return self._specs[name]

    def get(self, name: str) -> AnySpec | None:
        return self._specs.get(name)

    def names(self) -> list[str]:
        return [str(name) for name in self._specs]

    def placing(self, reason: HoldReason) -> AnySpec | None:
        """The type whose findings ask for `reason` holds; None for a reason that only
        people or the platform place (`customer_request`, `other`)."""
        return next((spec for spec in self._specs.values() if spec.hold is reason), None)


EXCEPTION_TYPES = ExceptionTypes(BUILT_IN)
"""The registry: the built-in types, and any registered at start-up."""
