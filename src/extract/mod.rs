//! Extraction of structured facts from normalised complaint text: money amounts and personal data.
//! Runs after `text` normalisation; `decide` uses amounts for thresholds and evidence, and personal
//! data for masking. Hand-written scanners, byte offsets into the normalised text, no panics.

pub mod amount;
pub mod pii;
