"""``python -m graft``: the same CLI as the ``graft`` console script."""

from __future__ import annotations

import sys


def run() -> None:
    """Start the CLI; a Ctrl-C while its modules load exits 130 without a traceback."""
    try:
        from .cli import main
    except KeyboardInterrupt:
        sys.stderr.write("Error: interrupted.\n")
        raise SystemExit(130) from None
    main(prog_name="graft")


if __name__ == "__main__":
    run()
