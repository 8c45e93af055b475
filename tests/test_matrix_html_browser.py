"""The HTML matrix as a browser shows it: headless Chromium renders the page, dumps its DOM and a screenshot."""

from __future__ import annotations

import struct
import subprocess
import zlib
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pytest_argo_conformance.matrix import BuildInfo, Cell, Matrix, Outcome, render_html
from pytest_argo_conformance.matrix.html import COLOURS

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs headless Chromium at /usr/bin/chromium (Debian package 'chromium')"
)
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--force-device-scale-factor=1",
]  # fmt: skip
BUILDS = ("upstream", "acme", "globex")


def mixed_matrix() -> Matrix:
    matrix = Matrix(run_id="ci-7", versions={"kubernetes": "v1.34.4", "argo-workflows": "v3.6.10"})
    matrix.add_build(BuildInfo("upstream", "v3.6.10", baseline=True))
    matrix.add_build(BuildInfo("acme", "quay.io/acme/workflow-controller:v1"))
    matrix.add_build(BuildInfo("globex", "go:github.com/globex/argo-workflows/v3@v3.6.10-gx"))
    grid = {
        "dag-diamond": (Outcome.PASSED, Outcome.FAILED, Outcome.PASSED),
        "retry-backoff": (Outcome.PASSED, Outcome.PASSED, Outcome.ERROR),
        "steps-hello": (Outcome.PASSED, Outcome.PASSED, Outcome.PASSED),
        "cron-timezone": (Outcome.SKIPPED, Outcome.SKIPPED, Outcome.SKIPPED),
        "leader-failover": (Outcome.KNOWN_FAIL, Outcome.KNOWN_FAIL, Outcome.FAILED),
    }
    for topology in ("single", "ha"):
        for check, outcomes in grid.items():
            for build, outcome in zip(BUILDS, outcomes, strict=True):
                reason = "" if outcome is Outcome.PASSED else f"<script>alert('{check}')</script> went {outcome.value}"
                matrix.add(Cell(build, topology, check, check.split("-")[0], outcome, 3.5, reason=reason))
    return matrix


def chromium(page: Path, profile: Path, *extra: str) -> str:
    command = [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", *extra, page.as_uri()]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


class GridCells(HTMLParser):
    """Collects (classes, data-build, text) of every grid cell and the column headers of the grid tables."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[tuple[str, str, str]] = []
        self.headers: list[str] = []
        self.scripts = 0
        self._open: tuple[str, str] | None = None
        self._header = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {k: v or "" for k, v in attrs}
        self.scripts += tag == "script"
        if tag == "td" and "data-build" in attr:
            self._open = (attr.get("class", ""), attr["data-build"])
        self._header = tag == "th" and attr.get("scope") == "col"

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self.cells.append((*self._open, data.strip()))
            self._open = None
        if self._header:
            self.headers.append(data.strip())
            self._header = False


def decode_png(data: bytes) -> tuple[int, int, list[tuple[int, int, int]]]:
    """Width, height and RGB pixels of an 8-bit RGB/RGBA non-interlaced PNG (what Chromium writes)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        (length,), kind = struct.unpack(">I", data[pos : pos + 4]), data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        header = body if kind == b"IHDR" else header
        idat += body if kind == b"IDAT" else b""
        pos += 12 + length
    width, height, depth, colour_type, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert (depth, colour_type, interlace) in ((8, 2, 0), (8, 6, 0)), (depth, colour_type, interlace)
    bpp = 3 if colour_type == 2 else 4
    raw, stride = zlib.decompress(idat), width * bpp
    previous, pixels = bytearray(stride), []
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = previous[i]
            c = previous[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + b) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        pixels += [(line[i], line[i + 1], line[i + 2]) for i in range(0, stride, bpp)]
        previous = line
    return width, height, pixels


def rgb(hex_colour: str) -> tuple[int, int, int]:
    return int(hex_colour[1:3], 16), int(hex_colour[3:5], 16), int(hex_colour[5:7], 16)


def near(counts: Counter[tuple[int, int, int]], colour: tuple[int, int, int], tolerance: int = 3) -> int:
    return sum(n for px, n in counts.items() if all(abs(p - q) <= tolerance for p, q in zip(px, colour, strict=True)))


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("html") / "matrix.html"
    path.write_text(render_html(mixed_matrix()), encoding="utf-8")
    return path


def test_browser_dom_contains_the_grid(page: Path, tmp_path: Path) -> None:
    dom = chromium(page, tmp_path / "profile", "--dump-dom")
    parsed = GridCells()
    parsed.feed(dom)

    assert parsed.scripts == 0, "an escaped <script> reason must stay text"
    assert "&lt;script&gt;alert('dag-diamond')&lt;/script&gt;" in dom
    assert parsed.headers == ["upstream (baseline)", "acme", "globex"] * 2
    assert len(parsed.cells) == 2 * 5 * 3  # topologies x checks x builds
    by_class = Counter(classes for classes, _, _ in parsed.cells)
    assert by_class == {
        "cell passed": 2 * 7,
        "cell failed differs": 2 * 2,
        "cell error differs": 2,
        "cell skipped": 2 * 3,
        "cell known-fail": 2 * 2,
    }
    assert ("cell failed differs", "acme", "FAIL ≠") in parsed.cells
    assert ("cell passed", "upstream", "pass") in parsed.cells
    assert {build for _, build, _ in parsed.cells} == set(BUILDS)


def test_browser_screenshot_shows_the_colours(page: Path, tmp_path: Path) -> None:
    shot = tmp_path / "matrix.png"
    chromium(page, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1280,900")

    width, height, pixels = decode_png(shot.read_bytes())
    assert (width, height) == (1280, 900)
    counts = Counter(pixels)
    assert len(counts) > 50, "the page rendered as a near-blank image"
    assert counts[(255, 255, 255)] < 0.95 * width * height
    for outcome in ("passed", "failed", "error", "skipped", "known-fail"):
        background = rgb(COLOURS[outcome][0])
        assert near(counts, background) > 500, f"no {outcome} colour {COLOURS[outcome][0]} in the screenshot"
