"""Errors a user can fix. The CLI turns them into one line on stderr and exit status 2."""


class UsageError(Exception):
    """Bad usage or unusable input: the message names what is wrong (file, line, column, key)."""


class RunInProgress(UsageError):
    """Another daily run holds the lock."""
