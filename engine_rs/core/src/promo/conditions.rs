//! When a promotion may apply: validity dates, local time windows and weekdays (from the shop's
//! `utc_offset_minutes`), channels, stores, member tiers, first order, wallet coupons. Checked
//! in the contract's order, so the first failing condition is the reason reported.

use super::cart::Context;
use super::explain::Reason;

const DAY_MS: i64 = 86_400_000;
const MINUTE_MS: i64 = 60_000;

/// A local time window in minutes of the day: start inclusive, end exclusive; `start > end`
/// wraps past midnight (`start == end` is refused when the config is compiled).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: u16,
    pub end: u16,
}

impl Window {
    pub fn contains(self, minute: u16) -> bool {
        if self.start < self.end {
            self.start <= minute && minute < self.end
        } else {
            minute >= self.start || minute < self.end
        }
    }
}

/// Parses `"HH:MM"` (00:00..=23:59) into minutes of the day.
pub fn parse_time(text: &str) -> Option<u16> {
    let bytes = text.as_bytes();
    if bytes.len() != 5
        || bytes[2] != b':'
        || !bytes.iter().enumerate().all(|(i, b)| i == 2 || b.is_ascii_digit())
    {
        return None;
    }
    let hours = u16::from(bytes[0] - b'0') * 10 + u16::from(bytes[1] - b'0');
    let minutes = u16::from(bytes[3] - b'0') * 10 + u16::from(bytes[4] - b'0');
    (hours <= 23 && minutes <= 59).then_some(hours * 60 + minutes)
}

/// Local weekday (1 = Monday .. 7 = Sunday) and minute of the day at `now_ms`.
pub fn local_time(now_ms: i64, utc_offset_minutes: i64) -> (u8, u16) {
    let local = now_ms + utc_offset_minutes * MINUTE_MS;
    let day = local.div_euclid(DAY_MS);
    // 1970-01-01 (day 0) was a Thursday (4).
    let weekday = (day + 3).rem_euclid(7) as u8 + 1;
    let minute = (local.rem_euclid(DAY_MS) / MINUTE_MS) as u16;
    (weekday, minute)
}

/// The compiled `conditions` of a promotion (empty lists = any).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Conditions {
    pub channels: Vec<String>,
    pub stores: Vec<String>,
    pub member_tiers: Vec<String>,
    /// Bit `d` set for weekday `d` (1..=7); 0 = any day.
    pub weekdays: u8,
    pub windows: Vec<Window>,
    pub valid_from_ms: Option<i64>,
    pub valid_to_ms: Option<i64>,
    pub min_quantity: i64,
    pub first_order_only: bool,
    pub coupon: bool,
}

