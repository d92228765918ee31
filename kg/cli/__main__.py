"""`python -m kg.cli`: the same command line as the installed `kg` script."""

from kg.cli import main

main()
