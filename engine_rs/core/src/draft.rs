//! An order as a channel sends it ([`Draft`]), its validation against the catalog and the
//! store's availability ([`resolve`]), and its idempotency fingerprint.

use std::collections::BTreeSet;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::EngineError;
use crate::hash::hex;
use crate::menu::Catalog;
use crate::types::{Channel, Fulfillment};

pub const MAX_LINES: usize = 100;
pub const MAX_QUANTITY: i32 = 99;
pub const MAX_UNITS: u32 = 200;
pub const MAX_CHANNEL_ORDER_ID: usize = 128;
pub const MAX_NOTE: usize = 500;
pub const MAX_MEMBER_ID: usize = 64;
pub const MAX_ZONE: usize = 32;
pub const MAX_TIER: usize = 32;
pub const MAX_WALLET: usize = 50;
/// A target time may lie this far in the past (clock skew, slow riders).
pub const TARGET_PAST_MS: i64 = 5 * 60 * 1000;
/// ... and this far in the future.
pub const TARGET_FUTURE_MS: i64 = 7 * 24 * 60 * 60 * 1000;

/// An order draft, decoded from the request but not validated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Draft {
    pub store_id: String,
    pub channel: Option<Channel>,
    pub channel_order_id: String,
    pub lines: Vec<DraftLine>,
    pub fulfillment: Option<Fulfillment>,
    pub target_time_ms: i64,
    pub member_id: String,
    pub customer_note: String,
    pub delivery_zone: String,
    pub member: MemberContext,
    pub points_to_redeem: i64,
}

/// What pricing needs to know about the member: tier, first order, coupon wallet, points.
/// Channels send it with the order until the engine keeps membership itself.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MemberContext {
    pub tier: String,
    pub first_order: bool,
    pub wallet: Vec<WalletCoupon>,
    pub points_balance: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct WalletCoupon {
    pub coupon_id: String,
    pub promotion_id: String,
    pub valid_from_ms: i64,
    pub valid_to_ms: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DraftLine {
    pub sku: String,
    pub quantity: i32,
    pub modifiers: Vec<String>,
    pub note: String,
}

impl Draft {
    pub fn channel(&self) -> Channel {
        self.channel.unwrap_or(Channel::Unspecified)
    }

    /// Fulfillment with `Unspecified` read as ASAP.
    pub fn fulfillment(&self) -> Fulfillment {
        self.fulfillment.unwrap_or(Fulfillment::Unspecified).normalized()
    }

    /// The target time that matters: 0 for ASAP.
    pub fn target(&self) -> i64 {
        if self.fulfillment().has_target() {
            self.target_time_ms
        } else {
            0
        }
    }

    /// Hex SHA-256 of the normalized draft (everything but the idempotency key itself), so a
    /// retried submission can be told apart from a different order under the same key.
    pub fn fingerprint(&self) -> String {
        #[derive(Serialize)]
        struct Normalized<'a> {
            store_id: &'a str,
            channel: Channel,
            lines: Vec<(&'a str, i32, &'a [String], &'a str)>,
            fulfillment: Fulfillment,
            target_time_ms: i64,
            member_id: &'a str,
            customer_note: &'a str,
            member: &'a MemberContext,
            // Skipped when empty, so drafts without a zone keep their earlier fingerprints.
            #[serde(skip_serializing_if = "str::is_empty")]
            delivery_zone: &'a str,
            points_to_redeem: i64,
        }
        let normalized = Normalized {
            store_id: &self.store_id,
            channel: self.channel(),
            lines: self
                .lines
                .iter()
                .map(|l| (l.sku.as_str(), l.quantity, l.modifiers.as_slice(), l.note.as_str()))
                .collect(),
            fulfillment: self.fulfillment(),
            target_time_ms: self.target(),
            member_id: &self.member_id,
            customer_note: &self.customer_note,
            member: &self.member,
            delivery_zone: &self.delivery_zone,
            points_to_redeem: self.points_to_redeem,
        };
        let bytes = rmp_serde::to_vec(&normalized).expect("plain data serializes");
        hex(&Sha256::digest(bytes))
    }
}

/// A validated line: catalog indices instead of names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub line_no: i32,
    pub item: usize,
    pub quantity: u32,
    pub modifiers: Vec<usize>,
}

