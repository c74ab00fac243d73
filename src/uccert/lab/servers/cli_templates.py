"""The lab's own templates of the admin CLI's output (docs/design/interfaces.md §1).

Pure functions: plain values in, lines out (no line ends; the SSH server joins them with CRLF).
These are the LAB's readings of the documented transcripts. They are deliberately not shared with
the client's parsers (docs/design/architecture.md, "The lab must be independent of the client"):
if both
sides used one template, a wrong reading would pass on both.

Marks follow docs/design/interfaces.md: where the documentation leaves a detail open, the choice
made here is
marked ``[guess]`` and kept in a module constant so it is easy to change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

PROMPT = "admin:"
FAILED = "Executed command unsuccessfully"
PAGE_LINES = 24
# Bold on, text, attributes off [seen: "bold, with terminal escape codes"].
PAGER_PROMPT = "\x1b[1mPress <enter> for 1 line, <space> for one page, or <q> to quit\x1b[0m"
# Erases the pager prompt once the user has answered it.
PAGER_ERASE = "\r\x1b[K"

# [guess] no published transcript of a trust-cert dump says whether the PEM follows; we print it.
TRUST_DUMP_INCLUDES_PEM = True
# [guess] `set cert delete` asks nothing and prints this on success.
DELETE_SUCCESS = "Successfully deleted certificate {file}."
# [guess] the reason line before `Executed command unsuccessfully` when `set cert delete` is
# given a store-prefixed name: Cisco's CLI reference documents the bare file name only
# (`set cert delete unit name`, example `set cert delete cucm siptest.pem`) [doc:
# https://www.cisco.com/c/en/us/td/docs/voice_ip_comm/cucm/cli_ref/12_5_1SU2/
# cucm_b_command-line-interface-reference-guide-1251Su2/
# cucm_b_command-line-interface-reference-guide-1251Su2_chapter_0110.html].
DELETE_NOT_FOUND = "Certificate file {file} not found in {unit}"
# [guess] `utils service list` prints `Primary Node =true` on every node.
PRIMARY_NODE_LINE = "Primary Node =true"
# A real 11.5 capture ends `utils service list` at `Primary Node =true`, without `Command
# successful` [seen: a real 11.5 capture]; [guess] every release before 12.0 does the same.
SERVICE_LIST_SUCCESS_FROM = 12
# Restart notices: 12.x prints this one, then repeats [STOPPING]/[STARTING] with trailing
# spaces [seen: a 12.x capture quoted in the project's issue 13]; [guess] releases before 12
# too. 14 and later print the IM/P 2025 notice [seen: an IM/P capture of 2025].
OLD_NOTICE_UNTIL = 14
OLD_CONTROL_NOTICE = (
    " Don't press Ctrl-c while the service is getting {DONE}.If Service has not {Done} "
    "Properly, execute the same Command Again"
)

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# ---------------------------------------------------------------------------------------------
# Login, pagination, version
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hardware:
    """What the banner's `VMware Installation:` block says about the virtual machine."""

    vcpus: int = 2
    cpu_model: str = "Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz"
    disk_gb: int = 110
    ram_mb: int = 8192


def login_banner(hardware: Hardware = Hardware(), warnings: Sequence[str] = ()) -> list[str]:
    """Lines printed between authentication and the first `admin:` prompt."""
    lines = [
        "Command Line Interface is starting up, please wait ...",
        "",
        "   Welcome to the Platform Command Line Interface",
        "",
        "VMware Installation:",
        f"\t{hardware.vcpus} vCPU: {hardware.cpu_model}",
        f"\tDisk 1: {hardware.disk_gb}GB, Partitions aligned",
        f"\t{hardware.ram_mb} Mbytes RAM",
    ]
    lines.extend(f"WARNING: {w}" for w in warnings)
    lines.append("")
    return lines


def pagination(on: bool) -> list[str]:
    return [f"Automatic pagination is turned {'on' if on else 'off'}"]


def version_active(display_version: str) -> list[str]:
    return [
        f"Active Master Version: {display_version}",
        "Active Version Installed Software Options:",
        "No Installed Software Options Found.",
    ]


