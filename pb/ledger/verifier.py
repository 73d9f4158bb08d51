"""pb's verifier as one file an auditor downloads and runs with their own Python: a zip application
of pb's two pure cores (pb.audit and pb.counting, standard library only, plus `cryptography` for
checkpoint signatures), so checking a pack needs neither this server nor pb installed.

    python pb-audit.pyz verify PACK.sqlite --key KEY
"""
from __future__ import annotations

import functools
import io
import zipfile
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent  # pb/
CORES = ("audit", "counting")
MAIN = "import sys\n\nfrom pb.audit.__main__ import main\n\nsys.exit(main())\n"
FILENAME = "pb-audit.pyz"


@functools.lru_cache(maxsize=1)
def verifier_zip() -> bytes:
    """The zip application's bytes (built once per process: the code does not change while it runs)."""
    out = io.BytesIO()
    out.write(b"#!/usr/bin/env python3\n")  # runnable as ./pb-audit.pyz on Unix, too
    with zipfile.ZipFile(out, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("__main__.py", MAIN)
        # pb/__init__.py imports nothing (create_app imports Flask only when called).
        archive.write(PACKAGE / "__init__.py", "pb/__init__.py")
        for core in CORES:
            for source in sorted((PACKAGE / core).rglob("*.py")):
                archive.write(source, f"pb/{source.relative_to(PACKAGE)}")
    return out.getvalue()
