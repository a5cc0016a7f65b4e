#!/usr/bin/env python3
"""Keeps packs/schema.json honest.

1. The schema is a valid draft 2020-12 schema.
2. Every packs/*.json (except schema.json) validates against it, and so do a few fixtures below
   (a minimal pack, and a pack that uses every key of every object, triggers included).
3. Deliberately broken packs (unknown keys, wrong types, a condition with two kinds, keys that do
   not apply to a trigger policy kind...) are rejected.
4. The keys of every closed object in the schema are exactly the keys the validator allows: the
   allowed-key lists of every `object(...)` call in src/pack/, src/condition/ and src/policy/, and
   every `const …KEYS: &[&str]` list of src/model/format.rs (a model is read without `object`), are
   read from the Rust source and compared, so that a key
   added to (or removed from) the validator fails here until the schema follows.
5. With `--wendu BIN` (scripts/test.sh passes the release CLI): the valid fixtures pass
   `wendu check` and the broken ones that concern the core pack fail it, so the schema is never
   stricter than the engine on these cases. (`wendu check` does not read `triggers`; the trigger
   cases are covered by steps 3 and 4.)

Last line: "N passed, N failed"; exit status 1 on any failure.

Usage: python3 tests/schema_check.py [--wendu target/release/wendu]
"""

import copy
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

try:
    import jsonschema
except ImportError:  # pragma: no cover
    sys.exit("tests/schema_check.py needs the jsonschema package: pip install jsonschema")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMA_PATH = os.path.join(ROOT, "packs", "schema.json")

passed = 0
failed = 0


def ok(name):
    global passed
    passed += 1


def fail(name, detail=""):
    global failed
    failed += 1
    print(f"FAIL {name}")
    for line in detail.splitlines():
        print(f"     {line}")


def errors_of(validator, instance):
    return sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))


def describe(errors, limit=5):
    out = []
    for e in errors[:limit]:
        where = "/" + "/".join(str(p) for p in e.absolute_path)
        out.append(f"{where}: {e.message[:300]}")
    if len(errors) > limit:
        out.append(f"... and {len(errors) - limit} more")
    return "\n".join(out)


# ------------------------------------------------------------------------------------ fixtures

BASE = {
    "$schema": "./schema.json",
    "pack": {"id": "schema-check", "version": "1", "locale": "zh-CN"},
    "lexicon": {"@fraud": ["盗刷", "被骗"]},
    "dimensions": [
        {
            "id": "business",
            "fallback": "B99",
            "labels": [
                {"code": "B01", "name": "信用卡", "rules": [{"when": {"terms": ["信用卡"]}}]},
                {"code": "B99", "name": "其他"},
            ],
        },
        {
            "id": "reason",
            "multi": True,
            "labels": [
                {"code": "C10", "rules": [{"when": {"terms": ["@fraud"]}, "weight": 0.9}]},
                {
                    "code": "C12",
                    "rules": [
                        {
                            "when": {
                                "all": [
                                    {"label": {"dimension": "business", "code": "B01"}},
                                    {"near": {"a": ["催收"], "b": ["家人"], "within": 10}},
                                ]
                            }
                        }
                    ],
                },
            ],
        },
    ],
    "severity": {
        "factors": [{"id": "police", "when": {"terms": ["报警"]}, "points": 40}],
        "levels": [{"id": "normal", "min_points": 0}, {"id": "major", "min_points": 40}],
    },
    "tests": [
        {"name": "fraud", "input": {"text": "信用卡被盗刷"}, "expect": {"labels": {"reason": ["C10"]}}}
    ],
}

POLICY = {"id": "low-3", "kind": "low_count", "scale": "csat5", "low": 2, "window": "1h", "at_least": 3}
BASE_TRIGGERS = {**copy.deepcopy(BASE), "triggers": {"policies": [POLICY]}}

