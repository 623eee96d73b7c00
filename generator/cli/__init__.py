"""The `slogen` command line: parse arguments, call the pipeline, print. No logic here.

`app.py` holds the app, printing and exit codes; `options.py` the options every compiling
command shares (one BuildOptions); the commands register themselves on import.
"""

from slogen.cli import build_commands, read_commands  # noqa: F401  (registers the commands)
from slogen.cli.app import app, main

__all__ = ["app", "main"]
