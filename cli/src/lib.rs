//! What the `wendu` command's parts share, and the benchmarks (bench/) with them: reading
//! complaint corpora (CSV or JSON Lines), finding the shared data beside the checkout, reading a
//! `--pack` argument (a JSON pack, a compiled `.wdp`, or a built-in id), and showing a decision's
//! words in a terminal.

pub mod corpus;
pub mod show;

use std::path::Path;

/// A pack's JSON from a file, or from a built-in pack when no such file exists and the name is a
/// built-in id (`cn-banking`, `cn-marketing-review`).
pub fn pack_text(p: &Path) -> Result<std::borrow::Cow<'static, str>, String> {
    match (p.exists(), p.to_str().and_then(wendu::builtin)) {
        (false, Some(json)) => Ok(json.into()),
        _ => std::fs::read_to_string(p).map(Into::into).map_err(|e| {
            format!(
                "cannot read {}: {e} (built-in packs: cn-banking, cn-marketing-review)",
                p.display()
            )
        }),
    }
}

/// A pack file's bytes — JSON or a compiled `.wdp` — or a built-in pack's JSON (with its test
/// cases) when no such file exists and the name is a built-in id.
pub fn pack_bytes(p: &Path) -> Result<std::borrow::Cow<'static, [u8]>, String> {
    match (p.exists(), p.to_str().and_then(wendu::builtin)) {
        (false, Some(json)) => Ok(json.as_bytes().into()),
        _ => std::fs::read(p).map(Into::into).map_err(|e| {
            format!(
                "cannot read {}: {e} (built-in packs: cn-banking, cn-marketing-review)",
                p.display()
            )
        }),
    }
}

/// An engine for a `--pack` argument: a JSON pack, a compiled pack (told apart by its first
/// bytes, whatever the file is called) or a built-in id.
pub fn load_pack(p: &Path) -> Result<wendu::Engine, wendu::Error> {
    let bytes =
        pack_bytes(p).map_err(|m| wendu::Error::InvalidPack(vec![wendu::Problem::error("", m)]))?;
    wendu::Engine::load(
        wendu::PackSource::from_bytes(&bytes)?,
        wendu::EngineOptions::default(),
    )
}