# Long names `show timezone config` prints before the IANA name (others: the abbreviation).
_ZONE_NAMES = {
    "Etc/UTC": "Coordinated Universal Time",
    "UTC": "Coordinated Universal Time",
    "Europe/Warsaw": "Central European Time",
    "America/New_York": "Eastern Standard Time",
    "Asia/Tokyo": "Japan Standard Time",
    "Europe/London": "Greenwich Mean Time",  # [guess] the long names of the demo's zones
    "Asia/Kolkata": "India Standard Time",
    "America/Chicago": "Central Standard Time",
}


def timezone_config(zone: str, abbreviation: str) -> list[str]:
    """[seen: Cisco TAC doc 118744] ``Current timezone: Central European Time (Europe/Warsaw)``."""
    return [
        f"Current timezone: {_ZONE_NAMES.get(zone, abbreviation)} ({zone})",
        "Timezone version: 2024a",
    ]


def failed(reason: str | None = None) -> list[str]:
    """A failed or unknown command: an optional reason, then the line automation looks for."""
    return ([reason] if reason else []) + [FAILED]


# ---------------------------------------------------------------------------------------------
# Certificates
# ---------------------------------------------------------------------------------------------


def cert_list(entries: Iterable[tuple[str, str]]) -> list[str]:
    """`show cert list own|trust`: one `<file>: <description>` line per cert, nothing else; an
    empty description leaves `<file>:` [seen: issue 13]."""
    return [f"{file}: {description}".rstrip() for file, description in entries]


# Java's short names where the tz database prints a number instead (Java keeps its own
# TimeZoneNames) [doc: the JDK's TimeZoneNames; guess: CUCM's JRE prints these].
_JAVA_NAMES = {
    ("America/Sao_Paulo", "-03"): "BRT",
    ("America/Sao_Paulo", "-02"): "BRST",
    ("Asia/Dubai", "+04"): "GST",
    ("America/Argentina/Buenos_Aires", "-03"): "ART",
}


def java_date(when: dt.datetime, zone: str = "Etc/UTC") -> str:
    """Java's `EEE MMM dd HH:mm:ss zzz yyyy` in the node's zone, with Java's short name of the
    zone at that moment (daylight saving included: BST, CDT, ...), English names whatever the
    locale [seen: real captures print BST and PST/PDT]."""
    u = when.astimezone(ZoneInfo(zone))
    abbreviation = u.tzname() or "UTC"
    if zone in ("Etc/UTC", "UTC"):
        abbreviation = "UTC"
    abbreviation = _JAVA_NAMES.get((zone, abbreviation), abbreviation)
    return (
        f"{_DAYS[u.weekday()]} {_MONTHS[u.month - 1]} {u.day:02d} "
        f"{u.hour:02d}:{u.minute:02d}:{u.second:02d} {abbreviation} {u.year}"
    )


def cluster_date(when: dt.datetime) -> str:
    """`show network cluster`'s `since` date: like Java's but without the zone."""
    u = when.astimezone(dt.UTC)
    return (
        f"{_DAYS[u.weekday()]} {_MONTHS[u.month - 1]} {u.day:02d} "
        f"{u.hour:02d}:{u.minute:02d}:{u.second:02d} {u.year}"
    )


_NAME_KEYS = {
    NameOID.COMMON_NAME: "CN",
    NameOID.ORGANIZATIONAL_UNIT_NAME: "OU",
    NameOID.ORGANIZATION_NAME: "O",
    NameOID.LOCALITY_NAME: "L",
    NameOID.STATE_OR_PROVINCE_NAME: "ST",
    NameOID.COUNTRY_NAME: "C",
    NameOID.EMAIL_ADDRESS: "EMAILADDRESS",
    NameOID.DOMAIN_COMPONENT: "DC",
    NameOID.SERIAL_NUMBER: "SERIALNUMBER",
}


def java_name(name: x509.Name) -> str:
    """A distinguished name as Java prints it: RDNs in reverse order of their encoding."""
    parts = []
    for rdn in reversed(name.rdns):
        parts.append(
            " + ".join(
                f"{_NAME_KEYS.get(a.oid, 'OID.' + a.oid.dotted_string)}={a.value!s}" for a in rdn
            )
        )
    return ", ".join(parts)


