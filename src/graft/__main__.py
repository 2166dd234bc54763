"""``python -m graft``: the same CLI as the ``graft`` console script."""

from __future__ import annotations

import sys

from . import interrupts

INTERRUPTED = 130


def run() -> None:
    """Start the CLI; a Ctrl-C at any moment exits 130 without a traceback.

    While the modules load, and while click parses the command line (where click would
    say "Aborted!" and exit 1), the interrupt is caught here; once a command runs, the
    group's own handler says what an interrupt at that moment means. While the CLI's
    modules load, Ctrl-C is held back and acted on once they are loaded: an interrupt
    raised inside Python's import machinery can land in a callback, where Python prints
    it as "Exception ignored" with a traceback and then drops it.
    """
    try:
        code = _main()
    except KeyboardInterrupt:
        code = _interrupted()
    raise SystemExit(code)


def _main() -> int:
    with interrupts.deferred():
        import click

        from .cli import main

    try:
        code = main.main(prog_name="graft", standalone_mode=False)
    except click.exceptions.Abort:
        return _interrupted()
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    return code if isinstance(code, int) else 0


def _interrupted() -> int:
    sys.stderr.write("Error: interrupted; nothing was changed.\n")
    return INTERRUPTED


if __name__ == "__main__":
    run()
