"""How long `goodfit --help` takes, against a bare `python -c pass` in the same run (ratio and
absolute), and a check that it does not import torch. Target: ≤ 0.5 s.

    python bench/cli_startup.py [--repeat 10]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time


def timed(cmd: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    subprocess.run([sys.executable, "-c", "import sys, goodfit.cli; assert 'torch' not in sys.modules"], check=True)
    base = timed([sys.executable, "-c", "pass"], args.repeat)
    helptime = timed([sys.executable, "-m", "goodfit.cli", "--help"], args.repeat)
    torch_import = timed([sys.executable, "-c", "import torch"], max(3, args.repeat // 3))
    print(f"python -c pass      {base * 1000:7.0f} ms")
    print(f"goodfit --help      {helptime * 1000:7.0f} ms  ({helptime / base:.1f}x bare python; target <= 500 ms)")
    print(f"python -c 'import torch' {torch_import * 1000:7.0f} ms  (what --help avoids)")


if __name__ == "__main__":
    main()