_SIG_ALGS = {
    "1.2.840.113549.1.1.5": "SHA1withRSA",
    "1.2.840.113549.1.1.11": "SHA256withRSA",
    "1.2.840.113549.1.1.12": "SHA384withRSA",
    "1.2.840.113549.1.1.13": "SHA512withRSA",
    "1.2.840.10045.4.3.2": "SHA256withECDSA",
    "1.2.840.10045.4.3.3": "SHA384withECDSA",
    "1.2.840.10045.4.3.4": "SHA512withECDSA",
}

_KU_FIELDS = (
    ("digital_signature", "digitalSignature"),
    ("content_commitment", "nonRepudiation"),
    ("key_encipherment", "keyEncipherment"),
    ("data_encipherment", "dataEncipherment"),
    ("key_agreement", "keyAgreement"),
    ("key_cert_sign", "keyCertSign"),
    ("crl_sign", "cRLSign"),
)

_EKU_NAMES = {
    "1.3.6.1.5.5.7.3.1": "serverAuth",
    "1.3.6.1.5.5.7.3.2": "clientAuth",
    "1.3.6.1.5.5.7.3.3": "codeSigning",
    "1.3.6.1.5.5.7.3.4": "emailProtection",
    "1.3.6.1.5.5.7.3.5": "ipsecEndSystem",
}


def _extension_lines(ext: x509.Extension[x509.ExtensionType]) -> list[str]:
    oid = ext.oid.dotted_string
    value = ext.value
    head = f"   Critical: {'true' if ext.critical else 'false'}"
    if isinstance(value, x509.KeyUsage):
        usages = [java for attr, java in _KU_FIELDS if getattr(value, attr)]
        if value.key_agreement:
            if value.encipher_only:
                usages.append("encipherOnly")
            if value.decipher_only:
                usages.append("decipherOnly")
        body = ["   Usages: " + "".join(u + ", " for u in usages).rstrip()]
        return [f"   Extension: KeyUsage (OID.{oid})", head, *body]
    if isinstance(value, x509.ExtendedKeyUsage):
        # Java prints the OIDs: `Usage oids: 1.3.6.1.5.5.7.3.1, 1.3.6.1.5.5.7.3.2,` [seen: a
        # sun.security.x509 dump in a public log; guess: CUCM's JRE prints the same]
        oids = [u.dotted_string for u in value]
        body = ["   Usage oids: " + "".join(o + ", " for o in oids).rstrip()]
        return [f"   Extension: ExtKeyUsageSyntax (OID.{oid})", head, *body]
    if isinstance(value, x509.SubjectAlternativeName):
        alts = [f"{g.value!s}" for g in value]
        body = ["   Subject Alternative Names: " + "".join(a + ", " for a in alts).rstrip()]
        return [f"   Extension: SubjectAlternativeName (OID.{oid})", head, *body]
    if isinstance(value, x509.BasicConstraints):
        body = [f"   CA: {'true' if value.ca else 'false'}"]
        if value.path_length is not None:
            body.append(f"   PathLen: {value.path_length}")
        return [f"   Extension: BasicConstraints (OID.{oid})", head, *body]
    if isinstance(value, x509.SubjectKeyIdentifier):
        body = [f"   keyID: {value.digest.hex()}"]  # [seen: same dump as `Usage oids:`]
        return [f"   Extension: SubjectKeyIdentifier (OID.{oid})", head, *body]
    if isinstance(value, x509.AuthorityKeyIdentifier):
        kid = value.key_identifier.hex() if value.key_identifier else ""
        body = [f"   keyID: {kid}"]
        return [f"   Extension: AuthorityKeyIdentifier (OID.{oid})", head, *body]
    return [f"   Extension: OID.{oid}", head]


def _public_key_lines(cert: x509.Certificate) -> list[str]:
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        algo = "RSA (1.2.840.113549.1.1.1)"
        raw = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    elif isinstance(key, ec.EllipticCurvePublicKey):
        algo = "EC (1.2.840.10045.2.1)"
        raw = key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    else:  # pragma: no cover - the lab only issues RSA and EC keys
        algo = "UNKNOWN"
        raw = key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    return [f"  Key: {algo}", f"    Key value: {raw.hex()}"]


