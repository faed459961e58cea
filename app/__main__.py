"""The ``rolefit`` command (and ``python -m app``): it imports the command line only when it runs.

The script stays light for the processes that run it again without running a command: ``rolefit serve
--reload`` has uvicorn spawn the served process, which first imports the main script (as ``__mp_main__``);
were it :mod:`app.cli`, that process would load Typer and every command's imports before the app. Nothing is
imported here but the function and :mod:`gc`; the command line itself is imported with the collector paused
(see :mod:`app.serving`).
"""

from __future__ import annotations

import gc


def main() -> None:
    gc.disable()  # importing the command line allocates but frees next to nothing: see app.serving
    try:
        from app.cli import main as cli_main
    finally:
        gc.enable()
    cli_main()


if __name__ == "__main__":  # pragma: no cover
    main()
