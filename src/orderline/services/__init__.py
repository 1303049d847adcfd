"""Use cases: they wire the pure domain to the store, the connectors and the channels."""
