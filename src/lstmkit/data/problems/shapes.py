"""Shapes drawn as point sequences: axis-aligned rectangles and a checker for generated ones."""

from __future__ import annotations

import numpy as np

from lstmkit.errors import InputError, check_positive_int

# What ``is_rectangle`` accepts by default (coordinates are in the unit square).
ANGLE_TOLERANCE = 10.0  # degrees: every corner within 90 +- this
CLOSURE_TOLERANCE = 0.05  # the last point within this distance of the first
MIN_SIDE = 0.1  # every side at least this long (half the smallest side ``rectangles`` draws)


def rectangles(n: int, rng=None, min_size: float = 0.2, max_size: float = 0.6) -> np.ndarray:
    """``n`` axis-aligned rectangles as closed point sequences, float32 (n, 5, 2).

    Each is 5 (x, y) points: bottom-left, bottom-right, top-right, top-left corners
    (counter-clockwise) and the bottom-left again. Width and height are uniform in
    [min_size, max_size]; the position is uniform over places inside the unit square.
    Example: ``rectangles(3, rng=0)[0]`` -> 5 points, first == last.
    """
    n = check_positive_int("n", n)
    if not 0 < min_size <= max_size <= 1:
        raise InputError(
            f"min_size and max_size must satisfy 0 < min_size <= max_size <= 1; "
            f"received min_size={min_size!r}, max_size={max_size!r}"
        )
    rng = np.random.default_rng(rng)
    size = rng.uniform(min_size, max_size, size=(n, 2))  # (n, 2): width, height
    corner = rng.uniform(0.0, 1.0, size=(n, 2)) * (1.0 - size)  # bottom-left, inside the square
    unit = np.array([[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]], dtype=np.float64)  # (5, 2)
    points = corner[:, None, :] + unit[None] * size[:, None, :]  # (n, 5, 2)
    return points.astype(np.float32)


def is_rectangle(
    points,
    tolerance: float = ANGLE_TOLERANCE,
    closure: float = CLOSURE_TOLERANCE,
    min_side: float = MIN_SIDE,
) -> bool:
    """Whether 5 points (5, 2) draw a closed rectangle, at any position and rotation.

    Closed: the 5th point within ``closure`` of the 1st. Four sides (p0-p1, p1-p2, p2-p3,
    p3-p4), each longer than ``min_side``; the four corners (at p1, p2, p3 and p4/p0) each
    within ``tolerance`` degrees of 90. Closure and four right angles make opposite sides
    equal and parallel, so no parallelogram, bow-tie or open path passes.
    """
    p = np.asarray(points, dtype=np.float64)
    if p.shape != (5, 2):
        raise InputError(f"points must have shape (5, 2); received shape {p.shape}")
    if not np.isfinite(p).all():
        return False
    sides = np.diff(p, axis=0)  # (4, 2)
    lengths = np.linalg.norm(sides, axis=1)  # (4,)
    if np.linalg.norm(p[-1] - p[0]) > closure or (lengths < min_side).any():
        return False
    following = np.roll(sides, -1, axis=0)  # side i meets side i + 1 (the 4th meets the 1st)
    cosines = (sides * following).sum(1) / (lengths * np.roll(lengths, -1))
    angles = np.degrees(np.arccos(np.clip(cosines, -1.0, 1.0)))  # (4,) turn between sides
    return bool((np.abs(angles - 90.0) <= tolerance).all())
