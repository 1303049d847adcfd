"""Platform connectors: verify, identify, parse and map platform payloads to canonical
facts, and read a store's history through its API.

Platform vocabulary stays inside its connector package (docs/architecture.md). Every platform
package has the same shape, so the next platform is added like the first:

- `plugin.py` defines the package's one public object, `PLATFORM` (a
  `plugin.PlatformPlugin`, re-exported by the package), which builds the connector, the
  API client and the store's import history, and names the platform's API errors;
- `connector.py` (`<Name>Connector(stores, *, clock)`, the `base.Connector` protocol),
  `signature.py`, `delivery_meta.py` (what intake records of a delivery), `mapping.py`
  (topic dispatch), `orders.py`, `shipments.py`, `holds.py`, `refunds.py` (mappers),
  `statuses.py` (the platform's vocabularies -> canonical), `fields.py` (payload
  readers), `client.py` (the API) and `history.py` (import deliveries).

Adding a platform: name it in `domain.vocabulary.Platform`; write its store keys as
`config/platforms/<name>.py` (a `StoreConfig` subclass with `platform: Literal[...]`,
its identity key and the credentials its API needs) and add the model to
`config.platforms.STORE_CONFIGS`; write the package `connectors/<name>/` with the
modules above; add its `PLATFORM` to `registry.PLATFORMS`.
`tests/unit/test_platform_packages.py` checks the shape, that the two lists agree, and
that nothing outside `connectors/` imports a platform package. Nothing else changes:
bootstrap, the importer, the `import` command and `check-config` ask the plugins.
"""
