"""``python -m goodfit.cli``: the same as the ``goodfit`` command."""

from goodfit.cli import main

main()