COND = {
    "any": [
        {"terms": "年费", "negation": False},
        {"terms": ["信用卡", "@fraud", "refund*"], "min": 2},
        {"regex": "逾期\\d+天"},
        {"near": {"a": "催收", "b": ["家人", "同事"], "within": 10, "ordered": True}, "negation": False},
        {
            "field": {
                "path": "customer.age",
                "eq": 70,
                "in": [70, "seventy", True],
                "gte": 65,
                "lte": 120,
                "gt": 64,
                "lt": 121,
                "exists": True,
            }
        },
        {"field": {"path": "tags", "contains": "vip"}},
        {"label": {"dimension": "business", "code": "B01"}},
        {"all": [{"terms": ["卡"]}, {"not": {"terms": ["借记卡"]}}]},
        {"at_least": {"n": 2, "of": [{"terms": ["承诺"]}, {"terms": ["套路"]}, {"terms": ["免费"]}]}},
    ]
}

ROUTE = {"department": "消保办", "queue": "general"}

# Every key of every object the schema closes (checked against the Rust sources in step 4).
MAXIMAL = {
    "$schema": "./schema.json",
    "pack": {"id": "maximal", "version": "1.0.0", "locale": "zh-CN", "description": "every key"},
    "settings": {
        "normalize": {
            "fullwidth": True,
            "case_fold": True,
            "traditional": True,
            "strip_spaces": True,
            "strip_punctuation": False,
        },
        "negation": {"cues": ["没有", "未"], "window": 3, "except": ["没收", "未来"]},
        "limits": {"max_text_chars": 20000, "truncate": True, "max_evidence": 8, "max_regex_bytes": 1048576},
        "threshold": 0.5,
        "word_boundary": True,
        "route": {"from": ["business", "reason"], "default": ROUTE},
    },
    "lexicon": {"@fraud": ["盗刷", "被骗"], "collect": ["催收"]},
    "models": [
        {
            "id": "reason-model",
            "dimension": "reason",
            "features": {"kind": "chars", "min": 1, "max": 1},
            "labels": ["C01"],
            "rest": True,
            "vocabulary": "卡\n盗",
            "weights": "ChQ=",
            "idf": "EBA=",
            "scale_e6": [100000],
            "bias_e6": [0],
            "platt_e6": [[1000000, 0]],
            "training": {"rows": 2},
        }
    ],
    "dimensions": [
        {
            "id": "business",
            "name": "业务类别",
            "multi": False,
            "threshold": 0.4,
            "fallback": "B99",
            "exclusive": [["B01", "B0101"]],
            "labels": [
                {
                    "code": "B01",
                    "name": "银行卡",
                    "description": "cards",
                    "route": ROUTE,
                    "rules": [{"id": "card", "when": {"terms": ["卡"]}, "weight": 0.6}],
                },
                {"code": "B0101", "name": "信用卡", "parent": "B01", "rules": [{"when": {"terms": "信用卡"}}]},
                {"code": "B99", "name": "其他"},
            ],
        },
        {
            "id": "reason",
            "multi": True,
            "review_below": 0.6,
            "labels": [
                {
                    "code": "C01",
                    "rules": [
                        {"when": COND, "weight": 1},
                        {"when": {"model": {"id": "reason-model", "label": "C01", "min": 0}}, "weight": "probability"},
                        {"when": {"model": {"id": "reason-model", "label": "C01", "max": 0.01}}, "weight": -1},
                    ],
                }
            ],
        },
    ],
    "severity": {
        "factors": [
            {"id": "regulator", "name": "监管", "when": {"terms": ["12378"]}, "points": 40, "min_level": "major"},
            {"id": "any", "when": COND},
        ],
        "levels": [
            {"id": "normal", "name": "普通", "min_points": 0, "deadline_hours": 360},
            {"id": "major", "name": "重大", "min_points": 60, "deadline_hours": 24, "escalate_to": "消保办"},
        ],
    },
    "triggers": {
        "allowed_lateness": "10m",
        "max_event_ids": 50,
        "pain_points": {"dimensions": ["reason"], "top": 3},
        "policies": [
            {
                "id": "one-low",
                "name": "一星立即",
                "description": "a single 1-star rating with an angry comment",
                "kind": "immediate",
                "scale": "csat5",
                "low": 1,
                "when": {"terms": ["投诉"]},
                "group_by": "branch",
                "cooldown": "0",
                "severity": "critical",
                "route": ROUTE,
                "deadline_hours": 4,
                "pain_points": {"dimensions": ["reason", "business"], "top": 2},
            },
            {
                "id": "low-count",
                "kind": "low_count",
                "scale": {"min": 0, "max": 100},
                "low": 40,
                "group_by": ["branch", "labels.reason"],
                "window": "1h",
                "at_least": 3,
                "recovery": {"for": "30m"},
            },
            {"id": "mean", "kind": "mean", "scale": "ces7", "window": "1d", "at_most": 3.5, "min_count": 10},
            {"id": "nps", "kind": "nps", "window": "7d", "below": 0, "min_count": 30},
            {
                "id": "share",
                "kind": "low_share",
                "low": {"csat5": 2, "nps": 6},
                "window": "1d",
                "baseline": "7d",
                "min_count": 20,
                "min_baseline": 50,
                "above_by": 0.1,
                "ratio": 1.5,
            },
            {"id": "surge", "kind": "surge", "when": {"label": {"dimension": "reason", "code": "C01"}}, "window": "1h", "at_least": 10},
        ],
    },
    "tests": [
        {
            "name": "everything",
            "input": {
                "id": 7,
                "title": "信用卡",
                "text": "信用卡被盗刷，我要打12378",
                "channel": "app",
                "product": "card",
                "branch": "b1",
                "received_at": "2024-05-01T10:00:00+08:00",
                "amount": 1000,
                "customer": {"id": "c1", "age": 70, "segment": "retail", "vulnerable": True, "prior_complaints": 2},
                "tags": ["vip"],
            },
            "expect": {
                "labels": {"business": ["B0101"], "reason": "C01"},
                "not_labels": {"business": ["B99"]},
                "level": "major",
                "factors": ["regulator"],
                "not_factors": [],
                "route": "消保办",
            },
        }
    ],
}

