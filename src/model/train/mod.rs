//! Under `model`: learning a [`Model`](super::Model) from labelled, pack-normalised texts —
//! pure Rust with no I/O and no clock, so it runs in the command line and, later, in a page.
//! Deterministic: the same examples, configuration and seed give the same model bytes on every
//! platform (no threads, no hash-map iteration order, the module's own `exp`/`ln`).
//!
//! Steps: every n-gram of the texts → χ² selection of a fixed vocabulary on the training rows →
//! multinomial logistic regression (softmax over the labels plus an optional "none of these"
//! class, L2-regularised, L-BFGS) on binary L2-normalised features → int8 quantisation per label
//! → Platt calibration per label fitted on held-back folds. [`cross_validate`] runs it k times
//! and returns out-of-fold probabilities for honest reports; [`learn`] adds the final model.
//!
//! One file per step: the examples, fold keys and n-gram corpus (`corpus`); the configuration
//! and its check (`config`); one fit (`fit`: the `objective`, solved by `lbfgs`); Platt
//! calibration (`calibrate`); cross-validation and the final model (`cross_validation`); and
//! the report (`report`).

mod calibrate;
mod config;
mod corpus;
mod cross_validation;
mod fit;
mod lbfgs;
mod objective;
mod report;

pub use calibrate::{calibrate, fit_platt};
pub use config::{Config, TrainError};
pub use corpus::{fold_of, row_key, Corpus, Example};
pub use cross_validation::{cross_validate, learn, logits_of, CrossValidation, Learned};
pub use fit::fit;
pub use report::{report, top_label, Report};
