//! [`PriceCalculator`]: compiled once from the shop's pricing settings and the promotions, then
//! called per cart with no config parsing: applicability, the best-deal search, the full
//! evaluation of the winner, points, reasons and near misses.

use std::sync::Arc;

use super::answer::{Answer, Applied, LineAmount, LineAnswer, NearMiss, NotApplied};
use super::cart::Cart;
use super::config::{compile_promotions, ShopPricing};
use super::eval::{CartCx, Choice, Evaluation};
use super::explain::{self, Reason};
use super::points;
use super::promotion::Promotion;
use super::rule::{OrderKind, OrderRule};
use super::search::{best_choice, SearchOrder, NODE_BUDGET};
use super::selector::SelectorIndex;
use crate::error::EngineError;

/// A promotion's texts in the answers.
#[derive(Debug)]
struct Texts {
    id: Arc<str>,
    name: Arc<str>,
    explanations: Vec<Arc<str>>,
}

/// A compiled promotion set for one shop.
#[derive(Debug)]
pub struct PriceCalculator {
    shop: ShopPricing,
    /// In `(priority, id)` order.
    promotions: Vec<Promotion>,
    selectors: SelectorIndex,
    groups: Vec<String>,
    /// `id_rank[p]`: position of promotion `p` by id (for the id tie-breaks); `by_id`: the
    /// promotions in id order (the answer lists them so).
    id_rank: Vec<u32>,
    by_id: Vec<usize>,
    /// Per promotion: its id, name, and not-applied explanation for each reason (by
    /// `Reason as usize`), written once here and shared by every answer.
    texts: Vec<Texts>,
    budget: u64,
    order: SearchOrder,
}

impl PriceCalculator {
    /// Compiles the shop JSON and the promotions JSON (a list); refuses with a `Config` error
    /// naming the field (`shop.points.per_block`, `promotions[3].tiers[0].amount_minor`).
    pub fn new(shop_json: &str, promotions_json: &str) -> Result<Self, EngineError> {
        let shop = ShopPricing::from_json(shop_json)?;
        let compiled = compile_promotions(promotions_json)?;
        let mut by_id: Vec<usize> = (0..compiled.promotions.len()).collect();
        by_id.sort_by(|&a, &b| compiled.promotions[a].id.cmp(&compiled.promotions[b].id));
        let mut id_rank = vec![0; by_id.len()];
        for (rank, &p) in by_id.iter().enumerate() {
            id_rank[p] = rank as u32;
        }
        let texts = compiled
            .promotions
            .iter()
            .map(|promotion| {
                let explanations = Reason::ALL
                    .iter()
                    .map(|&reason| explain::not_applied(promotion, reason).into())
                    .collect();
                Texts { id: promotion.id.as_str().into(), name: promotion.name.as_str().into(), explanations }
            })
            .collect();
        Ok(Self {
            texts,
            shop,
            promotions: compiled.promotions,
            selectors: compiled.selectors,
            groups: compiled.groups,
            id_rank,
            by_id,
            budget: NODE_BUDGET,
            order: SearchOrder::default(),
        })
    }

    /// The same calculator with another node budget (tests of the fallback).
    #[must_use]
    pub fn with_budget(mut self, budget: u64) -> Self {
        self.budget = budget;
        self
    }

    /// The same calculator with another walk of the search (tests: the answer never depends
    /// on it).
    #[must_use]
    pub fn with_search_order(mut self, order: SearchOrder) -> Self {
        self.order = order;
        self
    }

    pub fn promotions(&self) -> &[Promotion] {
        &self.promotions
    }

    /// The compiled selectors (tests build a cart's context from them).
    #[cfg(test)]
    pub(super) fn selectors(&self) -> &SelectorIndex {
        &self.selectors
    }

    /// Prices a cart given as JSON; refuses a bad cart with `InvalidArgument` naming the field.
    pub fn price_json(&self, cart_json: &str) -> Result<String, EngineError> {
        Ok(self.price(&Cart::from_json(cart_json)?).to_json())
    }

    /// Prices a validated cart (lines sorted by `line_no`, see [`Cart::from_json`]).
    pub fn price(&self, cart: &Cart) -> Answer {
        let cx = CartCx::new(&self.promotions, &self.selectors, &cart.lines);
        // Per promotion, why it was not applied (none: applied).
        let mut reasons: Vec<Option<Reason>> = vec![None; self.promotions.len()];
        let mut candidates = Vec::new();
        for (p, reason) in reasons.iter_mut().enumerate() {
            *reason = self.static_reason(&cx, cart, p);
            if reason.is_none() {
                candidates.push(p);
            }
        }
        let (choice, exact) =
            best_choice(&cx, &self.id_rank, self.groups.len(), &candidates, self.budget, self.order);
        let eval = cx.evaluate(&choice);
        let (applied, applied_set) = self.applied(cart, &choice, &eval);
        let near_misses = self.explain_rest(&cx, &candidates, &applied_set, &eval, &mut reasons);

        let mut nets = eval.nets;
        let remaining: i64 = nets.iter().sum();
        let ctx = &cart.context;
        let (points_used, points_value) =
            points::redeem(self.shop.points, ctx.points_balance(), ctx.points_to_redeem(), remaining);
        points::spread(points_value, &mut nets);

        let lines: Vec<LineAnswer> = cart
            .lines
            .iter()
            .zip(&nets)
            .map(|(line, &net)| LineAnswer {
                line_no: line.line_no,
                gross_minor: line.gross(),
                discount_minor: line.gross() - net,
                net_minor: net,
            })
            .collect();
        let subtotal: i64 = lines.iter().map(|l| l.gross_minor).sum();
        let total: i64 = lines.iter().map(|l| l.net_minor).sum();
        let not_applied: Vec<NotApplied> = self
            .by_id
            .iter()
            .filter_map(|&p| {
                reasons[p].map(|reason| NotApplied {
                    id: Arc::clone(&self.texts[p].id),
                    reason: reason.code(),
                    explanation: Arc::clone(&self.texts[p].explanations[reason as usize]),
                })
            })
            .collect();
        Answer {
            lines,
            subtotal_minor: subtotal,
            discount_minor: subtotal - total,
            total_minor: total,
            points_used,
            points_value_minor: points_value,
            applied,
            not_applied,
            near_misses,
            exact,
        }
    }

