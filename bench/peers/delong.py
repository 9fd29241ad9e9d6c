"""DeLong's test for two correlated ROC curves, written from the paper with NumPy, to check
`churn compare` against an implementation that shares no code with it.

DeLong, DeLong & Clarke-Pearson (Biometrics 1988): each model's AUC is the mean of the kernel
psi(X, Y) = 1 if X > Y, 1/2 if equal, 0 otherwise over every pair of a churner X and a
non-churner Y. The structural components V10 (per churner) and V01 (per non-churner) give the
covariance of the two AUCs, S = S10/m + S01/n, and z = (AUC_B - AUC_A) / sqrt(L S L').

Usage: python delong.py LABELLED.csv TARGET POSITIVE A.csv B.csv
where A.csv and B.csv are `churn predict` outputs for the labelled file, row for row.
"""

import csv
import math
import sys

import numpy as np


def column(path, name):
    with open(path, newline="") as f:
        return [row[name] for row in csv.DictReader(f)]


def components(scores, y):
    pos, neg = scores[y == 1], scores[y == 0]
    # psi over every (churner, non-churner) pair: an m x n matrix.
    psi = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])
    return psi.mean(axis=1), psi.mean(axis=0)


def main():
    labelled, target, positive, a_path, b_path = sys.argv[1:6]
    y = np.array([1 if v.strip() == positive else 0 for v in column(labelled, target)])
    a = np.array([float(v) for v in column(a_path, "probability")])
    b = np.array([float(v) for v in column(b_path, "probability")])
    (a10, a01), (b10, b01) = components(a, y), components(b, y)
    m, n = len(a10), len(a01)
    s10 = np.cov(np.vstack([a10, b10]))
    s01 = np.cov(np.vstack([a01, b01]))
    s = s10 / m + s01 / n
    contrast = np.array([-1.0, 1.0])
    se = math.sqrt(contrast @ s @ contrast)
    auc_a, auc_b = a10.mean(), b10.mean()
    z = (auc_b - auc_a) / se
    p = math.erfc(abs(z) / math.sqrt(2))
    print(f"AUC A {auc_a:.10f}  AUC B {auc_b:.10f}  B - A {auc_b - auc_a:+.10f}")
    print(f"se {se:.10f}  z {z:.6f}  p {p:.6e}")
    print(f"95% CI {auc_b - auc_a - 1.959963984540054 * se:+.10f} to {auc_b - auc_a + 1.959963984540054 * se:+.10f}")


if __name__ == "__main__":
    main()
