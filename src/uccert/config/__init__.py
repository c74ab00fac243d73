"""Configuration: the inventory file (``uccert.toml``) and where credentials come from.

See docs/inventory.md for the format.
"""

from ._source import InventoryError
from .credentials import (
    Account,
    AccountRef,
    ClusterCredentials,
    CredentialRefs,
    Prompt,
    Secret,
    load_credentials_file,
    resolve_account,
    resolve_credentials,
)
from .inventory import (
    DEFAULT_INVENTORY,
    SCHEMA_VERSION,
    ClusterConfig,
    ClusterLimits,
    FleetLimits,
    Inventory,
    NodeOverride,
    Thresholds,
    Timing,
    load_inventory,
    parse_inventory,
    select_clusters,
)

__all__ = [
    "DEFAULT_INVENTORY",
    "SCHEMA_VERSION",
    "Account",
    "AccountRef",
    "ClusterConfig",
    "ClusterCredentials",
    "ClusterLimits",
    "CredentialRefs",
    "FleetLimits",
    "Inventory",
    "InventoryError",
    "NodeOverride",
    "Prompt",
    "Secret",
    "Thresholds",
    "Timing",
    "load_credentials_file",
    "load_inventory",
    "parse_inventory",
    "resolve_account",
    "resolve_credentials",
    "select_clusters",
]
