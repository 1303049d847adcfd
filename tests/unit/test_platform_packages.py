"""Every platform package has the same shape, and only the registry knows them all.

A platform is a package under `orderline.connectors`. Each has the same modules for the
same roles and exposes one `PLATFORM` plugin; its connector is built the same way as
every other; the registry lists each package once, in the order the configuration lists
the platforms' store models; no module outside the platform packages imports a platform
package but the registry, and no module names a platform member (`Platform.SHOPIFY`)
outside that platform's own modules.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path
from types import ModuleType

import pytest

import orderline
import orderline.connectors
from orderline.clock import system_clock
from orderline.config.platforms import PLATFORM_NAMES, STORE_CONFIGS
from orderline.config.platforms.store import platform_name
from orderline.connectors.registry import PLATFORMS, platform_named
from orderline.domain.vocabulary import Platform

REQUIRED_MODULES = frozenset(
    {
        "plugin",
        "connector",
        "signature",
        "delivery_meta",
        "mapping",
        "orders",
        "shipments",
        "holds",
        "refunds",
        "statuses",
        "fields",
        "client",
        "history",
        "writeback",
        "subscriptions",
    }
)
SOURCE = Path(orderline.__file__).parent
CONNECTORS = "orderline.connectors"
PLATFORM_PACKAGES = sorted(
    info.name for info in pkgutil.iter_modules(orderline.connectors.__path__) if info.ispkg
)


def package(name: str) -> ModuleType:
    return importlib.import_module(f"{CONNECTORS}.{name}")


def test_there_is_a_package_for_every_platform_name() -> None:
    assert sorted(PLATFORM_NAMES) == PLATFORM_PACKAGES == sorted(str(p) for p in Platform)


@pytest.mark.parametrize("name", PLATFORM_PACKAGES)
def test_a_platform_package_has_every_module_of_the_common_shape(name: str) -> None:
    modules = {info.name for info in pkgutil.iter_modules(package(name).__path__)}

    assert REQUIRED_MODULES - modules == set()


@pytest.mark.parametrize("name", PLATFORM_PACKAGES)
def test_a_platform_package_exposes_its_plugin_as_platform(name: str) -> None:
    plugin = package(name).PLATFORM

    assert plugin is importlib.import_module(f"{CONNECTORS}.{name}.plugin").PLATFORM
    assert plugin.name == name
    assert platform_name(plugin.settings) == name
    assert plugin.api_errors and all(issubclass(error, Exception) for error in plugin.api_errors)
    assert all(callable(getattr(plugin, hook)) for hook in ("connector", "api_client", "history"))


def test_the_registry_lists_each_platform_package_once_in_the_configurations_order() -> None:
    assert [plugin.name for plugin in PLATFORMS] == list(PLATFORM_NAMES)
    assert [plugin.settings for plugin in PLATFORMS] == list(STORE_CONFIGS)
    assert [plugin for plugin in PLATFORMS] == [package(name).PLATFORM for name in PLATFORM_NAMES]
    assert platform_named("woocommerce") is package("woocommerce").PLATFORM


def test_an_unknown_platform_name_has_no_plugin() -> None:
    with pytest.raises(KeyError):
        platform_named("magento")


@pytest.mark.parametrize("name", PLATFORM_PACKAGES)
def test_every_connector_is_built_from_its_stores_and_the_clock(name: str) -> None:
    connector = package(name).PLATFORM.connector([], system_clock)
    parameters = list(inspect.signature(type(connector).__init__).parameters.values())[1:]

    assert [(p.name, p.kind, p.default) for p in parameters] == [
        ("stores", inspect.Parameter.POSITIONAL_OR_KEYWORD, None),
        ("clock", inspect.Parameter.KEYWORD_ONLY, system_clock),
    ]
    assert type(connector).__module__ == f"{CONNECTORS}.{name}.connector"
    assert connector.platform == name
    assert isinstance(connector.fetches, bool)


def imported_modules(path: Path) -> set[str]:
    """Every module `path` imports, `from a import b` read as both `a` and `a.b`."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def module_name(path: Path) -> str:
    parts = path.relative_to(SOURCE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def platform_of(module: str) -> str | None:
    """The platform package `module` is, or is inside of."""
    prefix = f"{CONNECTORS}."
    if not module.startswith(prefix):
        return None
    head = module.removeprefix(prefix).split(".", 1)[0]
    return head if head in PLATFORM_PACKAGES else None


SOURCES = sorted(SOURCE.rglob("*.py"))
REGISTRY = "orderline.connectors.registry"


def test_only_the_registry_imports_platform_packages() -> None:
    offenders = [
        f"{module_name(path)} imports {imported}"
        for path in SOURCES
        if platform_of(module_name(path)) is None and module_name(path) != REGISTRY
        for imported in sorted(imported_modules(path))
        if platform_of(imported) is not None
    ]

    assert offenders == []


def test_a_platform_package_imports_no_other_platform_package() -> None:
    offenders = [
        f"{module_name(path)} imports {imported}"
        for path in SOURCES
        if (own := platform_of(module_name(path))) is not None
        for imported in sorted(imported_modules(path))
        if platform_of(imported) not in (None, own)
    ]

    assert offenders == []


def named_platform_members(path: Path) -> set[str]:
    """The `Platform.<MEMBER>` a module writes."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    return {
        f"Platform.{node.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "Platform"
        and node.attr in Platform.__members__
    }


def own_platform(module: str) -> str | None:
    """The platform whose own module `module` is: in its connector package, or its store model."""
    if module.startswith("orderline.config.platforms."):
        name = module.removeprefix("orderline.config.platforms.")
        return name if name in PLATFORM_PACKAGES else None
    return platform_of(module)


def test_a_platform_member_is_named_only_by_that_platforms_own_modules() -> None:
    offenders = [
        f"{module_name(path)} names {member}"
        for path in SOURCES
        for member in sorted(named_platform_members(path))
        if member != f"Platform.{str(own_platform(module_name(path))).upper()}"
    ]

    assert offenders == []
