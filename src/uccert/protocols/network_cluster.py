"""``show network cluster``: one node per line, single spaces [seen, 2013-2025]::

    <ip> <fqdn> <host> <Publisher|Subscriber> <callmanager|cups> <DBPub|DBSub> authenticated
        ... and on the other nodes' lines: authenticated using TCP since <date>

The IM/P database publisher reads ``Subscriber cups DBPub``; the node the command runs on
reads plain ``authenticated``. A cluster installed without DNS has no FQDN column
(``<ip> <host> <Publisher|Subscriber> ...``) [seen]: the node is then known by its host name,
which ``fqdn`` repeats (``has_fqdn`` False). On the CUCM publisher a ``Server Table (processnode)
Entries`` section follows; parsing stops there.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Final

from uccert.catalog import Product
from uccert.protocols._lines import raise_if_failed, split_lines, unexpected

_WHAT: Final = "show network cluster"
_SERVER_TABLE_RE: Final = re.compile(r"Server Table \(processnode\) Entries\b.*", re.IGNORECASE)
_NODE_RE: Final = re.compile(
    r"(?P<ip>[0-9A-Fa-f.:]+) (?:(?P<fqdn>[A-Za-z0-9._\-]+) )?(?P<host>[A-Za-z0-9_\-]+) "
    r"(?P<role>Publisher|Subscriber) (?P<product>callmanager|cups) (?P<db>DBPub|DBSub) "
    r"(?P<status>authenticated(?: using TCP since (?P<since>\S.*))?)"
)
_PRODUCT_TOKENS: Final = {"callmanager": Product.CUCM, "cups": Product.IMP}


@dataclass(frozen=True, slots=True)
class ClusterNodeLine:
    """One node line of ``show network cluster``."""

    ip: str
    fqdn: str
    """The FQDN column; the host name again on a DNS-less cluster (see ``has_fqdn``)."""
    host: str
    publisher: bool
    """The ``Publisher`` column (the CUCM publisher; IM/P nodes all read ``Subscriber``)."""
    product: Product  # from the ``callmanager``/``cups`` column
    db_publisher: bool
    """``DBPub``: the CUCM publisher, and the IM/P database publisher."""
    connected_since: str | None
    """The date after ``authenticated using TCP since``, as printed; ``None`` when absent."""
    has_fqdn: bool = True
    """False on a DNS-less cluster, whose lines have no FQDN column."""

    @property
    def is_local(self) -> bool:
        """Plain ``authenticated``: the node the command ran on."""
        return self.connected_since is None


def parse_network_cluster(text: str) -> tuple[ClusterNodeLine, ...]:
    """Parse the node lines, stopping at the ``Server Table (processnode) Entries`` section.

    Raises CliCommandFailed on the failure line and CliParseError on any other line.
    """
    lines = split_lines(text)
    raise_if_failed(lines, _WHAT)
    nodes: list[ClusterNodeLine] = []
    expected = (
        "'<ip> [<fqdn>] <host> <Publisher|Subscriber> <callmanager|cups> <DBPub|DBSub> "
        "authenticated[ using TCP since <date>]'"
    )
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped:
            continue
        if _SERVER_TABLE_RE.fullmatch(stripped):
            break
        match = _NODE_RE.fullmatch(stripped)
        if match is None:
            raise unexpected(_WHAT, expected, line, number)
        try:
            ip = str(ipaddress.ip_address(match.group("ip")))
        except ValueError as error:
            raise unexpected(_WHAT, "an IP address first", line, number) from error
        since = match.group("since")
        fqdn = match.group("fqdn")
        nodes.append(
            ClusterNodeLine(
                ip=ip,
                fqdn=fqdn or match.group("host"),
                host=match.group("host"),
                publisher=match.group("role") == "Publisher",
                product=_PRODUCT_TOKENS[match.group("product")],
                db_publisher=match.group("db") == "DBPub",
                connected_since=since.rstrip() if since else None,
                has_fqdn=fqdn is not None,
            )
        )
    return tuple(nodes)