def hex_dump(data: bytes) -> list[str]:
    """Java's HexDumpEncoder, as the captures show it: `0000: 38 8f ... [8.Z.....]`."""
    lines = []
    for offset in range(0, len(data), 16):
        chunk = data[offset : offset + 16]
        hexes = " ".join(f"{b:02x}" for b in chunk)
        text = "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in chunk)
        lines.append(f"{offset:04x}: {hexes} [{text}]")
    return lines


def cert_dump(cert: x509.Certificate, pem: str | None, zone: str = "Etc/UTC") -> list[str]:
    """`show cert own|trust ...`: the Java-style dump (dates in the node's ``zone``), then
    (when given) the PEM on the `]` line."""
    oid = cert.signature_algorithm_oid.dotted_string
    sig_name = _SIG_ALGS.get(oid, oid)
    try:
        extensions = list(cert.extensions)
    except ValueError:  # pragma: no cover - an unparsable extension; the lab never makes one
        extensions = []
    lines = [
        "[",
        f"  Version: V{cert.version.value + 1}",
        f"  Serial Number: {cert.serial_number:X}",
        f"  SignatureAlgorithm: {sig_name} ({oid})",
        f"  Issuer Name: {java_name(cert.issuer)}",
        f"  Validity From: {java_date(cert.not_valid_before_utc, zone)}",
        f"           To:   {java_date(cert.not_valid_after_utc, zone)}",
        f"  Subject Name: {java_name(cert.subject)}",
        *_public_key_lines(cert),
        f"  Extensions: {len(extensions)} present",
    ]
    for ext in extensions:
        lines.append("  [")
        lines.extend(_extension_lines(ext))
        lines.append("  ]")
    lines.append("  Signature:")
    lines.extend("  " + line for line in hex_dump(cert.signature))
    if pem is None:
        lines.append("]")
        return lines
    pem_lines = pem.strip().splitlines()
    lines.append("]" + pem_lines[0])
    lines.extend(pem_lines[1:])
    return lines


def regen_warning(unit: str) -> list[str]:
    # The double space before the unit is in Cisco's own transcript [doc].
    return [
        "WARNING: This operation will overwrite any CA signed certificate previously imported "
        f"for  {unit}"
    ]


REGEN_QUESTION = "Proceed with regeneration (yes|no)? "


def regen_done(unit: str, major_version: int) -> list[str]:
    """Success of `set cert regen`; releases before 10.0 print it in lower case [guess]."""
    if major_version < 10:
        first = f"Successfully regenerated certificate for {unit}."
    else:
        first = f"Successfully Regenerated Certificate for {unit}."
    return [
        first,
        f"You must restart services related to {unit} for the regenerated certificates to "
        "become active.",
    ]


def delete_done(file: str) -> list[str]:
    return [DELETE_SUCCESS.format(file=file)]


def delete_not_found(unit: str, file: str) -> list[str]:
    return failed(DELETE_NOT_FOUND.format(unit=unit, file=file))


PASTE_QUESTION = "Paste the Certificate and Hit Enter"


def import_done(unit: str) -> list[str]:
    return [f"Successfully imported certificate for {unit}."]


def csr_done(unit: str) -> list[str]:
    return [f"Successfully Generated CSR for {unit}."]


def csr_list(units: Iterable[str]) -> list[str]:
    """`show csr list own`: one `<unit>/<unit>.csr` line per pending CSR [guess: format]."""
    return [f"{unit}/{unit}.csr" for unit in units]


def csr_dump(pem: str) -> list[str]:
    """`show csr own <unit>`: the CSR's PEM [seen: scripts cut the PEM out of the output;
    guess: nothing else is printed]."""
    return pem.strip().splitlines()


# ---------------------------------------------------------------------------------------------
# Services
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceLine:
    """One service as `utils service list` needs it (plain values, not the lab's view)."""

    name: str
    state: str  # Started | Stopping | Stopped | Starting
    activated: bool = True
    reason: str | None = None
    platform: bool = False


