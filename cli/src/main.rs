//! The `wendu` command: a thin layer over the `wendu` crate for operators — classify JSON Lines,
//! check and test packs, explain one complaint, evaluate, report and replay triggers. (The
//! benchmarks are `wendu-bench`, in bench/.)

mod combine;
mod diff;
mod eval;
mod explain;
mod labelled;
mod learn;
mod replay;
mod report;
mod review;

use clap::{Parser, Subcommand, ValueEnum};
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use wendu::Engine;

#[derive(Parser)]
#[command(
    name = "wendu",
    version,
    about = "Classify, score and route consumer complaints with a rule pack"
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum Format {
    Jsonl,
    Table,
    Json,
}

#[derive(Subcommand)]
enum Cmd {
    /// Classify complaints (JSON Lines in, one decision per line out, same order).
    Classify {
        /// Rule pack: a file or a built-in id, cn-banking or cn-marketing-review (default:
        /// cn-banking).
        #[arg(long)]
        pack: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "jsonl")]
        format: Format,
        /// Stop at the first bad line instead of writing an error record and going on.
        #[arg(long)]
        strict: bool,
        /// Input file; `-` or nothing for standard input.
        file: Option<PathBuf>,
    },
    /// Validate a pack and list every problem.
    Check { pack: PathBuf },
    /// Compile a pack into a `.wdp` file: everything the engine needs, ready to load (without
    /// the pack's test cases). `--pack` (and the bindings) accept the result.
    Compile {
        /// The pack (JSON) or a built-in id.
        pack: PathBuf,
        /// Where to write the compiled pack.
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Run the test cases inside a pack.
    Test { pack: PathBuf },
    /// Explain the decision for one text, readably.
    Explain {
        #[arg(long)]
        pack: Option<PathBuf>,
        /// Complaint text, or a JSON complaint object.
        text: String,
    },
    /// Evaluate a dimension against a labelled file (default: the shared silver labels).
    Eval {
        /// Rule pack: a file or a built-in id, cn-banking or cn-marketing-review (default:
        /// cn-banking).
        #[arg(long)]
        pack: Option<PathBuf>,
        /// Labelled CSV or JSONL (default: ../shared/data/cn-complaints/complaints.csv).
        #[arg(long)]
        data: Option<PathBuf>,
        /// Text column (CSV) or key (JSONL).
        #[arg(long, default_value = "text")]
        text: String,
        /// Label column (CSV) or key (JSONL).
        #[arg(long, default_value = "process_category")]
        label: String,
        /// Label map: {"gold label": "CODE" | ["CODE", …] | null} (default: built in for the
        /// shared silver labels, else each label is its own code).
        #[arg(long)]
        map: Option<PathBuf>,
        #[arg(long, default_value = "reason")]
        dimension: String,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Train a model for one dimension from labelled history and write the pack with it.
    Learn(learn::Args),
    /// Replay a CSV or JSON Lines stream of ratings (or complaints) through a pack's triggers.
    Replay {
        /// Rule pack with a `triggers` section.
        #[arg(long)]
        pack: PathBuf,
        /// `jsonl`: one alert JSON per line; `table`: one readable line per alert.
        #[arg(long, value_enum, default_value = "jsonl")]
        format: Format,
        /// Also print every late, duplicate or invalid input as {"line": N, "notice": {...}}.
        #[arg(long)]
        notices: bool,
        /// Scale of CSV rows without a `scale` column.
        #[arg(long, default_value = "csat5")]
        scale: String,
        /// Restore this snapshot first (continue a previous replay).
        #[arg(long)]
        resume: Option<PathBuf>,
        /// Write the trigger state snapshot here at the end.
        #[arg(long)]
        save: Option<PathBuf>,
        /// CSV (`.csv`: id, time, score or rating, comment or text columns) or JSON Lines; `-`
        /// for standard input.
        stream: PathBuf,
    },
    /// 消保审核: review marketing copy (text, a text file, JSON Lines of {id, text}, or `-` for
    /// stdin) — the result 通过 / 修改后通过 / 不通过, every problem with where it is, the rule and
    /// regulation it breaks, and the suggested fix.
    Review {
        /// Rule pack: a file or a built-in id (default: cn-marketing-review).
        #[arg(long)]
        pack: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "text")]
        format: review::Style,
        /// Score the pack against labelled copy (JSON Lines of {id, text, problems, result}):
        /// precision and recall per problem, result accuracy.
        #[arg(long, conflicts_with = "input")]
        eval: Option<PathBuf>,
        /// The copy itself, a file, or `-` (default: standard input).
        input: Option<String>,
    },
    /// Back-test a pack change: how the decisions on a corpus change from OLD to NEW — counts per
    /// dimension, label and level, and the changed complaints as JSON Lines (before/after).
    /// Exits 0 when no decision changed, 1 when some did.
    Diff {
        /// `jsonl`: changed complaints on stdout, summary on stderr; `json` or `table`: the summary.
        #[arg(long, value_enum, default_value = "jsonl")]
        format: Format,
        old: PathBuf,
        new: PathBuf,
        /// JSONL or CSV file of complaints.
        corpus: PathBuf,
    },
    /// The complaint-analysis view of a batch: counts per label, levels, top evidence, routes.
    Report {
        #[arg(long)]
        pack: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
        /// JSONL or CSV file.
        file: PathBuf,
    },
}

