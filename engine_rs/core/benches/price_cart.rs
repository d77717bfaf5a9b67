//! Per-cart latency of the calculator: 10-line carts (1-3 cups a line) against 100 active
//! promotions of a realistic mix (`promo::sample`). Prints p50/p99/max over 1,000 distinct
//! carts and how many answers were exact (correctness next to speed), the same under three
//! other promotion sets of the generator, then criterion's measurement of one representative
//! cart and of a cycle through 100 carts.
//!
//! `cargo bench -p pyengine-core --bench price_cart`

use std::hint::black_box;
use std::time::Instant;

/// The allocator of the Python extension (`engine_rs/python`), so the numbers are the service's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use criterion::{criterion_group, criterion_main, Criterion};
use pyengine_core::promo::{sample, Cart, PriceCalculator};

fn carts(n: u64) -> Vec<Cart> {
    (0..n).map(|seed| Cart::from_json(&sample::cart(seed)).expect("sample cart")).collect()
}

fn percentiles(label: &str, c: &PriceCalculator, carts: &[Cart]) {
    let mut nanos = Vec::with_capacity(carts.len());
    let mut exact = 0;
    for cart in carts {
        let start = Instant::now();
        let answer = black_box(c.price(black_box(cart)));
        nanos.push(start.elapsed().as_nanos());
        exact += usize::from(answer.exact);
    }
    nanos.sort_unstable();
    let micros = |percent: usize| nanos[(nanos.len() - 1) * percent / 100] / 1000;
    println!(
        "price_cart{label}: {} carts, exact {}/{}, p50 {} us, p90 {} us, p99 {} us, max {} us",
        carts.len(),
        exact,
        carts.len(),
        micros(50),
        micros(90),
        micros(99),
        micros(100)
    );
}

fn bench(crit: &mut Criterion) {
    let calculator = PriceCalculator::new(sample::SHOP, &sample::promotions(7)).expect("sample promotions");
    let all = carts(1000);
    // Warm up, then the distribution over distinct carts.
    percentiles("", &calculator, &all[..100]);
    percentiles("", &calculator, &all);
    // The same carts under other promotion sets of the same generator: the benchmark's seed 7
    // is the easiest of these (see engine_rs/README.md), so its tail is not the general one.
    for seed in [8, 9, 11] {
        let other = PriceCalculator::new(sample::SHOP, &sample::promotions(seed)).expect("sample promotions");
        percentiles(&format!(" (promotions seed {seed})"), &other, &all);
    }
    crit.bench_function("price 10-line cart, 100 promotions", |b| {
        b.iter(|| calculator.price(black_box(&all[0])));
    });
    let mut i = 0;
    crit.bench_function("price 100 distinct carts in turn", |b| {
        b.iter(|| {
            i = (i + 1) % 100;
            calculator.price(black_box(&all[i]))
        });
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
