"""The event-log peer: snapshot rows and behaviour features the way a data scientist writes them
(pandas groupby per snapshot), then LightGBM, cross-validated with every customer's snapshots in
one fold. Measured the way `cargo xtask bench` measures `churn train --events`.

    python events.py --events ev/events.csv --customers ev/customers.csv   # JSON on stdout

The snapshots follow churn's documented defaults (docs/events.md): every 28 days counted back
from the last event minus the 30-day horizon, down to the first time with 90 days of history;
a customer is a row at T when started before T and not ended by T; the label is an end date in
(T, T + 30 days]. Features use events strictly before T: for 7, 28 and 90 days, events, active
days, each event type's events, each value's sum and mean, the change in events against the
window before; days since the last event and since each type's; tenure; the customer's
attributes. Folds: StratifiedGroupKFold (5, shuffled, seed 42), stratified by the label and
grouped by customer; mean ROC AUC over the folds. Time: the whole job (read, features, CV, final
fit), as for `churn train`.
"""

import argparse
import json
import time

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedGroupKFold

DAY = pd.Timedelta(days=1)
WINDOWS = (7, 28, 90)
EVERY, HORIZON = 28, 30


def read(events_path, customers_path):
    # churn's CSVs write a missing number as a blank cell (" ").
    events = pd.read_csv(events_path, na_values=[" "])
    events["time"] = pd.to_datetime(events["time"], utc=True, format="ISO8601")
    customers = pd.read_csv(customers_path, na_values=[" "])
    for column in ("start_date", "end_date"):
        customers[column] = pd.to_datetime(customers[column], utc=True)
    return events, customers


def grid(events):
    first, last = events["time"].min(), events["time"].max()
    t = (last - HORIZON * DAY).floor("D")
    times = []
    while t >= first + max(WINDOWS) * DAY:
        times.append(t)
        t -= EVERY * DAY
    return sorted(times)


def window_features(before, t, w, types, values):
    """Aggregates over the `w` days before `t` (and the events count of the `w` before those)."""
    recent = before[before["time"] >= t - w * DAY]
    grouped = recent.groupby("customer_id")
    out = pd.DataFrame({f"events_{w}d": grouped.size()})
    out[f"active_days_{w}d"] = recent.assign(day=((t - recent["time"]) // DAY)).groupby("customer_id")["day"].nunique()
    counts = recent.groupby(["customer_id", "event"]).size().unstack(fill_value=0)
    for kind in types:
        out[f"{kind}_{w}d"] = counts[kind] if kind in counts else 0
    for value in values:
        out[f"{value}_sum_{w}d"] = grouped[value].sum()
        out[f"{value}_mean_{w}d"] = grouped[value].mean()
    earlier = before[(before["time"] >= t - 2 * w * DAY) & (before["time"] < t - w * DAY)]
    out[f"events_change_{w}d"] = out[f"events_{w}d"].sub(earlier.groupby("customer_id").size(), fill_value=0)
    return out


def snapshot(events, customers, t, types, values):
    active = customers[(customers["start_date"] < t) & ~(customers["end_date"] <= t)].set_index("customer_id")
    before = events[(events["time"] < t) & (events["time"] >= t - 2 * max(WINDOWS) * DAY)]
    before = before[before["customer_id"].isin(active.index)]
    rows = active[["plan", "monthly_fee", "channel"]].copy()
    for w in WINDOWS:
        rows = rows.join(window_features(before, t, w, types, values))
    everything = events[(events["time"] < t) & events["customer_id"].isin(active.index)]
    rows["days_since_last"] = (t - everything.groupby("customer_id")["time"].max()) / DAY
    last_of_type = everything.groupby(["customer_id", "event"])["time"].max().unstack()
    for kind in types:
        if kind in last_of_type:
            rows[f"days_since_{kind}"] = (t - last_of_type[kind]) / DAY
    rows["tenure"] = (t - active["start_date"]) / DAY
    rows["churned"] = ((active["end_date"] > t) & (active["end_date"] <= t + HORIZON * DAY)).astype(int)
    rows["snapshot"] = t
    # No event in a window is a count of zero; a mean over no event stays missing.
    counts = [f"{name}_{w}d" for w in WINDOWS for name in ["events", "active_days", "events_change", *types]]
    counts += [f"{value}_sum_{w}d" for w in WINDOWS for value in values]
    rows[counts] = rows[counts].fillna(0)
    return rows.reset_index()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", required=True)
    parser.add_argument("--customers", required=True)
    parser.add_argument("--trees", type=int, default=300)
    args = parser.parse_args()
    import lightgbm

    started = time.perf_counter()
    events, customers = read(args.events, args.customers)
    types = sorted(events["event"].dropna().unique())
    values = [c for c in events.columns if c not in ("customer_id", "time", "event") and pd.api.types.is_numeric_dtype(events[c])]
    table = pd.concat([snapshot(events, customers, t, types, values) for t in grid(events)], ignore_index=True)
    featured = time.perf_counter()
    y = table.pop("churned").to_numpy()
    groups = table.pop("customer_id").to_numpy()
    table = table.drop(columns=["snapshot"])
    for column in ("plan", "channel"):
        table[column] = table[column].astype("category")

    def model():
        return lightgbm.LGBMClassifier(n_estimators=args.trees, learning_rate=0.03, num_leaves=15, random_state=42, verbose=-1)

    aucs = []
    for train, test in StratifiedGroupKFold(5, shuffle=True, random_state=42).split(table, y, groups):
        fitted = model().fit(table.iloc[train], y[train])
        aucs.append(roc_auc_score(y[test], fitted.predict_proba(table.iloc[test])[:, 1]))
    model().fit(table, y)
    done = time.perf_counter()
    print(json.dumps({
        "rows": len(table),
        "features": table.shape[1],
        "churn_rate": float(y.mean()),
        "roc_auc": float(np.mean(aucs)),
        "roc_auc_sd": float(np.std(aucs)),
        "features_seconds": featured - started,
        "seconds": done - started,
    }))


if __name__ == "__main__":
    main()