fn load_engine(pack: Option<&Path>) -> Result<Engine, String> {
    let engine = match pack {
        None => Engine::default_pack(),
        Some(p) => wendu_cli::load_pack(p),
    };
    engine.map_err(|e| {
        let mut s = format!("{}\n", e.message());
        for p in e.problems() {
            s.push_str(&format!("  {p}\n"));
        }
        s
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Cmd::Classify {
            pack,
            format,
            strict,
            file,
        } => classify(pack.as_deref(), format, strict, file.as_deref()),
        Cmd::Check { pack } => check(&pack),
        Cmd::Compile { pack, output } => compile(&pack, &output),
        Cmd::Test { pack } => test(&pack),
        Cmd::Explain { pack, text } => load_engine(pack.as_deref())
            .and_then(|e| explain::explain(&e, &text, std::io::stdout().is_terminal())),
        Cmd::Eval {
            pack,
            data,
            text,
            label,
            map,
            dimension,
            format,
        } => eval::run(&eval::Options {
            pack,
            data,
            text,
            label,
            map,
            dimension,
            json: format == Format::Json,
        }),
        Cmd::Learn(args) => learn::run(&args.into()),
        Cmd::Replay {
            pack,
            format,
            notices,
            scale,
            resume,
            save,
            stream,
        } => replay::run(
            &pack,
            &stream,
            &replay::Options {
                style: if format == Format::Table {
                    replay::Style::Table
                } else {
                    replay::Style::Jsonl
                },
                notices,
                scale,
                resume,
                save,
            },
        ),
        Cmd::Review {
            pack,
            format,
            eval,
            input,
        } => load_engine(Some(
            pack.as_deref()
                .unwrap_or(Path::new(review::DEFAULT_PACK_ID)),
        ))
        .and_then(|e| match eval {
            Some(file) => review::run_eval(&e, &file, format),
            None => review::run(
                &e,
                input.as_deref(),
                format,
                std::io::stdout().is_terminal(),
            ),
        }),
        Cmd::Diff {
            format,
            old,
            new,
            corpus,
        } => diff::run(
            &old,
            &new,
            &corpus,
            match format {
                Format::Jsonl => diff::Output::Jsonl,
                Format::Json => diff::Output::Json,
                Format::Table => diff::Output::Table,
            },
        ),
        Cmd::Report { pack, format, file } => load_engine(pack.as_deref())
            .and_then(|e| report::run(&e, &file, format == Format::Json)),
    };
    match result {
        Ok(code) => code,
        Err(msg) => {
            eprint!("wendu: {msg}");
            if !msg.ends_with('\n') {
                eprintln!();
            }
            ExitCode::from(2)
        }
    }
}

fn classify(
    pack: Option<&Path>,
    format: Format,
    strict: bool,
    file: Option<&Path>,
) -> Result<ExitCode, String> {
    let engine = load_engine(pack)?;
    let reader: Box<dyn BufRead> = match file {
        None => Box::new(std::io::stdin().lock()),
        Some(p) if p.as_os_str() == "-" => Box::new(std::io::stdin().lock()),
        Some(p) => Box::new(std::io::BufReader::new(
            std::fs::File::open(p).map_err(|e| format!("cannot open {}: {e}", p.display()))?,
        )),
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let progress = std::io::stderr().is_terminal();
    let mut errors = 0usize;
    let mut count = 0usize;
    for (i, line) in reader.lines().enumerate() {
        let line_no = i + 1;
        let line = line.map_err(|e| format!("line {line_no}: {e}"))?;
        if line.trim().is_empty() {
            continue;
        }
        count += 1;
        match engine.classify_json(&line) {
            Ok(d) => {
                let r = match format {
                    Format::Table => writeln!(out, "{}", explain::table_row(&d)),
                    _ => writeln!(out, "{}", d.to_json()),
                };
                r.map_err(|e| e.to_string())?;
            }
            Err(e) => {
                errors += 1;
                if strict {
                    out.flush().ok();
                    return Err(format!("line {line_no}: {}", e.message()));
                }
                let record = format!("{{\"line\":{line_no},\"error\":{}}}", e.to_json());
                writeln!(out, "{record}").map_err(|e| e.to_string())?;
            }
        }
        if progress && count.is_multiple_of(1000) {
            eprint!("\r{count} complaints, {errors} errors");
        }
    }
    out.flush().map_err(|e| e.to_string())?;
    if progress && count >= 1000 {
        eprintln!("\r{count} complaints, {errors} errors");
    }
    Ok(if errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn check(pack: &Path) -> Result<ExitCode, String> {
    let bytes = wendu_cli::pack_bytes(pack)?;
    let problems = match wendu::PackSource::from_bytes(&bytes) {
        Ok(source) => Engine::check_source(source),
        Err(e) => e.problems().to_vec(),
    };
    for p in &problems {
        println!("{p}");
    }
    let errors = problems.iter().filter(|p| p.is_error()).count();
    let warnings = problems.len() - errors;
    println!("{}: {errors} errors, {warnings} warnings", pack.display());
    Ok(if errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn compile(pack: &Path, output: &Path) -> Result<ExitCode, String> {
    let engine = load_engine(Some(pack))?;
    let bytes = engine.to_compiled();
    std::fs::write(output, &bytes)
        .map_err(|e| format!("cannot write {}: {e}", output.display()))?;
    let info = engine.info();
    println!(
        "{} → {}: {} {} ({}), {} bytes",
        pack.display(),
        output.display(),
        info.id,
        info.version,
        info.hash,
        bytes.len()
    );
    for (name, size) in Engine::compiled_sections(&bytes).map_err(|e| e.message())? {
        println!("  {name:<11} {size:>8} bytes");
    }
    Ok(ExitCode::SUCCESS)
}

fn test(pack: &Path) -> Result<ExitCode, String> {
    let engine = load_engine(Some(pack))?;
    let report = engine.run_tests();
    if report.results.is_empty() && wendu_cli::pack_bytes(pack)?.starts_with(b"\xffWDP") {
        return Err(format!(
            "{} is a compiled pack: compiled packs carry no test cases; test its JSON",
            pack.display()
        ));
    }
    for r in report.results.iter().filter(|r| !r.passed) {
        println!("FAIL {} ({})", r.name, r.path);
        for f in &r.failures {
            println!("     {f}");
        }
    }
    println!("{} passed, {} failed", report.passed, report.failed);
    Ok(if report.failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
