//! Points redemption after the promotions: whole blocks only, at most `max_share_percent` of
//! what remains, spread over the lines in proportion to their nets.

use super::allocate::largest_remainder;
use super::config::PointsRule;

/// `(points used, value)` for a remaining total: `min(to_redeem, balance) / per_block` blocks,
/// fewer while their value exceeds `floor(remaining * max_share_percent / 100)`.
pub fn redeem(rule: Option<PointsRule>, balance: i64, to_redeem: i64, remaining: i64) -> (i64, i64) {
    let Some(rule) = rule else { return (0, 0) };
    let mut blocks = to_redeem.min(balance) / rule.per_block;
    if rule.value_minor > 0 {
        let cap = (i128::from(remaining) * i128::from(rule.max_share_percent) / 100) as i64;
        blocks = blocks.min(cap / rule.value_minor);
    }
    (blocks * rule.per_block, blocks * rule.value_minor)
}

/// Lowers `nets` by `value` spread in proportion to them (largest remainder).
pub fn spread(value: i64, nets: &mut [i64]) {
    let shares = largest_remainder(value, nets);
    for (net, share) in nets.iter_mut().zip(shares) {
        *net -= share;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULE: PointsRule = PointsRule { per_block: 100, value_minor: 500, max_share_percent: 50 };

    #[test]
    fn hundred_points_are_five_yuan_capped_at_half() {
        // 1,250 of 2,000 points asked: 12 blocks = 60.00, but half of 30.00 is 15.00: 3 blocks.
        assert_eq!(redeem(Some(RULE), 2000, 1250, 3000), (300, 1500));
        // 14.99 left: half is 7.49 -> 1 block (5.00).
        assert_eq!(redeem(Some(RULE), 2000, 1250, 1499), (100, 500));
        // The balance limits too; no rule, nothing.
        assert_eq!(redeem(Some(RULE), 250, 1250, 100_000), (200, 1000));
        assert_eq!(redeem(None, 250, 1250, 100_000), (0, 0));
        let free = PointsRule { value_minor: 0, ..RULE };
        assert_eq!(redeem(Some(free), 250, 1250, 0), (200, 0));
    }

    #[test]
    fn spread_follows_the_nets() {
        let mut nets = vec![1000, 3000, 0];
        spread(1500, &mut nets);
        assert_eq!(nets, vec![625, 1875, 0]);
    }
}
