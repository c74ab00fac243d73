"""uccert: certificate work on Cisco CUCM and IM and Presence clusters, end to end.

The package is layered (see docs/design/architecture.md): ``catalog`` holds the procedure as data,
``lab`` is a simulated cluster that plays a real one on loopback, and ``cli`` is the command.
"""

__version__ = "0.1.0"
