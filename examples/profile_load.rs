//! Builds one engine — a fixed workload for `valgrind --tool=callgrind` (instruction counts do
//! not depend on machine load): from a pack's JSON (parse, validate, hash, compile) or from its
//! compiled form (`.wdp`: verify and load).
//! `cargo build --profile profiling --example profile_load && valgrind --tool=callgrind
//! --toggle-collect='*profile_load*build*' target/profiling/examples/profile_load [PACK.json|PACK.wdp]`
fn main() {
    let path = std::env::args().nth(1);
    let bytes = match &path {
        Some(p) => std::fs::read(p).expect("pack file"),
        None => wendu::DEFAULT_PACK.as_bytes().to_vec(),
    };
    let engine = build(&bytes);
    println!("{} terms", engine.terms().count());
}

#[inline(never)]
fn build(bytes: &[u8]) -> wendu::Engine {
    let source = wendu::PackSource::from_bytes(bytes).expect("a pack");
    wendu::Engine::load(source, wendu::EngineOptions::default()).expect("valid pack")
}
