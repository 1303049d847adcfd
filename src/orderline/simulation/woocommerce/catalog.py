"""The simulated WooCommerce store: products, buyers' places, gateways, carriers.

Plain data, chosen to make bodies look like a small coffee-and-kitchenware shop.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta, timezone
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Product:
    product_id: int
    variation_id: int
    name: str
    parent_name: str | None
    sku: str
    price: Decimal
    attributes: tuple[tuple[str, str], ...] = ()
    """Variation attributes as line meta (key, value)."""


@dataclass(frozen=True, slots=True)
class Place:
    city: str
    state: str
    postcode: str
    country: str
    tax_rate: Decimal
    tax_label: str
    rate_code: str
    rate_id: int


@dataclass(frozen=True, slots=True)
class Gateway:
    method: str
    title: str
    kind: str
    """"card" (paid at checkout), "offline" (BACS/cheque: on-hold until confirmed) or
    "cod" (processing at checkout, paid when completed)."""


PRODUCTS: tuple[Product, ...] = (
    Product(101, 0, "Single Origin Beans 250g", None, "BEAN-SO-250", Decimal("14.50")),
    Product(102, 0, "House Espresso Blend 1kg", None, "BEAN-HE-1000", Decimal("38.00")),
    Product(
        110,
        111,
        "Ceramic Pour-Over Dripper - White",
        "Ceramic Pour-Over Dripper",
        "DRIP-CER-WHT",
        Decimal("29.00"),
        (("pa_colour", "white"),),
    ),
    Product(
        110,
        112,
        "Ceramic Pour-Over Dripper - Charcoal",
        "Ceramic Pour-Over Dripper",
        "DRIP-CER-CHR",
        Decimal("29.00"),
        (("pa_colour", "charcoal"),),
    ),
    Product(120, 0, "Gooseneck Kettle 1L", None, "KET-GN-1L", Decimal("69.00")),
    Product(130, 0, "Paper Filters (100 pack)", None, "FILT-100", Decimal("6.90")),
    Product(
        140,
        141,
        "Hand Grinder - Steel Burr",
        "Hand Grinder",
        "GRND-HAND-ST",
        Decimal("84.00"),
        (("pa_burr", "steel"),),
    ),
    Product(150, 0, "Glass Carafe 600ml", None, "CARAFE-600", Decimal("24.00")),
    Product(160, 0, "Digital Brew Scale", None, "SCALE-DIG", Decimal("45.00")),
    Product(170, 0, "Enamel Mug &amp; Spoon Set", None, "MUG-ENM-SET", Decimal("19.00")),
)

PLACES: tuple[Place, ...] = (
    Place("Portland", "OR", "97205", "US", Decimal("0"), "Tax", "US-OR-TAX-1", 3),
    Place("Austin", "TX", "78701", "US", Decimal("0.0825"), "TX Sales Tax", "US-TX-SALES TAX-1", 4),
    Place("Brooklyn", "NY", "11201", "US", Decimal("0.08875"), "NY Tax", "US-NY-NY TAX-1", 5),
    Place("Manchester", "", "M1 1AE", "GB", Decimal("0.20"), "VAT", "GB-VAT-1", 7),
    Place("Rotterdam", "", "3011 AA", "NL", Decimal("0.21"), "BTW", "NL-BTW-1", 8),
    Place("Melbourne", "VIC", "3000", "AU", Decimal("0.10"), "GST", "AU-GST-1", 9),
)

SITE_TIMEZONES = (
    timezone(timedelta(hours=-5)),
    timezone(timedelta(hours=0)),
    timezone(timedelta(hours=1)),
    timezone(timedelta(hours=10)),
)

GATEWAYS: tuple[Gateway, ...] = (
    Gateway("stripe", "Credit Card (Stripe)", "card"),
    Gateway("ppcp-gateway", "PayPal", "card"),
    Gateway("bacs", "Direct bank transfer", "offline"),
    Gateway("cheque", "Check payments", "offline"),
    Gateway("cod", "Cash on delivery", "cod"),
)
GATEWAY_WEIGHTS = (50, 15, 18, 5, 12)

SHIPPING_METHODS = (
    ("Flat rate", "flat_rate", 1, Decimal("7.50")),
    ("Free shipping", "free_shipping", 2, Decimal("0.00")),
    ("Express", "flat_rate", 4, Decimal("15.00")),
)

CARRIERS = (
    ("usps", "94001118992231"),
    ("ups", "1Z999AA1"),
    ("fedex", "7712"),
    ("dhl", "JD01460000"),
    ("royal-mail", "RM"),
    ("postnl", "3SPNL"),
)

FIRST_NAMES = ("Ada", "Bruno", "Chiara", "Dev", "Elif", "Femi", "Grace", "Hiro", "Ines", "Jonas")
LAST_NAMES = ("Okafor", "Lindqvist", "Moreau", "Patel", "Kowalski", "Tanaka", "Silva", "Byrne")
STREETS = ("Alder Street", "Harbour Road", "Kingsway", "Mill Lane", "Oak Avenue", "Canal Walk")

REFUND_REASONS = ("Item arrived damaged", "Out of stock", "Customer changed their mind", "")
