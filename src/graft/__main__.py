"""``python -m graft``: the same CLI as the ``graft`` console script."""

from __future__ import annotations

from .cli import main

if __name__ == "__main__":
    main(prog_name="graft")