    /// The applied promotions (nonzero amount) in application order, and which they are.
    fn applied(&self, cart: &Cart, choice: &Choice, eval: &Evaluation) -> (Vec<Applied>, Vec<bool>) {
        let mut applied = Vec::new();
        let mut applied_set = vec![false; self.promotions.len()];
        for (p, per_line) in &eval.amounts {
            let amount: i64 = per_line.iter().sum();
            if amount == 0 {
                continue;
            }
            applied_set[*p] = true;
            let units =
                choice.claims.iter().find(|c| c.0 == *p).map(|c| c.1.iter().map(|&x| u64::from(x)).sum());
            let promotion = &self.promotions[*p];
            applied.push(Applied {
                id: Arc::clone(&self.texts[*p].id),
                name: Arc::clone(&self.texts[*p].name),
                amount_minor: amount,
                lines: per_line
                    .iter()
                    .enumerate()
                    .filter(|(_, &a)| a != 0)
                    .map(|(l, &a)| LineAmount { line_no: cart.lines[l].line_no, amount_minor: a })
                    .collect(),
                explanation: explain::applied(promotion, amount, units),
            });
        }
        (applied, applied_set)
    }

    /// The reasons of the candidates that were not applied (decided by the best combination)
    /// and the near misses, by id.
    fn explain_rest(
        &self,
        cx: &CartCx<'_>,
        candidates: &[usize],
        applied_set: &[bool],
        eval: &Evaluation,
        reasons: &mut [Option<Reason>],
    ) -> Vec<NearMiss> {
        // Per group, whether a member is applied (a candidate that is not applied is never it).
        let mut group_applied = vec![false; self.groups.len()];
        for (promotion, _) in self.promotions.iter().zip(applied_set).filter(|(_, &applied)| applied) {
            if let Some(g) = promotion.group {
                group_applied[g] = true;
            }
        }
        let exclusive_applied =
            (0..self.promotions.len()).find(|&p| applied_set[p] && self.promotions[p].exclusive);
        let mut near_misses = Vec::new();
        for &p in candidates {
            let promotion = &self.promotions[p];
            let order = promotion.order_kind().map(|(kind, _)| (kind, cx.base(p, &eval.after_items)));
            if applied_set[p] {
                if let Some((kind @ OrderKind::ThresholdTiers(_), base)) = order {
                    if let Some((add, extra)) = kind.near_miss(base) {
                        near_misses.push((promotion.id.clone(), add, extra));
                    }
                }
                continue;
            }
            let reason = if exclusive_applied.is_some_and(|e| e != p) {
                Reason::ExcludedByExclusive
            } else if promotion.group.is_some_and(|g| group_applied[g]) {
                Reason::GroupConflict
            } else if order.is_some_and(|(kind, base)| kind.below_threshold(base)) {
                Reason::ThresholdNotReached
            } else {
                Reason::NoBenefit
            };
            if reason == Reason::ThresholdNotReached {
                if let Some((add, extra)) = order.and_then(|(kind, base)| kind.near_miss(base)) {
                    near_misses.push((promotion.id.clone(), add, extra));
                }
            }
            reasons[p] = Some(reason);
        }
        near_misses.sort();
        near_misses
            .into_iter()
            .map(|(id, add, extra)| NearMiss { id, add_minor: add, extra_discount_minor: extra })
            .collect()
    }

    /// The first reason that makes promotion `p` inapplicable, if any.
    fn static_reason(&self, cx: &CartCx<'_>, cart: &Cart, p: usize) -> Option<Reason> {
        let promotion = &self.promotions[p];
        let ctx = &cart.context;
        if !promotion.enabled {
            return Some(Reason::Disabled);
        }
        if let Err(reason) = promotion.conditions.check(&promotion.id, ctx, self.shop.utc_offset_minutes) {
            return Some(reason);
        }
        if ctx.remaining_uses.get(&promotion.id).is_some_and(|&uses| uses <= 0) {
            return Some(Reason::NoUsesLeft);
        }
        let eligible = cx.eligible_units(p);
        if eligible == 0 {
            return Some(Reason::NoEligibleItems);
        }
        if eligible < promotion.conditions.min_quantity {
            return Some(Reason::MinQuantity);
        }
        None
    }
}
