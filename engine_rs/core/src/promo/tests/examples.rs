//! Worked examples from real shops, each with its arithmetic written out. Prices are in fen
//! (1500 = 15.00 yuan).

use serde_json::{json, Value};

use super::support::{applied, cart, context, line, price, reasons};
use crate::promo::answer::NearMiss;

/// Monday 2026-11-23 06:00 UTC = 14:00 in the shop's UTC+8.
const MONDAY_1400_LOCAL: i64 = 1_795_413_600_000;
const HOUR: i64 = 3_600_000;

fn at(mut cart: Value, now_ms: i64) -> Value {
    cart["context"]["now_ms"] = json!(now_ms);
    cart
}

fn line_amounts(answer: &crate::promo::Answer, id: &str) -> Vec<(i64, i64)> {
    let a = answer.applied.iter().find(|a| &*a.id == id).expect("applied");
    a.lines.iter().map(|l| (l.line_no, l.amount_minor)).collect()
}

fn near(id: &str, add: i64, extra: i64) -> NearMiss {
    NearMiss { id: id.into(), add_minor: add, extra_discount_minor: extra }
}

#[test]
fn man_30_jian_5_tiers_with_the_next_tier_as_near_miss() {
    let promos = json!([{"id": "mj", "name": "满30减5 满50减10", "kind": "threshold_tiers",
        "tiers": [{"threshold_minor": 3000, "amount_minor": 500}, {"threshold_minor": 5000, "amount_minor": 1000}]}]);
    // 2 x 15.00 + 1 x 12.00 = 42.00 >= 30.00: 5.00 off. Split by nets 3000 : 1200:
    // 500*3000/4200 = 357.14 -> 357 (remainder 600), 500*1200/4200 = 142.86 -> 142 (remainder
    // 3600): the leftover fen goes to line 1 -> 357 + 143.
    let c = cart(&[line(0, "classic", "milk_tea", 2, 1500), line(1, "lemon", "fruit_tea", 1, 1200)]);
    let a = price(&promos, &c);
    assert_eq!(applied(&a), vec![("mj", 500)]);
    assert_eq!(line_amounts(&a, "mj"), vec![(0, 357), (1, 143)]);
    assert_eq!((a.subtotal_minor, a.discount_minor, a.total_minor), (4200, 500, 3700));
    // Next tier: add 50.00 - 42.00 = 8.00 for 10.00 - 5.00 = 5.00 more.
    assert_eq!(a.near_misses, vec![near("mj", 800, 500)]);
    // 25.50 reaches nothing: add 4.50 for 5.00.
    let c = cart(&[line(0, "classic", "milk_tea", 1, 1350), line(1, "lemon", "fruit_tea", 1, 1200)]);
    let a = price(&promos, &c);
    assert_eq!(reasons(&a), vec![("mj", "threshold_not_reached")]);
    assert_eq!(a.near_misses, vec![near("mj", 450, 500)]);
    assert_eq!(a.total_minor, 2550);
}

#[test]
fn mei_man_30_jian_5_with_a_cap() {
    let promos = json!([{"id": "every", "name": "每满30减5 最高减15", "kind": "every_x_off_y",
        "every_minor": 3000, "amount_minor": 500, "cap_minor": 1500}]);
    // (cart total, discount): 29.99 -> 0 steps; 60.00 -> 2 steps = 10.00; 89.99 -> 2 steps;
    // 130.00 -> 4 steps = 20.00, capped at 15.00.
    for (total, off) in [(2999, 0), (6000, 1000), (8999, 1000), (13_000, 1500)] {
        let a = price(&promos, &cart(&[line(0, "classic", "milk_tea", 1, total)]));
        assert_eq!(a.discount_minor, off, "total {total}");
    }
    // Below the first step: a near miss of 0.01 for 5.00.
    let a = price(&promos, &cart(&[line(0, "classic", "milk_tea", 1, 2999)]));
    assert_eq!(a.near_misses, vec![near("every", 1, 500)]);
    // An applied every_x_off_y has no near miss.
    let a = price(&promos, &cart(&[line(0, "classic", "milk_tea", 1, 6000)]));
    assert!(a.near_misses.is_empty());
}

