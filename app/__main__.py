"""The ``rolefit`` command (and ``python -m app``): it imports the command line only when it runs.

``rolefit serve --workers N`` starts each uvicorn worker with multiprocessing's *spawn*, which imports the
main script again in the new process before the worker runs (as ``__mp_main__``). The script imports this
module; were it :mod:`app.cli`, every worker would load Typer and every command's imports before importing
the app it serves. Nothing here is imported but the function and :mod:`gc` (issue 21: start-up per worker).
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
