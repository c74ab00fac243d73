"""The lab's listeners: SSH admin CLI per node, a virtual clock, and the lab runtime.

``running_lab`` (runtime) is the entry point; ``cli_templates`` holds the lab's own renderings of
the documented CLI transcripts (docs/design/interfaces.md §1), never shared with the client's
parsers.
"""