#[test]
fn di_er_bei_ban_jia_on_the_cheaper_and_on_the_dearer() {
    let half = |on: &str| json!([{"id": "half", "name": "第二杯半价", "kind": "nth_unit", "n": 2, "percent": 50, "discount_on": on}]);
    let c = cart(&[
        line(0, "classic", "milk_tea", 1, 1500),
        line(1, "taro", "milk_tea", 1, 1800),
        line(2, "lemon", "fruit_tea", 1, 1200),
    ]);
    // Cheaper: the best pair is 18.00 + 15.00 (half of 15.00 = 7.50; a pair with 12.00 gives
    // only 6.00); the 12.00 cup stays unclaimed.
    let a = price(&half("cheaper"), &c);
    assert_eq!(line_amounts(&a, "half"), vec![(0, 750)]);
    // Dearer: any pair with the 18.00 cup gives 9.00; (15.00, 18.00) and (18.00, 12.00) tie, and
    // the assignment vector breaks it: [0, 1, 1] < [1, 1, 0], so lines 1 and 2 are claimed.
    let a = price(&half("dearer"), &c);
    assert_eq!(line_amounts(&a, "half"), vec![(1, 900)]);
    assert_eq!(a.total_minor, 4500 - 900);
    assert!(a.exact);
}

#[test]
fn mai_yi_song_yi_same_item_and_cross_category() {
    let same = json!([{"id": "bogo", "name": "买一送一", "kind": "buy_x_get_y", "percent": 100,
        "buy": {"skus": ["classic"], "quantity": 1}, "get": {"skus": ["classic"], "quantity": 1}}]);
    // 3 cups of 15.00: one application (get the cheapest, buy the dearest): 15.00 free; the
    // third cup cannot form another.
    let a = price(&same, &cart(&[line(0, "classic", "milk_tea", 3, 1500)]));
    assert_eq!(applied(&a), vec![("bogo", 1500)]);
    assert_eq!(a.total_minor, 3000);
    // Buy a milk tea, get a pudding free: 1 x 18.00 + 2 x 5.00 puddings -> one pudding free.
    let cross = json!([{"id": "pud", "name": "买奶茶送布丁", "kind": "buy_x_get_y", "percent": 100,
        "buy": {"categories": ["milk_tea"], "quantity": 1}, "get": {"skus": ["pudding"], "quantity": 1}}]);
    let c = cart(&[line(0, "taro", "milk_tea", 1, 1800), line(1, "pudding", "topping", 2, 500)]);
    let a = price(&cross, &c);
    assert_eq!(line_amounts(&a, "pud"), vec![(1, 500)]);
    assert_eq!(a.total_minor, 2300);
}

#[test]
fn combo_any_milk_tea_and_any_fruit_tea_for_thirty() {
    let promos = json!([{"id": "set", "name": "奶茶+果茶=30", "kind": "combo", "price_minor": 3000,
        "slots": [{"categories": ["milk_tea"], "quantity": 1}, {"categories": ["fruit_tea"], "quantity": 1}]}]);
    // 18.00 + 22.00 = 40.00 -> 10.00 off, split 18:22 -> 4.50 + 5.50 exactly.
    let c = cart(&[line(0, "taro", "milk_tea", 1, 1800), line(1, "mango", "fruit_tea", 1, 2200)]);
    let a = price(&promos, &c);
    assert_eq!(line_amounts(&a, "set"), vec![(0, 450), (1, 550)]);
    // 12.00 + 15.00 = 27.00 is already cheaper than the combo: no benefit.
    let c = cart(&[line(0, "classic", "milk_tea", 1, 1500), line(1, "lemon", "fruit_tea", 1, 1200)]);
    let a = price(&promos, &c);
    assert_eq!(reasons(&a), vec![("set", "no_benefit")]);
}

#[test]
fn member_tier_price() {
    let promos = json!([{"id": "gold", "name": "金卡会员价", "kind": "tier_price",
        "prices": {"classic": 1200}, "conditions": {"member_tiers": ["gold"]}}]);
    // Item 15.00 + 2.00 of modifiers = 17.00 a cup; the tier price replaces the item price:
    // 15.00 - 12.00 = 3.00 off each, 2 cups = 6.00.
    let mut lines = line(0, "classic", "milk_tea", 2, 1500);
    lines["modifiers_price_minor"] = json!(200);
    let mut c = cart(&[lines, line(1, "lemon", "fruit_tea", 1, 1200)]);
    let a = price(&promos, &c);
    assert_eq!(reasons(&a), vec![("gold", "member_tier")]);
    c["context"]["member_tier"] = json!("gold");
    let a = price(&promos, &c);
    assert_eq!(line_amounts(&a, "gold"), vec![(0, 600)]);
    assert_eq!(a.total_minor, 3400 + 1200 - 600);
}

