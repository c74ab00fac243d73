"""The inventory's JSON shape (`--json`, schema_version 1).

```
{"schema_version": 1,
 "clusters": [{"name", "nodes": [{"name", "fqdn", "product", "role", "version",
     "identities": [{"unit", "file", "subject_cn", "issuer_cn", "self_signed", "distribution",
                     "key_type", "key_bits", "serial", "not_before", "not_after", "sha256"}],
     "trusts": [{"store", "file", "subject_cn", "issuer_cn", "serial", "not_after",
                 "sha256"}],
     "warnings": ["<what could not be read, and why>"]}]}]}
```

Times are ISO 8601 UTC with a `Z` and whole seconds (`2026-11-28T04:00:00Z`). PEM text is
left out: the inventory lists certs, it does not carry them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from uccert.model.certs import CertInfo, TrustEntry
from uccert.model.cluster import NodeSnapshot, Snapshot
from uccert.model.findings import Finding

SCHEMA_VERSION = 1

JsonObject = dict[str, Any]


def iso_utc(moment: datetime) -> str:
    """`2026-11-28T04:00:00Z`; a naive datetime is refused rather than guessed."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"cannot render naive datetime {moment.isoformat()} as UTC")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _identity(cert: CertInfo) -> JsonObject:
    return {
        "unit": cert.unit,
        "file": cert.file,
        "subject_cn": cert.subject_cn,
        "issuer_cn": cert.issuer_cn,
        "self_signed": cert.self_signed,
        "distribution": cert.distribution.value,
        "key_type": cert.key_type.value,
        "key_bits": cert.key_bits,
        "serial": cert.serial,
        "not_before": iso_utc(cert.not_before),
        "not_after": iso_utc(cert.not_after),
        "sha256": cert.sha256,
    }


def _trust(entry: TrustEntry) -> JsonObject:
    return {
        "store": entry.store,
        "file": entry.file,
        "subject_cn": entry.cert.subject_cn,
        "issuer_cn": entry.cert.issuer_cn,
        "serial": entry.cert.serial,
        "not_after": iso_utc(entry.cert.not_after),
        "sha256": entry.cert.sha256,
    }


def _node(snap: NodeSnapshot) -> JsonObject:
    node = snap.node
    return {
        "name": node.name,
        "fqdn": node.fqdn,
        "product": node.product.value,
        "role": node.role.value,
        "version": node.version,
        "identities": [_identity(c) for c in snap.identities],
        "trusts": [_trust(t) for t in snap.trusts],
        "warnings": list(snap.warnings),
    }


def to_json(snapshots: Snapshot | Iterable[Snapshot]) -> JsonObject:
    """The inventory document for one or more clusters, as plain JSON-ready values."""
    clusters = (snapshots,) if isinstance(snapshots, Snapshot) else tuple(snapshots)
    return {
        "schema_version": SCHEMA_VERSION,
        "clusters": [{"name": s.cluster, "nodes": [_node(n) for n in s.nodes]} for s in clusters],
    }


def findings_to_json(findings: Iterable[Finding]) -> JsonObject:
    """`{"schema_version": 1, "findings": [{code, severity, cluster, node, subject, message,
    fix}]}`."""
    return {
        "schema_version": SCHEMA_VERSION,
        "findings": [
            {
                "code": f.code,
                "severity": f.severity.value,
                "cluster": f.cluster,
                "node": f.node,
                "subject": f.subject,
                "message": f.message,
                "fix": f.fix,
            }
            for f in findings
        ],
    }


# json escapes C0 controls itself; these (DEL, C1 controls such as the 8-bit CSI, and Unicode
# characters that reorder or hide text) pass through with ensure_ascii=False. They can only
# occur inside JSON strings, where a JSON escape is the same value.
_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f]")


def dumps(document: JsonObject) -> str:
    """Stable text: sorted keys would reorder the documented shape, so keep insertion order.
    Characters that steer a terminal are written as escapes, never raw."""
    text = json.dumps(document, indent=2, ensure_ascii=False)
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"
