//! Any bytes as a pack: `Engine::check` and `Engine::with_options` (each automaton) never panic,
//! agree with each other, and stay within the pack-build bound (RELIABILITY.md: 1 s per MB,
//! here 500 ms + 5 ms per KB for a busy machine). A pack that builds classifies a complaint
//! made of its own first bytes with every invariant held.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::time::Duration;
use wendu::{Automaton, Engine};
use wendu_fuzz::{assert_fast, check_complaint, text_budget, timed};

fuzz_target!(|data: &[u8]| {
    let Some((&choice, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let budget = Duration::from_millis(500 + (rest.len() as u64 * 5) / 1024);
    let automaton = [Automaton::Auto, Automaton::Dfa, Automaton::Nfa][usize::from(choice % 3)];
    let (built, took) = timed(|| Engine::with_automaton(&text, automaton));
    assert_fast("Engine::new", took, budget, || {
        let _ = Engine::with_automaton(&text, automaton);
    });
    let problems = Engine::check(&text);
    match &built {
        Ok(e) => {
            assert!(problems.iter().all(|p| !p.is_error()), "check finds errors in a pack that builds");
            assert_eq!(problems, e.warnings());
            let sample = serde_json::json!({
                "id": "f", "title": text.chars().take(16).collect::<String>(),
                "text": text.chars().skip(16).take(400).collect::<String>()
            })
            .to_string();
            let (_, took) = timed(|| e.classify_json(&sample));
            assert_fast("classify", took, text_budget(416), || {
                let _ = e.classify_json(&sample);
            });
            check_complaint(e, &sample);
        }
        Err(err) => {
            assert_eq!(problems, err.problems(), "check and new disagree");
            assert!(!err.problems().is_empty());
        }
    }
});
