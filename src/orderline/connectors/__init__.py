"""Platform connectors: verify, identify, parse and map platform payloads to canonical facts.

Platform vocabulary stays inside its connector package (DESIGN §1.5).
"""
