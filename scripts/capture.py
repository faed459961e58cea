"""How every screenshot script saves a picture for docs/img: one place, so a retake does not bloat the repository.

PNGs are stored with 256 colours (Pillow's quantiser, as the pictures they replace were): a full-colour
page capture is about ten times the size and looks the same in the docs. JPEGs are written as Playwright
encodes them (the script chooses the quality).

    from scripts.capture import save
    save(page, out / "landing-en-1280.png", full_page=True)
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from PIL import Image


def save(target: Any, path: Path, **options: Any) -> Path:
    """``target.screenshot(**options)`` (a Playwright page or locator) written to ``path``; PNGs in 256 colours."""
    if path.suffix.lower() != ".png":
        target.screenshot(path=str(path), **options)
        return path
    picture = Image.open(io.BytesIO(target.screenshot(**options)))
    picture.convert("RGB").quantize(256).save(path, optimize=True)
    return path
