"""The package's shape: layers and no cycles (import-linter contracts in pyproject.toml), public
library API only, and no measured figures or issue numbers in code."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "goodfit"
PYPROJECT = SRC.parents[1] / "pyproject.toml"


def _sources() -> list[tuple[Path, str]]:
    return [(p, p.read_text(encoding="utf-8")) for p in sorted(SRC.rglob("*.py"))]


def test_import_contracts_hold():
    """Layers point one way (cli -> apps -> launch -> experiment -> checks/report -> train ->
    models/data -> tasks -> base) and sibling modules import each other without cycles."""
    lint = Path(sys.executable).parent / "lint-imports"
    proc = subprocess.run([str(lint), "--config", str(PYPROJECT)], capture_output=True, text=True, timeout=300,
                          cwd=PYPROJECT.parent)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "broken" not in proc.stdout.split("Contracts:")[-1].split("\n")[0].replace("0 broken", "")


def test_no_private_names_of_torch_or_its_friends():
    """``torch._fused_adam_``, ``nn.modules.batchnorm._BatchNorm``...: private names break on the next release."""
    private = re.compile(r"\b(?:torch|nn|optim|F|np|numpy|sklearn|optuna|submitit)(?:\.\w+)*\._[A-Za-z]\w*")
    found = [f"{p.relative_to(SRC)}:{i}: {m.group(0)}" for p, text in _sources()
             for i, line in enumerate(text.splitlines(), 1) if not line.lstrip().startswith("#")
             for m in private.finditer(line)]
    assert not found, "private library names in goodfit:\n" + "\n".join(found)


def test_no_issue_numbers_or_measured_timings_in_code():
    """Measured figures belong in bench/RESULTS.md next to the command that measured them."""
    issue = re.compile(r"issue\s*#?\d+", re.IGNORECASE)
    timing = re.compile(r"#.*\b\d+(?:\.\d+)?\s*(?:µs|us|ms)\b")
    found = [f"{p.relative_to(SRC)}:{i}: {line.strip()}" for p, text in _sources()
             for i, line in enumerate(text.splitlines(), 1) if issue.search(line) or timing.search(line)]
    assert not found, "\n".join(found)
