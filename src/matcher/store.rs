//! A [`Matcher`] in a compiled pack: the patterns' byte lengths, the distinct characters
//! (ascending, as deltas), then slot by slot its parent (0 for a free slot) and, for a state,
//! its base, failure link and output list. Reading checks everything the search relies on:
//! every state's parent is a state that reaches it on a class in range, parents lead back to
//! the root (no cycles), failure links lead to shallower states (so the failure walk ends),
//! pattern numbers are in range and no pattern is longer than the path to the state that
//! reports it.

use super::{Matcher, Slot, MAX_CHARS};
use crate::codec::{Reader, Res, Writer};

impl Matcher {
    /// Write the automaton.
    pub fn write(&self, w: &mut Writer) {
        w.list(&self.pattern_len, |w, &len| w.uv(len.into()));
        w.size(self.chars.len());
        let mut prev = 0u32;
        for (i, &ch) in self.chars.iter().enumerate() {
            let c = ch as u32;
            w.uv((if i == 0 { c } else { c - prev }).into());
            prev = c;
        }
        w.size(self.slots.len());
        for (t, x) in self.slots.iter().enumerate() {
            w.uv(x.check.into());
            if t != 0 && x.check == 0 {
                continue;
            }
            w.uv(x.base.into());
            if t != 0 {
                w.uv(x.fail.into());
            }
            w.list(self.outputs(x.out), |w, &p| w.uv(p.into()));
        }
    }

    /// Read and check an automaton written by [`Matcher::write`].
    pub fn read(r: &mut Reader) -> Res<Matcher> {
        let pattern_len = r.list(1, |r| {
            let len = r.u32()?;
            if len == 0 {
                return Err(r.corrupt("a pattern of length 0"));
            }
            Ok(len)
        })?;
        let n_chars = r.len(1)?;
        if n_chars > MAX_CHARS {
            return Err(r.corrupt(format!("{n_chars} characters, more than {MAX_CHARS}")));
        }
        let mut chars = Vec::with_capacity(n_chars);
        let mut prev = 0u32;
        for i in 0..n_chars {
            let d = r.u32()?;
            if i > 0 && d == 0 {
                return Err(r.corrupt("characters not in ascending order"));
            }
            let Some(ch) = prev.checked_add(d).and_then(char::from_u32) else {
                return Err(r.corrupt("not a character"));
            };
            chars.push(ch);
            prev = ch as u32;
        }
        let n = r.len(1)?;
        if n == 0 || n >= u32::MAX as usize {
            return Err(r.corrupt(format!("{n} slots")));
        }
        let mut slots = vec![Slot::default(); n];
        // Sized for the usual shapes (a run per pattern, a pattern in one or two runs) so that
        // they rarely grow: growing them was a tenth of reading a model's automaton. Bounded by
        // the input: `pattern_len` was read from it.
        let np = pattern_len.len();
        let mut outs: Vec<u32> = Vec::with_capacity(2 * np);
        let mut runs: Vec<(u32, u32)> = Vec::with_capacity(np + 1);
        runs.push((0, 0));
        let mut run_slot: Vec<usize> = Vec::with_capacity(np + 1);
        run_slot.push(0);
        for t in 0..n {
            let check = r.u32()?;
            if t == 0 && check != 0 {
                return Err(r.corrupt("the root has a parent"));
            }
            if t != 0 && check == 0 {
                continue;
            }
            if check as usize > n {
                return Err(r.corrupt(format!("slot {t}: parent {} out of range", check - 1)));
            }
            let base = r.u32()?;
            let fail = if t == 0 {
                0
            } else {
                r.index(n, "failure link")? as u32
            };
            let from = outs.len() as u32;
            let k = r.len(1)?;
            for _ in 0..k {
                outs.push(r.index(pattern_len.len(), "pattern")? as u32);
            }
            let out = if k == 0 {
                0
            } else {
                runs.push((from, outs.len() as u32));
                run_slot.push(t);
                runs.len() as u32 - 1
            };
            if let Some(x) = slots.get_mut(t) {
                *x = Slot {
                    base,
                    check,
                    fail,
                    out,
                };
            }
        }
        let mut m = Matcher {
            chars,
            classes: Vec::new(),
            slots,
            runs,
            outs,
            pattern_len,
        };
        let (depth, bytes) = m.depths().map_err(|e| r.corrupt(e))?;
        for (t, x) in m.slots.iter().enumerate() {
            if t == 0 || x.check == 0 {
                continue;
            }
            let d = depth.get(t).copied().unwrap_or(0);
            let fail_ok = m
                .slots
                .get(x.fail as usize)
                .is_some_and(|f| x.fail == 0 || f.check != 0)
                && depth.get(x.fail as usize).is_some_and(|&fd| fd < d);
            if !fail_ok {
                return Err(r.corrupt(format!(
                    "slot {t}: failure link {} is not a shallower state",
                    x.fail
                )));
            }
        }
        for (run, &t) in run_slot.iter().enumerate().skip(1) {
            let b = bytes.get(t).copied().unwrap_or(0);
            for &p in m.outputs(run as u32) {
                if m.pattern_len
                    .get(p as usize)
                    .map_or(true, |&len| len as usize > b)
                {
                    return Err(r.corrupt(format!(
                        "slot {t} reports pattern {p}, longer than its {b} bytes"
                    )));
                }
            }
        }
        m.index_chars();
        Ok(m)
    }

    /// Each state's depth in characters and in bytes, checking that its parent reaches it on a
    /// class in range and that parents lead back to the root.
    fn depths(&self) -> Result<(Vec<u32>, Vec<usize>), String> {
        const UNKNOWN: u32 = u32::MAX;
        const VISITING: u32 = u32::MAX - 1;
        let n = self.slots.len();
        let mut depth = vec![UNKNOWN; n];
        let mut bytes = vec![0usize; n];
        if let Some(d) = depth.first_mut() {
            *d = 0;
        }
        let mut path: Vec<usize> = Vec::new();
        for start in 1..n {
            if !self.slots.get(start).is_some_and(|x| x.check != 0)
                || depth.get(start) != Some(&UNKNOWN)
            {
                continue;
            }
            // Up to a state of known depth, then back down.
            let mut t = start;
            loop {
                match depth.get(t).copied() {
                    Some(UNKNOWN) => {}
                    Some(VISITING) => return Err(format!("slot {t}: its parents form a cycle")),
                    _ => break,
                }
                if let Some(d) = depth.get_mut(t) {
                    *d = VISITING;
                }
                path.push(t);
                let parent = self.slots.get(t).map_or(0, |x| x.check as usize);
                match parent.checked_sub(1) {
                    Some(p) if self.slots.get(p).is_some_and(|x| p == 0 || x.check != 0) => t = p,
                    _ => return Err(format!("slot {t}: its parent is not a state")),
                }
            }
            while let Some(t) = path.pop() {
                let p = self.slots.get(t).map_or(0, |x| x.check as usize - 1);
                let base = self.slots.get(p).map_or(0, |x| x.base);
                let cls = (t as u32).wrapping_sub(base);
                if cls == 0 || cls as usize > self.chars.len() {
                    return Err(format!("slot {t}: not a child of slot {p} on any class"));
                }
                let (pd, pb) = (
                    depth.get(p).copied().unwrap_or(0),
                    bytes.get(p).copied().unwrap_or(0),
                );
                if let (Some(d), Some(b)) = (depth.get_mut(t), bytes.get_mut(t)) {
                    *d = pd + 1;
                    *b = pb + self.width(cls);
                }
            }
        }
        Ok((depth, bytes))
    }
}