VALID = [
    ("minimal pack", {"pack": {"id": "p", "version": "1"}}),
    ("base fixture", BASE),
    ("base fixture with triggers", BASE_TRIGGERS),
    ("every key of every object", MAXIMAL),
]

DELETE = object()


def mutate(base, pointer, value):
    """A deep copy of `base` with the member at JSON pointer `pointer` set to `value` (or removed)."""
    doc = copy.deepcopy(base)
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.lstrip("/").split("/")]
    cur = doc
    for p in parts[:-1]:
        cur = cur[int(p)] if isinstance(cur, list) else cur[p]
    last = parts[-1]
    if isinstance(cur, list):
        if value is DELETE:
            del cur[int(last)]
        else:
            cur[int(last)] = value
    elif value is DELETE:
        del cur[last]
    else:
        cur[last] = value
    return doc


def when(cond):
    """BASE with the first rule's condition replaced."""
    return mutate(BASE, "/dimensions/0/labels/0/rules/0/when", cond)


def policy(**changes):
    """BASE_TRIGGERS with its policy changed (a value of DELETE removes the key)."""
    p = dict(POLICY)
    for k, v in changes.items():
        if v is DELETE:
            p.pop(k, None)
        else:
            p[k] = v
    return mutate(BASE_TRIGGERS, "/triggers/policies/0", p)


