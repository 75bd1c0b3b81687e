"""`python -m reserve_flow` is the `reserve-flow` command."""

from reserve_flow.cli import main

main()
