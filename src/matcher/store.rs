//! A [`Matcher`] in a compiled pack, as fixed-width columns ([`Writer::u32s`]): the patterns'
//! byte lengths; the distinct characters (ascending, as deltas); the number of slots and per
//! slot its parent plus one (0 for the root and free slots); then for the states, in slot
//! order, their bases, their failure links (the root has none), their depths in bytes and the
//! lengths of their output lists; then the lists. Columns, because each is read in one tight
//! loop, and the depths, because with them one pass over the states checks everything the
//! search relies on (read field by field with the depths derived by walking up the parents, the
//! automata were over half of loading the default pack): every state's parent is a state that
//! reaches it on a class in range, one character deeper (so parents lead back to the root, no
//! cycles), failure links lead to shallower states (so the failure walk ends), pattern numbers
//! are in range and no pattern is longer than the path to the state that reports it.

use super::{Matcher, Slot, MAX_CHARS};
use crate::codec::{Reader, Res, Writer};

impl Matcher {
    /// Write the automaton.
    pub fn write(&self, w: &mut Writer) {
        w.size(self.pattern_len.len());
        w.u32s(&self.pattern_len);
        w.size(self.chars.len());
        let mut prev = 0u32;
        let deltas: Vec<u32> = (self.chars.iter())
            .map(|&ch| {
                let d = ch as u32 - prev;
                prev = ch as u32;
                d
            })
            .collect();
        w.u32s(&deltas);
        w.size(self.slots.len());
        w.u32s(&self.slots.iter().map(|x| x.check).collect::<Vec<_>>());
        let states: Vec<&Slot> = (self.slots.iter().enumerate())
            .filter(|&(t, x)| t == 0 || x.check != 0)
            .map(|(_, x)| x)
            .collect();
        let column = |f: &dyn Fn(&Slot) -> u32| states.iter().map(|x| f(x)).collect::<Vec<_>>();
        w.u32s(&column(&|x| x.base));
        w.u32s(column(&|x| x.fail).get(1..).unwrap_or_default());
        w.u32s(&self.byte_depths());
        w.u32s(&column(&|x| self.outputs(x.out).len() as u32));
        let outs: Vec<u32> = (states.iter())
            .flat_map(|x| self.outputs(x.out).iter().copied())
            .collect();
        w.u32s(&outs);
    }

