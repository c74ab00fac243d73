"""Each word is defined once on the client side: no two enums share a name or the same set of
values. A second copy (a `Product` in the model beside the catalog's, a parser's own
`NodeProduct`) drifts from the first and forces conversions by value between them. The lab
keeps its own vocabulary on purpose (it imports nothing of the client) and is left out."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

import uccert

pytestmark = pytest.mark.pure  # in `make check`: needs no lab and no network

SRC = Path(uccert.__file__).parent
ENUM_BASES = frozenset({"Enum", "StrEnum", "IntEnum"})


def _enum_values(node: ast.ClassDef) -> frozenset[object] | None:
    """The member values of an enum class with literal values, or None if it is not one."""
    bases = {b.id for b in node.bases if isinstance(b, ast.Name)}
    if not bases & ENUM_BASES:
        return None
    values = [
        s.value.value
        for s in node.body
        if isinstance(s, ast.Assign) and isinstance(s.value, ast.Constant)
    ]
    return frozenset(values)


def client_enums() -> dict[str, list[tuple[str, frozenset[object]]]]:
    """Enum name -> (module, values) of each definition outside the lab."""
    found: dict[str, list[tuple[str, frozenset[object]]]] = defaultdict(list)
    for path in sorted(SRC.rglob("*.py")):
        where = path.relative_to(SRC)
        if where.parts[0] == "lab":
            continue
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ClassDef):
                values = _enum_values(node)
                if values is not None:
                    found[node.name].append((str(where), values))
    return found


def test_no_enum_name_is_defined_twice() -> None:
    enums = client_enums()
    assert "Product" in enums and "ServiceAction" in enums  # the scan reads the tree
    twice = {name: [m for m, _ in defs] for name, defs in enums.items() if len(defs) > 1}
    assert twice == {}


def test_no_two_enums_have_the_same_values() -> None:
    by_values: dict[frozenset[object], list[str]] = defaultdict(list)
    for name, defs in client_enums().items():
        for module, values in defs:
            if len(values) > 1:
                by_values[values].append(f"{module}:{name}")
    copies = [sorted(names) for names in by_values.values() if len(names) > 1]
    assert copies == []
