"""`uccert exporter`: certificates, findings and reads as Prometheus metrics.

`samples` is the pure part (a cluster's state -> metric samples, and how a read updates that
state); `service` is the shell (reads clusters in the background, serves the last samples).
"""

from uccert.exporter.service import Refresher, SampleCollector, Target, read_runs

__all__ = [
    "Refresher",
    "SampleCollector",
    "Target",
    "read_runs",
]