#[test]
fn threshold_coupon_only_in_the_wallet() {
    let promos = json!([{"id": "cp50-10", "name": "满50减10券", "kind": "threshold_tiers",
        "tiers": [{"threshold_minor": 5000, "amount_minor": 1000}], "conditions": {"coupon": true}}]);
    let mut c = cart(&[line(0, "taro", "milk_tea", 3, 2000)]);
    let a = price(&promos, &c);
    assert_eq!(reasons(&a), vec![("cp50-10", "coupon_missing")]);
    // Valid from 0 (inclusive) to 1000 (exclusive); now = 0: 60.00 >= 50.00 -> 10.00 off.
    c["context"]["wallet"] =
        json!([{"coupon_id": "c-1", "promotion_id": "cp50-10", "valid_from_ms": 0, "valid_to_ms": 1000}]);
    let a = price(&promos, &c);
    assert_eq!(applied(&a), vec![("cp50-10", 1000)]);
    // Expired at 1000.
    let a = price(&promos, &at(c, 1000));
    assert_eq!(reasons(&a), vec![("cp50-10", "coupon_missing")]);
}

#[test]
fn happy_hour_in_local_time_and_a_window_past_midnight() {
    let promos = json!([
        {"id": "happy", "name": "下午茶8折", "kind": "percent_off", "level": "item", "percent": 20,
         "scope": {"categories": ["fruit_tea"]},
         "conditions": {"time_windows": [{"start": "14:00", "end": "17:00"}]}},
        {"id": "night", "name": "夜猫子立减3元", "kind": "amount_off", "level": "order", "amount_minor": 300,
         "conditions": {"time_windows": [{"start": "22:00", "end": "02:00"}]}}
    ]);
    let c = cart(&[line(0, "lemon", "fruit_tea", 2, 1500)]);
    // 06:00 UTC = 14:00 local: 20% of 15.00 = 3.00 a cup, 6.00.
    let a = price(&promos, &at(c.clone(), MONDAY_1400_LOCAL));
    assert_eq!(applied(&a), vec![("happy", 600)]);
    assert_eq!(reasons(&a), vec![("night", "outside_time")]);
    // 16:59:59.999 local still in; 17:00 local out (end exclusive).
    let a = price(&promos, &at(c.clone(), MONDAY_1400_LOCAL + 3 * HOUR - 1));
    assert_eq!(applied(&a), vec![("happy", 600)]);
    let a = price(&promos, &at(c.clone(), MONDAY_1400_LOCAL + 3 * HOUR));
    assert_eq!(reasons(&a), vec![("happy", "outside_time"), ("night", "outside_time")]);
    // 23:30 and (next day) 01:30 local are inside 22:00-02:00; 02:00 is not.
    for hours_after in [9.5, 11.5] {
        let now = MONDAY_1400_LOCAL + (hours_after * 3_600_000.0) as i64;
        assert_eq!(applied(&price(&promos, &at(c.clone(), now))), vec![("night", 300)], "{hours_after}");
    }
    let a = price(&promos, &at(c, MONDAY_1400_LOCAL + 12 * HOUR));
    assert!(a.applied.is_empty());
}

#[test]
fn points_hundred_for_five_yuan_capped_at_half() {
    let mut c = cart(&[line(0, "classic", "milk_tea", 1, 1800), line(1, "lemon", "fruit_tea", 1, 1200)]);
    c["context"]["points_balance"] = json!(2000);
    c["context"]["points_to_redeem"] = json!(1250);
    // 1250 points = 12 blocks = 60.00, but at most 50% of 30.00 = 15.00: 3 blocks, 300 points.
    // 15.00 split 18:12 -> 9.00 and 6.00.
    let a = price(&json!([]), &c);
    assert_eq!((a.points_used, a.points_value_minor), (300, 1500));
    assert_eq!(a.lines.iter().map(|l| l.discount_minor).collect::<Vec<_>>(), vec![900, 600]);
    assert_eq!(a.total_minor, 1500);
    // After 满30减5 the cap is 50% of 25.00 = 12.50: 2 blocks (10.00).
    let promos = json!([{"id": "mj", "name": "满30减5", "kind": "threshold_tiers",
        "tiers": [{"threshold_minor": 3000, "amount_minor": 500}]}]);
    let a = price(&promos, &c);
    assert_eq!((a.points_used, a.points_value_minor, a.total_minor), (200, 1000, 1500));
}

