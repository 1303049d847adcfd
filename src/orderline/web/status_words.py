"""What the buyer status page says around the order's data, per language (English is the
fallback, as for the messages). Keys of `status` and `delivery` are the canonical values;
a test checks every value of the vocabulary has a word in every language."""

from __future__ import annotations

from typing import Any

WORDS: dict[str, dict[str, Any]] = {
    "en": {
        "title": "Your order",
        "hello": "Hello {name},",
        "hello_anonymous": "Hello,",
        "order": "Order {number}",
        "status_heading": "Status",
        "going_to": "Going to {city}",
        "delays": "What is happening",
        "shipments": "Parcels",
        "parcel": "Parcel {n}",
        "carrier": "Carrier",
        "tracking": "Tracking number",
        "track": "Track this parcel with {carrier}",
        "track_plain": "Track this parcel",
        "in_parcel": "In this parcel",
        "no_shipments": "Nothing has shipped yet.",
        "questions": "Questions? Write to {email}.",
        "not_found_title": "Page not found",
        "not_found": "This link does not work (any more). Please use the link in your most recent email.",
        "status": {
            "pending_payment": "Waiting for payment",
            "on_hold": "Paused for a moment",
            "ready_to_fulfill": "Being prepared",
            "partially_shipped": "Partly on its way",
            "shipped": "On its way",
            "delivered": "Delivered",
            "cancelled": "Cancelled",
            "refunded": "Refunded",
            "returned": "Returned",
        },
        "delivery": {
            "label_created": "Label created",
            "in_transit": "In transit",
            "out_for_delivery": "Out for delivery",
            "delivered": "Delivered",
            "failed_attempt": "Delivery attempt failed",
            "exception": "Delivery problem",
            "returned_to_sender": "Returned to sender",
        },
    },
    "de": {
        "title": "Ihre Bestellung",
        "hello": "Hallo {name},",
        "hello_anonymous": "Guten Tag,",
        "order": "Bestellung {number}",
        "status_heading": "Status",
        "going_to": "Lieferung nach {city}",
        "delays": "Was gerade passiert",
        "shipments": "Pakete",
        "parcel": "Paket {n}",
        "carrier": "Versanddienst",
        "tracking": "Sendungsnummer",
        "track": "Sendung bei {carrier} verfolgen",
        "track_plain": "Sendung verfolgen",
        "in_parcel": "In diesem Paket",
        "no_shipments": "Es wurde noch nichts verschickt.",
        "questions": "Fragen? Schreiben Sie an {email}.",
        "not_found_title": "Seite nicht gefunden",
        "not_found": (
            "Dieser Link funktioniert nicht (mehr). Bitte nutzen Sie den Link aus Ihrer neuesten E-Mail."
        ),
        "status": {
            "pending_payment": "Wartet auf Zahlung",
            "on_hold": "Kurz angehalten",
            "ready_to_fulfill": "Wird vorbereitet",
            "partially_shipped": "Teilweise unterwegs",
            "shipped": "Unterwegs",
            "delivered": "Zugestellt",
            "cancelled": "Storniert",
            "refunded": "Erstattet",
            "returned": "Zurückgesendet",
        },
        "delivery": {
            "label_created": "Versandetikett erstellt",
            "in_transit": "Unterwegs",
            "out_for_delivery": "In Zustellung",
            "delivered": "Zugestellt",
            "failed_attempt": "Zustellversuch fehlgeschlagen",
            "exception": "Problem bei der Zustellung",
            "returned_to_sender": "Zurück an den Absender",
        },
    },
}
DEFAULT_LANGUAGE = "en"


def words_for(locale: str | None) -> tuple[str, dict[str, Any]]:
    """The page's language (`de` for `de-AT`, English when there are no words for it) and its words."""
    language = (locale or DEFAULT_LANGUAGE).replace("_", "-").split("-", 1)[0].lower()
    if language not in WORDS:
        language = DEFAULT_LANGUAGE
    return language, WORDS[language]
