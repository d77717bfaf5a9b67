//! Kitchen tickets: one per (order, station) the order's steps visit. [`build`] turns validated
//! lines into ticket drafts: each line's per-unit steps (item steps scaled by its modifiers, plus
//! modifier steps merged in kitchen order), grouped by station, batched
//! (`ceil(qty / batch_size) x per-unit time`), with the dependencies that release them.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::draft::Line;
use crate::menu::{Catalog, SCALE_ONE};
use crate::types::{Fulfillment, TicketState};

/// Longest per-unit step after scaling (guards the integer arithmetic against absurd scales).
const MAX_STEP_MS: i64 = 1_000_000_000_000;

/// What a station does for one order line (or, with `line_no == -1`, for the order as a whole).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketItem {
    pub line_no: i32,
    pub sku: String,
    pub name: String,
    pub quantity: i32,
    pub modifiers: Vec<String>,
    /// Task names at this station, in order, e.g. `["brew"]`.
    pub steps: Vec<String>,
    /// Standard milliseconds for all units here, batching applied.
    pub work_ms: i64,
    pub note: String,
}

/// A ticket as decided at submission: its station (kitchen index), items, work and the indices
/// (within the order's tickets, which are in kitchen order) of the tickets it waits for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketDraft {
    pub station: usize,
    pub items: Vec<TicketItem>,
    pub work_ms: i64,
    pub deps: Vec<u32>,
}

/// A ticket of an accepted order, as it lives in the state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    pub station: usize,
    pub state: TicketState,
    /// Decided at acceptance, never changed: shared like the order's quote (serialized as the
    /// list itself).
    pub items: Arc<Vec<TicketItem>>,
    pub work_ms: i64,
    pub deps: Vec<u32>,
    pub created_at_ms: i64,
    pub started_at_ms: i64,
    pub done_at_ms: i64,
}

/// Whole seconds (rounded up) of a duration in milliseconds, for the API's `_s` fields.
pub fn ms_to_s(ms: i64) -> i32 {
    ms.div_euclid(1000).saturating_add(i64::from(ms.rem_euclid(1000) != 0)).clamp(0, i64::from(i32::MAX))
        as i32
}

fn scaled(ms: i64, scale_ppm: i64) -> i64 {
    if scale_ppm == SCALE_ONE {
        return ms;
    }
    let v = (i128::from(ms) * i128::from(scale_ppm) + i128::from(SCALE_ONE / 2)) / i128::from(SCALE_ONE);
    (v.clamp(1, i128::from(MAX_STEP_MS))) as i64
}

struct Builder {
    items: Vec<TicketItem>,
    work_ms: i64,
    deps: BTreeSet<usize>,
}

/// Builds the tickets of an order from its validated lines, in kitchen order.
///
/// Dependencies: a line's group of steps at a station waits for the ticket holding the line's
/// previous step; the order steps (e.g. "bag" for delivery) wait for every other ticket of the
/// order at an earlier station, so items converge on pack. Dependencies always point to earlier
/// stations, so they can never form a cycle.
pub fn build(
    catalog: &Catalog,
    lines: &[Line],
    notes: &[&str],
    fulfillment: Fulfillment,
) -> Vec<TicketDraft> {
    let mut stations: BTreeMap<usize, Builder> = BTreeMap::new();
    let mut steps: Vec<(usize, &str, i64)> = Vec::new();
    for (line, note) in lines.iter().zip(notes.iter().copied().chain(std::iter::repeat(""))) {
        let item = catalog.item(line.item);
        steps.clear();
        for step in &item.steps {
            let ms = line.modifiers.iter().fold(step.ms, |ms, &m| scaled(ms, catalog.modifier(m).scale_ppm));
            steps.push((step.station, step.task.as_str(), ms));
        }
        for &m in &line.modifiers {
            for step in &catalog.modifier(m).steps {
                steps.push((step.station, step.task.as_str(), step.ms));
            }
        }
        // Stable: at the same station, item steps stay before modifier steps.
        steps.sort_by_key(|&(station, _, _)| station);
        let mut prev: Option<usize> = None;
        let mut i = 0;
        while i < steps.len() {
            let station = steps[i].0;
            let mut j = i;
            let mut unit_ms = 0;
            let mut tasks = Vec::new();
            while j < steps.len() && steps[j].0 == station {
                unit_ms += steps[j].2;
                tasks.push(steps[j].1.to_owned());
                j += 1;
            }
            let batch = catalog.station(station).batch_size;
            let work_ms = i64::from(line.quantity.div_ceil(batch)) * unit_ms;
            let b = stations.entry(station).or_insert_with(|| Builder {
                items: Vec::new(),
                work_ms: 0,
                deps: BTreeSet::new(),
            });
            b.items.push(TicketItem {
                line_no: line.line_no,
                sku: item.sku.clone(),
                name: item.name.clone(),
                quantity: line.quantity as i32,
                modifiers: line.modifiers.iter().map(|&m| catalog.modifier(m).code.clone()).collect(),
                steps: tasks,
                work_ms,
                note: note.to_owned(),
            });
            b.work_ms += work_ms;
            if let Some(p) = prev {
                b.deps.insert(p);
            }
            prev = Some(station);
            i = j;
        }
    }
    add_order_steps(catalog, fulfillment, &mut stations);
    let index: BTreeMap<usize, u32> = stations.keys().enumerate().map(|(i, &s)| (s, i as u32)).collect();
    stations
        .into_iter()
        .map(|(station, b)| TicketDraft {
            station,
            items: b.items,
            work_ms: b.work_ms,
            deps: b.deps.iter().map(|s| index[s]).collect(),
        })
        .collect()
}

