"""What a simulated BigCommerce store sells, to whom, and with which carriers."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Product:
    product_id: int
    name: str
    sku: str
    price: Decimal


PRODUCTS: tuple[Product, ...] = (
    Product(77, "Fog Linen Chambray Towel - Beige Stripe", "FLCT-BEIGE", Decimal("49.00")),
    Product(80, "Orbit Terrarium - Large", "OTL", Decimal("109.00")),
    Product(81, "Chemex Coffeemaker 3 Cup", "CC3C", Decimal("49.50")),
    Product(86, "Able Brewing System", "ABS", Decimal("225.00")),
    Product(88, "Sample Product - Mug", "MUG-SMP", Decimal("12.99")),
    Product(93, "Tiered Wire Basket", "TWB", Decimal("119.95")),
    Product(97, "Utility Caddy", "OFSUC", Decimal("45.95")),
    Product(104, "Canvas Laundry Cart", "CLC", Decimal("200.00")),
)

# (first name, last name, street, city, state, zip, country)
BUYERS: tuple[tuple[str, str, str, str, str, str, str], ...] = (
    ("Jane", "Doe", "555 East Street", "Austin", "Texas", "78108", "US"),
    ("Trishy", "Smith", "666 Sussex St", "Anywhere", "Some State", "12345", "US"),
    ("Omar", "Haddad", "12 Harbour Road", "Portland", "Oregon", "97201", "US"),
    ("Mei", "Tanaka", "80 King Street W", "Toronto", "Ontario", "M5H 1A1", "CA"),
    ("Luca", "Rossi", "221 Baker Avenue", "Denver", "Colorado", "80202", "US"),
)

# (shipping_provider code, display name, tracking number prefix)
CARRIERS: tuple[tuple[str, str, str], ...] = (
    ("usps", "USPS", "EJ"),
    ("ups", "UPS", "1Z"),
    ("fedex", "FedEx", "77"),
)

SHIPPING_COSTS: tuple[Decimal, ...] = (Decimal("0.00"), Decimal("5.99"), Decimal("12.00"))
PAYMENT_METHODS: tuple[str, ...] = ("Credit Card", "PayPal", "Cash", "Bank Deposit")
