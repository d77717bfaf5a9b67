//! Largest-remainder splits: every amount the calculator spreads over lines or units.

/// Splits `total` in proportion to `weights` (given in tie-break order): shares
/// `floor(total * w / W)`, the leftover one minor unit each to the largest remainders
/// `(total * w) mod W`, ties to the earlier entry; if `W = 0` everything goes to the first entry.
/// The shares sum to `total`; with `0 <= total <= W` no share exceeds its weight.
pub fn largest_remainder(total: i64, weights: &[i64]) -> Vec<i64> {
    let mut shares = vec![0; weights.len()];
    if weights.is_empty() {
        debug_assert_eq!(total, 0, "nothing to split over");
        return shares;
    }
    let whole: i128 = weights.iter().map(|&w| i128::from(w)).sum();
    if whole == 0 {
        shares[0] = total;
        return shares;
    }
    // i64 arithmetic when every product fits (always, for the calculator's money limits and
    // a cart's lines); i128 otherwise.
    if let Ok(whole64) = i64::try_from(whole) {
        if weights.iter().all(|&w| total.checked_mul(w).is_some()) {
            let mut remainders = Vec::with_capacity(weights.len());
            let mut given = 0;
            for (i, &w) in weights.iter().enumerate() {
                let product = total * w;
                shares[i] = product / whole64;
                given += shares[i];
                remainders.push((product % whole64, i));
            }
            give_leftover(&mut shares, &mut remainders, total - given);
            return shares;
        }
    }
    let t = i128::from(total);
    let mut remainders = Vec::with_capacity(weights.len());
    let mut given: i64 = 0;
    for (i, &w) in weights.iter().enumerate() {
        let product = t * i128::from(w);
        shares[i] = (product / whole) as i64;
        given += shares[i];
        remainders.push((product % whole, i));
    }
    let mut remainders: Vec<(i64, usize)> =
        remainders.into_iter().map(|(r, i)| (i64::try_from(r).unwrap_or(i64::MAX), i)).collect();
    give_leftover(&mut shares, &mut remainders, total - given);
    shares
}

/// [`largest_remainder`] into `shares` (as long as `weights`), without allocating for up to
/// [`SMALL_SPLIT`] weights: a combo splits every instance's discount over its few units, at
/// every claim the search evaluates.
pub fn largest_remainder_into(total: i64, weights: &[i64], shares: &mut [i64]) {
    let n = weights.len();
    let whole: i128 = weights.iter().map(|&w| i128::from(w)).sum();
    let small = n <= SMALL_SPLIT && n > 0 && whole != 0 && whole <= i128::from(i64::MAX);
    if !small || weights.iter().any(|&w| total.checked_mul(w).is_none()) {
        shares.copy_from_slice(&largest_remainder(total, weights));
        return;
    }
    let whole64 = whole as i64;
    let mut remainders = [(0i64, 0usize); SMALL_SPLIT];
    let mut given = 0;
    for (i, &w) in weights.iter().enumerate() {
        let product = total * w;
        shares[i] = product / whole64;
        given += shares[i];
        remainders[i] = (product % whole64, i);
    }
    give_leftover(shares, &mut remainders[..n], total - given);
}

/// The most weights [`largest_remainder_into`] splits without allocating.
pub const SMALL_SPLIT: usize = 16;

/// One minor unit each to the largest remainders, ties to the earlier entry.
fn give_leftover(shares: &mut [i64], remainders: &mut [(i64, usize)], leftover: i64) {
    if leftover > 0 {
        remainders.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        for &(_, i) in remainders.iter().take(leftover as usize) {
            shares[i] += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn leftover_goes_to_the_largest_remainders_then_the_earlier() {
        // 100 over 1:1:1 -> 33 each, 1 left; equal remainders: the first entry.
        assert_eq!(largest_remainder(100, &[1, 1, 1]), vec![34, 33, 33]);
        // 10 over 3:3:4 -> 3, 3, 4 exactly.
        assert_eq!(largest_remainder(10, &[3, 3, 4]), vec![3, 3, 4]);
        // 5 over 2:7 -> 10/9 = 1 r1, 35/9 = 3 r8 -> leftover to the second: 1, 4.
        assert_eq!(largest_remainder(5, &[2, 7]), vec![1, 4]);
        assert_eq!(largest_remainder(7, &[0, 0]), vec![7, 0]);
        assert_eq!(largest_remainder(0, &[]), Vec::<i64>::new());
    }

    proptest! {
        #[test]
        fn the_split_into_a_slice_is_the_split(
            weights in prop::collection::vec(0i64..10_000, 0..24),
            total in -1_000i64..1_000_000,
        ) {
            prop_assume!(!weights.is_empty() || total == 0);
            let mut shares = vec![-1; weights.len()];
            largest_remainder_into(total, &weights, &mut shares);
            prop_assert_eq!(shares, largest_remainder(total, &weights));
        }

        #[test]
        fn shares_sum_to_total_and_stay_within_weights(
            weights in prop::collection::vec(0i64..10_000, 1..12),
            seed in 0i64..1_000_000,
        ) {
            let whole: i64 = weights.iter().sum();
            let total = seed % (whole + 1);
            let shares = largest_remainder(total, &weights);
            prop_assert_eq!(shares.iter().sum::<i64>(), total);
            if whole > 0 {
                for (s, w) in shares.iter().zip(&weights) {
                    prop_assert!(*s >= 0 && s <= w);
                }
            }
        }
    }
}
