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

from uccert.protocols.axl import AxlFault, PresenceRedundancyGroup, ProcessNode, schema_listed
from uccert.protocols.cert_dump import CertDump, parse_cert_dump
from uccert.protocols.cert_list import CertListEntry, parse_cert_list
from uccert.protocols.certmgr import CertMgrPayloadError, ServerSnapshot
from uccert.protocols.cli_commands import (
    CertListKind,
    is_cli_file_name,
    set_cert_import,
    set_csr_gen,
    show_cert_own,
)
from uccert.protocols.controlcenter import (
    NOT_ACTIVATED,
    ControlType,
    ProductInformation,
    ServiceInfo,
    ServiceInformation,
)
from uccert.protocols.csr import parse_import_result
from uccert.protocols.dbreplication import parse_dbreplication_runtimestate
from uccert.protocols.errors import CliCommandFailed, CliParseError
from uccert.protocols.ha_status import parse_ha_status
from uccert.protocols.network_cluster import ClusterNodeLine, parse_network_cluster
from uccert.protocols.pager import ANSI_ESCAPE_RE, PAGER_PROMPT_RES, strip_pager
from uccert.protocols.regen import parse_regen_result
from uccert.protocols.service_list import (
    NOT_ACTIVATED_REASON,
    ServiceControlResult,
    ServiceEntry,
    ServiceList,
    ServiceRunState,
    parse_service_control,
    parse_service_line,
    parse_service_list,
)
from uccert.protocols.soap import SoapParseError, SoapRequest
from uccert.protocols.start_time import parse_start_time
from uccert.protocols.timezone import parse_timezone_config
from uccert.protocols.version import parse_version_active
from uccert.protocols.xmpp_starttls import (
    CLOSE,
    StartTlsClient,
    StartTlsRefused,
    StreamKind,
    XmppError,
    XmppStreamError,
)

__all__ = [
    "ANSI_ESCAPE_RE",
    "CLOSE",
    "NOT_ACTIVATED",
    "NOT_ACTIVATED_REASON",
    "PAGER_PROMPT_RES",
    "AxlFault",
    "CertDump",
    "CertListEntry",
    "CertListKind",
    "CertMgrPayloadError",
    "CliCommandFailed",
    "CliParseError",
    "ClusterNodeLine",
    "ControlType",
    "PresenceRedundancyGroup",
    "ProcessNode",
    "ProductInformation",
    "ServerSnapshot",
    "ServiceControlResult",
    "ServiceEntry",
    "ServiceInfo",
    "ServiceInformation",
    "ServiceList",
    "ServiceRunState",
    "SoapParseError",
    "SoapRequest",
    "StartTlsClient",
    "StartTlsRefused",
    "StreamKind",
    "XmppError",
    "XmppStreamError",
    "is_cli_file_name",
    "parse_cert_dump",
    "parse_cert_list",
    "parse_dbreplication_runtimestate",
    "parse_ha_status",
    "parse_import_result",
    "parse_network_cluster",
    "parse_regen_result",
    "parse_service_control",
    "parse_service_line",
    "parse_service_list",
    "parse_start_time",
    "parse_timezone_config",
    "parse_version_active",
    "schema_listed",
    "set_cert_import",
    "set_csr_gen",
    "show_cert_own",
    "strip_pager",
]
