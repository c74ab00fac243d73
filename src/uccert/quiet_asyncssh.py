"""asyncssh, imported without the deprecation noise it makes on current cryptography releases.

asyncssh 2.x names ``dsa.DSAPrivateKey`` and friends in its type aliases at import time, and
cryptography 48 and later warn (``CryptographyDeprecationWarning: DSA is deprecated``) on every
such access: about ten lines on stderr from every ``uccert`` process, before it says anything of
its own. uccert never uses DSA keys, so the warning tells a user nothing. The filter is narrow on
purpose: that category only, and only when it is attributed to asyncssh's own modules; any other
deprecation (ours, or asyncssh's on something else) still shows.

Every module of uccert, client and lab alike, imports asyncssh from here.
"""

from __future__ import annotations

import warnings

from cryptography.utils import CryptographyDeprecationWarning

warnings.filterwarnings("ignore", category=CryptographyDeprecationWarning, module=r"asyncssh(\.|$)")

import asyncssh as asyncssh  # noqa: E402  (the filter must be in place first)

__all__ = ["asyncssh"]
