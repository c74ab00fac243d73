"""`python -m uccert`: the same as the `uccert` command."""

import sys

from uccert.cli import main

sys.exit(main())
