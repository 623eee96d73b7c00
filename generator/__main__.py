"""`python -m slogen`: the same command line as the `slogen` script."""

from slogen.cli import main

main()
