"""``python -m goodfit.watch train.py [ARGS...]``: the same as ``goodfit watch``."""

import sys

from goodfit.errors import GoodfitError
from goodfit.i18n import _, ngettext
from goodfit.watch.script import run_script

if len(sys.argv) < 2:
    print(_("usage: python -m goodfit.watch SCRIPT [ARGS...]"), file=sys.stderr)
    sys.exit(2)
try:
    result = run_script(sys.argv[1], sys.argv[2:])
except GoodfitError as exc:
    print(_("error: {message}").format(message=exc), file=sys.stderr)
    sys.exit(2)
found = ngettext("{n} finding(s)", "{n} finding(s)", len(result.findings)).format(n=len(result.findings))
# "findings: PATH" stays English in every language: scripts and tests read the path after it
print(f"goodfit watch: {found}; findings: {result.folder / 'findings.json'}", file=sys.stderr)
sys.exit(result.exit_code)
