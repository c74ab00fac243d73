"""`uccert lab ca`: a root and an intermediate whose leaves the lab nodes (and uccert's own
checks) accept."""

from __future__ import annotations

import datetime as dt
import json
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from uccert.ca.chain import build_chain
from uccert.ca.upload_checks import check_leaf
from uccert.cli import main
from uccert.lab.ca import CHAIN, INTER_KEY, ROOT_KEY, init_ca, load_ca, load_csr, sign_csr
from uccert.lab.servers.runtime import build_lab
from uccert.lab.state import preset

pytestmark = pytest.mark.pure  # in `make check`: needs no lab and no network

START = dt.datetime.now(dt.UTC).replace(microsecond=0)


def test_init_writes_root_intermediate_and_chain_with_private_keys_0600(tmp_path: Path) -> None:
    ca = init_ca(tmp_path / "ca")
    for key in (ROOT_KEY, INTER_KEY):
        assert stat.S_IMODE((tmp_path / "ca" / key).stat().st_mode) == 0o600
    chain = x509.load_pem_x509_certificates((tmp_path / "ca" / CHAIN).read_bytes())
    assert chain == [ca.intermediate, ca.root]
    assert load_ca(tmp_path / "ca").root == ca.root


async def test_a_signed_lab_csr_passes_uccerts_checks_and_the_lab_installs_it() -> None:
    lab = await build_lab(preset("minimal", "14.0"), None, START)
    import tempfile

    from uccert.lab.ca import init_ca as _init

    with tempfile.TemporaryDirectory() as tmp:
        ca = _init(Path(tmp))
    fqdn = lab.spec("imp-pub").fqdn
    csr = load_csr(lab.generate_csr("imp-pub", "tomcat").encode(), "lab csr")
    leaf = sign_csr(ca, csr)
    now = dt.datetime.now(dt.UTC)
    assert check_leaf(leaf, "tomcat", [fqdn], now) == []
    chain, problems = build_chain(leaf, [ca.intermediate, ca.root], (), now)
    assert problems == [] and chain.complete
    lab.import_trust("imp-pub", "tomcat-trust", _pem(ca.root), via="lab")
    lab.import_trust("imp-pub", "tomcat-trust", _pem(ca.intermediate), via="lab")
    own = lab.import_own("imp-pub", "tomcat", _pem(leaf), via="lab")
    assert own.description == "Certificate Signed by uccert Lab Issuing CA"


def _pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def test_cli_init_refuses_to_overwrite_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d = str(tmp_path / "ca")
    assert main(["lab", "ca", "init", "--dir", d]) == 0
    assert main(["lab", "ca", "init", "--dir", d]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "--force" in err and err.count("\n") == 1
    assert main(["lab", "ca", "init", "--dir", d, "--force"]) == 0


def test_cli_sign_writes_the_leaf_and_names_the_upload_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d = tmp_path / "ca"
    assert main(["lab", "ca", "init", "--dir", str(d)]) == 0
    key = ec.generate_private_key(ec.SECP384R1())
    req = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "imp-pub-EC.x.example")]))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("imp-pub.x.example")]), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    csr = tmp_path / "tomcat-ECDSA-imp-pub.csr"
    csr.write_bytes(req.public_bytes(serialization.Encoding.PEM))
    csr.with_name(csr.name + ".json").write_text(json.dumps({"unit": "tomcat-ECDSA"}))
    capsys.readouterr()
    assert main(["lab", "ca", "sign", str(csr), "--dir", str(d), "--days", "30"]) == 0
    out = capsys.readouterr().out
    leaf = x509.load_pem_x509_certificate((tmp_path / "tomcat-ECDSA-imp-pub.pem").read_bytes())
    assert leaf.public_key() == key.public_key()
    assert (leaf.not_valid_after_utc - leaf.not_valid_before_utc).days == 30
    assert "uccert upload --unit tomcat-ECDSA" in out
    assert check_leaf(leaf, "tomcat-ECDSA", ["imp-pub.x.example"], dt.datetime.now(dt.UTC)) == []


def test_cli_sign_without_a_ca_says_to_init_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csr = tmp_path / "x.csr"
    csr.write_text("not a csr")
    assert main(["lab", "ca", "sign", str(csr), "--dir", str(tmp_path / "none")]) == 2
    assert "uccert lab ca init" in capsys.readouterr().err


def test_cli_sign_refuses_what_is_not_a_csr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d = tmp_path / "ca"
    init_ca(d)
    csr = tmp_path / "x.csr"
    csr.write_text("not a csr")
    assert main(["lab", "ca", "sign", str(csr), "--dir", str(d)]) == 2
    assert "not a PEM certificate request" in capsys.readouterr().err
