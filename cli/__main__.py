"""``python -m cli``: the same as the ``zhiwang`` command."""

from cli.app import app

app()
