"""Geometry of the report charts, drawn as inline SVG by ``templates/reports/_charts.html``.

No chart library reaches the browser: the server works out every bar, point and cell here and
the template writes plain SVG shapes (legible in print, no script). Each chart also carries the
rows of its text alternative, which the template shows as a table.

Values come in on the 25..100 scale (or 1..4 for NRRs, or counts) as Fractions or ints; the
geometry is in SVG user units, rounded to one decimal.
"""

from __future__ import annotations

from fractions import Fraction

from appraisal.scoring import (
    GRADE_LOWER_BOUNDS,
    IKM_MAX,
    IKM_MIN,
    MAX_ANSWER,
    MIN_ANSWER,
    NILAI_DASAR,
    Grade,
    display,
)

WIDTH = 640
LABEL_W = 200
BAR_H = 22
GAP = 8


def _r(value) -> float:
    return round(float(value), 1)


def _is_whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def axis(low, high, *, whole: bool = False, most: int = 5) -> tuple[Fraction, list[Fraction]]:
    """A step of 1, 2, 2.5 or 5 times a power of ten giving at most ``most`` intervals from
    ``low`` up, and the ticks from ``low`` to the first one at or past ``high`` (where the axis
    then ends): 0..7 is ticked 0, 2, 4, 6, 8. With ``whole``, the step is a whole number, so
    that counts are never ticked 0.5 or 1.5."""
    low, high = Fraction(low), Fraction(high)
    span = high - low if high > low else Fraction(1)
    rough = span / most
    power = Fraction(1)
    while power * 10 <= rough:
        power *= 10
    while power > rough:
        power /= 10
    if whole:
        power = max(power, Fraction(1, 10))
    # rough < 10 x power, which is whole when it must be: the search ends there at the latest.
    step = next(
        step
        for step in (power * m for m in (1, 2, Fraction(5, 2), 5, 10))
        if step >= rough and not (whole and step.denominator != 1)
    )
    count = -(-span // step)  # rounded up
    return step, [low + step * i for i in range(int(count) + 1)]


def _places(step: Fraction) -> int:
    """The decimals a tick label needs to show the step exactly (0.25 -> 2; 5 -> 0)."""
    places = 0
    while (step * 10**places).denominator != 1:
        places += 1
    return places


def bars(items, low, high, *, width: int = WIDTH, label_width: int = LABEL_W, marks=()):
    """Horizontal bars: ``items`` are (label, value or None, text); the axis runs from low to the
    first round tick at or past high (see ``axis``).

    Counts (ints at both ends and in every bar) are ticked in whole numbers only.
    ``marks`` are (value, label) reference lines, e.g. the grade boundaries."""
    plot = width - label_width - 60
    whole = _is_whole(low) and _is_whole(high) and all(_is_whole(v) for _, v, _ in items if v is not None)
    step, values = axis(low, high, whole=whole)
    high = values[-1]
    span = high - Fraction(low)
    rows = []
    for index, (label, value, text) in enumerate(items):
        y = index * (BAR_H + GAP)
        length = 0 if value is None else max(0, min(plot, plot * (Fraction(value) - low) / span))
        rows.append(
            {
                "label": label,
                "text": text,
                "y": y,
                "text_y": y + BAR_H * 0.7,
                "w": _r(length),
                "empty": value is None,
                "value_x": _r(label_width + length + 6),
            }
        )
    height = max(1, len(rows)) * (BAR_H + GAP) + 24
    places = _places(step)
    ticks = [
        {"x": _r(label_width + plot * (value - low) / span), "label": str(display(value, places))} for value in values
    ]
    lines = [
        {"x": _r(label_width + plot * (Fraction(v) - low) / span), "label": text}
        for v, text in marks
        if low <= Fraction(v) <= high
    ]
    return {
        "width": width,
        "height": height,
        "label_width": label_width,
        "plot": plot,
        "rows": rows,
        "ticks": ticks,
        "axis_y": height - 20,
        "marks": lines,
    }


def line(points, low=IKM_MIN, high=IKM_MAX, *, width: int = WIDTH, height: int = 220):
    """A trend: ``points`` are (label, value or None, ci low, ci high); None leaves a gap."""
    left, right, top, bottom = 48, 16, 12, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    span = Fraction(high) - Fraction(low)
    count = max(1, len(points))

    def y_of(value):
        return _r(top + plot_h * (1 - (Fraction(value) - low) / span))

    out: list[dict] = []
    path: list[str] = []
    for index, (label, value, ci_low, ci_high) in enumerate(points):
        x = _r(left + plot_w * (index + 0.5) / count)
        point = {"x": x, "label": label, "empty": value is None, "label_y": height - 14}
        if value is not None:
            point.update(y=y_of(value), low_y=y_of(ci_low), high_y=y_of(ci_high))
            path.append(f"{'M' if not path else 'L'}{x},{point['y']}")
        out.append(point)
    # The ends of the scale, a round 50, and the lower bounds of grades C, B and A.
    lines = sorted({IKM_MIN, Fraction(50), IKM_MAX} | {Fraction(bound) for bound in GRADE_LOWER_BOUNDS})
    grid = [{"y": y_of(v), "label": str(display(v, _places(v)))} for v in lines if low <= v <= high]
    return {
        "width": width,
        "height": height,
        "points": out,
        "path": " ".join(path),
        "grid": grid,
        "left": left,
        "right": width - right,
    }


def heat(matrix, *, first_hour: int = 6, last_hour: int = 20, cell: int = 28):
    """Weekday x hour counts: ``matrix[weekday][hour]`` with weekday 0 = Sunday. Shows Monday
    first and the hours from first_hour to last_hour (counts outside them are kept in a note)."""
    order = [1, 2, 3, 4, 5, 6, 0]
    hours = list(range(first_hour, last_hour + 1))
    peak = max((max(row) for row in matrix), default=0) or 1
    rows = []
    for r, weekday in enumerate(order):
        cells = []
        for c, hour in enumerate(hours):
            count = matrix[weekday][hour]
            level = 0 if not count else 1 + min(4, int(4 * count / peak))
            cells.append({"x": 40 + c * cell, "y": 18 + r * cell, "count": count, "level": level, "hour": hour})
        rows.append({"weekday": weekday, "y": 18 + r * cell, "cells": cells})
    outside = sum(matrix[d][h] for d in range(7) for h in range(24) if h not in hours)
    return {
        "width": 40 + len(hours) * cell + 4,
        "height": 18 + 7 * cell + 4,
        "rows": rows,
        "cell": cell - 2,
        "hours": [{"x": 40 + c * cell + cell / 2 - 1, "hour": h} for c, h in enumerate(hours)],
        "outside": outside,
        "peak": peak,
    }


def columns(days, *, width: int = WIDTH, height: int = 180):
    """Responses per day, phone survey stacked on kiosk: ``days`` are dicts day/qr/kiosk."""
    left, top, bottom = 40, 10, 28
    plot_w, plot_h = width - left - 8, height - top - bottom
    peak = max((d["qr"] + d["kiosk"] for d in days), default=0) or 1
    step = plot_w / max(1, len(days))
    bar = max(1.0, step * 0.8)
    out = []
    for index, d in enumerate(days):
        kiosk_h = plot_h * d["kiosk"] / peak
        qr_h = plot_h * d["qr"] / peak
        x = left + index * step
        out.append(
            {
                "x": _r(x),
                "w": _r(bar),
                "day": d["day"],
                "kiosk": d["kiosk"],
                "qr": d["qr"],
                "kiosk_y": _r(top + plot_h - kiosk_h),
                "kiosk_h": _r(kiosk_h),
                "qr_y": _r(top + plot_h - kiosk_h - qr_h),
                "qr_h": _r(qr_h),
            }
        )
    label_every = max(1, len(days) // 8)
    labels = [{"x": c["x"], "text": c["day"].strftime("%d/%m")} for i, c in enumerate(out) if i % label_every == 0]
    return {
        "width": width,
        "height": height,
        "bars": out,
        "peak": peak,
        "base_y": top + plot_h,
        "labels": labels,
        "label_y": height - 8,
        "top": top,
    }


def element_chart(table: dict, names: dict[str, str]):
    """NRR per element on the 1..4 scale, marked where an element's NRR alone would reach grades
    B and A (their lower bounds / 25)."""
    items = [
        (f"{e['code']} {names.get(e['code'], '')}", e["nrr"], str(display(e["nrr"], 2))) for e in table["elements"]
    ]
    a, b, _c = GRADE_LOWER_BOUNDS
    return bars(
        items,
        MIN_ANSWER,
        MAX_ANSWER,
        label_width=310,
        marks=[(b / NILAI_DASAR, Grade.B.letter), (a / NILAI_DASAR, Grade.A.letter)],
    )
