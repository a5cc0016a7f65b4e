//! `wendu learn`'s command line: the clap arguments (`Args`), the options `run` takes
//! (`Options`) and the parsing of `--ngrams`.

use std::path::PathBuf;
use wendu::model::{NgramKind, Ngrams};

/// `wendu learn` arguments.
#[derive(clap::Args)]
pub struct Args {
    /// The base pack: a JSON file, or a built-in id (cn-banking, cn-marketing-review).
    #[arg(long)]
    pack: PathBuf,
    /// Labelled CSV or JSON Lines.
    #[arg(long)]
    data: PathBuf,
    /// Text column (CSV) or key (JSONL).
    #[arg(long, default_value = "text")]
    text: String,
    /// Label column (CSV) or key (JSONL).
    #[arg(long)]
    label: String,
    /// Label map: {"gold label": "CODE" | null} (null: none of the labels; default: each label
    /// is its own code).
    #[arg(long)]
    map: Option<PathBuf>,
    /// The dimension the model scores (added to the pack when it has none of that id).
    #[arg(long)]
    dimension: String,
    /// Where to write the pack with the model.
    #[arg(short = 'o', long = "out")]
    out: Option<PathBuf>,
    /// Model id (default: the dimension's).
    #[arg(long)]
    id: Option<String>,
    #[arg(long, default_value_t = 5)]
    folds: usize,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Vocabulary size (χ²-selected n-grams).
    #[arg(long)]
    features: Option<usize>,
    /// L2 penalty.
    #[arg(long)]
    l2: Option<f64>,
    /// `chars:1-2` (Chinese default) or `words:1-2` (English default).
    #[arg(long)]
    ngrams: Option<String>,
    #[arg(long)]
    min_df: Option<usize>,
    #[arg(long)]
    iterations: Option<usize>,
    /// Weight classes inversely to their frequency.
    #[arg(long)]
    balanced: bool,
    /// Binary features (no idf weighting).
    #[arg(long)]
    binary: bool,
    /// Do not learn vetoes and model rules beside the pack's rules (write the model only).
    #[arg(long)]
    no_combine: bool,
    /// Set the dimension's proposed `review_below` (needs_review) threshold.
    #[arg(long)]
    review_below: Option<f64>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

impl From<Args> for Options {
    fn from(a: Args) -> Options {
        Options {
            pack: a.pack,
            data: a.data,
            text: a.text,
            label: a.label,
            map: a.map,
            dimension: a.dimension,
            out: a.out,
            model_id: a.id,
            folds: a.folds,
            seed: a.seed,
            features: a.features,
            l2: a.l2,
            ngrams: a.ngrams,
            min_df: a.min_df,
            iterations: a.iterations,
            balanced: a.balanced,
            binary: a.binary,
            combine: !a.no_combine,
            review_below: a.review_below,
            json: a.json,
        }
    }
}

/// Command-line options.
pub struct Options {
    pub pack: PathBuf,
    pub data: PathBuf,
    pub text: String,
    pub label: String,
    pub map: Option<PathBuf>,
    pub dimension: String,
    pub out: Option<PathBuf>,
    pub model_id: Option<String>,
    pub folds: usize,
    pub seed: u64,
    pub features: Option<usize>,
    pub l2: Option<f64>,
    pub ngrams: Option<String>,
    pub min_df: Option<usize>,
    pub iterations: Option<usize>,
    pub balanced: bool,
    pub binary: bool,
    pub combine: bool,
    pub review_below: Option<f64>,
    pub json: bool,
}

/// Parse `chars:1-3` / `words:1-2`.
pub(super) fn parse_ngrams(s: &str) -> Result<Ngrams, String> {
    let bad = || format!("--ngrams {s}: expected chars:MIN-MAX or words:MIN-MAX");
    let (kind, range) = s.split_once(':').ok_or_else(bad)?;
    let (a, b) = range.split_once('-').ok_or_else(bad)?;
    let kind = match kind {
        "chars" => NgramKind::Chars,
        "words" => NgramKind::Words,
        _ => return Err(bad()),
    };
    let (min, max) = (
        a.parse::<usize>().map_err(|_| bad())?,
        b.parse::<usize>().map_err(|_| bad())?,
    );
    if min == 0 || min > max || max > wendu::model::features::MAX_NGRAM {
        return Err(bad());
    }
    Ok(Ngrams { kind, min, max })
}
