//! Whole-calculator tests: worked examples from real shops and proptest properties.

mod bounds;
mod examples;
mod memo;
mod props;
mod support;
