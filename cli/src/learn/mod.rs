//! `wendu learn`: teach a pack from labelled history. Trains a model for one dimension (in the
//! core, `wendu::model::train`), cross-validates it, chooses how it combines with the pack's
//! own rules — nested inside the cross-validation so the reported numbers are on complaints
//! that neither the model nor the choice saw — and writes the pack with a `models` section and
//! the learned rules added to the dimension's labels.
//!
//! The parts, in the order the command uses them:
//! - `args`: the command line (`Args`) and the options `run` takes (`Options`);
//! - `run`: the command from start to end — read the pack and the labelled rows, train and
//!   cross-validate, score each way of combining, check against today's engine, write the pack,
//!   build the report;
//! - `search`: the learned rules per label (`LabelPlan`) and the search that chooses them;
//! - `pack`: the edits to the pack's JSON (add the dimension, put in or take out the model and
//!   its rules);
//! - `report`: the readable report (`--json` prints the report's value as it is).

mod args;
mod pack;
mod report;
mod run;
mod search;
#[cfg(test)]
mod tests;

pub use args::Args;
pub use run::run;
