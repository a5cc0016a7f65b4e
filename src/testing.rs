//! Pack tests: the cases a pack carries in its `tests` section, run against the pack itself, so
//! that a rule change that breaks an expectation is caught by `wendu test PACK` (and in CI).

use crate::complaint::Complaint;
use crate::Engine;
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

/// Run every test of the engine's pack.
pub fn run(engine: &Engine) -> TestReport {
    let mut results = Vec::new();
    for t in &engine.pack().tests {
        let mut failures = Vec::new();
        match Complaint::from_value(t.input.clone()).and_then(|c| engine.classify(&c)) {
            Err(e) => failures.push(format!("input rejected: {e}")),
            Ok(d) => {
                // Assigned codes plus their ancestors: expecting A03 is met by its child A0301,
                // as a `label` condition on A03 would be.
                let codes = |dim: &str| -> Vec<String> {
                    let mut out: Vec<String> = Vec::new();
                    let cdim = engine.compiled().dimensions.iter().find(|x| x.id == dim);
                    for l in d.labels.get(dim).unwrap_or(&[]) {
                        out.push(l.code.clone());
                        let Some(cdim) = cdim else { continue };
                        let mut cur = cdim
                            .labels
                            .iter()
                            .position(|x| x.code == l.code)
                            .and_then(|i| cdim.labels.get(i))
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
                };
                for (dim, want) in &t.labels {
                    let got = codes(dim);
                    for w in want {
                        if !got.contains(w) {
                            failures.push(format!("{dim}: expected {w}, got [{}]", got.join(", ")));
                        }
                    }
                }
                for (dim, unwanted) in &t.not_labels {
                    let got = codes(dim);
                    for u in unwanted {
                        if got.contains(u) {
                            failures.push(format!(
                                "{dim}: {u} should be absent, got [{}]",
                                got.join(", ")
                            ));
                        }
                    }
                }
                let sev = d.severity.as_ref();
                let got_factors: Vec<&str> = sev
                    .map(|s| s.factors.iter().map(|f| f.id.as_str()).collect())
                    .unwrap_or_default();
                if let Some(level) = &t.level {
                    let got = sev.map_or("(none)", |s| s.level.as_str());
                    if got != level {
                        failures.push(format!(
                            "severity: expected level {level}, got {got} ({} points; factors [{}])",
                            sev.map_or(0, |s| s.points),
                            got_factors.join(", ")
                        ));
                    }
                }
                for f in &t.factors {
                    if !got_factors.contains(&f.as_str()) {
                        failures.push(format!(
                            "severity: expected factor {f}, got [{}]",
                            got_factors.join(", ")
                        ));
                    }
                }
                for f in &t.not_factors {
                    if got_factors.contains(&f.as_str()) {
                        failures.push(format!("severity: factor {f} should not count"));
                    }
                }
                if let Some(r) = &t.route {
                    let got = d.route.as_ref().map_or("(none)", |x| x.department.as_str());
                    if got != r {
                        failures.push(format!("route: expected {r}, got {got}"));
                    }
                }
            }
        }
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