impl Conditions {
    /// The first failing condition among those the context decides (dates, time, channel,
    /// store, member tier, first order, coupon), in the contract's order.
    pub fn check(&self, promotion_id: &str, ctx: &Context, utc_offset_minutes: i64) -> Result<(), Reason> {
        let now = ctx.now_ms;
        if self.valid_from_ms.is_some_and(|from| now < from) || self.valid_to_ms.is_some_and(|to| now >= to) {
            return Err(Reason::OutsideDates);
        }
        if self.weekdays != 0 || !self.windows.is_empty() {
            let (weekday, minute) = local_time(now, utc_offset_minutes);
            let day_ok = self.weekdays == 0 || self.weekdays & (1 << weekday) != 0;
            let time_ok = self.windows.is_empty() || self.windows.iter().any(|w| w.contains(minute));
            if !(day_ok && time_ok) {
                return Err(Reason::OutsideTime);
            }
        }
        if !self.channels.is_empty() && !self.channels.contains(&ctx.channel) {
            return Err(Reason::Channel);
        }
        if !self.stores.is_empty() && !self.stores.contains(&ctx.store_id) {
            return Err(Reason::Store);
        }
        if !self.member_tiers.is_empty()
            && !ctx.member_tier.as_ref().is_some_and(|tier| self.member_tiers.contains(tier))
        {
            return Err(Reason::MemberTier);
        }
        if self.first_order_only && !ctx.first_order {
            return Err(Reason::FirstOrderOnly);
        }
        if self.coupon
            && !ctx
                .wallet
                .iter()
                .any(|c| c.promotion_id == promotion_id && c.valid_from_ms <= now && now < c.valid_to_ms)
        {
            return Err(Reason::CouponMissing);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::promo::cart::Coupon;

    fn ctx(now_ms: i64) -> Context {
        Context {
            now_ms,
            store_id: "sh-001".into(),
            channel: "MEITUAN".into(),
            member_tier: Some("gold".into()),
            first_order: false,
            wallet: vec![],
            remaining_uses: std::collections::BTreeMap::default(),
            points_balance: None,
            points_to_redeem: None,
        }
    }

    /// 2026-11-23 is a Monday; 06:00 UTC is 14:00 in UTC+8.
    const MONDAY_0600_UTC: i64 = 1_795_413_600_000;

    #[test]
    fn local_time_uses_the_offset_and_floor_division() {
        assert_eq!(local_time(MONDAY_0600_UTC, 480), (1, 14 * 60));
        assert_eq!(local_time(MONDAY_0600_UTC, 0), (1, 6 * 60));
        assert_eq!(local_time(MONDAY_0600_UTC, -420), (7, 23 * 60));
        assert_eq!(local_time(0, 0), (4, 0));
        assert_eq!(local_time(-1, 0), (3, 23 * 60 + 59));
    }

    #[test]
    fn windows_are_half_open_and_wrap() {
        let happy = Window { start: 14 * 60, end: 17 * 60 };
        assert!(happy.contains(14 * 60) && happy.contains(17 * 60 - 1) && !happy.contains(17 * 60));
        let late = Window { start: 22 * 60, end: 2 * 60 };
        assert!(late.contains(23 * 60) && late.contains(0) && late.contains(119) && !late.contains(120));
        assert!(!late.contains(21 * 60 + 59));
        assert_eq!(parse_time("09:30"), Some(570));
        assert_eq!(parse_time("24:00"), None);
        assert_eq!(parse_time("9:30"), None);
    }

    #[test]
    fn first_failing_condition_is_reported_in_order() {
        let c = Conditions {
            channels: vec!["COUNTER".into()],
            stores: vec!["bj-001".into()],
            valid_to_ms: Some(MONDAY_0600_UTC),
            ..Conditions::default()
        };
        assert_eq!(c.check("p", &ctx(MONDAY_0600_UTC), 480), Err(Reason::OutsideDates));
        assert_eq!(c.check("p", &ctx(MONDAY_0600_UTC - 1), 480), Err(Reason::Channel));
        let c = Conditions { weekdays: 1 << 2, ..Conditions::default() };
        assert_eq!(c.check("p", &ctx(MONDAY_0600_UTC), 480), Err(Reason::OutsideTime));
        let c = Conditions { member_tiers: vec!["silver".into()], ..Conditions::default() };
        assert_eq!(c.check("p", &ctx(0), 480), Err(Reason::MemberTier));
    }

    #[test]
    fn coupon_must_name_the_promotion_and_be_valid_now() {
        let c = Conditions { coupon: true, ..Conditions::default() };
        let mut context = ctx(1000);
        assert_eq!(c.check("p", &context, 0), Err(Reason::CouponMissing));
        context.wallet.push(Coupon {
            coupon_id: "c1".into(),
            promotion_id: "p".into(),
            valid_from_ms: 0,
            valid_to_ms: 1000,
        });
        assert_eq!(c.check("p", &context, 0), Err(Reason::CouponMissing));
        context.wallet[0].valid_to_ms = 1001;
        assert_eq!(c.check("p", &context, 0), Ok(()));
        assert_eq!(c.check("q", &context, 0), Err(Reason::CouponMissing));
    }
}
