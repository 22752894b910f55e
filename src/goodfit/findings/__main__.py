"""``python -m goodfit.findings docs/checks.md``: rewrite the catalog tables of the checks page."""

import sys
from pathlib import Path

from goodfit.findings import render_checks_doc

for name in sys.argv[1:] or ["docs/checks.md"]:
    path = Path(name)
    path.write_text(render_checks_doc(path.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"updated {path}")
