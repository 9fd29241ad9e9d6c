"""The stack users would pick instead, measured the way `cargo xtask bench` measures ours.

    python peers.py fit   --data FILE --target COL --drop COL... [--models a,b] [--quick]   # JSON on stdout
    python peers.py onnx  --data FILE --target COL --drop COL... [--quick]   # JSON on stdout
    python peers.py serve --data FILE --target COL --drop COL... --port N    # FastAPI + uvicorn

Protocol (as ../shared/data/README.md): identifiers dropped, median imputation + standardisation
for numbers, one-hot for categories, 5-fold stratified CV shuffled with seed 42, mean ROC AUC over
the folds; fit time is the whole job (read, CV, final fit), as for `churn train`.
"""

import argparse
import datetime
import json
import sys
import time
import warnings

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler


def is_text(series):
    return not pd.api.types.is_numeric_dtype(series)


def read(path, target, drop):
    # The same file churn reads: CSV, or Parquet (the synthetic tables of the scale rows).
    frame = pd.read_parquet(path) if str(path).endswith(".parquet") else pd.read_csv(path)
    frame = frame.drop(columns=[c for c in drop if c in frame.columns])
    y_raw = frame.pop(target)
    values = set(y_raw.astype(str))
    positive = "Yes" if "Yes" in values else "True" if "True" in values else "1"
    y = (y_raw.astype(str) == positive).astype(int).to_numpy()
    for column in frame.columns:
        # Dates (a Parquet file's date columns) become days since 1970, as churn reads them.
        first = frame[column].dropna().head(1)
        if len(first) and isinstance(first.iloc[0], (datetime.date, pd.Timestamp)):
            frame[column] = (pd.to_datetime(frame[column]) - pd.Timestamp("1970-01-01")).dt.days
            continue
        if is_text(frame[column]):
            numbers = pd.to_numeric(frame[column].str.strip().replace("", np.nan), errors="coerce")
            # A text column that is numbers apart from blanks (Telco's TotalCharges) is numeric.
            if numbers.notna().sum() >= 0.99 * frame[column].str.strip().ne("").sum():
                frame[column] = numbers
    return frame, y


def preprocessor(frame):
    numeric = [c for c in frame.columns if not is_text(frame[c])]
    categorical = [c for c in frame.columns if is_text(frame[c])]
    return ColumnTransformer(
        [
            ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
            ("cat", OneHotEncoder(handle_unknown="ignore"), categorical),
        ]
    )


def models(quick):
    import lightgbm

    out = {
        "sklearn_logistic": lambda: LogisticRegression(max_iter=2000),
        "sklearn_mlp": lambda: MLPClassifier(hidden_layer_sizes=(32,), max_iter=300 if not quick else 20, random_state=42),
        "lightgbm": lambda: lightgbm.LGBMClassifier(
            n_estimators=300 if not quick else 20, learning_rate=0.03, num_leaves=15, random_state=42, verbose=-1
        ),
    }
    return out


def pipeline(frame, estimator):
    return Pipeline([("prep", preprocessor(frame)), ("model", estimator)])


def fit(args):
    results = {}
    wanted = args.models.split(",") if args.models else None
    for name, make in models(args.quick).items():
        if wanted is not None and name not in wanted:
            continue
        started = time.perf_counter()
        frame, y = read(args.data, args.target, args.drop)
        aucs = []
        folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=42)
        for train, test in folds.split(frame, y):
            model = pipeline(frame, make()).fit(frame.iloc[train], y[train])
            aucs.append(roc_auc_score(y[test], model.predict_proba(frame.iloc[test])[:, 1]))
        pipeline(frame, make()).fit(frame, y)
        results[name] = {
            "seconds": time.perf_counter() - started,
            "roc_auc": float(np.mean(aucs)),
            "roc_auc_sd": float(np.std(aucs)),
        }
    json.dump(results, sys.stdout)


def tuned_lightgbm(args):
    """LightGBM tuned as `churn --tune` tunes: nested cross-validation. In each of the 5 outer folds
    (seed 42), Optuna's TPE sampler (seeded) tries `--trials` settings, each scored by the mean
    ROC AUC of a 3-fold stratified cross-validation on that fold's training rows only; the best is
    refitted on the outer training rows and scored on the held-out fold."""
    import lightgbm
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    started = time.perf_counter()
    frame, y = read(args.data, args.target, args.drop)

    def make(params):
        return lightgbm.LGBMClassifier(random_state=42, verbose=-1, **params)

    def space(trial):
        # The smoke run (--quick) proves the harness with tiny forests.
        most = 50 if args.quick else 1000
        return {
            "n_estimators": trial.suggest_int("n_estimators", 10 if args.quick else 50, most, log=True),
            "learning_rate": trial.suggest_float("learning_rate", 0.005, 0.3, log=True),
            "num_leaves": trial.suggest_int("num_leaves", 4, 64, log=True),
            "min_child_samples": trial.suggest_int("min_child_samples", 5, 200, log=True),
            "subsample": trial.suggest_float("subsample", 0.5, 1.0),
            "subsample_freq": 1,
            "colsample_bytree": trial.suggest_float("colsample_bytree", 0.4, 1.0),
            "reg_lambda": trial.suggest_float("reg_lambda", 1e-3, 30.0, log=True),
        }

    aucs, chosen = [], []
    outer = StratifiedKFold(n_splits=5, shuffle=True, random_state=42)
    for k, (train, test) in enumerate(outer.split(frame, y)):
        inner = StratifiedKFold(n_splits=3, shuffle=True, random_state=42)
        rows, labels = frame.iloc[train], y[train]

        def objective(trial):
            params = space(trial)
            scores = []
            for a, b in inner.split(rows, labels):
                model = pipeline(rows, make(params)).fit(rows.iloc[a], labels[a])
                scores.append(roc_auc_score(labels[b], model.predict_proba(rows.iloc[b])[:, 1]))
            return float(np.mean(scores))

        study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=42 + k))
        study.optimize(objective, n_trials=args.trials)
        params = {**study.best_params, "subsample_freq": 1}
        model = pipeline(rows, make(params)).fit(rows, labels)
        aucs.append(roc_auc_score(y[test], model.predict_proba(frame.iloc[test])[:, 1]))
        chosen.append({"inner_roc_auc": study.best_value, **params})
    json.dump(
        {
            "lightgbm_tuned": {
                "seconds": time.perf_counter() - started,
                "roc_auc": float(np.mean(aucs)),
                "roc_auc_sd": float(np.std(aucs)),
                "trials": args.trials,
                "folds": chosen,
            }
        },
        sys.stdout,
    )


