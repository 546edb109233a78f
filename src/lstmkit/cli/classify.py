"""``lstmkit classify``: train a sequence classifier, score it next to baselines, write what was asked."""

from __future__ import annotations

import time

from lstmkit.cli.common import check_outputs, diagnosis, progress
from lstmkit.errors import InputError


def classify_command(args) -> dict:
    import numpy as np

    from lstmkit.baselines import MajorityClass, NearestNeighbour
    from lstmkit.evaluation import evaluate_classifiers
    from lstmkit.files import Outputs
    from lstmkit.tasks.classifier import SequenceClassifier

    start = time.perf_counter()
    check_outputs({"--report": args.report, "--plot": None if args.no_plot else args.plot}, args.save,
                  inputs=[args.train, args.test])
    if args.train or args.test:
        if not (args.train and args.test) or args.dataset:
            raise InputError("give --train and --test together (CSV files), or --dataset NAME alone")
        from lstmkit.data.csv import check_test_labels, read_sequences_csv
        from lstmkit.data.dates import csv_format

        fmt = csv_format(args)
        (X, y), (X_test, y_test) = (read_sequences_csv(path, fmt=fmt) for path in (args.train, args.test))
        check_test_labels(y, y_test, args.train, args.test)
        name = f"{args.train} / {args.test}"
    else:
        from lstmkit.datasets import load_ucr

        name = args.dataset or "GunPoint"
        (X, y), (X_test, y_test) = load_ucr(name, "train"), load_ucr(name, "test")
    epochs = {} if args.epochs is None else {"epochs": args.epochs}
    models = {"lstmkit": SequenceClassifier(arch=args.arch, random_state=args.seed, **epochs,
                                            verbose=progress(args), time_budget=args.time_budget),
              "majority class": MajorityClass()}
    if not isinstance(X, list) and not isinstance(X_test, list) and X.shape[1:] == X_test.shape[1:]:
        models["1-NN euclidean"] = NearestNeighbour()
    result = evaluate_classifiers(models, X, y, X_test, y_test)
    result.update(task="classify", data={"name": name, "n_train": len(X), "n_test": len(X_test),
                                          "classes": sorted({str(c) for c in y})})
    model = result["fitted"]["lstmkit"]
    result["diagnosis"] = diagnosis(model)
    predictions = result.pop("predictions")["lstmkit"]
    labels = sorted(set(np.asarray(y).tolist()) | set(np.asarray(y_test).tolist()))

    def confusion(path):
        from lstmkit.plots import plot_confusion

        return plot_confusion(y_test, predictions, labels, path, title=f"{name}: lstmkit on the test split")

    files = {}
    with Outputs() as outputs:  # every file is finished first, then all move into place (or none)
        if not args.no_plot:
            files["plot"] = outputs.file(args.plot, confusion, "--plot")
        if args.report:
            from lstmkit.report import classify_report, figure_png

            png = figure_png(confusion)
            files["report"] = outputs.file(args.report, lambda tmp: classify_report(tmp, result, model, png),
                                           "--report")
        if args.save:
            from lstmkit.persistence import write_model

            files["model"] = outputs.folder(args.save, lambda folder: write_model(model, folder), "--save")
        outputs.commit()
    if files:
        result["files"] = {kind: str(path) for kind, path in files.items()}
    result["timings"]["total"] = time.perf_counter() - start
    return result
