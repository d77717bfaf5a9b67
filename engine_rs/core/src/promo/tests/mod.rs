//! Whole-calculator tests: worked examples from real shops and proptest properties.

mod examples;
mod props;
mod support;
