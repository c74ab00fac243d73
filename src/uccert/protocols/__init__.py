"""Sans-IO protocol layer: the admin CLI's commands and the parsers of its output.

Theory of operation: the transport sends a command string from :mod:`.cli_commands`, reads
until :func:`.cli_commands.ends_with_prompt`, cuts the echo and prompt with
:func:`.cli_commands.command_output`, and hands the text to one parser here. Parsers are pure
functions, text in and frozen dataclasses out; they accept CRLF or LF and raise
:class:`CliParseError` (naming what was expected and the offending line) on anything
docs/design/interfaces.md §1 does not document, or :class:`CliCommandFailed` when the node printed
``Executed command unsuccessfully``. They never guess: output they cannot fully read is
refused, not half-believed.

One concept per module: ``cert_list`` (``show cert list``), ``cert_dump`` (``show cert
own|trust``), ``service_list`` (``utils service list|restart``), ``network_cluster``,
``regen`` (``set cert regen``), ``version`` (``show version active``), ``pager``
(pager prompts, escape codes), ``java_text`` (Java dates and names).
"""

from uccert.protocols.cert_dump import CertDump, parse_cert_dump
from uccert.protocols.cert_list import CertListEntry, parse_cert_list
from uccert.protocols.errors import CliCommandFailed, CliParseError
from uccert.protocols.network_cluster import ClusterNodeLine, parse_network_cluster
from uccert.protocols.pager import strip_pager
from uccert.protocols.regen import parse_regen_result
from uccert.protocols.service_list import (
    ServiceControlResult,
    ServiceEntry,
    ServiceList,
    ServiceRunState,
    parse_service_control,
    parse_service_list,
)
from uccert.protocols.version import parse_version_active

__all__ = [
    "CertDump",
    "CertListEntry",
    "CliCommandFailed",
    "CliParseError",
    "ClusterNodeLine",
    "ServiceControlResult",
    "ServiceEntry",
    "ServiceList",
    "ServiceRunState",
    "parse_cert_dump",
    "parse_cert_list",
    "parse_network_cluster",
    "parse_regen_result",
    "parse_service_control",
    "parse_service_list",
    "parse_version_active",
    "strip_pager",
]
