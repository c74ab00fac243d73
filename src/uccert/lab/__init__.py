"""The lab: a simulated CUCM + IM/P cluster on loopback. It imports nothing of the client side."""

from uccert.lab.ca import LEAF_DAYS, LabCaError, init_ca, load_ca, load_csr, sign_csr, write_cert

__all__ = [
    "LEAF_DAYS",
    "LabCaError",
    "init_ca",
    "load_ca",
    "load_csr",
    "sign_csr",
    "write_cert",
]
