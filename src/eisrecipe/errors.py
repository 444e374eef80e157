"""Errors and warnings that name the file, the line and the problem."""

from __future__ import annotations

from os import PathLike


class EisRecipeWarning(UserWarning):
    """Warning category of this package (the test suite turns it into an error)."""


class InputError(ValueError):
    """A bad input file, sample-sheet row or value.

    The message always says where (file, and line or row/column where known) and what is wrong, so that a user
    can fix the input without reading code.

    Parameters
    ----------
    problem
        What is wrong, in words.
    path
        The file concerned, if any.
    line
        1-based line number in that file, if known (for a sample sheet: the line of the row, header = line 1).
    column
        Column name concerned, if any.
    """

    def __init__(
        self,
        problem: str,
        path: str | PathLike[str] | None = None,
        line: int | None = None,
        column: str | None = None,
    ) -> None:
        self.problem = problem
        self.path = None if path is None else str(path)
        self.line = line
        self.column = column
        super().__init__(self._format())

    def _format(self) -> str:
        where = []
        if self.path is not None:
            where.append(self.path)
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        return f"{', '.join(where)}: {self.problem}" if where else self.problem

    def __reduce__(self):  # keep the structured fields through pickling (multiprocessing, Snakemake)
        return (type(self), (self.problem, self.path, self.line, self.column))
