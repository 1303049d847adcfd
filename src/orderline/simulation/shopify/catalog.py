"""The simulated shop: products, buyers, destinations, carriers.

Plain data, chosen to make bodies look like a small apparel-and-homeware store.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Product:
    product_id: int
    title: str
    vendor: str
    grams: int
    variants: tuple[tuple[int, str, str, str], ...]
    """(variant_id, variant_title, sku, price)."""


@dataclass(frozen=True, slots=True)
class Destination:
    city: str
    province: str
    province_code: str
    zip: str
    country: str
    country_code: str
    tax_rate: Decimal
    tax_title: str


PRODUCTS: tuple[Product, ...] = (
    Product(
        8012345670001,
        "Merino Crew Sweater",
        "Northfold",
        420,
        (
            (45012345670011, "Charcoal / M", "NF-MCS-CH-M", "89.00"),
            (45012345670012, "Oat / L", "NF-MCS-OA-L", "89.00"),
        ),
    ),
    Product(
        8012345670002,
        "Canvas Tote Bag",
        "Northfold",
        310,
        (
            (45012345670021, "Natural", "NF-CTB-NAT", "34.00"),
            (45012345670022, "Black", "NF-CTB-BLK", "34.00"),
        ),
    ),
    Product(
        8012345670003,
        "Stoneware Mug Set",
        "Kiln & Co",
        1450,
        (
            (45012345670031, "Set of 2 / Sage", "KC-MUG2-SAGE", "42.50"),
            (45012345670032, "Set of 4 / Sand", "KC-MUG4-SAND", "78.00"),
        ),
    ),
    Product(
        8012345670004,
        "Linen Bedsheet",
        "Dormant",
        1900,
        (
            (45012345670041, "Queen / White", "DM-LBS-Q-WHT", "149.00"),
            (45012345670042, "King / Clay", "DM-LBS-K-CLY", "179.00"),
        ),
    ),
    Product(
        8012345670005,
        "Trail Running Socks",
        "Ridgeway",
        90,
        (
            (45012345670051, "S/M", "RW-TRS-SM", "16.00"),
            (45012345670052, "L/XL", "RW-TRS-LXL", "16.00"),
        ),
    ),
    Product(
        8012345670006,
        "Waxed Field Jacket",
        "Ridgeway",
        1300,
        (
            (45012345670061, "Olive / M", "RW-WFJ-OL-M", "245.00"),
            (45012345670062, "Navy / XL", "RW-WFJ-NV-XL", "245.00"),
        ),
    ),
    Product(
        8012345670007,
        "Ceramic Pour-Over",
        "Kiln & Co",
        680,
        ((45012345670071, "Matte White", "KC-POV-WHT", "38.00"),),
    ),
    Product(
        8012345670008,
        "Wool Beanie",
        "Northfold",
        110,
        (
            (45012345670081, "Rust", "NF-WBN-RST", "29.00"),
            (45012345670082, "Heather Grey", "NF-WBN-HGR", "29.00"),
        ),
    ),
    Product(
        8012345670009,
        "Cast Iron Skillet 26cm",
        "Hearthline",
        2700,
        ((45012345670091, "Default Title", "HL-CIS-26", "64.00"),),
    ),
    Product(
        8012345670010,
        "Organic Cotton Tee",
        "Northfold",
        180,
        (
            (45012345670101, "White / S", "NF-OCT-WH-S", "32.00"),
            (45012345670102, "Black / M", "NF-OCT-BK-M", "32.00"),
            (45012345670103, "Sand / L", "NF-OCT-SD-L", "32.00"),
        ),
    ),
)

FIRST_NAMES = (
    "Ada",
    "Bruno",
    "Chloe",
    "Dev",
    "Elif",
    "Finn",
    "Grace",
    "Hiro",
    "Ines",
    "Jonas",
    "Kemi",
    "Lena",
)
LAST_NAMES = (
    "Novak",
    "Okafor",
    "Lindqvist",
    "Moreau",
    "Tanaka",
    "Reyes",
    "Schmidt",
    "Walsh",
    "Costa",
    "Byrne",
)
STREETS = (
    "Maple Avenue",
    "Harbour Road",
    "Station Street",
    "Elm Court",
    "Mill Lane",
    "Park Terrace",
    "Kingsway",
)

DESTINATIONS: tuple[Destination, ...] = (
    Destination(
        "Louisville", "Kentucky", "KY", "40202", "United States", "US", Decimal("0.06"), "KY State Tax"
    ),
    Destination("Portland", "Oregon", "OR", "97205", "United States", "US", Decimal("0"), "OR State Tax"),
    Destination("Austin", "Texas", "TX", "78701", "United States", "US", Decimal("0.0825"), "TX State Tax"),
    Destination(
        "Brooklyn", "New York", "NY", "11201", "United States", "US", Decimal("0.08875"), "NY State Tax"
    ),
    Destination("Denver", "Colorado", "CO", "80202", "United States", "US", Decimal("0.029"), "CO State Tax"),
    Destination("Toronto", "Ontario", "ON", "M5V 2T6", "Canada", "CA", Decimal("0.13"), "HST"),
    Destination("Manchester", "England", "ENG", "M1 1AE", "United Kingdom", "GB", Decimal("0.20"), "GB VAT"),
    Destination("Berlin", "Berlin", "BE", "10115", "Germany", "DE", Decimal("0.19"), "DE MwSt"),
)
DOMESTIC_SHARE = 0.75
"""Share of orders shipped within the US (the first five destinations)."""

SHIPPING_RATES = (("Standard", "7.95"), ("Express", "19.00"), ("Free Shipping", "0.00"))
INTERNATIONAL_SHIPPING = ("International Standard", "24.00")

CARRIERS: tuple[tuple[str, str], ...] = (
    ("UPS", "https://www.ups.com/track?tracknum={number}"),
    ("USPS", "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}"),
    ("FedEx", "https://www.fedex.com/fedextrack/?trknbr={number}"),
    ("DHL Express", "https://www.dhl.com/en/express/tracking.html?AWB={number}"),
)

TAGS = ("vip", "wholesale", "gift", "repeat-customer", "subscription", "influencer", "pre-order")
GATEWAYS = ("shopify_payments", "paypal", "manual")
CANCEL_REASONS = ("customer", "fraud", "inventory", "declined", "other")
HOLD_NOTES: dict[str, str] = {
    "awaiting_payment": "Waiting for bank transfer to clear",
    "high_risk_of_fraud": "Flagged by fraud analysis: billing and shipping countries differ",
    "incorrect_address": "Carrier could not validate the street address",
    "inventory_out_of_stock": "Restock expected from supplier next week",
    "other": "Customer asked to hold until they are back from travel",
    "unknown_delivery_date": "Delivery date to be confirmed with the customer",
}
REFUND_NOTES = ("Damaged in transit", "Wrong size", "Customer changed their mind", "Item out of stock", None)
