"""A cache entry is made by one process at a time: a second process that needs it waits, then finds it made (what
pytest-xdist workers do when they need the same Argo, Kueue or S3 build)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

MAKE = textwrap.dedent("""
    import logging, sys, time
    from pathlib import Path
    from pytest_argo_conformance.toolchain.cachelock import making

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    entry = Path(sys.argv[1])
    with making(entry, "the entry"):
        if entry.exists():
            print("found it made")
        else:
            Path(sys.argv[2]).touch()  # tell the test that this process holds the lock
            time.sleep(1.5)
            entry.write_text("made once")
            print("made it")
""")


def test_a_second_process_waits_for_the_first_and_finds_the_entry_made(tmp_path: Path) -> None:
    entry, holding = tmp_path / "cache" / "entry", tmp_path / "holding"
    entry.parent.mkdir()
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg")}  # the locks' folder
    first = subprocess.Popen([sys.executable, "-c", MAKE, str(entry), str(holding)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=env)
    while not holding.exists():
        assert first.poll() is None, first.communicate()
    second = subprocess.run([sys.executable, "-c", MAKE, str(entry), str(holding)], capture_output=True, text=True,
                            timeout=60, check=True, env=env)
    out, _ = first.communicate(timeout=60)
    assert out.strip() == "made it"
    assert second.stdout.strip() == "found it made"
    assert "the entry: another process is making it; waiting" in second.stderr
    assert entry.read_text() == "made once"
    assert [p.name for p in entry.parent.iterdir()] == ["entry"]  # the lock is kept apart from the entries
