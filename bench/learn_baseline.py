#!/usr/bin/env python3
"""The classical baseline beside `wendu learn`: TF-IDF + logistic regression (scikit-learn), on
exactly the folds `wendu learn` uses, scored with the `wendu eval` definition. For the numbers in
EVALUATION.md ("Learned models"); scikit-learn is needed here only, never at run time.

    python3 -m pip install scikit-learn      # once, in a virtual environment
    python3 bench/learn_baseline.py cn       # ../shared/data/cn-complaints, reason classes
    python3 bench/learn_baseline.py cfpb     # ../shared/data/cfpb, product families
    python3 bench/learn_baseline.py cn --thresholds   # also per-class thresholds (nested)
    python3 bench/learn_baseline.py cfpb --balanced   # class weights inversely to frequency

Folds: FNV-1a 64 over the seed's 8 little-endian bytes then the text's UTF-8 bytes, modulo k
(`wendu::model::train::row_key`, seed 0), so equal texts share a fold. Metric: per class
precision, recall and F1 over the labelled rows, a row predicted in a class when its predicted
label maps to it; rows of unmapped classes (其他类) are negatives for every class; macro-F1 is the
mean over the mapped classes. Reads ../shared/data when present and says so when it is absent;
the data never enters the repository.
"""
import csv
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.normpath(os.path.join(HERE, "..", "..", "shared", "data"))

CN_CLASSES = ["催收行为类", "营销宣传类", "定价收费类", "客户服务类", "合同条款类"]
CFPB_CLASSES = ["credit_reporting", "debt_collection", "mortgage", "credit_card",
                "bank_account", "consumer_loan", "money_transfer", "student_loan"]


def fnv_key(text, seed=0):
    h = 0xCBF29CE484222325
    for b in seed.to_bytes(8, "little") + text.encode("utf-8"):
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def load(which):
    if which == "cn":
        path = os.path.join(SHARED, "cn-complaints", "complaints.csv")
        text, label, classes = "text", "process_category", CN_CLASSES
    else:
        path = os.path.join(SHARED, "cfpb", "narratives.csv")
        text, label, classes = "narrative", "product_family", CFPB_CLASSES
    if not os.path.exists(path):
        print(f"{path} is absent: nothing to evaluate")
        sys.exit(0)
    csv.field_size_limit(1 << 30)
    rows = [(r[text], r[label].strip()) for r in csv.DictReader(open(path, encoding="utf-8"))
            if r[label].strip()]
    return path, rows, classes


def scores(gold, predicted_sets, classes):
    out = []
    for c in classes:
        tp = sum(1 for g, p in zip(gold, predicted_sets) if g == c and c in p)
        fp = sum(1 for g, p in zip(gold, predicted_sets) if g != c and c in p)
        fn = sum(1 for g, p in zip(gold, predicted_sets) if g == c and c not in p)
        pr = tp / (tp + fp) if tp + fp else 0.0
        rc = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * pr * rc / (pr + rc) if pr + rc else 0.0
        out.append((c, pr, rc, f1, tp + fn))
    return out


def main():
    which = sys.argv[1] if len(sys.argv) > 1 else "cn"
    thresholds = "--thresholds" in sys.argv
    balanced = "--balanced" in sys.argv
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    import numpy as np

    path, rows, classes = load(which)
    k = 5
    folds = np.array([fnv_key(t) % k for t, _ in rows])
    texts = [t for t, _ in rows]
    gold = [g for _, g in rows]
    names = sorted(set(gold))
    y = np.array([names.index(g) for g in gold])

    def vectorizer():
        if which == "cn":
            return TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2)
        return TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, min_df=2)

    def fit_predict(train, test):
        v = vectorizer()
        xtr = v.fit_transform([texts[i] for i in train])
        xte = v.transform([texts[i] for i in test])
        m = LogisticRegression(C=10.0, max_iter=3000, class_weight="balanced" if balanced else None)
        m.fit(xtr, y[train])
        p = np.zeros((len(test), len(names)))
        p[:, m.classes_] = m.predict_proba(xte)
        return p

    started = time.time()
    prob = np.zeros((len(rows), len(names)))
    for f in range(k):
        train, test = np.where(folds != f)[0], np.where(folds == f)[0]
        prob[test] = fit_predict(train, test)
    top = [{names[i]} for i in prob.argmax(1)]
    name = "TF-IDF + LR" + (" (balanced class weights)" if balanced else "")
    results = [(f"{name}, top label", scores(gold, top, classes))]
    if thresholds:
        # Per-class thresholds chosen on inner folds of each training set (nested), then a row
        # is predicted in every class whose probability reaches its threshold.
        grid = [x / 100 for x in range(5, 91)]
        chosen = np.zeros(len(rows), dtype=object)
        for f in range(k):
            train, test = np.where(folds != f)[0], np.where(folds == f)[0]
            inner = np.array([(fnv_key(texts[i]) // k) % 3 for i in train])
            held = np.zeros((len(train), len(names)))
            for j in range(3):
                held[inner == j] = fit_predict(train[inner != j], train[inner == j])
            cut = {}
            for c in classes:
                ci = names.index(c)
                best = max(grid, key=lambda t: scores([gold[i] for i in train],
                                                      [{c} if held[n, ci] >= t else set() for n in range(len(train))],
                                                      [c])[0][3])
                cut[c] = best
            for n, i in enumerate(test):
                chosen[i] = {c for c in classes if prob[i, names.index(c)] >= cut[c]}
        results.append((f"{name}, per-class thresholds (nested)", scores(gold, list(chosen), classes)))
    print(f"data: {path} ({len(rows)} labelled rows, {k} folds by FNV-1a of the text, seed 0)")
    for name, s in results:
        macro = sum(x[3] for x in s) / len(s)
        print(f"macro-F1 {macro:.3f}  {name}")
        print("    " + " · ".join(f"{c} P{p:.2f} R{r:.2f} F{f1:.3f}" for c, p, r, f1, _ in s))
    print(f"({time.time() - started:.0f} s)")


if __name__ == "__main__":
    main()
