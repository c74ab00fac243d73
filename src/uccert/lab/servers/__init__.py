"""The lab's listeners: SSH admin CLI per node, a virtual clock, and the lab runtime.

``running_lab`` (runtime) is the entry point; ``cli_templates`` holds the lab's own renderings of
the documented CLI transcripts (docs/design/interfaces.md §1), never shared with the client's
parsers.
"""

from uccert.lab.servers.background import lab_in_background
from uccert.lab.servers.fleet import in_domain, running_fleet
from uccert.lab.servers.replay import load_record, running_replay
from uccert.lab.servers.runtime import running_lab

__all__ = [
    "in_domain",
    "lab_in_background",
    "load_record",
    "running_fleet",
    "running_lab",
    "running_replay",
]
