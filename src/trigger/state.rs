//! Trigger flow, what persists between events: per policy and group the [`Window`] and the
//! cooldown/recovery [`AlertState`], the ids kept for deduplication, and the watermark — the
//! content of a snapshot. Group keys (`len:value` per field) are hashed once per event with the
//! engine's keyed hasher.

use crate::trigger::window::Window;
use std::borrow::Borrow;
use std::collections::hash_map::RandomState;
use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher};
use std::sync::Arc;

/// Everything that changes as events arrive (what a snapshot holds).
#[derive(Debug, Clone, Default)]
pub(crate) struct State {
    /// Latest accepted event time.
    pub watermark: Option<i64>,
    /// Feedback event ids still able to matter.
    pub seen: Dedupe,
    /// Complaint ids still able to matter.
    pub seen_complaints: Dedupe,
    /// Per policy (pack order): group key → group.
    pub groups: Vec<KeyMap<Box<str>, GroupState>>,
    /// An event more than `max_ahead` after the watermark, waiting for a later event to
    /// confirm the jump (see `TriggerEngine::ahead`).
    pub held: Option<Held>,
}

/// An event held because it is far ahead of the watermark.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Held {
    /// Its event time (UTC milliseconds).
    pub at: i64,
    /// A complaint (`"type": "complaint"`), not a feedback event.
    pub complaint: bool,
    /// The event as it came in.
    pub event: serde_json::Value,
}

/// One group of one policy.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct GroupState {
    pub window: Window,
    pub alert: AlertState,
}

/// Cooldown and recovery tracking of one policy and group.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct AlertState {
    /// Instant of the latest `fired` alert.
    pub last_fired: Option<i64>,
    /// A `fired` alert is open (recovery is tracked).
    pub alerting: bool,
    /// The metric has been good at every in-order evaluation since this instant.
    pub good_since: Option<i64>,
    /// Id of the open `fired` alert.
    pub fired_id: Option<String>,
}

/// The engine's keyed hasher (SipHash with per-process random keys, so a hostile stream cannot
/// aim collisions); every key is hashed once per event and looked up by that hash.
#[derive(Debug, Clone, Default)]
pub(crate) struct KeyHasher(RandomState);

impl KeyHasher {
    pub fn hash(&self, key: &str) -> u64 {
        self.0.hash_one(key)
    }
}

/// Hasher for keys that already are hashes.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only u64 keys are used; fold anything else rather than panic.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, x: u64) {
        self.0 = x;
    }
}

/// A string-keyed map looked up by a precomputed hash of the key (then the key is compared, so
/// a 64-bit collision is still exact: the second key lives in a small overflow map).
#[derive(Debug, Clone)]
pub(crate) struct KeyMap<K, V> {
    main: HashMap<u64, (K, V), BuildHasherDefault<PassThrough>>,
    overflow: HashMap<K, V>,
}

impl<K, V> Default for KeyMap<K, V> {
    fn default() -> Self {
        KeyMap {
            main: HashMap::default(),
            overflow: HashMap::new(),
        }
    }
}

impl<K: Borrow<str> + Hash + Eq, V> KeyMap<K, V> {
    pub fn get(&self, h: u64, key: &str) -> Option<&V> {
        match self.main.get(&h) {
            Some((k, v)) if k.borrow() == key => Some(v),
            _ if self.overflow.is_empty() => None,
            _ => self.overflow.get(key),
        }
    }

    pub fn get_mut(&mut self, h: u64, key: &str) -> Option<&mut V> {
        match self.main.get_mut(&h) {
            Some((k, v)) if (*k).borrow() == key => Some(v),
            _ if self.overflow.is_empty() => None,
            _ => self.overflow.get_mut(key),
        }
    }

    /// Insert or replace; true when the key was already present.
    pub fn insert(&mut self, h: u64, key: K, v: V) -> bool {
        match self.main.get_mut(&h) {
            Some((k, slot)) if (*k).borrow() == key.borrow() => {
                *slot = v;
                true
            }
            Some(_) => self.overflow.insert(key, v).is_some(),
            None => {
                if !self.overflow.is_empty() && self.overflow.contains_key(key.borrow()) {
                    return self.overflow.insert(key, v).is_some();
                }
                self.main.insert(h, (key, v));
                false
            }
        }
    }

    pub fn remove(&mut self, h: u64, key: &str) {
        match self.main.get(&h) {
            Some((k, _)) if k.borrow() == key => {
                self.main.remove(&h);
            }
            _ => {
                self.overflow.remove(key);
            }
        }
    }

    pub fn contains(&self, h: u64, key: &str) -> bool {
        self.get(h, key).is_some()
    }

    pub fn retain(&mut self, mut f: impl FnMut(&K, &mut V) -> bool) {
        self.main.retain(|_, (k, v)| f(k, v));
        self.overflow.retain(|k, v| f(k, v));
    }

    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.main
            .values()
            .map(|(k, v)| (k, v))
            .chain(self.overflow.iter())
    }

    pub fn len(&self) -> usize {
        self.main.len() + self.overflow.len()
    }
}