CRASHED_REASON = "Component is not running"


def _service_status(s: ServiceLine) -> str:
    if s.state == "Stopped":
        if not s.activated:
            return "[STOPPED]  Service Not Activated"
        if s.reason == CRASHED_REASON:
            return f"[ STOPPED ]  {CRASHED_REASON}"
        return f"[STOPPED]  {s.reason or 'Commanded Out of Service'}"
    return f"[{s.state.upper()}]"


def service_list(services: Sequence[ServiceLine], major_version: int = 14) -> list[str]:
    lines = ["Requesting service status, please wait..."]
    lines.extend(f"{s.name} [{s.state.upper()}]" for s in services if s.platform)
    lines += ["Service Manager is running", "Getting list of all services", ">> Return code = 0"]
    lines.extend(f"{s.name}{_service_status(s)}" for s in services if not s.platform)
    lines.append(PRIMARY_NODE_LINE)
    if major_version >= SERVICE_LIST_SUCCESS_FROM:
        lines.append("Command successful")
    return lines


_CONTROL_WORDS = {
    "restart": ("restarting", "restarted"),
    "start": ("starting", "started"),
    "stop": ("stopping", "stopped"),
}


def service_control_header(action: str, major_version: int = 14) -> list[str]:
    doing, done = _CONTROL_WORDS[action]
    if major_version < OLD_NOTICE_UNTIL:
        notice = OLD_CONTROL_NOTICE.format(DONE=done.upper(), Done=done.capitalize())
    else:
        notice = (
            f"Do not press Ctrl+C while the service is {doing}. If the service has not {done} "
            "properly, execute the same command again."
        )
    return [notice, "Service Manager is running"]


def service_state_lines(name: str, state: str, major_version: int = 14) -> list[str]:
    """The streamed line(s) of one state of `utils service restart|start|stop`: `<name>[STARTED]`;
    before 14 the moving states print twice, with trailing spaces (see OLD_NOTICE_UNTIL)."""
    if major_version < OLD_NOTICE_UNTIL and state in ("Stopping", "Starting"):
        return [f"{name}[{state.upper()}]  "] * 2
    return [service_state_line(name, state)]


def service_state_line(name: str, state: str) -> str:
    """One streamed line of `utils service restart|start|stop`: `<name>[STARTED]`."""
    return f"{name}[{state.upper()}]"


# ---------------------------------------------------------------------------------------------
# Cluster
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClusterNode:
    """One node as `show network cluster` prints it (plain values)."""

    ip: str
    fqdn: str
    product: str  # cucm | imp
    role: str  # publisher | subscriber


def network_cluster(
    nodes: Sequence[ClusterNode], me: str, since: dt.datetime, dns: bool = True
) -> list[str]:
    """`show network cluster` as run on the node whose fqdn is `me`; a cluster installed without
    DNS prints no FQDN column (`<ip> <host> <Publisher|Subscriber> ...`) [seen: issue 13's
    capture of a DNS-less cluster]."""
    lines = []
    for n in nodes:
        host = n.fqdn.split(".", 1)[0]
        if n.product == "cucm":
            usage = "Publisher" if n.role == "publisher" else "Subscriber"
            kind = "callmanager"
        else:  # the IM/P database publisher is a "Subscriber" of the CUCM cluster
            usage = "Subscriber"
            kind = "cups"
        db = "DBPub" if n.role == "publisher" else "DBSub"
        auth = "authenticated"
        if n.fqdn != me:
            auth += f" using TCP since {cluster_date(since)}"
        name = f"{n.fqdn} {host}" if dns else host
        lines.append(f"{n.ip} {name} {usage} {kind} {db} {auth}")
    mine = next((n for n in nodes if n.fqdn == me), None)
    if mine is not None and mine.product == "cucm" and mine.role == "publisher":
        lines += ["", "Server Table (processnode) Entries", "----------------------------------"]
        lines.extend(n.fqdn for n in nodes)
        lines.append("")
    return lines


