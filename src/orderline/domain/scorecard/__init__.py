"""The weekly scorecard's definitions: pure functions of canonical order, exception and
ticket records (docs/scorecard.md says in words what each figure counts).

`records` holds what the KPIs read, `weeks` the ISO-week arithmetic in a store's zone,
`order_types` the configurable order-type rules, `figures` what a scorecard reports, and
`kpis` the formulas. Standard library only: loading and scheduling are services' work.
"""
