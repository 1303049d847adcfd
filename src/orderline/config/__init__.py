"""Orderline's configuration: one YAML file, validated at start, every problem reported at once.

`load_config` returns an `OrderlineConfig` or raises `ConfigError`; `check_config` is the
same check as a report for `orderline check-config`.
"""

from orderline.config.errors import ConfigError, ConfigProblem
from orderline.config.loader import (
    CONFIG_PATH_VARIABLE,
    DEFAULT_CONFIG_FILE,
    ConfigLocation,
    load_config,
    locate_config,
    parse_config,
)
from orderline.config.model import (
    DEFAULT_DATABASE_URL,
    DEFAULT_MAX_BODY_BYTES,
    OrderlineConfig,
    OwnershipConfig,
    ServerConfig,
)
from orderline.config.ownership import Ownership
from orderline.config.platforms import StoreConfig, parse_store
from orderline.config.report import CheckReport, check_config

__all__ = [
    "CONFIG_PATH_VARIABLE",
    "DEFAULT_CONFIG_FILE",
    "DEFAULT_DATABASE_URL",
    "DEFAULT_MAX_BODY_BYTES",
    "CheckReport",
    "ConfigError",
    "ConfigLocation",
    "ConfigProblem",
    "OrderlineConfig",
    "Ownership",
    "OwnershipConfig",
    "ServerConfig",
    "StoreConfig",
    "check_config",
    "load_config",
    "locate_config",
    "parse_config",
    "parse_store",
]