# (name, pack, rejected by `wendu check` too: "core" | "triggers" (not read by wendu check) |
#  "test-time" (wendu check does not read test inputs; wendu test rejects them))
BROKEN = [
    # top level and pack
    ("unknown top-level key (typo dimensons)", mutate(BASE, "/dimensons", []), "core"),
    ("missing pack", mutate(BASE, "/pack", DELETE), "core"),
    ("pack is an array", mutate(BASE, "/pack", []), "core"),
    ("unknown key in pack", mutate(BASE, "/pack/name", "x"), "core"),
    ("pack.id missing", mutate(BASE, "/pack/id", DELETE), "core"),
    ("pack.id is a number", mutate(BASE, "/pack/id", 1), "core"),
    ("pack.version empty", mutate(BASE, "/pack/version", " "), "core"),
    ("$schema is a number", mutate(BASE, "/$schema", 1), None),
    # settings
    ("unknown key in settings", mutate(BASE, "/settings", {"treshold": 0.5}), "core"),
    ("threshold above 1", mutate(BASE, "/settings", {"threshold": 1.5}), "core"),
    ("threshold is a string", mutate(BASE, "/settings", {"threshold": "0.5"}), "core"),
    ("normalize flag is a string", mutate(BASE, "/settings", {"normalize": {"fullwidth": "yes"}}), "core"),
    ("unknown key in normalize", mutate(BASE, "/settings", {"normalize": {"lowercase": True}}), "core"),
    ("negation window negative", mutate(BASE, "/settings", {"negation": {"window": -1}}), "core"),
    ("negation window above 200", mutate(BASE, "/settings", {"negation": {"window": 201}}), "core"),
    ("negation cues not a list", mutate(BASE, "/settings", {"negation": {"cues": "没有"}}), "core"),
    ("unknown key in negation", mutate(BASE, "/settings", {"negation": {"exceptions": ["没收"]}}), "core"),
    ("unknown key in limits", mutate(BASE, "/settings", {"limits": {"max_chars": 10}}), "core"),
    ("limits.truncate is a number", mutate(BASE, "/settings", {"limits": {"truncate": 1}}), "core"),
    ("route.default without department", mutate(BASE, "/settings", {"route": {"default": {"queue": "q"}}}), "core"),
    ("unknown key in route", mutate(BASE, "/settings", {"route": {"default": {"department": "d", "dept": "x"}}}), "core"),
    # lexicon
    ("lexicon list empty", mutate(BASE, "/lexicon/@fraud", []), "core"),
    ("lexicon list is a string", mutate(BASE, "/lexicon/@fraud", "盗刷"), "core"),
    ("lexicon references a lexicon", mutate(BASE, "/lexicon/other", ["@fraud"]), "core"),
    ("lexicon name is only @", mutate(BASE, "/lexicon/@", ["x"]), "core"),
    # dimensions and labels
    ("dimensions is an object", mutate(BASE, "/dimensions", {}), "core"),
    ("dimension without labels", mutate(BASE, "/dimensions/1/labels", DELETE), "core"),
    ("dimension with no label", mutate(BASE, "/dimensions/1/labels", []), "core"),
    ("dimension without id", mutate(BASE, "/dimensions/1/id", DELETE), "core"),
    ("unknown key in dimension", mutate(BASE, "/dimensions/1/multiple", True), "core"),
    ("dimension.multi is a string", mutate(BASE, "/dimensions/1/multi", "true"), "core"),
    ("exclusive group of one code", mutate(BASE, "/dimensions/1/exclusive", [["C10"]]), "core"),
    ("exclusive is a flat list", mutate(BASE, "/dimensions/1/exclusive", ["C10", "C12"]), "core"),
    ("unknown key in label", mutate(BASE, "/dimensions/0/labels/0/desc", "x"), "core"),
    ("label without code", mutate(BASE, "/dimensions/0/labels/1/code", DELETE), "core"),
    ("label.rules is an object", mutate(BASE, "/dimensions/0/labels/1/rules", {}), "core"),
    ("rule weight 0", mutate(BASE, "/dimensions/0/labels/0/rules/0/weight", 0), "core"),
    ("rule weight above 1", mutate(BASE, "/dimensions/0/labels/0/rules/0/weight", 1.5), "core"),
    ("rule without when", mutate(BASE, "/dimensions/0/labels/0/rules/0/when", DELETE), "core"),
    ("unknown key in rule", mutate(BASE, "/dimensions/0/labels/0/rules/0/if", {"terms": ["x"]}), "core"),
    # conditions
    ("condition with two kinds (terms and regex)", when({"terms": ["卡"], "regex": "卡"}), "core"),
    ("condition with two kinds (all and any)", when({"all": [{"terms": "a"}], "any": [{"terms": "b"}]}), "core"),
    ("empty condition", when({}), "core"),
    ("unknown condition kind (term)", when({"term": ["卡"]}), "core"),
    ("condition is a string", when("信用卡"), "core"),
    ("negation on a regex", when({"regex": "卡", "negation": False}), "core"),
    ("min on a near", when({"near": {"a": "a", "b": "b", "within": 3}, "min": 1}), "core"),
    ("min 0", when({"terms": ["a", "b"], "min": 0}), "core"),
    ("negation is a string", when({"terms": ["卡"], "negation": "no"}), "core"),
    ("terms empty list", when({"terms": []}), "core"),
    ("terms is a number", when({"terms": 12378}), "core"),
    ("term is empty", when({"terms": ["卡", ""]}), "core"),
    ("term is a lone *", when({"terms": ["*"]}), "core"),
    ("regex is a list", when({"regex": ["卡"]}), "core"),
    ("near without within", when({"near": {"a": "a", "b": "b"}}), "core"),
    ("near within negative", when({"near": {"a": "a", "b": "b", "within": -1}}), "core"),
    ("unknown key in near", when({"near": {"a": "a", "b": "b", "within": 3, "order": True}}), "core"),
    ("near.a empty", when({"near": {"a": [], "b": "b", "within": 3}}), "core"),
    ("field without operator", when({"field": {"path": "channel"}}), "core"),
    ("field without path", when({"field": {"eq": "app"}}), "core"),
    ("unknown field operator (ne)", when({"field": {"path": "channel", "ne": "app"}}), "core"),
    ("field eq is an array", when({"field": {"path": "channel", "eq": ["app"]}}), "core"),
    ("field in is empty", when({"field": {"path": "channel", "in": []}}), "core"),
    ("field in holds an object", when({"field": {"path": "channel", "in": [{"a": 1}]}}), "core"),
    ("field gte is a string", when({"field": {"path": "customer.age", "gte": "65"}}), "core"),
    ("field exists is a string", when({"field": {"path": "channel", "exists": "yes"}}), "core"),
    ("field contains empty", when({"field": {"path": "tags", "contains": ""}}), "core"),
    ("field path with an empty segment", when({"field": {"path": "customer..age", "gte": 1}}), "core"),
    ("label condition without code", when({"label": {"dimension": "business"}}), "core"),
    ("unknown key in label condition", when({"label": {"dimension": "b", "code": "c", "dim": "x"}}), "core"),
    ("all is empty", when({"all": []}), "core"),
    ("any is an object", when({"any": {"terms": ["a"]}}), "core"),
    ("not is a list", when({"not": [{"terms": ["a"]}]}), "core"),
    ("at_least n 0", when({"at_least": {"n": 0, "of": [{"terms": "a"}]}}), "core"),
    ("at_least without of", when({"at_least": {"n": 1}}), "core"),
    ("unknown key in at_least", when({"at_least": {"n": 1, "of": [{"terms": "a"}], "m": 1}}), "core"),
    (
        "deeply nested bad condition",
        when({"any": [{"all": [{"not": {"at_least": {"n": 1, "of": [{"terms": 1}]}}}]}]}),
        "core",
    ),
    ("two kinds deep inside", when({"not": {"any": [{"terms": "a", "near": {"a": "a", "b": "b", "within": 1}}]}}), "core"),
    # severity
    ("severity without levels", mutate(BASE, "/severity/levels", DELETE), "core"),
    ("severity with no level", mutate(BASE, "/severity/levels", []), "core"),
    ("unknown key in severity", mutate(BASE, "/severity/level", []), "core"),
    ("level min_points is a string", mutate(BASE, "/severity/levels/1/min_points", "40"), "core"),
    ("level min_points fractional", mutate(BASE, "/severity/levels/1/min_points", 40.5), "core"),
    ("level without min_points", mutate(BASE, "/severity/levels/0/min_points", DELETE), "core"),
    ("unknown key in level", mutate(BASE, "/severity/levels/0/deadline", 24), "core"),
    ("factor without when", mutate(BASE, "/severity/factors/0/when", DELETE), "core"),
    ("factor points is a string", mutate(BASE, "/severity/factors/0/points", "40"), "core"),
    ("unknown key in factor", mutate(BASE, "/severity/factors/0/score", 40), "core"),
    # tests
    ("tests is an object", mutate(BASE, "/tests", {}), "core"),
    ("test without input", mutate(BASE, "/tests/0/input", DELETE), "core"),
    ("test without expect", mutate(BASE, "/tests/0/expect", DELETE), "core"),
    ("unknown key in test", mutate(BASE, "/tests/0/expected", {}), "core"),
    ("unknown key in expect", mutate(BASE, "/tests/0/expect/severity", "major"), "core"),
    ("expect.labels value is a number", mutate(BASE, "/tests/0/expect/labels/reason", 10), "core"),
    ("expect.factors is a string", mutate(BASE, "/tests/0/expect/factors", "police"), "core"),
    ("test input without text", mutate(BASE, "/tests/0/input", {"title": "x"}), "test-time"),
    ("test input amount negative", mutate(BASE, "/tests/0/input/amount", -1), "test-time"),
    # triggers
    ("triggers without policies", mutate(BASE, "/triggers", {}), "triggers"),
    ("unknown key in triggers", mutate(BASE_TRIGGERS, "/triggers/lateness", "1m"), "triggers"),
    ("policies is an object", mutate(BASE, "/triggers", {"policies": {}}), "triggers"),
    ("unknown key in policy", policy(windows="1h"), "triggers"),
    ("policy without id", policy(id=DELETE), "triggers"),
    ("policy without kind", policy(kind=DELETE), "triggers"),
    ("unknown policy kind", policy(kind="low_score"), "triggers"),
    ("baseline on a low_count policy", policy(baseline="7d"), "triggers"),
    ("scale on a surge policy", policy(kind="surge"), "triggers"),
    ("window on an immediate policy", policy(kind="immediate", at_least=DELETE), "triggers"),
    ("low_count without at_least", policy(at_least=DELETE), "triggers"),
    ("low_count at_least 0", policy(at_least=0), "triggers"),
    ("low_count without window", policy(window=DELETE), "triggers"),
    ("low_count without scale", policy(scale=DELETE), "triggers"),
    ("duration without unit", policy(window="3"), "triggers"),
    ("duration with unknown unit", policy(window="3y"), "triggers"),
    ("fractional duration", policy(window="1.5h"), "triggers"),
    ("window of 0", policy(window="0h"), "triggers"),
    ("unknown scale name", policy(scale="csat10"), "triggers"),
    ("custom scale without max", policy(scale={"min": 0}), "triggers"),
    ("unknown key in custom scale", policy(scale={"min": 0, "max": 10, "step": 1}), "triggers"),
    ("custom scale without low", policy(scale={"min": 0, "max": 10}, low=DELETE), "triggers"),
    ("low object with scale", policy(low={"csat5": 2}), "triggers"),
    ("low object with unknown scale", policy(scale=DELETE, low={"stars": 2}), "triggers"),
    ("recovery without for", policy(recovery={}), "triggers"),
    ("unknown key in recovery", policy(recovery={"for": "1h", "after": "1h"}), "triggers"),
    (
        "mean with at_most and below",
        policy(kind="mean", at_least=DELETE, at_most=3, below=3, min_count=5),
        "triggers",
    ),
    ("mean without threshold", policy(kind="mean", at_least=DELETE, min_count=5), "triggers"),
    ("mean without min_count", policy(kind="mean", at_least=DELETE, at_most=3), "triggers"),
    (
        "nps on a csat5 scale",
        policy(kind="nps", at_least=DELETE, below=0, min_count=5),
        "triggers",
    ),
    (
        "nps threshold out of range",
        policy(kind="nps", scale=DELETE, low=DELETE, at_least=DELETE, below=200, min_count=5),
        "triggers",
    ),
    (
        "low_share without baseline",
        policy(kind="low_share", at_least=DELETE, min_count=5),
        "triggers",
    ),
    (
        "low_share ratio below 1",
        policy(kind="low_share", at_least=DELETE, min_count=5, baseline="7d", ratio=0.5),
        "triggers",
    ),
    ("group_by with an empty segment", policy(group_by=["branch."]), "triggers"),
    ("group_by listed twice", policy(group_by=["branch", "branch"]), "triggers"),
    ("unknown key in pain_points", policy(pain_points={"dims": ["reason"]}), "triggers"),
    ("unknown key in policy route", policy(route={"department": "d", "owner": "x"}), "triggers"),
    ("policy when with two kinds", policy(when={"terms": "a", "regex": "b"}), "triggers"),
    ("max_event_ids negative", mutate(BASE_TRIGGERS, "/triggers/max_event_ids", -1), "triggers"),
]


