"""`python -m slogen.cli`: the same command line as the `slogen` script."""

from slogen.cli.app import main

main()