fn exclusive_vs_stack(exclusive_amount: i64) -> crate::promo::Answer {
    let promos = json!([
        {"id": "new-user", "name": "新客专享立减", "kind": "amount_off", "level": "order",
         "amount_minor": exclusive_amount, "exclusive": true},
        {"id": "tea-20", "name": "奶茶8折", "kind": "percent_off", "level": "item", "percent": 20,
         "scope": {"categories": ["milk_tea"]}},
        {"id": "mj20-3", "name": "满20减3", "kind": "threshold_tiers",
         "tiers": [{"threshold_minor": 2000, "amount_minor": 300}]}
    ]);
    price(&promos, &cart(&[line(0, "classic", "milk_tea", 2, 1500)]))
}

#[test]
fn exclusive_coupon_against_a_stack_of_two() {
    // Stack: 20% of 2 x 15.00 = 6.00, leaving 24.00 >= 20.00: 3.00 more, 9.00 in all.
    // An exclusive 8.00 loses to it.
    let a = exclusive_vs_stack(800);
    assert_eq!(applied(&a), vec![("tea-20", 600), ("mj20-3", 300)]);
    assert_eq!(reasons(&a), vec![("new-user", "no_benefit")]);
    // An exclusive 10.00 beats it; the stack is excluded.
    let a = exclusive_vs_stack(1000);
    assert_eq!(applied(&a), vec![("new-user", 1000)]);
    assert_eq!(reasons(&a), vec![("mj20-3", "excluded_by_exclusive"), ("tea-20", "excluded_by_exclusive")]);
    // 9.00 each: a tie in value; the exclusive claims no unit, the stack claims both cups:
    // the smaller assignment vector (all zeros) wins.
    let a = exclusive_vs_stack(900);
    assert_eq!(applied(&a), vec![("new-user", 900)]);
}

#[test]
fn group_conflict_keeps_the_better_one() {
    let promos = json!([
        {"id": "day-10", "name": "会员日9折", "kind": "percent_off", "level": "order", "percent": 10, "group": "member-day"},
        {"id": "day-5", "name": "会员日立减5元", "kind": "amount_off", "level": "order", "amount_minor": 500, "group": "member-day"},
        {"id": "mj", "name": "满60减8", "kind": "threshold_tiers", "tiers": [{"threshold_minor": 6000, "amount_minor": 800}]}
    ]);
    // 40.00: 10% = 4.00 < 5.00: day-5 wins the group; 满60减8 is 20.00 away.
    let a = price(&promos, &cart(&[line(0, "taro", "milk_tea", 2, 2000)]));
    assert_eq!(applied(&a), vec![("day-5", 500)]);
    assert_eq!(reasons(&a), vec![("day-10", "group_conflict"), ("mj", "threshold_not_reached")]);
    assert_eq!(a.near_misses, vec![near("mj", 2000, 800)]);
    // 80.00: 10% = 8.00 > 5.00 and the threshold is reached: 8.00 + 8.00.
    let a = price(&promos, &cart(&[line(0, "taro", "milk_tea", 4, 2000)]));
    assert_eq!(applied(&a), vec![("day-10", 800), ("mj", 800)]);
    assert_eq!(reasons(&a), vec![("day-5", "group_conflict")]);
}

#[test]
fn item_discounts_lower_the_threshold_base_and_the_search_weighs_both() {
    // 2 x 16.00 = 32.00. 10% off would take 3.20 but leaves 28.80 < 30.00 (no 满30减5): 3.20.
    // Without it 满30减5 gives 5.00: the better deal skips the 10%.
    let promos = json!([
        {"id": "ten", "name": "9折", "kind": "percent_off", "level": "item", "percent": 10},
        {"id": "mj", "name": "满30减5", "kind": "threshold_tiers", "tiers": [{"threshold_minor": 3000, "amount_minor": 500}]}
    ]);
    let a = price(&promos, &cart(&[line(0, "taro", "milk_tea", 2, 1600)]));
    // Claiming one cup only: 1.60 off leaves 30.40 >= 30.00: 1.60 + 5.00 = 6.60, the best.
    assert_eq!(applied(&a), vec![("ten", 160), ("mj", 500)]);
    assert_eq!(a.total_minor, 3200 - 660);
}

