"""The matrix as JSON: the format CI jobs hand to `matrix merge` / `matrix diff`."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from pytest_argo_conformance.matrix.model import Matrix


class MatrixFileError(ValueError):
    """A matrix file cannot be read; the message is one line naming the file and what to do."""


def dumps(matrix: Matrix) -> str:
    return json.dumps(matrix.to_dict(), indent=2, ensure_ascii=False) + "\n"


def loads(text: str) -> Matrix:
    return Matrix.from_dict(json.loads(text))


def write_json(matrix: Matrix, path: Path | str) -> Path:
    """Write atomically (a reader never sees half a file); creates the parent directory."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(dumps(matrix))
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def read_json(path: Path | str) -> Matrix:
    source = Path(path)
    hint = "give a matrix.json written by pytest-argo-conformance"
    try:
        text = source.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise MatrixFileError(f"{source}: no such file; {hint}") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise MatrixFileError(f"{source}: cannot read ({reason}); {hint}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise MatrixFileError(
            f"{source}: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno}); {hint}"
        ) from None
    try:
        return Matrix.from_dict(data)
    except ValueError as exc:
        raise MatrixFileError(f"{source}: {exc}") from None
