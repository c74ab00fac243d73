"""Key sources hand out distinct keys of the requested type and size."""

from __future__ import annotations

from uccert.lab.state import InMemoryKeySource

from .conftest import RecombiningKeySource


def test_in_memory_key_source_hands_out_distinct_keys() -> None:
    source = InMemoryKeySource()
    a, b = source.rsa(2048), source.rsa(2048)
    assert a.key_size == b.key_size == 2048
    assert a.public_key().public_numbers() != b.public_key().public_numbers()
    e1, e2 = source.ec(384), source.ec(384)
    assert e1.curve.name == "secp384r1"
    assert e1.public_key().public_numbers() != e2.public_key().public_numbers()


def test_the_fast_test_source_hands_out_distinct_valid_keys(keys: RecombiningKeySource) -> None:
    moduli = {keys.rsa(2048).public_key().public_numbers().n for _ in range(40)}
    assert len(moduli) == 40
    assert all(n.bit_length() == 2048 for n in moduli)