# `utils ha status [group]`: the layout of the examples in Cisco's "Command Line Interface
# Reference Guide for Cisco Unified Communications Solutions, Release 12.5(1)SU5", utils ha
# status, https://www.cisco.com/c/en/us/td/docs/voice_ip_comm/cucm/cli_ref/12_5_1SU5/
# cucm_b_cli_reference-guide_release1251SU5/
# cucm_b_cli_reference_guide_release_1401_chapter_01001.html
# ("Subcluster Name: DefaultCluster" / "Node 1 Name : kal-cup1 State: Normal" / "... State:
# Unknown Reason: High Availability Not Enabled").
def ha_status(groups: Sequence[tuple[str, Sequence[tuple[str, str, str | None]]]]) -> list[str]:
    """Per group: its name, then each node (host name) with its state and reason."""
    lines: list[str] = []
    for name, nodes in groups:
        lines.append(f"Subcluster Name: {name}")
        for i, (host, state, reason) in enumerate(nodes, start=1):
            tail = f" Reason: {reason}" if reason else ""
            lines.append(f"Node {i} Name : {host} State: {state}{tail}")
        lines.append("")
    return lines


# `utils dbreplication runtimestate`, the 10.x-15 layout: Cisco's "Prime Collaboration
# Deployment Administration Guide, Release 14 and SUs", Best Practices (a 15.0 capture, with
# the Replicate_State values 0-4), https://www.cisco.com/c/en/us/td/docs/voice_ip_comm/cucm/
# pcdadmin/14/cucm_b_pcd-admin-guide-1401/cucm_b_pcd-admin-guide-1401_chapter_01001.html, and
# TAC 215013 (a 10.5.2 capture), https://www.cisco.com/c/en/us/support/docs/unified-
# communications/unified-communications-manager-callmanager/215013-how-to-perform-a-health-
# check-of-cucm-da.html. [guess] a bad node's row: "(3) Out Of Sync" with a queue, as in a
# public 10.5 troubleshooting capture (not a Cisco document).
REPLICATION_DETAILS = {2: "Setup Completed", 3: "Out Of Sync"}


@dataclass(frozen=True)
class ReplicationRow:
    host: str
    ip: str
    state: int  # Replicate_State: 2 good, 3 bad


def dbreplication_runtimestate(
    me: str, db_version: str, rows: Sequence[ReplicationRow], now: dt.datetime
) -> list[str]:
    """As run on the node whose host name is ``me``: the broadcast sync summary, then one row
    per node with its Replicate_State in ``(RTMT)``."""
    day = f"{_DAYS[now.weekday()]} {_MONTHS[now.month - 1]} {now.day:2d}"
    synced = now - dt.timedelta(days=19)
    lines = [
        "",
        f"Server Time: {day} {now:%H:%M:%S} UTC {now.year}",
        "",
        f"Cluster Replication State: BROADCAST SYNC ended at: {synced:%Y-%m-%d-%H-%M}",
        "     Sync Result: SYNC COMPLETED on 753 tables out of 753",
        "     Sync Status: All Tables are in sync",
        "     Use CLI to see detail: 'file view activelog cm/trace/dbl/"
        f"{synced:%Y%m%d_%H%M%S}_dbl_repl_output_Broadcast.log'",
        "",
        f"DB Version: ccm{db_version.replace('.', '_').replace('-', '_')}",
        "",
        "Repltimeout set to: 300s",
        "PROCESS option set to: 1",
        "",
        f"Cluster Detailed View from {me} ({len(rows)} Servers):",
        "",
        "                                           PING      DB/RPC/   REPL.    Replication"
        "    REPLICATION SETUP",
        "SERVER-NAME              IP ADDRESS        (msec)    DbMon?    QUEUE    Group ID"
        "       (RTMT) & Details",
        "-----------              ----------        ------    -------   -----    -----------"
        "    ------------------",
    ]
    for i, r in enumerate(rows, start=2):
        queue = "0" if r.state == 2 else "391694"
        ping = "0.016" if r.host == me else "0.163"
        details = REPLICATION_DETAILS.get(r.state, "Setup Failed")
        lines.append(
            f"{r.host:<25}{r.ip:<18}{ping:<10}Y/Y/Y     {queue:<9}{f'(g_{i})':<15}"
            f"({r.state}) {details}"
        )
    lines.append("")
    return lines
