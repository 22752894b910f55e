"""Root conftest: applies to tests/ and to the doctests in src/goodfit. Tests never download."""

from __future__ import annotations

import os
from pathlib import Path

_REPO = Path(__file__).resolve().parent
os.environ["GOODFIT_DATA"] = str(Path(os.environ.get("GOODFIT_DATA") or _REPO.parent / "shared" / "data").resolve())
os.environ["GOODFIT_OFFLINE"] = "1"
os.environ.setdefault("MPLBACKEND", "Agg")
# Messages in English whatever this machine's locale (a test that wants German asks for it).
os.environ["GOODFIT_LANG"] = "en"