    /// Read and check an automaton written by [`Matcher::write`].
    pub fn read(r: &mut Reader) -> Res<Matcher> {
        let np = r.len(1)?;
        let pattern_len = r.u32s(np)?;
        if pattern_len.contains(&0) {
            return Err(r.corrupt("a pattern of length 0"));
        }
        let n_chars = r.len(1)?;
        if n_chars > MAX_CHARS {
            return Err(r.corrupt(format!("{n_chars} characters, more than {MAX_CHARS}")));
        }
        let mut chars = Vec::with_capacity(n_chars);
        let mut prev = 0u32;
        for (i, d) in r.u32s(n_chars)?.into_iter().enumerate() {
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
        let checks = r.u32s(n)?;
        if checks.first() != Some(&0) {
            return Err(r.corrupt("the root has a parent"));
        }
        let ns = 1 + checks.iter().filter(|&&c| c != 0).count();
        let bases = r.u32s(ns)?;
        let fails = r.u32s(ns - 1)?;
        let depths = r.u32s(ns)?;
        let counts = r.u32s(ns)?;
        let total: u64 = counts.iter().map(|&k| u64::from(k)).sum();
        if total > r.remaining() as u64 {
            return Err(r.corrupt(format!("{total} outputs cannot fit in the bytes left")));
        }
        let outs = r.u32s(total as usize)?;

        // The slots, with each state's depth by slot for the checks.
        let mut slots = vec![Slot::default(); n];
        let mut depth = vec![0u32; n];
        let mut runs: Vec<(u32, u32)> = Vec::with_capacity(np + 1);
        runs.push((0, 0));
        let mut from = 0u32;
        let mut i = 0;
        for (t, (x, &check)) in slots.iter_mut().zip(&checks).enumerate() {
            if t != 0 && check == 0 {
                continue;
            }
            let k = counts.get(i).copied().unwrap_or(0);
            let out = if k == 0 {
                0
            } else {
                runs.push((from, from + k));
                runs.len() as u32 - 1
            };
            from += k;
            *x = Slot {
                base: bases.get(i).copied().unwrap_or(0),
                check,
                fail: i
                    .checked_sub(1)
                    .and_then(|j| fails.get(j))
                    .copied()
                    .unwrap_or(0),
                out,
            };
            if let Some(d) = depth.get_mut(t) {
                *d = depths.get(i).copied().unwrap_or(0);
            }
            i += 1;
        }
        let mut m = Matcher {
            chars,
            classes: Vec::new(),
            slots,
            runs,
            outs,
            pattern_len,
        };
        m.check_states(&depth).map_err(|e| r.corrupt(e))?;
        m.index_chars();
        Ok(m)
    }

    /// Each state's depth in bytes, by state in slot order (what [`Matcher::write`] stores).
    fn byte_depths(&self) -> Vec<u32> {
        let mut depth = vec![u32::MAX; self.slots.len()];
        if let Some(d) = depth.first_mut() {
            *d = 0;
        }
        // A state's depth is its parent's plus its character's width: walk up to a known one.
        let mut path = Vec::new();
        for (t, x) in self.slots.iter().enumerate() {
            if x.check == 0 {
                continue;
            }
            let mut s = t;
            while depth.get(s) == Some(&u32::MAX) {
                path.push(s);
                s = self.slots.get(s).map_or(1, |x| x.check) as usize - 1;
            }
            while let Some(s) = path.pop() {
                let p = self.slots.get(s).map_or(1, |x| x.check) as usize - 1;
                let cls = (s as u32).wrapping_sub(self.slots.get(p).map_or(0, |x| x.base));
                let d = depth.get(p).copied().unwrap_or(0) + self.width(cls) as u32;
                if let Some(x) = depth.get_mut(s) {
                    *x = d;
                }
            }
        }
        (depth.into_iter().enumerate())
            .filter(|&(t, _)| t == 0 || self.slots.get(t).is_some_and(|x| x.check != 0))
            .map(|(_, d)| d)
            .collect()
    }

    /// Check the states read, in one pass (`depth`: each state's stored depth in bytes, by
    /// slot). A state's depth must be its parent's plus the width of the character that leads
    /// to it: depths grow strictly down every chain of parents, so no chain is a cycle.
    fn check_states(&self, depth: &[u32]) -> Result<(), String> {
        if depth.first() != Some(&0) {
            return Err("the root's depth is not 0".into());
        }
        if self.slots.first().is_some_and(|root| root.out != 0) {
            return Err("the root reports a pattern".into());
        }
        for (t, (x, &d)) in self.slots.iter().zip(depth).enumerate().skip(1) {
            if x.check == 0 {
                continue;
            }
            let p = x.check as usize - 1;
            let Some(parent) = self.slots.get(p).filter(|s| p == 0 || s.check != 0) else {
                return Err(format!("slot {t}: its parent is not a state"));
            };
            let cls = (t as u32).wrapping_sub(parent.base);
            if cls == 0 || cls as usize > self.chars.len() {
                return Err(format!("slot {t}: not a child of slot {p} on any class"));
            }
            let pd = depth.get(p).copied().unwrap_or(0);
            if u64::from(d) != u64::from(pd) + self.width(cls) as u64 {
                return Err(format!("slot {t}: depth {d}, its parent's is {pd}"));
            }
            let f = x.fail as usize;
            let fail_ok = (self.slots.get(f)).is_some_and(|s| f == 0 || s.check != 0)
                && depth.get(f).is_some_and(|&fd| fd < d);
            if !fail_ok {
                return Err(format!(
                    "slot {t}: failure link {} is not a shallower state",
                    x.fail
                ));
            }
            for &q in self.outputs(x.out) {
                match self.pattern_len.get(q as usize) {
                    Some(&len) if len <= d => {}
                    Some(_) => {
                        return Err(format!(
                            "slot {t} reports pattern {q}, longer than its {d} bytes"
                        ))
                    }
                    None => return Err(format!("slot {t}: pattern {q} out of range")),
                }
            }
        }
        Ok(())
    }
}