#[test]
fn reasons_before_the_search_in_the_contract_order() {
    let promos = json!([
        {"id": "a-off", "name": "停用", "kind": "amount_off", "level": "order", "amount_minor": 100, "enabled": false},
        {"id": "b-date", "name": "过期", "kind": "amount_off", "level": "order", "amount_minor": 100,
         "conditions": {"valid_to_ms": 0, "channels": ["MEITUAN"]}},
        {"id": "c-chan", "name": "外卖", "kind": "amount_off", "level": "order", "amount_minor": 100,
         "conditions": {"channels": ["MEITUAN"], "stores": ["bj-001"]}},
        {"id": "d-store", "name": "北京", "kind": "amount_off", "level": "order", "amount_minor": 100,
         "conditions": {"stores": ["bj-001"]}},
        {"id": "e-first", "name": "首单", "kind": "amount_off", "level": "order", "amount_minor": 100,
         "conditions": {"first_order_only": true}},
        {"id": "f-uses", "name": "限量", "kind": "amount_off", "level": "order", "amount_minor": 100},
        {"id": "g-none", "name": "果茶", "kind": "amount_off", "level": "order", "amount_minor": 100,
         "scope": {"categories": ["fruit_tea"]}},
        {"id": "h-min", "name": "两杯起", "kind": "amount_off", "level": "order", "amount_minor": 100,
         "conditions": {"min_quantity": 2}}
    ]);
    let mut c = cart(&[line(0, "taro", "milk_tea", 1, 2000)]);
    c["context"]["remaining_uses"] = json!({"f-uses": 0});
    let a = price(&promos, &c);
    assert!(a.applied.is_empty());
    assert_eq!(
        reasons(&a),
        vec![
            ("a-off", "disabled"),
            ("b-date", "outside_dates"),
            ("c-chan", "channel"),
            ("d-store", "store"),
            ("e-first", "first_order_only"),
            ("f-uses", "no_uses_left"),
            ("g-none", "no_eligible_items"),
            ("h-min", "min_quantity"),
        ]
    );
    let _ = context();
}

#[test]
fn a_free_order_takes_the_smallest_assignment_vector() {
    // 2 x 20.00 puddings + 2 x 7.00 taro = 54.00. The 50% order discount has no group: it is
    // always in S, on the price before items: 27.00. 立减20 claiming every unit would make the
    // order free by itself (20.00 + 20.00 + 7.00 + 7.00), but so does claiming one pudding
    // and one taro (27.00) with the 27.00 of the order discount: every free order ties at
    // 54.00, and the smaller assignment vector wins: units (40,0), (40,1), (41,0), (41,1) get
    // [0, 1, 0, 1] (the unclaimed unit of a line first), smaller than [1, 1, 1, 1] or
    // [0, 0, 1, 1] (which leaves 7.00 unpaid for: only 47.00).
    let promos = json!([
        {"id": "p2", "name": "半价", "kind": "percent_off", "level": "order", "base": "before_items", "percent": 50},
        {"id": "p3", "name": "立减20", "kind": "amount_off", "level": "item", "amount_minor": 2000}
    ]);
    let c = cart(&[line(40, "pudding", "topping", 2, 2000), line(41, "taro", "milk_tea", 2, 700)]);
    let a = price(&promos, &c);
    assert_eq!(applied(&a), vec![("p3", 2700), ("p2", 2700)]);
    assert_eq!(a.total_minor, 0);
}

#[test]
fn many_order_promotions_make_it_free_with_the_fewest() {
    // 30.00 of cups; order-level: 15.00, 10.00, 10.00, 5.00 off, all on every line. Any set
    // reaching 30.00 makes it free; two cannot (15 + 10), three can: {a, b, c} and {a, b, d};
    // the smaller id list wins: a 15.00, b 10.00, c the 5.00 left; d gets nothing.
    let promos = json!([
        {"id": "a", "name": "A", "kind": "amount_off", "level": "order", "amount_minor": 1500},
        {"id": "b", "name": "B", "kind": "amount_off", "level": "order", "amount_minor": 1000},
        {"id": "c", "name": "C", "kind": "amount_off", "level": "order", "amount_minor": 1000},
        {"id": "d", "name": "D", "kind": "amount_off", "level": "order", "amount_minor": 500}
    ]);
    let a = price(&promos, &cart(&[line(0, "taro", "milk_tea", 2, 1500)]));
    assert_eq!(a.total_minor, 0);
    assert_eq!(applied(&a), vec![("a", 1500), ("b", 1000), ("c", 500)]);
    assert_eq!(reasons(&a), vec![("d", "no_benefit")]);
}

