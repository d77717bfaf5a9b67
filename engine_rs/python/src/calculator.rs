//! The `PriceCalculator` class: a compiled promotion set; `price` takes a cart as JSON and
//! answers JSON (docs/promotions.md), with the GIL released while it searches.

use pyengine_core::PriceCalculator as CorePriceCalculator;
use pyo3::prelude::*;

use crate::errors;

/// A shop's promotions compiled once (see the stub for the contract).
#[pyclass(frozen, module = "pyengine._native")]
pub struct PriceCalculator {
    inner: CorePriceCalculator,
}

#[pymethods]
impl PriceCalculator {
    #[new]
    fn new(py: Python<'_>, shop_json: &str, promotions_json: &str) -> PyResult<Self> {
        let inner = py
            .detach(|| CorePriceCalculator::new(shop_json, promotions_json))
            .map_err(errors::PyEngineError)?;
        Ok(Self { inner })
    }

    /// Built by `__new__`; declared so `__init__` carries the stub's signature.
    #[allow(clippy::unused_self)]
    fn __init__(&self, shop_json: &str, promotions_json: &str) {
        let _ = (shop_json, promotions_json);
    }

    fn price(&self, py: Python<'_>, cart_json: &str) -> PyResult<String> {
        let inner = &self.inner;
        Ok(py.detach(|| inner.price_json(cart_json)).map_err(errors::PyEngineError)?)
    }

    fn __repr__(&self) -> String {
        format!("PriceCalculator(promotions={})", self.inner.promotions().len())
    }
}
