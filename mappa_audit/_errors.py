"""The exceptions mappa-audit raises for input it cannot use.

Data that breaks a rule is a *result*, never an exception; only unusable input raises. Every
message is lower-case, says what went wrong and with which value, and ends with a ``Hint:``
line a co-ordinator can act on. The command line prints the message on one line and exits 2.

A message names an argument as the library's caller writes it, between backquotes
(`` `weeks` ``, `` `start` ``), never as a command-line flag: the command line words its own
messages, and turns each argument named so into its flag (``--weeks``) as it prints them.

Exception tree::

    MappaAuditError
    ├── DatasetError            the dataset cannot be loaded at all
    │   ├── MissingTableError   a required table has no file / sheet
    │   ├── MissingColumnError  a required column is absent from a table's header
    │   ├── UnreadableFileError a file cannot be parsed (empty, corrupt, wrong type, ambiguous)
    │   └── StrictModeError     ``strict=True``, and the loader quarantined something
    ├── PolicyError             the policy file is unreadable or holds an impossible value
    │   └── SmallSuppressionError  a board output asked of a policy that hides too little
    └── UsageError              a call that cannot be answered as asked
        ├── ArgumentError       one argument's value is impossible (``.argument`` names it)
        │   └── NotFoundError   a name that is not there: rule id, area, column … (a KeyError)
        └── AuditorOnlyError    case-level data asked of a board view (a PermissionError)

``NotFoundError`` is also a :class:`KeyError` and ``AuditorOnlyError`` a
:class:`PermissionError`, so code written against the built-in errors still catches them.
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

    def __str__(self) -> str:
        # KeyError's own would show the message quoted, its line break as "\\n"
        return self.message if self.hint is None else f"{self.message}\nHint: {self.hint}"

    def one_line(self) -> str:
        """The message and hint on a single line, for stderr: the message ends as a sentence,
        so that the hint does not read as its last words.

        Examples
        --------
        >>> UsageError("cannot read cases.csv: it is UTF-16 text", "save it as CSV").one_line()
        'cannot read cases.csv: it is UTF-16 text. Hint: save it as CSV'
        """
        text = self.message.replace("\n", " ")
        if self.hint is None:
            return text
        stop = "" if text.endswith((".", "!", "?")) else "."
        return f"{text}{stop} Hint: {self.hint}"


class DatasetError(MappaAuditError):
    """The dataset cannot be loaded."""


class MissingTableError(DatasetError):
    """A required table has no file or sheet."""


class MissingColumnError(DatasetError):
    """A required column is missing from a table."""


class UnreadableFileError(DatasetError):
    """A file exists but cannot be parsed as the contract expects."""


class StrictModeError(DatasetError):
    """``strict=True`` was given and the loader quarantined rows or cells."""


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
    """A call that cannot be answered as asked (end before start, a run folder that is not
    one …)."""


class ArgumentError(UsageError):
    """One argument's value cannot be used.

    Parameters
    ----------
    message, hint
        As for :class:`MappaAuditError`; an argument named in them is written between
        backquotes (`` `weeks` ``), so that the command line can name its flag instead.
    argument
        The argument's name as the library's caller writes it (``"weeks"``, ``"as_at"``).

    Examples
    --------
    >>> error = ArgumentError("`weeks` 60 must be from 1 to 52", "try 4", argument="weeks")
    >>> error.argument, isinstance(error, UsageError)
    ('weeks', True)
    """

    def __init__(self, message: str, hint: str | None = None, *, argument: str) -> None:
        self.argument = argument
        super().__init__(message, hint)


class NotFoundError(ArgumentError, KeyError):
    """A name given as an argument (a rule id, an area, a column, a breakdown) is not there;
    the hint lists the names there are.

    Examples
    --------
    >>> error = NotFoundError("`area` 'Atlantis' is not in the dataset",
    ...                       "areas in the dataset: Eastvale, Westbrook", argument="area")
    >>> isinstance(error, KeyError), error.argument
    (True, 'area')
    >>> print(error)  # not quoted as a KeyError's message would be
    `area` 'Atlantis' is not in the dataset
    Hint: areas in the dataset: Eastvale, Westbrook
    """


class AuditorOnlyError(UsageError, PermissionError):
    """Case-level data (case ids, the exceptions, the watch list) asked of a view made for
    the board, which holds aggregates only.

    Examples
    --------
    >>> error = AuditorOnlyError("exceptions are shown in the auditor view only",
    ...                          "build the report with audience='auditor'")
    >>> isinstance(error, PermissionError), error.errno
    (True, None)
    """
