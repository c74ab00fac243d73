"""The publisher's refusal of an AXL schema version, and which schema uccert tries next."""

from __future__ import annotations

from pathlib import Path

from uccert.cluster.discovery import next_schemas, schema_for
from uccert.protocols.axl import is_wrong_version, parse_supported_versions, schema_listed

# The body a 15 publisher sends for a schema it no longer speaks (HTTP 599), as published in
# third-party AXL clients' captures; Cisco documents the N-3 removal, not the page.
REFUSAL = (Path(__file__).parent / "fixtures" / "axl_599_incorrect_version.html").read_text()


def test_the_refusal_is_recognised_and_its_versions_read() -> None:
    assert is_wrong_version(599, REFUSAL)
    assert parse_supported_versions(REFUSAL) == ("12.x", "14.0", "15.0")
    assert not is_wrong_version(500, "<soapenv:Fault>Item not valid</soapenv:Fault>")
    assert parse_supported_versions("Internal error") == ()


def test_12_x_covers_every_12_schema_and_nothing_else() -> None:
    listed = ("12.x", "14.0", "15.0")
    assert schema_listed("12.0", listed) and schema_listed("12.5", listed)
    assert not schema_listed("11.5", listed) and not schema_listed("10.0", listed)


def test_after_a_refusal_the_next_schema_is_the_newest_listed_one_not_tried() -> None:
    assert next_schemas(["15.0"], ("12.x", "14.0")) == ("14.0", "12.5", "12.0")
    # a refusal that lists nothing: every older schema, newest first
    assert next_schemas(["15.0", "14.0"], ())[:2] == ("12.5", "12.0")


def test_each_publisher_is_spoken_to_in_its_own_major_schema() -> None:
    assert schema_for("15.0.1.10000-32") == "15.0"
    assert schema_for("14.0.1.13900-155") == "14.0"
    assert schema_for("12.5.1.16900-48") == "12.5"
    assert schema_for("11.5.1.21900-40") == "11.5"
    assert schema_for("10.5.2.10000-5") == "10.5"
