"""Allow ``python -m concepttrack``."""

from concepttrack.cli import main

main()
