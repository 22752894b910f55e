"""``python killer.py NAME N [goodfit args...]``: goodfit, SIGKILLed at its N-th atomic write of a
file called NAME (or, when NAME holds a "/", of any file whose path contains it), after the temp
file is written and before it is renamed into place: the worst moment for a checkpoint, a history,
the metrics or the report."""

import os
import signal
import sys


def kill_at_nth_write(name: str, nth: int) -> None:
    """Make ``os.replace`` onto a file called ``name`` SIGKILL this process the ``nth`` time."""
    real_replace, seen = os.replace, [0]

    def replace(src, dst, *args, **kwargs):
        if os.path.basename(dst) == name or ("/" in name and name in os.fspath(dst)):
            seen[0] += 1
            if seen[0] == nth:
                os.kill(os.getpid(), signal.SIGKILL)
        return real_replace(src, dst, *args, **kwargs)

    os.replace = replace


if __name__ == "__main__":
    kill_at_nth_write(sys.argv[1], int(sys.argv[2]))
    sys.argv = ["goodfit", *sys.argv[3:]]
    from goodfit.cli import main  # after the patch, as a user's goodfit would start

    main()