# --------------------------------------------------------------- allowed keys from the validator

# Every reader of a pack section, condition kind, policy kind and the scale.
SOURCES = [
    (os.path.relpath(path, ROOT), None)
    for folder in ("src/pack", "src/condition", "src/policy")
    for path in sorted(glob.glob(os.path.join(ROOT, folder, "*.rs")))
]

# Files whose readers check keys against `const …KEYS` lists rather than `object(...)` calls.
KEY_CONSTS = ["src/model/format.rs"]


def balanced(text, start):
    """Index just past the parenthesis closing the one at text[start] (strings skipped)."""
    depth = 0
    i = start
    in_str = False
    while i < len(text):
        c = text[i]
        if in_str:
            if c == "\\":
                i += 1
            elif c == '"':
                in_str = False
        elif c == '"':
            in_str = True
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise ValueError("unbalanced parentheses")


def split_args(args):
    out, depth, cur, in_str, i = [], 0, "", False, 0
    while i < len(args):
        c = args[i]
        if in_str:
            cur += c
            if c == "\\":
                cur += args[i + 1]
                i += 1
            elif c == '"':
                in_str = False
        elif c == '"':
            in_str = True
            cur += c
        elif c in "([{":
            depth += 1
            cur += c
        elif c in ")]}":
            depth -= 1
            cur += c
        elif c == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += c
        i += 1
    if cur.strip():
        out.append(cur.strip())
    return out


