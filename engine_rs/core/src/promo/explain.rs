//! Why a promotion was not applied (the contract's reason codes, in their order), and the plain
//! words of the answer's explanations.

use super::promotion::Promotion;

/// Why a promotion is not applied; the declaration order is the contract's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reason {
    Disabled,
    OutsideDates,
    OutsideTime,
    Channel,
    Store,
    MemberTier,
    FirstOrderOnly,
    CouponMissing,
    NoUsesLeft,
    NoEligibleItems,
    MinQuantity,
    ExcludedByExclusive,
    GroupConflict,
    ThresholdNotReached,
    NoBenefit,
}

impl Reason {
    /// Every reason, in the contract's order.
    pub const ALL: [Reason; 15] = [
        Self::Disabled,
        Self::OutsideDates,
        Self::OutsideTime,
        Self::Channel,
        Self::Store,
        Self::MemberTier,
        Self::FirstOrderOnly,
        Self::CouponMissing,
        Self::NoUsesLeft,
        Self::NoEligibleItems,
        Self::MinQuantity,
        Self::ExcludedByExclusive,
        Self::GroupConflict,
        Self::ThresholdNotReached,
        Self::NoBenefit,
    ];

    /// The code the answer JSON carries.
    pub fn code(self) -> &'static str {
        match self {
            Self::Disabled => "disabled",
            Self::OutsideDates => "outside_dates",
            Self::OutsideTime => "outside_time",
            Self::Channel => "channel",
            Self::Store => "store",
            Self::MemberTier => "member_tier",
            Self::FirstOrderOnly => "first_order_only",
            Self::CouponMissing => "coupon_missing",
            Self::NoUsesLeft => "no_uses_left",
            Self::NoEligibleItems => "no_eligible_items",
            Self::MinQuantity => "min_quantity",
            Self::ThresholdNotReached => "threshold_not_reached",
            Self::ExcludedByExclusive => "excluded_by_exclusive",
            Self::GroupConflict => "group_conflict",
            Self::NoBenefit => "no_benefit",
        }
    }

    fn words(self) -> &'static str {
        match self {
            Self::Disabled => "disabled",
            Self::OutsideDates => "outside its validity dates",
            Self::OutsideTime => "outside its time window or weekday",
            Self::Channel => "not on this channel",
            Self::Store => "not in this store",
            Self::MemberTier => "not for this member tier",
            Self::FirstOrderOnly => "first order only",
            Self::CouponMissing => "coupon not in wallet",
            Self::NoUsesLeft => "no uses left",
            Self::NoEligibleItems => "no eligible items",
            Self::MinQuantity => "min quantity not met",
            Self::ThresholdNotReached => "threshold not reached",
            Self::ExcludedByExclusive => "excluded by an exclusive promotion",
            Self::GroupConflict => "another promotion of its group was better",
            Self::NoBenefit => "no benefit in the best combination",
        }
    }
}

/// "第二杯半价: 50% off every 2th unit (the cheaper) on 2 units (-7.50)". Built by hand (one
/// allocation, no formatting machinery): every applied promotion of every answer has one.
pub fn applied(promotion: &Promotion, amount: i64, units: Option<u64>) -> String {
    let mut out = String::with_capacity(promotion.name.len() + promotion.description.len() + 32);
    out.push_str(&promotion.name);
    out.push_str(": ");
    out.push_str(&promotion.description);
    if let Some(n) = units {
        out.push_str(" on ");
        push_digits(&mut out, n);
        out.push_str(if n == 1 { " unit" } else { " units" });
    }
    out.push_str(" (-");
    if amount < 0 {
        out.push('-');
    }
    let abs = amount.unsigned_abs();
    push_digits(&mut out, abs / 100);
    out.push('.');
    if abs % 100 < 10 {
        out.push('0');
    }
    push_digits(&mut out, abs % 100);
    out.push(')');
    out
}

/// Appends `n` in decimal.
fn push_digits(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend(digits[at..].iter().map(|&d| char::from(d)));
}

/// "满30减5: threshold not reached".
pub fn not_applied(promotion: &Promotion, reason: Reason) -> String {
    let words = reason.words();
    let mut out = String::with_capacity(promotion.name.len() + 2 + words.len());
    out.push_str(&promotion.name);
    out.push_str(": ");
    out.push_str(words);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::promo::rule::money;

    #[test]
    fn applied_is_the_formatted_sentence() {
        let promotions = r#"[{"id": "p", "name": "第二杯半价", "kind": "nth_unit", "n": 2, "percent": 50,
            "discount_on": "cheaper", "scope": {"categories": ["milk_tea"]}}]"#;
        let calculator = crate::promo::PriceCalculator::new(crate::promo::sample::SHOP, promotions).unwrap();
        let promotion = &calculator.promotions()[0];
        for (amount, units) in
            [(750, Some(2)), (5, Some(1)), (123_456, None), (0, Some(0)), (-100, None), (-5, None)]
        {
            let on =
                units.map(|n| format!(" on {n} unit{}", if n == 1 { "" } else { "s" })).unwrap_or_default();
            let expected = format!("{}: {}{on} (-{})", promotion.name, promotion.description, money(amount));
            assert_eq!(applied(promotion, amount, units), expected);
        }
    }

    #[test]
    fn codes_follow_the_contract_order() {
        let all = Reason::ALL;
        assert!(all.windows(2).all(|w| w[0] < w[1]));
        assert!(all.iter().enumerate().all(|(i, &r)| r as usize == i));
        assert_eq!(all.map(Reason::code)[13], "threshold_not_reached");
    }
}
