//! Why a promotion was not applied (the contract's reason codes, in their order), and the plain
//! words of the answer's explanations.

use super::promotion::Promotion;
use super::rule::money;

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

/// "第二杯半价: 50% off every 2th unit (the cheaper) on 2 units (-7.50)".
pub fn applied(promotion: &Promotion, amount: i64, units: Option<u64>) -> String {
    let on = units.map(|n| format!(" on {n} unit{}", if n == 1 { "" } else { "s" })).unwrap_or_default();
    format!("{}: {}{on} (-{})", promotion.name, promotion.description, money(amount))
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

    #[test]
    fn codes_follow_the_contract_order() {
        let all = [
            Reason::Disabled,
            Reason::OutsideDates,
            Reason::OutsideTime,
            Reason::Channel,
            Reason::Store,
            Reason::MemberTier,
            Reason::FirstOrderOnly,
            Reason::CouponMissing,
            Reason::NoUsesLeft,
            Reason::NoEligibleItems,
            Reason::MinQuantity,
            Reason::ExcludedByExclusive,
            Reason::GroupConflict,
            Reason::ThresholdNotReached,
            Reason::NoBenefit,
        ];
        assert!(all.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(all.map(Reason::code)[13], "threshold_not_reached");
    }
}