impl<V: Default> KeyMap<Box<str>, V> {
    /// The value for `key`, inserted with `V::default()` when absent (one probe when present).
    pub fn get_or_default(&mut self, h: u64, key: &str) -> &mut V {
        use std::collections::hash_map::Entry;
        if !self.overflow.is_empty() && self.overflow.contains_key(key) {
            return self.overflow.entry(key.into()).or_default();
        }
        match self.main.entry(h) {
            Entry::Occupied(o) if o.get().0.as_ref() == key => &mut o.into_mut().1,
            Entry::Occupied(_) => self.overflow.entry(key.into()).or_default(),
            Entry::Vacant(v) => &mut v.insert((key.into(), V::default())).1,
        }
    }
}

/// Event ids kept for deduplication: an id is kept while an event with its time could still be
/// accepted, i.e. while `at ≥ watermark − allowed_lateness`; an older replay is late anyway.
#[derive(Debug, Clone, Default)]
pub(crate) struct Dedupe {
    pub map: KeyMap<Arc<str>, i64>,
    order: VecDeque<(i64, u64, Arc<str>)>,
}

impl Dedupe {
    pub fn contains(&self, h: u64, id: &str, horizon: i64) -> bool {
        self.map.get(h, id).is_some_and(|&at| at >= horizon)
    }

    pub fn insert(&mut self, h: u64, id: &Arc<str>, at: i64) {
        self.map.insert(h, Arc::clone(id), at);
        self.order.push_back((at, h, Arc::clone(id)));
    }

    /// Forget ids older than `horizon` (in arrival order; a late arrival may linger a little
    /// behind newer ones, which is harmless: [`Dedupe::contains`] checks the time).
    pub fn expire(&mut self, horizon: i64) {
        while let Some((at, _, _)) = self.order.front() {
            if *at >= horizon {
                break;
            }
            if let Some((at, h, id)) = self.order.pop_front() {
                if self.map.get(h, &id) == Some(&at) {
                    self.map.remove(h, &id);
                }
            }
        }
    }

    /// Live ids, sorted by (time, id), for snapshots.
    pub fn live(&self, horizon: i64) -> Vec<(&str, i64)> {
        let mut v: Vec<(&str, i64)> = self
            .map
            .iter()
            .filter(|(_, &at)| at >= horizon)
            .map(|(k, &at)| (k.as_ref(), at))
            .collect();
        crate::sort::sort_by(&mut v, |a, b| a.1.cmp(&b.1).then(a.0.cmp(b.0)));
        v
    }
}

/// Append `len:value` to a group key (by hand: this runs for every event).
pub(crate) fn push_part(key: &mut String, value: &str) {
    let mut digits = [0u8; 20];
    let mut n = value.len();
    let mut i = digits.len();
    loop {
        i -= 1;
        if let Some(d) = digits.get_mut(i) {
            *d = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    key.push_str(std::str::from_utf8(digits.get(i..).unwrap_or_default()).unwrap_or("0"));
    key.push(':');
    key.push_str(value);
}

/// Split a group key back into its values.
pub(crate) fn key_values(key: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = key;
    while let Some((len, tail)) = rest.split_once(':') {
        let Ok(n) = len.parse::<usize>() else { break };
        let Some(v) = tail.get(..n) else { break };
        out.push(v.to_string());
        rest = tail.get(n..).unwrap_or("");
    }
    out
}

/// Build a group key from its values.
pub(crate) fn make_key(values: &[String]) -> String {
    let mut key = String::new();
    for v in values {
        push_part(&mut key, v);
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Force collisions: every key gets hash 7.
    #[test]
    fn colliding_hashes_stay_exact() {
        let mut m: KeyMap<Box<str>, u32> = KeyMap::default();
        assert!(!m.insert(7, "a".into(), 1));
        assert!(!m.insert(7, "b".into(), 2));
        assert!(m.insert(7, "b".into(), 3));
        assert_eq!(m.get(7, "a"), Some(&1));
        assert_eq!(m.get(7, "b"), Some(&3));
        assert_eq!(m.get(7, "c"), None);
        assert_eq!(m.len(), 2);
        m.remove(7, "a");
        assert_eq!(m.get(7, "a"), None);
        assert_eq!(
            m.get(7, "b"),
            Some(&3),
            "found in the overflow after the main slot left"
        );
        assert!(!m.insert(7, "c".into(), 4));
        assert_eq!(m.get(7, "c"), Some(&4));
        assert_eq!(m.get(7, "b"), Some(&3));
        *m.get_or_default(9, "d") += 5;
        *m.get_or_default(7, "b") += 1;
        assert_eq!(m.get(7, "b"), Some(&4), "found in the overflow");
        assert_eq!(m.get(9, "d"), Some(&5));
        m.retain(|k, _| k.as_ref() != "b");
        let mut keys: Vec<&str> = m.iter().map(|(k, _)| k.as_ref()).collect();
        keys.sort();
        assert_eq!(keys, ["c", "d"]);
    }

    #[test]
    fn dedupe_keeps_ids_until_the_horizon() {
        let mut d = Dedupe::default();
        let a: Arc<str> = Arc::from("a");
        let b: Arc<str> = Arc::from("b");
        d.insert(1, &a, 10);
        d.insert(1, &b, 20);
        assert!(d.contains(1, "a", 10));
        assert!(
            !d.contains(1, "a", 11),
            "older than the horizon: no longer a duplicate"
        );
        d.expire(15);
        assert!(!d.contains(1, "a", 0));
        assert!(d.contains(1, "b", 15));
        assert_eq!(d.live(0), vec![("b", 20)]);
    }
}
