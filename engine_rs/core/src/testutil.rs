//! Test helpers: the reference shop of `pyengine/data/sample_shop.toml` in its JSON form.

pub const SAMPLE_TOML: &str = include_str!("../../../pyengine/data/sample_shop.toml");

pub fn sample_value() -> serde_json::Value {
    toml::from_str(SAMPLE_TOML).expect("sample shop parses")
}

pub fn sample_json() -> String {
    sample_value().to_string()
}
