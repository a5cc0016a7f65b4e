//! Beside the flow: sorting with little code, for the WebAssembly module's size. The standard
//! library's sorts (driftsort, ipnsort) put ≈ 5–6 KB of WebAssembly in the module for every
//! element type and comparison; here each call site costs an insertion sort and a permutation
//! (a few hundred bytes), and longer slices share one merge sort of indices. Stable, O(n log n),
//! so it can stand in for `sort`, `sort_by` and the unstable variants alike (a stable order is
//! one of the orders an unstable sort may give). Hot paths keep the standard sort: the
//! per-complaint scan, and on loading a pack its term sets and a model's vocabulary.

use std::cmp::Ordering;

/// Up to this length an insertion sort (no allocation); above, the shared merge sort.
const SHORT: usize = 16;

/// Sort `v` in ascending order (stable).
pub(crate) fn sort<T: Ord>(v: &mut [T]) {
    sort_by(v, T::cmp);
}

/// Sort `v` by `cmp` (stable: equal elements keep their order).
pub(crate) fn sort_by<T>(v: &mut [T], mut cmp: impl FnMut(&T, &T) -> Ordering) {
    let n = v.len();
    if n <= SHORT {
        for i in 1..n {
            let mut j = i;
            while j > 0 && cmp(&v[j - 1], &v[j]) == Ordering::Greater {
                v.swap(j - 1, j);
                j -= 1;
            }
        }
        return;
    }
    let order = {
        let v: &[T] = v;
        merge_sort_indices(n, &mut |a, b| cmp(&v[a], &v[b]))
    };
    permute(v, order);
}

/// The positions `0..n` in the order `cmp` gives them (stable): one instance for every type.
fn merge_sort_indices(n: usize, cmp: &mut dyn FnMut(usize, usize) -> Ordering) -> Vec<usize> {
    let mut a: Vec<usize> = (0..n).collect();
    let mut b: Vec<usize> = vec![0; n];
    let mut width = 1;
    while width < n {
        let mut lo = 0;
        while lo < n {
            let mid = (lo + width).min(n);
            let hi = (lo + 2 * width).min(n);
            let (mut i, mut j) = (lo, mid);
            for slot in &mut b[lo..hi] {
                // Take from the right run only when strictly smaller: stable.
                let right = i >= mid || (j < hi && cmp(a[j], a[i]) == Ordering::Less);
                if right {
                    *slot = a[j];
                    j += 1;
                } else {
                    *slot = a[i];
                    i += 1;
                }
            }
            lo = hi;
        }
        std::mem::swap(&mut a, &mut b);
        width *= 2;
    }
    a
}

/// Rearrange `v` so that position `k` holds what was at `order[k]`, following each cycle of
/// the permutation once (`order` is consumed as the visited marks).
fn permute<T>(v: &mut [T], mut order: Vec<usize>) {
    for start in 0..v.len() {
        let mut cur = start;
        loop {
            let src = std::mem::replace(&mut order[cur], usize::MAX);
            if src == usize::MAX || src == start {
                break;
            }
            // `cur` holds the element this cycle started with; bring `src`'s in.
            v.swap(cur, src);
            cur = src;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn same_as_the_standard_stable_sort(v in proptest::collection::vec((0u8..8, any::<u16>()), 0..200)) {
            let mut ours = v.clone();
            let mut std_ = v;
            sort_by(&mut ours, |a, b| a.0.cmp(&b.0));
            std_.sort_by_key(|a| a.0);
            prop_assert_eq!(ours, std_);
        }

        #[test]
        fn sorts_strings(v in proptest::collection::vec(".{0,3}", 0..60)) {
            let mut ours = v.clone();
            let mut std_ = v;
            sort(&mut ours);
            std_.sort();
            prop_assert_eq!(ours, std_);
        }
    }
}
