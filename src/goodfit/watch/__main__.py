"""``python -m goodfit.watch train.py [ARGS...]``: the same as ``goodfit watch``."""

import sys

from goodfit.errors import GoodfitError
from goodfit.watch.script import run_script

if len(sys.argv) < 2:
    print("usage: python -m goodfit.watch SCRIPT [ARGS...]", file=sys.stderr)
    sys.exit(2)
try:
    result = run_script(sys.argv[1], sys.argv[2:])
except GoodfitError as exc:
    print(f"error: {exc}", file=sys.stderr)
    sys.exit(2)
print(f"goodfit watch: {len(result.findings)} finding(s); findings: {result.folder / 'findings.json'}",
      file=sys.stderr)
sys.exit(result.exit_code)
