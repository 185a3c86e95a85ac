"""`python -m moderation.entrypoints.cli`: how `moderation dev` and the tests start roles."""

from moderation.entrypoints.cli import main

main()
