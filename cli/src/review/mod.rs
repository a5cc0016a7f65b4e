//! `wendu review`: 消保审核 of marketing copy with a review pack (built in: cn-marketing-review).
//! A view of one decision per piece of copy — the overall result (the severity level), every
//! problem (a label of the `problem` dimension) with its spans, reference and suggested fix —
//! plus `--eval`, precision and recall per problem against a labelled JSON Lines file.
//!
//! The parts:
//! - `input`: what `wendu review ARG` reads (the copy itself, a file, or standard input);
//! - `view`: the review of one decision (`Review`: result, problems with their places,
//!   reference and fix) — a view, nothing recomputed;
//! - `eval_set`: reading and checking a labelled evaluation file;
//! - `evaluate`: scoring the pack on it (`EvalReport`);
//! - `render`: the readable text of a review and of an evaluation;
//! - `run`: the two commands, `wendu review [INPUT]` and `wendu review --eval FILE`.

mod eval_set;
mod evaluate;
mod input;
mod render;
mod run;
#[cfg(test)]
mod tests;
mod view;

pub use run::{run, run_eval};

use clap::ValueEnum;

/// The pack `wendu review` uses without `--pack`.
pub const DEFAULT_PACK_ID: &str = "cn-marketing-review";

/// Output style of `wendu review`.
#[derive(Clone, Copy, ValueEnum, PartialEq, Debug)]
pub enum Style {
    /// Readable text.
    Text,
    /// One JSON object per piece of copy (JSON Lines when there are several).
    Json,
}
