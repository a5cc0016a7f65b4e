//! The outputs of `wendu review`: a review as compact JSON or as readable text (spans
//! highlighted), and an evaluation as a readable table.

use super::evaluate::EvalReport;
use super::view::Review;
use wendu_cli::show::highlight;

impl Review {
    /// Compact JSON, fields in declaration order.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| String::from("null"))
    }

    /// Readable text; `color` highlights the spans with ANSI colours instead of brackets.
    pub fn render(&self, color: bool) -> String {
        let mut out = String::new();
        if let Some(id) = &self.id {
            out.push_str(&format!("== {id}\n"));
        }
        let counts = |lv: &str| {
            self.problems
                .iter()
                .filter(|p| p.level.as_deref() == Some(lv))
                .count()
        };
        let mut by_level: Vec<String> = Vec::new();
        for lv in ["reject", "revise"] {
            let n = counts(lv);
            if n > 0 {
                by_level.push(format!("{n} {lv}"));
            }
        }
        out.push_str(&format!(
            "result: {} ({}), {} problem{}{}\n",
            self.result.name,
            self.result.level,
            self.problems.len(),
            if self.problems.len() == 1 { "" } else { "s" },
            if by_level.is_empty() {
                String::new()
            } else {
                format!(": {}", by_level.join(", "))
            }
        ));
        if !self.product.is_empty() {
            let names: Vec<&str> = self.product.iter().map(|p| p.name.as_str()).collect();
            out.push_str(&format!("copy: {}\n", names.join(" + ")));
        }
        let text_spans: Vec<(usize, usize)> = self
            .problems
            .iter()
            .flat_map(|p| p.spans.iter())
            .filter(|s| s.field == "text")
            .map(|s| (s.start, s.end))
            .collect();
        out.push('\n');
        for line in highlight(&self.masked_text, text_spans.iter().copied(), color).lines() {
            out.push_str(&format!("  {line}\n"));
        }
        out.push('\n');
        for (i, p) in self.problems.iter().enumerate() {
            out.push_str(&format!(
                "{}. [{}] {} {}\n",
                i + 1,
                p.level.as_deref().unwrap_or("-"),
                p.code,
                p.name
            ));
            if !p.spans.is_empty() {
                let at: Vec<String> = p
                    .spans
                    .iter()
                    .map(|s| {
                        let field = if s.field == "title" { "title " } else { "" };
                        format!("{field}{}:{} “{}”", s.line, s.col, s.text)
                    })
                    .collect();
                out.push_str(&format!("   at:        {}\n", at.join("; ")));
            }
            if let Some(c) = &p.checks {
                out.push_str(&format!("   checks:    {c}\n"));
            }
            if let Some(r) = &p.reference {
                out.push_str(&format!("   reference: {r}\n"));
            }
            if let Some(a) = &p.advice {
                out.push_str(&format!("   fix:       {a}\n"));
            }
        }
        for w in &self.warnings {
            out.push_str(&format!("warning: {w}\n"));
        }
        out
    }
}

fn fmt3(x: Option<f64>) -> String {
    x.map_or("-".into(), |v| format!("{v:.3}"))
}

impl EvalReport {
    /// The readable table.
    pub fn render(&self, file: &str) -> String {
        let mut out = format!(
            "review evaluation: {file}, {} pieces, pack {} {}\n\n",
            self.pieces, self.pack.id, self.pack.version
        );
        out.push_str(&format!(
            "{:<20} {:>7} {:>9} {:>4} {:>4} {:>4} {:>9} {:>7} {:>6}\n",
            "problem", "support", "predicted", "tp", "fp", "fn", "precision", "recall", "f1"
        ));
        for s in self.rules.iter().chain(std::iter::once(&self.micro)) {
            out.push_str(&format!(
                "{:<20} {:>7} {:>9} {:>4} {:>4} {:>4} {:>9} {:>7} {:>6}\n",
                s.code,
                s.support,
                s.predicted,
                s.tp,
                s.fp,
                s.r#fn,
                fmt3(s.precision),
                fmt3(s.recall),
                fmt3(s.f1)
            ));
        }
        out.push_str(&format!(
            "\nresult accuracy: {:.3} ({}/{}); exact problem set: {}/{}\n",
            self.result_accuracy, self.result_correct, self.pieces, self.exact, self.pieces
        ));
        out.push_str(&format!(
            "confusion (expected \\ given): {}\n",
            self.levels.join(" ")
        ));
        for (lv, row) in self.levels.iter().zip(&self.confusion) {
            let cells: Vec<String> = row.iter().map(|n| format!("{n:>6}")).collect();
            out.push_str(&format!("  {lv:<8} {}\n", cells.join("")));
        }
        if !self.mismatches.is_empty() {
            out.push_str(&format!("\n{} pieces differ:\n", self.mismatches.len()));
            for m in &self.mismatches {
                let result = if m.expected_result == m.result {
                    m.result.clone()
                } else {
                    format!("{} (expected {})", m.result, m.expected_result)
                };
                out.push_str(&format!(
                    "  {:<6} {result}{}{}\n",
                    m.id,
                    if m.missed.is_empty() {
                        String::new()
                    } else {
                        format!("  missed {}", m.missed.join(" "))
                    },
                    if m.extra.is_empty() {
                        String::new()
                    } else {
                        format!("  extra {}", m.extra.join(" "))
                    }
                ));
            }
        }
        out
    }
}
