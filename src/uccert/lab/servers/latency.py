"""How long a lab node takes to answer, in real seconds (the lab answers at once by default).

A real node needs 10-15 s to show ``admin:`` after an SSH login and a fraction of a second to
seconds per command or HTTPS request. A benchmark that reads many nodes needs some of that
waiting, or reading them concurrently would look no faster than one at a time; it uses values
scaled down (e.g. 0.3 s login, 0.05 s per command) so a run stays short. The waits are
``asyncio.sleep``: they never block the event loop, so one process can serve many slow nodes.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Latency:
    login: float = 0.0  # SSH: before the login banner (or an exec command's output)
    command: float = 0.0  # SSH admin CLI: before each command's output
    http: float = 0.0  # HTTPS (AXL, Control Center, REST): before each response

    def __post_init__(self) -> None:
        for name in ("login", "command", "http"):
            value = getattr(self, name)
            if not value >= 0:  # also refuses NaN
                raise ValueError(f"latency {name} must be >= 0 seconds, got {value!r}")


NO_LATENCY = Latency()
