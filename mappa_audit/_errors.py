"""The exceptions mappa-audit raises for input it cannot use.

Data that breaks a rule is a *result*, never an exception; only unusable input raises. Every
message is lower-case, says what went wrong and with which value, and ends with a ``Hint:``
line a co-ordinator can act on. The command line prints the message on one line and exits 2.

Exception tree::

    MappaAuditError
    ├── DatasetError            the dataset cannot be loaded at all
    │   ├── MissingTableError   a required table has no file / sheet
    │   ├── MissingColumnError  a required column is absent from a table's header
    │   ├── UnreadableFileError a file cannot be parsed (empty, corrupt, wrong type, ambiguous)
    │   └── StrictModeError     --strict, and the loader quarantined something
    ├── PolicyError             the policy file is unreadable or holds an impossible value
    │   └── SmallSuppressionError  a board output asked of a policy that hides too little
    └── UsageError              an argument is impossible (end before start, unknown area …)
"""

from __future__ import annotations


class MappaAuditError(Exception):
    """Base of every error mappa-audit raises on purpose.

    Parameters
    ----------
    message
        What went wrong, naming the file, column and value where there is one.
    hint
        What the user can do about it.
    """

    def __init__(self, message: str, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(message if hint is None else f"{message}\nHint: {hint}")

    def one_line(self) -> str:
        """The message and hint on a single line, for stderr."""
        text = self.message.replace("\n", " ")
        return text if self.hint is None else f"{text} Hint: {self.hint}"


class DatasetError(MappaAuditError):
    """The dataset cannot be loaded."""


class MissingTableError(DatasetError):
    """A required table has no file or sheet."""


class MissingColumnError(DatasetError):
    """A required column is missing from a table."""


class UnreadableFileError(DatasetError):
    """A file exists but cannot be parsed as the contract expects."""


class StrictModeError(DatasetError):
    """``--strict`` was given and the loader quarantined rows or cells."""


class PolicyError(MappaAuditError):
    """The policy file cannot be used."""


class SmallSuppressionError(PolicyError):
    """A board-audience output was asked of a policy whose ``suppress_below`` is below the
    minimum, without the override.

    Parameters
    ----------
    policy_name
        The policy's name.
    suppress_below
        The policy's value.
    minimum
        The smallest value a board output may use.
    """

    def __init__(self, policy_name: str, suppress_below: int, minimum: int) -> None:
        self.policy_name = policy_name
        self.suppress_below = suppress_below
        self.minimum = minimum
        super().__init__(
            f"policy {policy_name!r} sets suppress_below = {suppress_below}, below "
            f"{minimum}, the smallest a board-audience output may use",
            "use audience='auditor' for a working view, or pass "
            "allow_small_suppression=True to publish it anyway (the run's manifest records it)",
        )


class UsageError(MappaAuditError):
    """An argument cannot be used (a date that is not a date, end before start …)."""
