#!/usr/bin/env python3
"""Benchmark the local provider's image catalog build (clusters/local/images.yaml): cold, then warm.

    python bench/image_catalog.py               # every image of the catalog
    python bench/image_catalog.py python curl   # some of them

Cold: the catalog cache (`~/.cache/pytest-argo-conformance/images/catalog`) and the .deb download cache
(`~/.cache/pytest-argo-conformance/debian/<suite>/debs`) are deleted first, so the figures include `apt-get
download`, the dependency resolution and the unpacking; nothing else is touched (Go's module cache keeps the Argo
module). Warm: the same call again (resolution and cache lookup only). Prints a Markdown table; times are printed,
never asserted. Needs apt-get and dpkg-deb (a Debian host) and the network for the cold downloads.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path

from pytest_argo_conformance.providers.local import catalog_build
from pytest_argo_conformance.toolchain import image_catalog


def timed(key: str) -> float:
    start = time.monotonic()
    catalog_build.build_image(key)
    return time.monotonic() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("keys", nargs="*", help="catalog images (default: all)")
    parser.add_argument("--json", type=Path, metavar="OUT.json", help="also write the figures as JSON")
    args = parser.parse_args()
    catalog = image_catalog.load()
    keys = args.keys or list(catalog.keys)
    for owned in (catalog_build.catalog_root(), catalog_build.debs_dir(catalog.suite)):
        shutil.rmtree(owned, ignore_errors=True)
    cold = {key: timed(key) for key in keys}
    warm = {key: timed(key) for key in keys}
    rows = []
    for key in keys:
        record = catalog_build.provenance(key)
        rows.append({"image": key, "name": record["image"], "tarball_mb": int(str(record["tarball_bytes"])) / 1e6,
                     "unpacked_mb": int(str(record["unpacked_bytes"])) / 1e6, "packages": record["packages"],
                     "cold_s": cold[key], "warm_s": warm[key]})
    print("| image | tarball (MB) | unpacked (MB) | packages | cold (s) | warm (s) |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['image']} | {r['tarball_mb']:.1f} | {r['unpacked_mb']:.1f} | {r['packages']} | "
              f"{r['cold_s']:.1f} | {r['warm_s']:.2f} |")
    print(f"| **total** | {sum(float(str(r['tarball_mb'])) for r in rows):.1f} | | | {sum(cold.values()):.1f} | "
          f"{sum(warm.values()):.2f} |")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
