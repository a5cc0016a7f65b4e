//! What the `wendu` command shares with the benchmarks (bench/): reading complaint corpora (CSV
//! or JSON Lines) and finding the shared data beside the checkout.

pub mod corpus;