def fitted_logistic(args):
    frame, y = read(args.data, args.target, args.drop)
    return frame, pipeline(frame, LogisticRegression(max_iter=2000)).fit(frame, y)


def median_seconds(f, repeats):
    """The median time of `repeats` calls, and the interquartile range over the median."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        f()
        times.append(time.perf_counter() - started)
    q1, median, q3 = np.percentile(times, [25, 50, 75])
    return float(median), float((q3 - q1) / median)


def onnx(args):
    """Batch scoring of every row: the scikit-learn pipeline in Python, and the same pipeline
    exported with skl2onnx under ONNX Runtime on one thread (inputs prepared as typed arrays
    beforehand, which favours ONNX Runtime: our figures include parsing the raw rows)."""
    import onnxruntime
    from skl2onnx import to_onnx
    from skl2onnx.common.data_types import FloatTensorType, StringTensorType

    frame, model = fitted_logistic(args)
    types = [
        (c, StringTensorType([None, 1]) if is_text(frame[c]) else FloatTensorType([None, 1]))
        for c in frame.columns
    ]
    onx = to_onnx(model, initial_types=types, options={id(model.named_steps["model"]): {"zipmap": False}})
    # One thread, as our scorer runs: a scoring service gives each request one core.
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(onx.SerializeToString(), options, providers=["CPUExecutionProvider"])
    inputs = {
        c: (frame[c].astype(str).to_numpy().astype(object) if is_text(frame[c]) else frame[c].astype(np.float32).to_numpy()).reshape(-1, 1)
        for c in frame.columns
    }
    repeats = 3 if args.quick else 15
    ort, ort_spread = median_seconds(lambda: session.run(None, inputs), repeats)
    sk, sk_spread = median_seconds(lambda: model.predict_proba(frame), repeats)
    first = frame.iloc[[0]]
    inputs_one = {c: v[:1] for c, v in inputs.items()}
    ort_one, ort_one_spread = median_seconds(lambda: session.run(None, inputs_one), 50 if args.quick else 2000)
    sk_one, sk_one_spread = median_seconds(lambda: model.predict_proba(first), 20 if args.quick else 500)
    json.dump(
        {
            "rows": len(frame),
            "onnxruntime_batch_rows_per_second": len(frame) / ort,
            "onnxruntime_batch_spread": ort_spread,
            "sklearn_batch_rows_per_second": len(frame) / sk,
            "sklearn_batch_spread": sk_spread,
            "onnxruntime_one_seconds": ort_one,
            "onnxruntime_one_spread": ort_one_spread,
            "sklearn_one_seconds": sk_one,
            "sklearn_one_spread": sk_one_spread,
            "onnx_bytes": len(onx.SerializeToString()),
        },
        sys.stdout,
    )


def serve(args):
    """POST /v1/score with {"customer": {...}} or {"customers": [...]}: probabilities from the
    fitted scikit-learn pipeline, one uvicorn worker, as a FastAPI service is usually written."""
    import uvicorn
    from fastapi import FastAPI, HTTPException
    from pydantic import BaseModel

    frame, model = fitted_logistic(args)
    columns = list(frame.columns)
    numeric = {c for c in columns if not is_text(frame[c])}

    class Body(BaseModel):
        customer: dict | None = None
        customers: list[dict] | None = None

    app = FastAPI()

    @app.get("/healthz")
    def health():
        return {"status": "ok"}

    @app.post("/v1/score")
    def score(body: Body):
        rows = [body.customer] if body.customer is not None else body.customers
        if not rows:
            raise HTTPException(400, "send customer or customers")
        batch = pd.DataFrame(rows).reindex(columns=columns)
        for c in numeric:
            batch[c] = pd.to_numeric(batch[c], errors="coerce")
        p = model.predict_proba(batch)[:, 1]
        return {"results": [{"probability": float(x)} for x in p]}

    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["fit", "tune", "onnx", "serve"])
    parser.add_argument("--data", required=True)
    parser.add_argument("--target", required=True)
    parser.add_argument("--drop", action="append", default=[])
    parser.add_argument("--port", type=int, default=3918)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--trials", type=int, default=50)
    # Only these of `fit`'s models (comma-separated names), e.g. lightgbm for the large tables.
    parser.add_argument("--models")
    args = parser.parse_args()
    if args.quick:
        # A smoke run stops the MLP early on purpose; its convergence warnings are noise.
        warnings.filterwarnings("ignore")
    {"fit": fit, "tune": tuned_lightgbm, "onnx": onnx, "serve": serve}[args.command](args)


if __name__ == "__main__":
    main()
