"""Fixtures: the transcripts of docs/design/interfaces.md §1, read as LF and as CRLF.

Copied verbatim from docs/design/interfaces.md: ``regen_tomcat.txt``, ``cert_dump_doc.txt`` (its
PEM is
elided with ``...`` in the document) and ``cert_list_own_doc.txt``. Assembled line by line from
the quoted pieces of interfaces.md §1's prose (the document quotes lines, not whole captures):
``service_list.txt``, ``service_restart_tomcat.txt``, ``network_cluster_*.txt``,
``cert_list_own.txt``, ``cert_list_trust.txt``, ``regen_*``, ``version_active.txt``,
``cert_list_own_paged.txt`` (CRLF, escape codes, both pager prompts).

Variants real nodes print (issue 13): ``cert_dump_bst.txt`` (a real certificate rendered in the
dump layout with London summer dates, ``BST``), ``service_list_115_no_trailer.txt`` (ends at
``Primary Node =true``, as a real 11.5 capture), ``service_list_15.txt`` (15's renamed
services), ``service_restart_tomcat_12x.txt`` (12.x notice, doubled states, trailing spaces),
``network_cluster_no_dns.txt`` (no FQDN column), ``cert_list_trust_awkward.txt`` (web-uploaded
names, empty descriptions).
"""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


def read_fixture(name: str, line_end: str = "\n") -> str:
    """A fixture file with its LF line ends turned into ``line_end``."""
    text = (FIXTURES / name).read_bytes().decode("utf-8")
    return text.replace("\n", line_end) if "\r" not in text else text


@pytest.fixture(params=["\n", "\r\n"], ids=["LF", "CRLF"])
def line_end(request: pytest.FixtureRequest) -> str:
    value: str = request.param
    return value
