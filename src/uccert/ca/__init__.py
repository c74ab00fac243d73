"""CA-signed certificates, checked before anything reaches a node (docs/design/procedure.md §2, §6).

Theory of operation
===================

Pure, like the catalog and the checks: values in, values (or typed refusals) out, no I/O.
Every check collects :class:`~uccert.ca.problems.Problem` s, each with its fix, so an admin
sees everything wrong at once; the shell raises them together as
:class:`~uccert.ca.problems.Refused` (ConfigError, exit 2) before any change.

- ``keys``          key type and size per unit (RSA <= 4096, EC for ECDSA twins), SPKI hash
- ``names``         SAN dNSNames, wildcards (always refused), exact coverage
- ``usage``         keyUsage / extendedKeyUsage a unit's leaf needs (serverAuth + clientAuth)
- ``chain``         leaf -> intermediates -> root, signatures and CA constraints checked
- ``csr_request``   what `uccert csr` asks each node for (single-node or multi-server scope),
                    the check of the CSR a node returns, and the JSON sidecar
- ``upload_checks`` everything `uccert upload` checks, and the upload it plans
- ``after_upload``  what the upload changed (input of the restart planner) and the restarts
- ``bundle``        what Jabber devices must trust: PEM, PKCS#7 and a README
"""

from uccert.ca.after_upload import (
    INTERCLUSTER_SYNC_AGENT,
    NodeRestarts,
    UploadChange,
    client_bundle_hint,
    restarts_after_upload,
    upload_plan_inputs,
    upload_warnings,
)
from uccert.ca.bundle import (
    P7B_FILE,
    PEM_FILE,
    README_FILE,
    ClientBundle,
    bundle_pem,
    bundle_pkcs7,
    bundle_readme,
    client_bundle,
)
from uccert.ca.chain import (
    Chain,
    build_chain,
    common_name,
    fingerprint,
    is_ca,
    is_self_signed,
    signed_by,
)
from uccert.ca.csr_request import (
    CsrPlan,
    CsrTarget,
    check_generated_csr,
    plan_csr,
    rest_capable,
    sidecar,
)
from uccert.ca.keys import KeySpec, parse_key_spec, public_key_sha256
from uccert.ca.problems import Problem, Refused
from uccert.ca.upload_checks import TrustUpload, UploadPlan, check_leaf, plan_upload

__all__ = [
    "INTERCLUSTER_SYNC_AGENT",
    "P7B_FILE",
    "PEM_FILE",
    "README_FILE",
    "Chain",
    "ClientBundle",
    "CsrPlan",
    "CsrTarget",
    "KeySpec",
    "NodeRestarts",
    "Problem",
    "Refused",
    "TrustUpload",
    "UploadChange",
    "UploadPlan",
    "build_chain",
    "bundle_pem",
    "bundle_pkcs7",
    "bundle_readme",
    "check_generated_csr",
    "check_leaf",
    "client_bundle",
    "client_bundle_hint",
    "common_name",
    "fingerprint",
    "is_ca",
    "is_self_signed",
    "parse_key_spec",
    "plan_csr",
    "plan_upload",
    "public_key_sha256",
    "rest_capable",
    "restarts_after_upload",
    "sidecar",
    "signed_by",
    "upload_plan_inputs",
    "upload_warnings",
]