/// What the store's live state says about availability, for validation.
pub trait Availability {
    fn item_available(&self, item: usize) -> bool;
    fn modifier_available(&self, modifier: usize) -> bool;
    fn slots(&self, station: usize) -> u32;
}

/// A draft checked against the catalog and the store.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub store: usize,
    pub channel: Channel,
    pub fulfillment: Fulfillment,
    pub target_time_ms: i64,
    pub lines: Vec<Line>,
    pub units: u32,
}

/// Whether the channel order id is required (submit) or optional (quote).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Quote,
    Submit,
}

fn too_long(value: &str, max: usize) -> bool {
    value.len() > max && value.chars().count() > max
}

/// Validates a draft against the catalog and a store's availability (the caller has resolved
/// `order.store_id` to `store`): every malformed field is an InvalidArgument naming it; then
/// sold-out items/modifiers and closed stations are FailedPrecondition.
pub fn resolve(
    catalog: &Catalog,
    availability: &dyn Availability,
    store: usize,
    draft: &Draft,
    purpose: Purpose,
    now_ms: i64,
) -> Result<Resolved, EngineError> {
    let channel = draft.channel();
    if channel == Channel::Unspecified {
        return Err(EngineError::invalid("order.channel", "channel is required"));
    }
    if purpose == Purpose::Submit && draft.channel_order_id.is_empty() {
        return Err(EngineError::invalid("order.channel_order_id", "required to submit"));
    }
    if too_long(&draft.channel_order_id, MAX_CHANNEL_ORDER_ID) {
        return Err(EngineError::invalid(
            "order.channel_order_id",
            format!("longer than {MAX_CHANNEL_ORDER_ID} characters"),
        ));
    }
    if draft.lines.is_empty() {
        return Err(EngineError::invalid("order.lines", "an order needs at least one line"));
    }
    if draft.lines.len() > MAX_LINES {
        return Err(EngineError::invalid(
            "order.lines",
            format!("{} lines, at most {MAX_LINES}", draft.lines.len()),
        ));
    }
    let mut lines = Vec::with_capacity(draft.lines.len());
    let mut units: u32 = 0;
    for (i, l) in draft.lines.iter().enumerate() {
        let line = resolve_line(catalog, i, l)?;
        units += line.quantity;
        lines.push(line);
    }
    if units > MAX_UNITS {
        return Err(EngineError::invalid(
            "order.lines",
            format!("{units} units, at most {MAX_UNITS} per order"),
        ));
    }
    let fulfillment = draft.fulfillment();
    let target_time_ms = draft.target();
    if fulfillment.has_target() {
        check_target("order.target_time_ms", draft.target_time_ms, fulfillment, now_ms)?;
    }
    if too_long(&draft.customer_note, MAX_NOTE) {
        return Err(EngineError::invalid(
            "order.customer_note",
            format!("longer than {MAX_NOTE} characters"),
        ));
    }
    if too_long(&draft.delivery_zone, MAX_ZONE) {
        return Err(EngineError::invalid(
            "order.delivery_zone",
            format!("longer than {MAX_ZONE} characters"),
        ));
    }
    if too_long(&draft.member_id, MAX_MEMBER_ID) {
        return Err(EngineError::invalid(
            "order.member_id",
            format!("longer than {MAX_MEMBER_ID} characters"),
        ));
    }
    check_member(&draft.member, draft.points_to_redeem)?;
    check_available(catalog, availability, &lines, fulfillment)?;
    Ok(Resolved { store, channel, fulfillment, target_time_ms, lines, units })
}

