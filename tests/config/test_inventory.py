from __future__ import annotations

import re
from pathlib import Path

import pytest

from uccert.config import (
    ClusterConfig,
    InventoryError,
    Thresholds,
    Timing,
    load_inventory,
    resolve_credentials,
    select_clusters,
)
from uccert.errors import ConfigError
from uccert.lab.servers.runtime import Credentials, inventory_toml
from uccert.lab.state import preset

GOOD = """\
schema_version = 1

[clusters.east]
publisher = "cucm-pub.east.example.com"
os_admin_env = "UCCERT_EAST_OS_ADMIN"
app_admin_env = "UCCERT_EAST_APP_ADMIN"

[clusters.east.nodes."imp-pub"]
address = "10.0.0.5"
sip_tls_port = 5062

[clusters.east.thresholds]
warn_days = 45

[clusters.west]
publisher = "cucm-pub.west.example.com"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "uccert.toml"
    path.write_text(text, encoding="utf-8")
    return path


def error_of(tmp_path: Path, text: str) -> str:
    path = write(tmp_path, text)
    with pytest.raises(InventoryError) as info:
        load_inventory(path)
    message = str(info.value)
    assert "\n" not in message
    assert isinstance(info.value, ConfigError) and info.value.exit_code == 2
    return message


def assert_located(message: str, path: Path, line: int) -> None:
    assert message.startswith(f"{path}:{line}: "), message
    assert " — " in message and message.split(" — ", 1)[1].strip(), message


def test_the_lab_written_inventory_loads_with_its_ports_and_timing(
    lab_files: tuple[Path, Credentials],
) -> None:
    inv_path, _ = lab_files
    inv = load_inventory(inv_path)
    assert list(inv.clusters) == ["lab"]
    lab = inv.clusters["lab"]
    assert lab.publisher == "cucm-pub." + preset("demo").domain
    assert set(lab.nodes) == {n.name for n in preset("demo").nodes}
    assert lab.nodes["cucm-pub"].address == "127.0.0.1"
    assert lab.nodes["cucm-pub"].ssh_port == 22000
    assert lab.nodes["imp-sub3"].https_port == 28005
    assert lab.nodes["imp-sub3"].rest_port is None
    assert lab.timing.ha_sync_wait == 0.0
    assert lab.timing.poll_interval == 0.01
    # scaled like the rest, with a floor of real seconds for a lab service to start
    assert lab.timing.restart_timeout == 20.0 < Timing().restart_timeout == 600.0
    assert lab.thresholds == Thresholds(warn_days=30)
    assert lab.credentials.credentials_file == inv_path.parent / "credentials.toml"


def test_the_lab_written_inventory_resolves_the_lab_accounts(
    lab_files: tuple[Path, Credentials],
) -> None:
    inv_path, creds = lab_files
    lab = load_inventory(inv_path).clusters["lab"]
    resolved = resolve_credentials(lab.credentials, cluster="lab", environ={})
    assert resolved.os_admin.username == creds.os_admin.username
    assert resolved.os_admin.password.reveal() == creds.os_admin.password
    assert resolved.app_admin.password.reveal() == creds.app_admin.password
    assert resolved.os_readonly is not None
    assert resolved.os_readonly.password.reveal() == creds.os_readonly.password


def test_lab_inventory_with_time_scale_loads(tmp_path: Path) -> None:
    topo = preset("minimal")
    text = inventory_toml(topo, {n.name: 1000 for n in topo.nodes}, 0.001, "/abs/creds.toml")
    inv = load_inventory(write(tmp_path, text))
    assert inv.clusters["lab"].timing.ha_sync_wait == pytest.approx(0.12)
    assert inv.clusters["lab"].credentials.credentials_file == Path("/abs/creds.toml")


def test_a_full_inventory_has_defaults_and_overrides(tmp_path: Path) -> None:
    inv = load_inventory(write(tmp_path, GOOD))
    east = inv.clusters["east"]
    assert east.nodes["imp-pub"].sip_tls_port == 5062
    assert east.nodes["imp-pub"].ssh_port is None
    assert east.thresholds.warn_days == 45
    assert east.credentials.os_admin.env == "UCCERT_EAST_OS_ADMIN"
    assert inv.clusters["west"].timing == Timing()
    assert inv.clusters["west"].credentials.credentials_file is None


def test_config_objects_are_frozen(tmp_path: Path) -> None:
    inv = load_inventory(write(tmp_path, GOOD))
    with pytest.raises(AttributeError):
        inv.clusters["east"].publisher = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        inv.clusters["x"] = inv.clusters["east"]  # type: ignore[index]


def test_missing_inventory_says_how_to_make_one(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    with pytest.raises(InventoryError) as info:
        load_inventory(path)
    assert str(info.value) == (
        f"{path}: no such inventory — create one (see docs/inventory.md) or pass --inventory PATH"
    )


def test_bad_toml_names_the_line(tmp_path: Path) -> None:
    message = error_of(tmp_path, "schema_version = 1\n\n[clusters.a]\npublisher = cucm\n")
    assert_located(message, tmp_path / "uccert.toml", 4)
    assert "not valid TOML" in message


def test_unknown_key_names_line_and_suggests_the_right_one(tmp_path: Path) -> None:
    text = GOOD.replace("sip_tls_port = 5062", "sip_tls_prot = 5062")
    message = error_of(tmp_path, text)
    assert_located(message, tmp_path / "uccert.toml", 10)
    assert "sip_tls_prot" in message and "did you mean sip_tls_port" in message


def test_unknown_top_level_key_is_an_error(tmp_path: Path) -> None:
    message = error_of(tmp_path, "schema_version = 1\ncluster = 3\n" + GOOD.split("\n", 1)[1])
    assert_located(message, tmp_path / "uccert.toml", 2)
    assert "did you mean clusters" in message


def test_unknown_key_in_timing_and_thresholds(tmp_path: Path) -> None:
    text = GOOD + "\n[clusters.west.timing]\npoll_intervall = 2\n"
    assert_located(error_of(tmp_path, text), tmp_path / "uccert.toml", 19)
    text = GOOD.replace("warn_days = 45", "warn_day = 45")
    assert_located(error_of(tmp_path, text), tmp_path / "uccert.toml", 13)


def test_a_password_in_the_inventory_is_refused_without_echoing_it(tmp_path: Path) -> None:
    text = GOOD.replace(
        'publisher = "cucm-pub.west', 'password = "hunter2-xyz"\npublisher = "cucm-pub.west'
    )
    message = error_of(tmp_path, text)
    assert_located(message, tmp_path / "uccert.toml", 16)
    assert "hunter2-xyz" not in message and "credentials_file" in message


def test_missing_publisher_points_at_the_cluster_table(tmp_path: Path) -> None:
    text = GOOD.replace('publisher = "cucm-pub.west.example.com"\n', "prompt = false\n")
    message = error_of(tmp_path, text)
    assert_located(message, tmp_path / "uccert.toml", 15)
    assert "west" in message and "publisher = " in message


@pytest.mark.parametrize(
    ("old", "new", "line", "word"),
    [
        ("sip_tls_port = 5062", 'sip_tls_port = "5062"', 10, "integer"),
        ("sip_tls_port = 5062", "sip_tls_port = 70000", 10, "port"),
        ("warn_days = 45", "warn_days = 4.5", 13, "integer"),
        ("warn_days = 45", "warn_days = true", 13, "integer"),
        ('address = "10.0.0.5"', "address = 10", 9, "string"),
        ('publisher = "cucm-pub.west.example.com"', "publisher = 1", 16, "string"),
        ('publisher = "cucm-pub.west.example.com"', 'publisher = ""', 16, "empty"),
        ('os_admin_env = "UCCERT_EAST_OS_ADMIN"', 'os_admin_env = "A B"', 5, "prefix"),
        (
            'publisher = "cucm-pub.west.example.com"',
            'publisher = "cucm-pub.west.example.com"\ntiming = 3',
            17,
            "table",
        ),
    ],
)
def test_wrong_types_name_the_line_and_the_fix(
    tmp_path: Path, old: str, new: str, line: int, word: str
) -> None:
    assert old in GOOD
    message = error_of(tmp_path, GOOD.replace(old, new))
    assert_located(message, tmp_path / "uccert.toml", line)
    assert word in message


def test_timing_must_be_positive_seconds(tmp_path: Path) -> None:
    text = GOOD + "\n[clusters.west.timing]\nha_sync_wait = 0\npoll_interval = 0\n"
    message = error_of(tmp_path, text)
    assert_located(message, tmp_path / "uccert.toml", 20)
    assert "poll_interval" in message


@pytest.mark.parametrize(
    ("first", "line"),
    [("schema_version = 2", 1), ('schema_version = "1"', 1), ("schema_version = true", 1)],
)
def test_bad_schema_version(tmp_path: Path, first: str, line: int) -> None:
    message = error_of(tmp_path, GOOD.replace("schema_version = 1", first))
    assert_located(message, tmp_path / "uccert.toml", line)
    assert "schema_version = 1" in message


def test_missing_schema_version(tmp_path: Path) -> None:
    message = error_of(tmp_path, GOOD.replace("schema_version = 1\n", ""))
    assert "add schema_version = 1" in message


def test_no_clusters_is_an_error(tmp_path: Path) -> None:
    assert "no clusters" in error_of(tmp_path, "schema_version = 1\n")


def test_dotted_key_errors_find_their_line(tmp_path: Path) -> None:
    text = 'schema_version = 1\n[clusters.a]\npublisher = "p"\nnodes.n1.ssh_prt = 22\n'
    assert_located(error_of(tmp_path, text), tmp_path / "uccert.toml", 4)


def test_select_clusters(tmp_path: Path) -> None:
    inv = load_inventory(write(tmp_path, GOOD))
    assert [c.name for c in select_clusters(inv, None)] == ["east", "west"]
    only: tuple[ClusterConfig, ...] = select_clusters(inv, "west")
    assert [c.name for c in only] == ["west"]
    with pytest.raises(InventoryError) as info:
        select_clusters(inv, "north")
    message = str(info.value)
    assert re.search(r"no cluster named north .*known clusters: east, west", message), message
    assert "--cluster" in message and "\n" not in message


def test_presence_domains_are_read_lowercase_and_checked(tmp_path: Path) -> None:
    path = tmp_path / "uccert.toml"
    base = 'schema_version = 1\n[clusters.c]\npublisher = "pub.example.com"\n'

    def load(text: str) -> tuple[str, ...]:
        path.write_text(text)
        return load_inventory(path).clusters["c"].presence_domains

    assert load(base + 'presence_domains = ["IM.Corp.Example"]\n') == ("im.corp.example",)
    assert load(base) == ()
    with pytest.raises(InventoryError, match=r"presence_domains .* must be a list of domain"):
        load(base + 'presence_domains = "im.corp.example"\n')
