"""The static checks run with the tests (so `.ci/run` runs them): ruff, mypy --strict, and the import-linter
contracts that keep the layers from importing upwards (see pyproject.toml and the README's "Architecture")."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = Path(sys.executable).parent

# mypy sees one module per name: trees with their own top-level conftest.py are checked one by one.
MYPY_TREES = {
    "src": ["src"],
    "suites": ["suites"],
    "tests": ["tests", "--exclude", "tests/examples", "--exclude", "tests/local"],
    "tests-local": ["tests/local"],
    "bench": ["bench"],
    "vendor-example": ["tests/examples/vendor_repo"],
}


def tool(name: str) -> str:
    """The tool installed beside the running interpreter (the dev extra), else the one on PATH."""
    found = SCRIPTS / name if (SCRIPTS / name).exists() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: pip install -e '.[dev]'")
    return str(found)


def run(args: list[str], cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MYPYPATH": f"{ROOT / 'src'}:{ROOT / 'tests'}"}
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=900, env=env, check=False)


def test_ruff_is_clean() -> None:
    done = run([tool("ruff"), "check", "--no-cache", "."])
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("tree", list(MYPY_TREES))
def test_mypy_strict_is_clean(tree: str) -> None:
    args = MYPY_TREES[tree]
    cwd = ROOT / args[0] if tree == "tests-local" else ROOT
    targets = ["."] if tree == "tests-local" else args
    done = run([tool("mypy"), "--strict", "--config-file", str(ROOT / "pyproject.toml"), *targets],
               cwd=cwd)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr


def test_layers_do_not_import_upwards() -> None:
    done = run([tool("lint-imports"), "--no-cache"])
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr
