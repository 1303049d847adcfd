"""Orderline: one canonical truth per order, and the operations around it."""

__version__ = "0.1.0"
