"""A hook for the lab tests: a command line that writes the environment it was given as JSON
(and prints a line, which must not reach stdout: `--json` documents stay parseable)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

_WRITE = (
    "import json, os, sys; print('hook ran'); "
    "open(sys.argv[1], 'a').write(json.dumps(dict(os.environ)) + chr(10))"
)


def env_hook(path: Path) -> str:
    """``--deploy-hook`` / ``--post-hook`` value appending the hook's environment to ``path``."""
    return f'{sys.executable} -c "{_WRITE}" {path}'


def hook_envs(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]
