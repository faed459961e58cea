"""Share cards: the PNG a link preview shows (``og:image``) for a shared result, drawn with Pillow.

One face: :func:`share_card`. It draws only what it is given, so the caller decides what the link's
scope allows: the recommendation alone, or the dimension bars too. Rendering is deterministic, so
cards are cached by their content (the same inputs give the same bytes).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Pillow loads with the first card drawn, not when a worker starts
    from PIL import ImageDraw, ImageFont

WIDTH, HEIGHT = 1200, 630  # the size link previews expect
AM, PM, TRACK, INK, MUTED = (29, 78, 216), (180, 83, 9), (229, 231, 235), (17, 24, 39), (75, 85, 99)

# Fonts that carry Chinese (Noto Sans CJK, SC face) and Vietnamese (DejaVu / Liberation); first found wins.
CJK = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
)
LATIN = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    Path("/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf"),
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
)

Bar = tuple[str, int]  # a dimension's name and its score, -100 (delivery pole) .. +100 (account pole)


@cache
def _face(path: Path) -> int:
    """The index of the Simplified Chinese face in a font collection (0 for a single font)."""
    if path.suffix != ".ttc":
        return 0
    from PIL import ImageFont

    for index in range(10):
        try:
            name = ImageFont.truetype(str(path), 12, index=index).getname()[0]
        except OSError:
            break
        if "SC" in (name or "").split():
            return index
    return 0


def _font(lang: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    from PIL import ImageFont

    for path in (CJK + LATIN) if lang == "zh-Hans" else (LATIN + CJK):
        if path.exists():
            return ImageFont.truetype(str(path), size, index=_face(path))
    return ImageFont.load_default(size)


def _wrap(
    draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, width: int
) -> list[str]:
    """Lines no wider than ``width``: by words, or by characters for text without spaces (Chinese)."""
    units = text.split(" ") if " " in text else list(text)
    glue = " " if " " in text else ""
    lines: list[str] = []
    line = ""
    for unit in units:
        trial = f"{line}{glue}{unit}" if line else unit
        if draw.textlength(trial, font=font) <= width or not line:
            line = trial
        else:
            lines.append(line)
            line = unit
    return [*lines, line] if line else lines


@lru_cache(maxsize=512)
def share_card(
    lang: str, title: str, subtitle: str, bars: tuple[Bar, ...] = (), poles: tuple[str, str] = ("", "")
) -> bytes:
    """A 1200x630 PNG: the brand, ``title`` and ``subtitle``; with ``bars``, one bar per dimension.

    ``poles`` names the left (delivery) and right (account) ends of the bars.
    """
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH, 12), fill=AM)
    draw.text((60, 44), "rolefit", font=_font(lang, 40), fill=(3, 105, 161))
    big = _font(lang, 58 if not bars else 48)
    y = 120
    for line in _wrap(draw, title, big, WIDTH - 120)[:2]:
        draw.text((60, y), line, font=big, fill=INK)
        y += int(big.size) + 14 if isinstance(big, ImageFont.FreeTypeFont) else 60
    small = _font(lang, 28)
    for line in _wrap(draw, subtitle, small, WIDTH - 120)[:2]:
        draw.text((60, y + 6), line, font=small, fill=MUTED)
        y += 40
    if bars:
        _bars(draw, lang, bars, poles, y + 30)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _bars(draw: ImageDraw.ImageDraw, lang: str, bars: Sequence[Bar], poles: tuple[str, str], top: int) -> None:
    label = _font(lang, 24)
    left, right = 420, WIDTH - 60
    mid = (left + right) // 2
    row = max(30, min(52, (HEIGHT - 40 - top) // max(1, len(bars))))
    for n, (name, score) in enumerate(bars):
        y = top + n * row
        draw.text((60, y), name, font=label, fill=INK)
        draw.rectangle((left, y + 6, right, y + 26), fill=TRACK)
        x = mid + score * (right - left) // 200
        draw.rectangle((min(mid, x), y + 6, max(mid, x) + 1, y + 26), fill=AM if score > 0 else PM)
        draw.line((mid, y + 2, mid, y + 30), fill=INK, width=2)
    tiny = _font(lang, 20)
    y = top + len(bars) * row
    draw.text((left, y), poles[0], font=tiny, fill=PM)
    draw.text((right - draw.textlength(poles[1], font=tiny), y), poles[1], font=tiny, fill=AM)