fn resolve_line(catalog: &Catalog, i: usize, l: &DraftLine) -> Result<Line, EngineError> {
    let Some(item) = catalog.items.get_index_of(&l.sku) else {
        let reason =
            if l.sku.is_empty() { "sku is required".to_owned() } else { format!("unknown SKU '{}'", l.sku) };
        return Err(EngineError::invalid(format!("order.lines[{i}].sku"), reason));
    };
    if l.quantity <= 0 || l.quantity > MAX_QUANTITY {
        return Err(EngineError::invalid(
            format!("order.lines[{i}].quantity"),
            format!("must be between 1 and {MAX_QUANTITY}, got {}", l.quantity),
        ));
    }
    let it = catalog.item(item);
    let mut modifiers = Vec::with_capacity(l.modifiers.len());
    let mut seen = BTreeSet::new();
    for (j, code) in l.modifiers.iter().enumerate() {
        let field = || format!("order.lines[{i}].modifiers[{j}]");
        let Some(m) = catalog.modifiers.get_index_of(code) else {
            return Err(EngineError::invalid(field(), format!("unknown modifier '{code}'")));
        };
        if !it.accepts(m) {
            return Err(EngineError::invalid(
                field(),
                format!("modifier '{code}' is not offered for '{}'", it.sku),
            ));
        }
        if !seen.insert(m) {
            return Err(EngineError::invalid(field(), format!("modifier '{code}' is repeated")));
        }
        modifiers.push(m);
    }
    if too_long(&l.note, MAX_NOTE) {
        return Err(EngineError::invalid(
            format!("order.lines[{i}].note"),
            format!("longer than {MAX_NOTE} characters"),
        ));
    }
    Ok(Line { line_no: i as i32, item, quantity: l.quantity as u32, modifiers })
}

fn check_member(member: &MemberContext, points_to_redeem: i64) -> Result<(), EngineError> {
    if too_long(&member.tier, MAX_TIER) {
        return Err(EngineError::invalid("order.member.tier", format!("longer than {MAX_TIER} characters")));
    }
    if member.points_balance < 0 {
        return Err(EngineError::invalid("order.member.points_balance", "must not be negative"));
    }
    if points_to_redeem < 0 {
        return Err(EngineError::invalid("order.points_to_redeem", "must not be negative"));
    }
    if member.wallet.len() > MAX_WALLET {
        return Err(EngineError::invalid("order.member.wallet", format!("at most {MAX_WALLET} coupons")));
    }
    for (i, coupon) in member.wallet.iter().enumerate() {
        if coupon.coupon_id.is_empty() || too_long(&coupon.coupon_id, MAX_MEMBER_ID) {
            return Err(EngineError::invalid(
                format!("order.member.wallet[{i}].coupon_id"),
                format!("required, at most {MAX_MEMBER_ID} characters"),
            ));
        }
        if coupon.promotion_id.is_empty() || too_long(&coupon.promotion_id, MAX_MEMBER_ID) {
            return Err(EngineError::invalid(
                format!("order.member.wallet[{i}].promotion_id"),
                format!("required, at most {MAX_MEMBER_ID} characters"),
            ));
        }
    }
    Ok(())
}

pub fn check_target(
    field: &str,
    target: i64,
    fulfillment: Fulfillment,
    now_ms: i64,
) -> Result<(), EngineError> {
    let name = if fulfillment == Fulfillment::PickupAt { "PICKUP_AT" } else { "DELIVERY" };
    if target <= 0 {
        return Err(EngineError::invalid(field, format!("required for {name}")));
    }
    if target < now_ms - TARGET_PAST_MS {
        return Err(EngineError::invalid(field, "more than 5 minutes in the past"));
    }
    if target > now_ms + TARGET_FUTURE_MS {
        return Err(EngineError::invalid(field, "more than 7 days in the future"));
    }
    Ok(())
}

