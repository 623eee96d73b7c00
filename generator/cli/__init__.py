"""Arguments in -> lines printed and exit codes out: the `slogen` command line, with no logic of its own.

`app.py` holds the app, printing and exit codes; `options.py` the options every compiling
command shares (one BuildOptions); the commands register themselves on import.
"""

from slogen.cli import build_commands, edit_commands, read_commands  # noqa: F401  (registers the commands)
from slogen.cli.app import app, main

__all__ = ["app", "main"]