def rust_key_sets():
    """{frozenset(keys): ["file:line", ...]} for every `.object(value, path, KEYS)` call."""
    found = {}
    for rel, section in SOURCES:
        text = open(os.path.join(ROOT, rel), encoding="utf-8").read()
        offset = 0
        if section is not None:
            start = text.index(section)
            end = text.index("\n}\n", start)
            offset, text = start, text[start:end]
        full = open(os.path.join(ROOT, rel), encoding="utf-8").read()
        for m in re.finditer(r"\.object\(", text):
            open_paren = m.end() - 1
            args = split_args(text[open_paren + 1 : balanced(text, open_paren) - 1])
            if len(args) != 3:
                raise ValueError(f"{rel}: cannot read the arguments of .object({', '.join(args)})")
            keys_expr = args[2]
            if not keys_expr.startswith("&["):
                const = re.search(
                    r"const\s+" + re.escape(keys_expr) + r"\s*:\s*&\[&str\]\s*=\s*&\[(.*?)\];", full, re.S
                )
                if not const:
                    raise ValueError(f"{rel}: cannot resolve the key list {keys_expr}")
                keys_expr = const.group(1)
            keys = frozenset(re.findall(r'"((?:[^"\\]|\\.)*)"', keys_expr))
            line = full.count("\n", 0, offset + m.start()) + 1
            found.setdefault(keys, []).append(f"{rel}:{line}")
    for rel in KEY_CONSTS:
        full = open(os.path.join(ROOT, rel), encoding="utf-8").read()
        for m in re.finditer(r"const\s+\w*KEYS\s*:\s*&\[&str\]\s*=\s*&\[(.*?)\];", full, re.S):
            keys = frozenset(re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1)))
            line = full.count("\n", 0, m.start()) + 1
            found.setdefault(keys, []).append(f"{rel}:{line}")
    return found