#[test]
fn a_promotion_that_gives_nothing_claims_no_unit() {
    // 买一送一 stackable (buy a classic or a pudding, get anything at 50% off): on all units it
    // pairs the three 7.00 lemons with the two 22.00 puddings and the 15.00 classic: 3 x 3.50 =
    // 10.50. A member price that gives the lemons nothing (8.00 > 5.00 item price) could claim
    // two of them so that the classic becomes a get (3.50 + 7.50 = 11.00), but a promotion that
    // takes nothing off holds no unit: 10.50.
    let promos = json!([
        {"id": "p0", "name": "买一送一半价", "kind": "buy_x_get_y", "stackable": true, "percent": 50,
         "buy": {"skus": ["classic", "pudding"], "quantity": 1}, "get": {"quantity": 1}},
        {"id": "p2", "name": "会员价", "kind": "tier_price", "prices": {"lemon": 800}}
    ]);
    let mut lemon = line(70, "lemon", "fruit_tea", 3, 500);
    lemon["modifiers_price_minor"] = json!(200);
    let c = cart(&[lemon, line(11, "pudding", "topping", 2, 2200), line(22, "classic", "milk_tea", 1, 1500)]);
    let a = price(&promos, &c);
    assert_eq!(applied(&a), vec![("p0", 1050)]);
    assert_eq!(line_amounts(&a, "p0"), vec![(70, 1050)]);
    assert_eq!(reasons(&a), vec![("p2", "no_benefit")]);
}

#[test]
fn a_smaller_item_discount_that_keeps_a_threshold_wins() {
    // One 10.00 cup, 满9减5 on the after-items base. 2.00 off the cup leaves 8.00: no threshold,
    // 2.00 in all; 1.00 off leaves 9.00: 1.00 + 5.00 = 6.00; nothing claimed: 5.00. The
    // smaller item discount is the best deal, so the search may not drop it for the larger
    // one (it drops a claim only for one that takes exactly as much off the unit).
    let promos = json!([
        {"id": "big", "name": "立减2元", "kind": "amount_off", "level": "item", "amount_minor": 200},
        {"id": "small", "name": "立减1元", "kind": "amount_off", "level": "item", "amount_minor": 100},
        {"id": "mj", "name": "满9减5", "kind": "threshold_tiers",
         "tiers": [{"threshold_minor": 900, "amount_minor": 500}]}
    ]);
    let a = price(&promos, &cart(&[line(0, "classic", "milk_tea", 1, 1000)]));
    assert_eq!(applied(&a), vec![("small", 100), ("mj", 500)]);
    assert_eq!(a.total_minor, 400);
    // The same with a stackable 20% instead of the larger amount: unclaimed, the cup gets
    // 2.00 and loses the threshold; claimed by the 1.00 off, it keeps it.
    let promos = json!([
        {"id": "pct", "name": "八折", "kind": "percent_off", "level": "item", "percent": 20,
         "stackable": true},
        {"id": "small", "name": "立减1元", "kind": "amount_off", "level": "item", "amount_minor": 100},
        {"id": "mj", "name": "满9减5", "kind": "threshold_tiers",
         "tiers": [{"threshold_minor": 900, "amount_minor": 500}]}
    ]);
    let a = price(&promos, &cart(&[line(0, "classic", "milk_tea", 1, 1000)]));
    assert_eq!(applied(&a), vec![("small", 100), ("mj", 500)]);
    assert_eq!(a.total_minor, 400);
}

#[test]
fn of_two_equal_item_discounts_the_earlier_claims() {
    // Two ungrouped 3.00 off the cup (priority 10 and 100) and a stackable 10% that takes only
    // 1.50 off a 15.00 cup: the units go to the earlier one (the smaller label), whichever is
    // listed first.
    let promos = json!([
        {"id": "late", "name": "立减3元", "kind": "amount_off", "level": "item", "amount_minor": 300},
        {"id": "early", "name": "立减3元", "kind": "amount_off", "level": "item", "amount_minor": 300,
         "priority": 10},
        {"id": "pct", "name": "九折", "kind": "percent_off", "level": "item", "percent": 10,
         "stackable": true}
    ]);
    let a = price(&promos, &cart(&[line(0, "classic", "milk_tea", 2, 1500)]));
    assert_eq!(applied(&a), vec![("early", 600)]);
    assert_eq!(a.total_minor, 2400);
}
