//! Line pricing: unit price = item price + modifier prices, gross = unit x quantity, and the
//! order totals. Money is i64 minor units throughout.
//!
//! Promotions plug in between [`price_lines`] and [`Totals::of`]: a discount step writes each
//! line's share into `discount_minor` (allocated by largest remainder) and recomputes
//! `net_minor`; the totals are always sums of the lines, so they stay exact. Today no discount
//! applies, so net = gross.

use serde::{Deserialize, Serialize};

use crate::scheduler::Admission;

use crate::draft::Line;
use crate::menu::Catalog;
use crate::types::LoadLevel;

/// One priced line of an order, as quoted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricedLine {
    pub line_no: i32,
    pub sku: String,
    pub name: String,
    pub quantity: i32,
    pub modifiers: Vec<String>,
    pub unit_price_minor: i64,
    pub gross_minor: i64,
    pub discount_minor: i64,
    pub net_minor: i64,
}

/// Sums over the lines.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub subtotal_minor: i64,
    pub discount_minor: i64,
    pub total_minor: i64,
}

impl Totals {
    pub fn of(lines: &[PricedLine]) -> Self {
        lines.iter().fold(Self::default(), |t, l| Self {
            subtotal_minor: t.subtotal_minor + l.gross_minor,
            discount_minor: t.discount_minor + l.discount_minor,
            total_minor: t.total_minor + l.net_minor,
        })
    }
}

/// A price and ETA quote: what QuoteOrder answers and what an order keeps from acceptance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    pub currency: String,
    pub lines: Vec<PricedLine>,
    pub totals: Totals,
    pub eta_ms: i64,
    pub prep_s: i32,
    pub cups_ahead: i32,
    pub load_level: LoadLevel,
    /// Promotions applied, in application order, with their per-line amounts.
    pub promotions: Vec<AppliedPromotion>,
    pub near_misses: Vec<NearMiss>,
    pub points_used: i64,
    pub points_value_minor: i64,
    /// The scheduler's admission decision (pace, extend) taken with this quote.
    #[serde(default)]
    pub admission: Admission,
}

/// A promotion as applied to an order (from the calculator's answer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedPromotion {
    pub id: String,
    pub name: String,
    pub amount_minor: i64,
    /// (line_no, amount) for every line with a nonzero share.
    pub lines: Vec<(i32, i64)>,
    pub explanation: String,
}

/// "Add `add_minor` for `extra_discount_minor` off."
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NearMiss {
    pub id: String,
    pub add_minor: i64,
    pub extra_discount_minor: i64,
}

/// Prices validated lines at list price.
pub fn price_lines(catalog: &Catalog, lines: &[Line]) -> Vec<PricedLine> {
    lines
        .iter()
        .map(|line| {
            let item = catalog.item(line.item);
            let modifiers_minor: i64 = line.modifiers.iter().map(|&m| catalog.modifier(m).price_minor).sum();
            let unit_price_minor = item.price_minor + modifiers_minor;
            let gross_minor = unit_price_minor * i64::from(line.quantity);
            PricedLine {
                line_no: line.line_no,
                sku: item.sku.clone(),
                name: item.name.clone(),
                quantity: line.quantity as i32,
                modifiers: line.modifiers.iter().map(|&m| catalog.modifier(m).code.clone()).collect(),
                unit_price_minor,
                gross_minor,
                discount_minor: 0,
                net_minor: gross_minor,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::testutil::sample_json;

    fn catalog() -> Catalog {
        Catalog::from_json(&sample_json()).unwrap()
    }

    #[test]
    fn unit_price_includes_modifiers() {
        let c = catalog();
        let large = c.modifiers.get_index_of("large").unwrap();
        let pearls = c.modifiers.get_index_of("pearls").unwrap();
        let lines = vec![Line { line_no: 0, item: 0, quantity: 2, modifiers: vec![large, pearls] }];
        let priced = price_lines(&c, &lines);
        assert_eq!(priced[0].unit_price_minor, 1500 + 300 + 200);
        assert_eq!(priced[0].gross_minor, 4000);
        assert_eq!(priced[0].net_minor, 4000);
        assert_eq!(priced[0].modifiers, vec!["large", "pearls"]);
        let t = Totals::of(&priced);
        assert_eq!((t.subtotal_minor, t.discount_minor, t.total_minor), (4000, 0, 4000));
    }

    proptest! {
        #[test]
        fn total_is_sum_of_lines(
            raw in prop::collection::vec((0usize..8, 1u32..=99, prop::collection::vec(0usize..7, 0..3)), 1..20)
        ) {
            let c = catalog();
            let lines: Vec<Line> = raw.iter().enumerate().map(|(i, (item, q, mods))| {
                let mut mods = mods.clone();
                mods.sort_unstable();
                mods.dedup();
                Line { line_no: i as i32, item: *item, quantity: *q, modifiers: mods }
            }).collect();
            let priced = price_lines(&c, &lines);
            let t = Totals::of(&priced);
            prop_assert_eq!(t.total_minor, priced.iter().map(|l| l.net_minor).sum::<i64>());
            prop_assert_eq!(t.subtotal_minor, t.total_minor + t.discount_minor);
            for l in &priced {
                prop_assert!(l.net_minor >= 0);
                prop_assert_eq!(l.gross_minor, l.unit_price_minor * i64::from(l.quantity));
            }
        }
    }
}