def schema_key_sets(schema):
    """{frozenset(keys): [json pointer, ...]} for every closed object of the schema. A `oneOf` whose
    branches are all closed objects (a condition) counts as one object with the union of their
    keys, which is how the validator reads it."""
    found = {}

    def closed(node):
        return isinstance(node, dict) and node.get("additionalProperties") is False

    def walk(node, where):
        if isinstance(node, dict):
            branches = node.get("oneOf")
            merged = isinstance(branches, list) and branches and all(closed(b) for b in branches)
            if merged:
                keys = frozenset().union(*(b.get("properties", {}).keys() for b in branches))
                found.setdefault(keys, []).append(where)
            if closed(node) and not merged_child.get(id(node)):
                found.setdefault(frozenset(node.get("properties", {}).keys()), []).append(where)
            for k, v in node.items():
                if merged and k == "oneOf":
                    for i, b in enumerate(v):
                        merged_child[id(b)] = True
                walk(v, f"{where}/{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{where}/{i}")

    merged_child = {}
    walk(schema, "#")
    return found


def check_keys(schema):
    rust = rust_key_sets()
    ours = schema_key_sets(schema)
    for keys, where in sorted(rust.items(), key=lambda kv: kv[1][0]):
        name = f"validator keys at {where[0]} match a schema object"
        if keys in ours:
            ok(name)
            continue
        near = max(ours, key=lambda s: len(s & keys) - len(s ^ keys))
        fail(
            name,
            f"the validator allows {sorted(keys)}\n"
            f"closest schema object {ours[near][0]}: missing {sorted(keys - near)}, extra {sorted(near - keys)}",
        )
    for keys, where in sorted(ours.items(), key=lambda kv: kv[1][0]):
        name = f"schema object {where[0]} matches validator keys"
        if keys in rust:
            ok(name)
        else:
            fail(name, f"no object(...) call in the validator allows exactly {sorted(keys)}")


