"""Deterministic simulations of platform traffic.

Used by the convergence property tests, the ingest benchmark and the demo: given a
seeded `random.Random`, each generator produces the same realistic webhook
deliveries every time, and can replay them with the faults real platforms show
(duplicates, late stale retries, reordering).
"""
