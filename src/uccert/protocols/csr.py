"""CSRs and certificate imports on the wire, sans-IO (docs/design/interfaces.md §1 and §4).

REST (14 and later), under ``/platformcom/api/v1/certmgr/config``:

- ``POST /csr`` ``{"service", "distribution", "commonName", "keyType", "keyLength",
  "hashAlgorithm", "altNames"}`` -> ``{"csr": PEM}`` [seen]; ``distribution`` is
  ``this-server`` [seen] or, for multi-server, ``multi-server`` [guess];
- ``GET /csr?service=<unit>`` -> ``{"csr": PEM}``, 404 when none is pending [guess];
- ``POST /identity/certificates`` ``{"service", "certificates": [leaf, CAs...]}`` [seen];
- ``POST /trust/certificates`` ``{"service": [<store without -trust>], "certificates",
  "description"}`` [seen].

CLI: ``set csr gen <unit>`` (may ask ``Include OU in CSR (yes|no)?``) prints ``Successfully
Generated CSR for <unit>.`` (spacing varies) [seen]; ``show csr own <unit>`` prints the CSR's
PEM [seen: scripts run it and cut the PEM out]; ``set cert import own|trust <unit>`` asks
``Paste the Certificate and Hit Enter`` and prints ``Successfully imported certificate for
<unit>.`` [doc+seen]. Parsers match case- and space-insensitively and cut PEM blocks out of
whatever surrounds them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Final

from uccert.catalog import TRUST_SUFFIX
from uccert.protocols._lines import is_failure_line, quote, split_lines
from uccert.protocols.certmgr import BASE_PATH, CertMgrPayloadError
from uccert.protocols.errors import CliParseError

CSR_PATH: Final = f"{BASE_PATH}/csr"
IDENTITY_PATH: Final = f"{BASE_PATH}/identity/certificates"
TRUST_PATH: Final = f"{BASE_PATH}/trust/certificates"
THIS_SERVER: Final = "this-server"  # [seen]
MULTI_SERVER: Final = "multi-server"  # [guess] no public capture shows the value
HASH_ALGORITHM: Final = "sha256"
TRUST_DESCRIPTION: Final = "uploaded by uccert"

_CSR_PEM_RE: Final = re.compile(
    r"-----BEGIN (?:NEW )?CERTIFICATE REQUEST-----[A-Za-z0-9+/=\s]+?"
    r"-----END (?:NEW )?CERTIFICATE REQUEST-----"
)
_UNIT_RE: Final = re.compile(r"[A-Za-z0-9._\-]+")
_CSR_DONE_RE: Final = re.compile(
    r"Successfully\s+Generated\s+CSR\s+for\s+(?P<unit>\S+?)\.?\s*$", re.IGNORECASE
)
_IMPORTED_RE: Final = re.compile(
    r"Successfully\s+imported\s+certificate\s+for\s+(?P<unit>\S+?)\.?\s*$", re.IGNORECASE
)


# ---------------------------------------------------------------- REST payloads


def csr_body(
    service: str,
    *,
    multi_server: bool,
    common_name: str,
    key_type: str | None,
    key_length: int | None,
    alt_names: Sequence[str],
) -> dict[str, Any]:
    """The body of ``POST /csr``; key fields left out let the node keep its own choice."""
    body: dict[str, Any] = {
        "service": service,
        "distribution": MULTI_SERVER if multi_server else THIS_SERVER,
        "commonName": common_name,
        "hashAlgorithm": HASH_ALGORITHM,
        "altNames": list(alt_names),
    }
    if key_type is not None:
        body["keyType"] = key_type
    if key_length is not None:
        body["keyLength"] = key_length
    return body


def parse_csr_reply(payload: Any, what: str) -> str:
    """``{"csr": PEM}`` -> the PEM (CertMgrPayloadError otherwise)."""
    if not isinstance(payload, dict) or not isinstance(payload.get("csr"), str):
        raise CertMgrPayloadError(f"{what}: the reply has no csr string")
    pem = extract_csr_pem(payload["csr"])
    if pem is None:
        raise CertMgrPayloadError(f"{what}: csr is not a PEM certificate request")
    return pem


def identity_body(service: str, pems: Sequence[str]) -> dict[str, Any]:
    return {"service": service, "certificates": list(pems)}


def trust_service(store: str) -> str:
    """``tomcat-trust`` -> ``tomcat`` (REST names trust stores by service)."""
    return store[: -len(TRUST_SUFFIX)] if store.endswith(TRUST_SUFFIX) else store


def trust_body(store: str, pems: Sequence[str], description: str) -> dict[str, Any]:
    return {
        "service": [trust_service(store)],
        "certificates": list(pems),
        "description": description,
    }


def error_message(payload: Any) -> str | None:
    """The ``message`` of a JSON error reply, if it has one [guess: shape]."""
    if isinstance(payload, dict):
        for key in ("message", "error", "detail"):
            value = payload.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
    return None


# ---------------------------------------------------------------- CLI


def show_csr_own(unit: str) -> str:
    """``show csr own tomcat`` [seen]; refuses a unit that is not one plain CLI token."""
    if _UNIT_RE.fullmatch(unit) is None:
        raise ValueError(f"unit {unit!r} is not a plain CLI token: refusing to send it")
    return f"show csr own {unit}"


def extract_csr_pem(text: str) -> str | None:
    """The first PEM certificate request in ``text`` (normalised to LF, one trailing newline)."""
    match = _CSR_PEM_RE.search(text.replace("\r", ""))
    if match is None:
        return None
    lines = [line.strip() for line in match.group(0).splitlines() if line.strip()]
    return "\n".join(lines) + "\n"


def _success(text: str, pattern: re.Pattern[str], unit: str, what: str, expected: str) -> bool:
    lines = [line.strip() for line in split_lines(text)]
    if any(is_failure_line(line) for line in lines):
        return False
    units = [m.group("unit") for line in lines if (m := pattern.search(line))]
    if not units:
        last = next((line for line in reversed(lines) if line), "")
        raise CliParseError(f"{what}: expected {expected!r}, last line was {quote(last)}")
    if all(u.casefold() != unit.casefold() for u in units):
        raise CliParseError(f"{what}: the node reports {units[0]!r}, not {unit!r}")
    return True


def parse_csr_generated(text: str, unit: str) -> bool:
    """True on ``Successfully Generated CSR for <unit>.``, False on the failure line."""
    return _success(
        text, _CSR_DONE_RE, unit, f"set csr gen {unit}", f"Successfully Generated CSR for {unit}."
    )


def parse_import_result(text: str, unit: str) -> bool:
    """True on ``Successfully imported certificate for <unit>.``, False on failure."""
    return _success(
        text,
        _IMPORTED_RE,
        unit,
        f"set cert import {unit}",
        f"Successfully imported certificate for {unit}.",
    )