fn check_available(
    catalog: &Catalog,
    availability: &dyn Availability,
    lines: &[Line],
    fulfillment: Fulfillment,
) -> Result<(), EngineError> {
    for (i, line) in lines.iter().enumerate() {
        let item = catalog.item(line.item);
        if !availability.item_available(line.item) {
            return Err(EngineError::precondition(
                format!("order.lines[{i}].sku"),
                format!("'{}' ({}) is sold out", item.name, item.sku),
            ));
        }
        for (j, &m) in line.modifiers.iter().enumerate() {
            if !availability.modifier_available(m) {
                let modifier = catalog.modifier(m);
                return Err(EngineError::precondition(
                    format!("order.lines[{i}].modifiers[{j}]"),
                    format!("'{}' ({}) is sold out", modifier.name, modifier.code),
                ));
            }
        }
        let stations = item
            .steps
            .iter()
            .chain(line.modifiers.iter().flat_map(|&m| catalog.modifier(m).steps.iter()))
            .map(|s| s.station);
        for station in stations {
            if availability.slots(station) == 0 {
                return Err(EngineError::precondition(
                    format!("order.lines[{i}].sku"),
                    format!("station '{}' is closed", catalog.station_name(station)),
                ));
            }
        }
    }
    for step in catalog.order_steps.iter().filter(|s| s.fulfillment.contains(&fulfillment)) {
        if availability.slots(step.station) == 0 {
            return Err(EngineError::precondition(
                "order.fulfillment",
                format!("station '{}' is closed", catalog.station_name(step.station)),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::sample_json;

    struct Open;
    impl Availability for Open {
        fn item_available(&self, _: usize) -> bool {
            true
        }
        fn modifier_available(&self, _: usize) -> bool {
            true
        }
        fn slots(&self, _: usize) -> u32 {
            1
        }
    }

    fn draft() -> Draft {
        Draft {
            store_id: "sh-001".into(),
            channel: Some(Channel::Counter),
            channel_order_id: "c-1".into(),
            lines: vec![DraftLine {
                sku: "classic_milk_tea".into(),
                quantity: 2,
                modifiers: vec!["large".into(), "pearls".into()],
                note: String::new(),
            }],
            ..Draft::default()
        }
    }

    fn check(d: &Draft) -> Result<Resolved, EngineError> {
        let catalog = Catalog::from_json(&sample_json()).unwrap();
        resolve(&catalog, &Open, 0, d, Purpose::Submit, 1_000_000_000)
    }

    #[test]
    fn valid_draft_resolves() {
        let r = check(&draft()).unwrap();
        assert_eq!(r.units, 2);
        assert_eq!(r.lines[0].modifiers.len(), 2);
        assert_eq!(r.fulfillment, Fulfillment::Asap);
    }

    #[test]
    fn field_paths_name_the_offender() {
        type Edit = Box<dyn Fn(&mut Draft)>;
        let cases: Vec<(Edit, &str)> = vec![
            (Box::new(|d| d.channel = None), "order.channel"),
            (Box::new(|d| d.channel_order_id.clear()), "order.channel_order_id"),
            (Box::new(|d| d.channel_order_id = "x".repeat(129)), "order.channel_order_id"),
            (Box::new(|d| d.lines.clear()), "order.lines"),
            (Box::new(|d| d.lines[0].sku = "taro".into()), "order.lines[0].sku"),
            (Box::new(|d| d.lines[0].quantity = 0), "order.lines[0].quantity"),
            (Box::new(|d| d.lines[0].quantity = 100), "order.lines[0].quantity"),
            (Box::new(|d| d.lines[0].modifiers.push("x".into())), "order.lines[0].modifiers[2]"),
            (Box::new(|d| d.lines[0].modifiers.push("large".into())), "order.lines[0].modifiers[2]"),
            (Box::new(|d| d.lines[0].note = "n".repeat(501)), "order.lines[0].note"),
            (Box::new(|d| d.customer_note = "n".repeat(501)), "order.customer_note"),
            (Box::new(|d| d.member_id = "m".repeat(65)), "order.member_id"),
            (Box::new(|d| d.fulfillment = Some(Fulfillment::PickupAt)), "order.target_time_ms"),
            (
                Box::new(|d| {
                    d.fulfillment = Some(Fulfillment::Delivery);
                    d.target_time_ms = 1;
                }),
                "order.target_time_ms",
            ),
            (
                Box::new(|d| {
                    d.lines = vec![d.lines[0].clone(); 3];
                    for l in &mut d.lines {
                        l.quantity = 99;
                    }
                }),
                "order.lines",
            ),
        ];
        for (edit, field) in cases {
            let mut d = draft();
            edit(&mut d);
            let err = check(&d).unwrap_err();
            assert!(matches!(err, EngineError::InvalidArgument { .. }), "{err}");
            assert_eq!(err.field(), field, "{err}");
        }
    }

    #[test]
    fn modifier_not_offered() {
        let mut d = draft();
        d.lines[0].sku = "strawberry_cheese_smoothie".into();
        let err = check(&d).unwrap_err();
        assert_eq!(err.field(), "order.lines[0].modifiers[1]");
        assert!(err.reason().contains("not offered"));
    }

    #[test]
    fn fingerprint_ignores_key_and_normalizes() {
        let a = draft();
        let mut b = draft();
        b.channel_order_id = "other".into();
        b.fulfillment = Some(Fulfillment::Asap);
        b.target_time_ms = 123; // ignored for ASAP
        assert_eq!(a.fingerprint(), b.fingerprint());
        b.lines[0].quantity = 3;
        assert_ne!(a.fingerprint(), b.fingerprint());
    }
}
