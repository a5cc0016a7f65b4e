//! Beside the flow: pack tests — the cases a pack carries in its `tests` section, run through the
//! flow against the pack itself, so that a rule change that breaks an expectation is caught by
//! `wendu test PACK` (and in CI). A compiled pack (`.wdp`) carries no tests.

use crate::compile::CompiledPack;
use crate::complaint::Complaint;
use crate::decide::Decision;
use crate::pack::PackTest;
use crate::run;
use serde::Serialize;

/// Result of one pack test.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TestResult {
    /// Test name.
    pub name: String,
    /// JSON pointer of the case in the pack.
    pub path: String,
    /// True when every expectation held.
    pub passed: bool,
    /// What did not hold.
    pub failures: Vec<String>,
}

/// All results.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TestReport {
    /// Passed count.
    pub passed: usize,
    /// Failed count.
    pub failed: usize,
    /// Per case.
    pub results: Vec<TestResult>,
}

/// Run every test a pack carries against the pack itself.
pub(crate) fn run(compiled: &CompiledPack) -> TestReport {
    // Tests come with a pack's JSON: a build that loads compiled packs only has none to run,
    // and leaves the runner out.
    if !cfg!(feature = "json-packs") {
        return TestReport {
            passed: 0,
            failed: 0,
            results: Vec::new(),
        };
    }
    let mut results = Vec::with_capacity(compiled.tests.len());
    for t in &compiled.tests {
        let failures = match Complaint::from_value(t.input.clone())
            .and_then(|c| run::decision(compiled, compiled.info.reference(), &c))
        {
            Err(e) => vec![format!("input rejected: {e}")],
            Ok(d) => failures(t, &d, compiled),
        };
        results.push(TestResult {
            name: t.name.clone(),
            path: t.path.clone(),
            passed: failures.is_empty(),
            failures,
        });
    }
    let passed = results.iter().filter(|r| r.passed).count();
    TestReport {
        passed,
        failed: results.len() - passed,
        results,
    }
}

/// What a decision gets wrong against a case's expectations.
fn failures(t: &PackTest, d: &Decision, compiled: &CompiledPack) -> Vec<String> {
    let mut out = Vec::new();
    for (dim, want) in &t.labels {
        let got = codes(d, compiled, dim);
        for w in want.iter().filter(|w| !got.contains(w)) {
            out.push(format!("{dim}: expected {w}, got [{}]", got.join(", ")));
        }
    }
    for (dim, unwanted) in &t.not_labels {
        let got = codes(d, compiled, dim);
        for u in unwanted.iter().filter(|u| got.contains(u)) {
            out.push(format!(
                "{dim}: {u} should be absent, got [{}]",
                got.join(", ")
            ));
        }
    }
    let sev = d.severity.as_ref();
    let got_factors: Vec<&str> = sev
        .map(|s| s.factors.iter().map(|f| f.id.as_str()).collect())
        .unwrap_or_default();
    if let Some(level) = &t.level {
        let got = sev.map_or("(none)", |s| s.level.as_str());
        if got != level {
            out.push(format!(
                "severity: expected level {level}, got {got} ({} points; factors [{}])",
                sev.map_or(0, |s| s.points),
                got_factors.join(", ")
            ));
        }
    }
    for f in t
        .factors
        .iter()
        .filter(|f| !got_factors.contains(&f.as_str()))
    {
        out.push(format!(
            "severity: expected factor {f}, got [{}]",
            got_factors.join(", ")
        ));
    }
    for f in t
        .not_factors
        .iter()
        .filter(|f| got_factors.contains(&f.as_str()))
    {
        out.push(format!("severity: factor {f} should not count"));
    }
    if let Some(r) = &t.route {
        let got = d.route.as_ref().map_or("(none)", |x| x.department.as_str());
        if got != r {
            out.push(format!("route: expected {r}, got {got}"));
        }
    }
    out
}

/// The codes a decision gives on a dimension, plus their ancestors: expecting A03 is met by its
/// child A0301, as a `label` condition on A03 would be.
fn codes(d: &Decision, compiled: &CompiledPack, dim: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let cdim = compiled.dimensions.iter().find(|x| x.id == dim);
    for l in d.labels.get(dim).unwrap_or(&[]) {
        out.push(l.code.clone());
        let Some(cdim) = cdim else { continue };
        let mut cur = cdim
            .labels
            .iter()
            .find(|x| x.code == l.code)
            .and_then(|x| x.parent);
        let mut steps = 0;
        while let Some(p) = cur {
            let Some(pl) = cdim.labels.get(p) else { break };
            if !out.contains(&pl.code) {
                out.push(pl.code.clone());
            }
            steps += 1;
            if steps > cdim.labels.len() {
                break;
            }
            cur = pl.parent;
        }
    }
    out
}