# ------------------------------------------------------------------------------------ wendu check


def wendu_check(binary, pack):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as f:
        json.dump(pack, f, ensure_ascii=False)
        path = f.name
    try:
        r = subprocess.run([binary, "check", path], capture_output=True, text=True)
        return r.returncode, (r.stdout + r.stderr).strip()
    finally:
        os.unlink(path)


# ------------------------------------------------------------------------------------------ main


def main(argv):
    wendu = None
    if argv[:1] == ["--wendu"] and len(argv) == 2:
        wendu = argv[1]
        if not os.access(wendu, os.X_OK):
            fail(f"--wendu {wendu}", "not an executable")
            wendu = None
    elif argv:
        sys.exit(__doc__)

    with open(SCHEMA_PATH, encoding="utf-8") as f:
        schema = json.load(f)
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
        ok("schema is valid draft 2020-12")
    except jsonschema.SchemaError as e:
        fail("schema is valid draft 2020-12", str(e)[:2000])
        print(f"{passed} passed, {failed} failed")
        return 1
    validator = jsonschema.Draft202012Validator(schema)

    packs = sorted(p for p in glob.glob(os.path.join(ROOT, "packs", "*.json")) if os.path.basename(p) != "schema.json")
    if not packs:
        fail("packs/*.json", "no pack found")
    for p in packs:
        name = f"{os.path.relpath(p, ROOT)} validates"
        with open(p, encoding="utf-8") as f:
            errs = errors_of(validator, json.load(f))
        ok(name) if not errs else fail(name, describe(errs))

    for name, pack in VALID:
        errs = errors_of(validator, pack)
        ok(f"valid: {name}") if not errs else fail(f"valid: {name}", describe(errs))

    names = set()
    for name, pack, _ in BROKEN:
        if name in names:
            fail(f"broken: {name}", "duplicate case name")
        names.add(name)
        if validator.is_valid(pack):
            fail(f"broken: {name}", "accepted by the schema")
        else:
            ok(f"broken: {name}")

    check_keys(schema)

    if wendu:
        for name, pack in VALID:
            code, out = wendu_check(wendu, pack)
            n = f"wendu check accepts: {name}"
            ok(n) if code == 0 else fail(n, out)
        for name, pack, scope in BROKEN:
            if scope != "core":
                continue
            code, out = wendu_check(wendu, pack)
            n = f"wendu check rejects: {name}"
            ok(n) if code == 1 else fail(n, f"exit {code}\n{out}")

    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
