"""Generators for the classic synthetic sequence problems; fresh samples on every call.

One problem per file; each generator takes the sample count first and ``rng`` (a seed
or numpy Generator) last, and returns numpy arrays, batch-first.
"""

from lstmkit.data.problems.addition import addition
from lstmkit.data.problems.cumsum import cumsum
from lstmkit.data.problems.damped_sine import damped_sine
from lstmkit.data.problems.echo import echo
from lstmkit.data.problems.moving_line import moving_line
from lstmkit.data.problems.shapes import is_rectangle, rectangles

__all__ = ["addition", "cumsum", "damped_sine", "echo", "is_rectangle", "moving_line", "rectangles"]
