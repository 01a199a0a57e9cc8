"""Errors the CLI shows to a person: each message says what to do next."""


class ZhiwangError(Exception):
    """A problem the user can act on (bad input, missing delivery, locked file...)."""
