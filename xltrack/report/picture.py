"""A line chart as a PNG, drawn here: the written report's trend picture.

Lighter than a plotting library (matplotlib would add ~30 MB and a second or so of import to
every run, and its Chinese labels depend on the fonts of the machine): the picture carries
lines, axes and grid only; the legend and the figures are text beside it in the document,
so nothing in the picture needs a font.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence

import numpy as np

Colour = tuple[int, int, int]
WIDTH, HEIGHT, MARGIN = 640, 300, 24
BLUE, RED, GREEN = (47, 85, 151), (192, 0, 0), (84, 130, 53)
_GRID, _AXIS = (217, 217, 217), (89, 89, 89)


class _Canvas:
    """RGB pixels in one bytearray. A dot is size rows of one slice each, a level or upright
    line one rectangle and a slanted one a mask over its box: no Python call per pixel (the
    same pixels as drawing every point of every line as its own dot, which
    tests/test_written_same.py checks)."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.pixels = bytearray(b"\xff" * (width * height * 3))
        # the same bytes as rows of pixels of three, for a slanted line's one assignment
        self._rows = np.frombuffer(self.pixels, dtype=np.uint8).reshape(height, width, 3)

    def _fill(self, x0: int, x1: int, y0: int, y1: int, colour: Colour) -> None:
        """The rectangle x0 <= x < x1, y0 <= y < y1, clipped to the canvas."""
        x0, x1, y0, y1 = max(x0, 0), min(x1, self.width), max(y0, 0), min(y1, self.height)
        if x0 >= x1:
            return
        run, stride = bytes(colour) * (x1 - x0), self.width * 3
        at = (y0 * self.width + x0) * 3
        for _ in range(y0, y1):
            self.pixels[at:at + len(run)] = run
            at += stride

    def dot(self, x: int, y: int, colour: Colour, size: int = 1) -> None:
        low, high = -(size // 2), size - size // 2
        self._fill(x + low, x + high, y + low, y + high, colour)

    def line(self, a: tuple[int, int], b: tuple[int, int], colour: Colour, size: int = 1) -> None:
        low, high = -(size // 2), size - size // 2
        if a[0] == b[0] or a[1] == b[1]:  # level or upright: every point a dot, one rectangle
            self._fill(min(a[0], b[0]) + low, max(a[0], b[0]) + high,
                       min(a[1], b[1]) + low, max(a[1], b[1]) + high, colour)
            return
        if abs(b[0] - a[0]) >= abs(b[1] - a[1]):  # mostly level
            _slanted(self._rows, a, b, colour, low, high)
        else:  # mostly upright: the same along the columns, as rows of the transposed pixels
            _slanted(self._rows.transpose(1, 0, 2), (a[1], a[0]), (b[1], b[0]), colour, low,
                     high)

    def png(self) -> bytes:
        view, stride = memoryview(self.pixels), self.width * 3
        rows = b"".join(b"\x00" + view[y * stride:(y + 1) * stride] for y in range(self.height))

        def chunk(kind: bytes, data: bytes) -> bytes:
            return (struct.pack(">I", len(data)) + kind + data
                    + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        # zlib's level 1: the same pixels in under half of level 6's time (1.3 ms against
        # 3 ms for the trend picture, a fifth of level 9's), about 3 KB larger
        return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
                + chunk(b"IDAT", zlib.compress(rows, 1)) + chunk(b"IEND", b""))


def _slanted(rows: np.ndarray, a: tuple[int, int], b: tuple[int, int], colour: Colour,
             low: int, high: int) -> None:
    """A line mostly along the rows of `rows` (x is the column, y the row: across more than
    down), every point of it a dot from low to high about the point, in one assignment.

    The points step one column at a time (steps = the columns across), their rows rounded as
    drawing them one by one rounds them, and only ever one row on from the last: so each
    column's dots are one run of rows, from the first to the last of the points whose dots
    reach that column, and the line is those runs, a mask over the box around it."""
    steps = abs(b[0] - a[0])
    i = np.arange(steps + 1)
    xs = np.round(a[0] + (b[0] - a[0]) * i / steps).astype(np.int64)
    ys = np.round(a[1] + (b[1] - a[1]) * i / steps).astype(np.int64)
    if b[0] < a[0]:
        xs, ys = xs[::-1], ys[::-1]  # xs[k] = xs[0] + k
    last = steps
    offsets = np.arange(low, last + high)  # the columns the dots reach, from xs[0]
    first_point = np.clip(offsets - high + 1, 0, last)
    last_point = np.clip(offsets - low, 0, last)
    top = np.minimum(ys[first_point], ys[last_point]) + low
    bottom = np.maximum(ys[first_point], ys[last_point]) + high
    columns = xs[0] + offsets
    height, width = rows.shape[0], rows.shape[1]
    inside = (columns >= 0) & (columns < width)
    if not inside.any():
        return
    columns, top, bottom = columns[inside], top[inside], bottom[inside]
    y0, y1 = max(int(top.min()), 0), min(int(bottom.max()), height)
    if y0 >= y1:
        return
    at = np.arange(y0, y1)[:, None]
    rows[y0:y1, columns[0]:columns[-1] + 1][(at >= top) & (at < bottom)] = colour


def line_chart(series: Sequence[tuple[Sequence[float | None], Colour]],
               grid_lines: int = 4) -> bytes:
    """Lines over the same months (None: no point that month), from zero to the largest
    value, with horizontal grid lines at equal steps."""
    canvas = _Canvas(WIDTH, HEIGHT)
    top = max((v for values, _ in series for v in values if v is not None), default=0.0)
    bottom = min(0.0, *(v for values, _ in series for v in values if v is not None))
    span = (top - bottom) or 1.0
    months = max((len(values) for values, _ in series), default=0)
    left, right, upper, lower = MARGIN, WIDTH - MARGIN, MARGIN, HEIGHT - MARGIN

    def at(i: int, value: float) -> tuple[int, int]:
        x = left + (right - left) * (i / (months - 1) if months > 1 else 0.5)
        return round(x), round(lower - (lower - upper) * (value - bottom) / span)
    for g in range(grid_lines + 1):
        y = round(lower - (lower - upper) * g / grid_lines)
        canvas.line((left, y), (right, y), _GRID)
    canvas.line((left, upper), (left, lower), _AXIS, 2)
    canvas.line((left, at(0, 0.0)[1]), (right, at(0, 0.0)[1]), _AXIS, 2)
    for values, colour in series:
        points = [at(i, v) for i, v in enumerate(values) if v is not None]
        for a, b in zip(points, points[1:], strict=False):
            canvas.line(a, b, colour, 3)
        for p in points:
            canvas.dot(*p, colour, 7)
    return canvas.png()
