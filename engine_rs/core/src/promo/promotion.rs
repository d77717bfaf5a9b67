//! A compiled, validated promotion (see [`config`](super::config) for the JSON form).

use super::conditions::Conditions;
use super::rule::{ItemKind, OrderKind};
use super::selector::SelectorId;

/// What a promotion discounts and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    /// Discounts units; `stackable` ones share unclaimed units, the others claim theirs.
    Item { kind: ItemKind, stackable: bool },
    /// Discounts the order from a base; `before_items` = the base ignores item discounts.
    Order { kind: OrderKind, before_items: bool },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Promotion {
    pub id: String,
    pub name: String,
    /// The kind as the JSON names it (`"percent_off"`, ...).
    pub kind_name: &'static str,
    pub enabled: bool,
    pub priority: i64,
    /// Index into the calculator's group names.
    pub group: Option<usize>,
    pub exclusive: bool,
    pub scope: SelectorId,
    pub conditions: Conditions,
    pub rule: Rule,
    /// What the rule does, in the words of the answer's explanations (built once).
    pub description: String,
}

impl Promotion {
    pub fn is_item(&self) -> bool {
        matches!(self.rule, Rule::Item { .. })
    }

    /// A non-stackable item-level promotion: it claims the units it discounts.
    pub fn claims(&self) -> bool {
        matches!(self.rule, Rule::Item { stackable: false, .. })
    }

    pub fn item_kind(&self) -> Option<&ItemKind> {
        match &self.rule {
            Rule::Item { kind, .. } => Some(kind),
            Rule::Order { .. } => None,
        }
    }

    pub fn order_kind(&self) -> Option<(&OrderKind, bool)> {
        match &self.rule {
            Rule::Order { kind, before_items } => Some((kind, *before_items)),
            Rule::Item { .. } => None,
        }
    }
}