fn add_order_steps(catalog: &Catalog, fulfillment: Fulfillment, stations: &mut BTreeMap<usize, Builder>) {
    let mut per_station: BTreeMap<usize, (Vec<String>, i64)> = BTreeMap::new();
    for step in catalog.order_steps.iter().filter(|s| s.fulfillment.contains(&fulfillment)) {
        let entry = per_station.entry(step.station).or_default();
        entry.0.push(step.task.clone());
        entry.1 += step.ms;
    }
    for (station, (tasks, work_ms)) in per_station {
        let earlier: BTreeSet<usize> = stations.keys().copied().filter(|&s| s < station).collect();
        let b = stations.entry(station).or_insert_with(|| Builder {
            items: Vec::new(),
            work_ms: 0,
            deps: BTreeSet::new(),
        });
        b.items.push(TicketItem {
            line_no: -1,
            sku: String::new(),
            name: "order".to_owned(),
            quantity: 1,
            modifiers: Vec::new(),
            steps: tasks,
            work_ms,
            note: String::new(),
        });
        b.work_ms += work_ms;
        b.deps.extend(earlier);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::sample_json;

    fn catalog() -> Catalog {
        Catalog::from_json(&sample_json()).unwrap()
    }

    fn line(c: &Catalog, sku: &str, qty: u32, mods: &[&str]) -> Line {
        Line {
            line_no: 0,
            item: c.items.get_index_of(sku).unwrap(),
            quantity: qty,
            modifiers: mods.iter().map(|m| c.modifiers.get_index_of(*m).unwrap()).collect(),
        }
    }

    fn names(c: &Catalog, t: &[TicketDraft]) -> Vec<String> {
        t.iter().map(|t| c.station_name(t.station).to_owned()).collect()
    }

    #[test]
    fn classic_milk_tea_visits_three_stations_in_a_chain() {
        let c = catalog();
        let t = build(&c, &[line(&c, "classic_milk_tea", 1, &[])], &[], Fulfillment::Asap);
        assert_eq!(names(&c, &t), ["tea_bar", "shaker", "sealer"]);
        assert_eq!(t[0].deps, Vec::<u32>::new());
        assert_eq!(t[1].deps, vec![0]);
        assert_eq!(t[2].deps, vec![1]);
        assert_eq!(t[0].work_ms, 45_000);
        assert_eq!(t[0].items[0].steps, vec!["brew"]);
    }

    #[test]
    fn batching_and_scale() {
        let c = catalog();
        // 5 large teas: tea_bar batch 4 -> 2 batches of 45 s x 1.2 = 54 s; shaker batch 2 -> 3 x 18 s.
        let t = build(&c, &[line(&c, "classic_milk_tea", 5, &["large"])], &[], Fulfillment::Asap);
        assert_eq!(t[0].work_ms, 2 * 54_000);
        assert_eq!(t[1].work_ms, 3 * 18_000);
        assert_eq!(t[2].work_ms, 5 * 6_000);
    }

    #[test]
    fn modifier_steps_merge_in_kitchen_order() {
        let c = catalog();
        let t =
            build(&c, &[line(&c, "classic_milk_tea", 1, &["pearls", "cheese_foam"])], &[], Fulfillment::Asap);
        assert_eq!(names(&c, &t), ["tea_bar", "shaker", "toppings", "sealer"]);
        assert_eq!(t[2].items[0].steps, vec!["pearls", "cheese foam"]);
        assert_eq!(t[2].work_ms, 28_000);
        assert_eq!(t[2].deps, vec![1]);
        assert_eq!(t[3].deps, vec![2]);
    }

    #[test]
    fn delivery_order_converges_on_pack() {
        let c = catalog();
        let lines = [line(&c, "classic_milk_tea", 1, &[]), line(&c, "mango_smoothie", 1, &[])];
        let t = build(&c, &lines, &[], Fulfillment::Delivery);
        assert_eq!(names(&c, &t), ["fruit_prep", "tea_bar", "blender", "shaker", "sealer", "pack"]);
        assert_eq!(t[4].deps, vec![2, 3]); // sealer waits for blender (smoothie) and shaker (tea)
        assert_eq!(t[5].deps, vec![0, 1, 2, 3, 4]);
        assert_eq!(t[5].items[0].line_no, -1);
        assert_eq!(t[5].work_ms, 15_000);
        let asap = build(&c, &lines, &[], Fulfillment::Asap);
        assert_eq!(asap.len(), 5);
    }

    #[test]
    fn seconds_round_up() {
        assert_eq!(ms_to_s(0), 0);
        assert_eq!(ms_to_s(1), 1);
        assert_eq!(ms_to_s(1000), 1);
        assert_eq!(ms_to_s(1001), 2);
        assert_eq!(ms_to_s(-5), 0);
    }
}
