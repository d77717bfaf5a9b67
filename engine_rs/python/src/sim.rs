//! `simulate(shop_json, params_json) -> str`: one simulator run of the core (`pyengine_core::sim`),
//! JSON in and out, with the GIL released for the whole run.

use pyo3::prelude::*;

use crate::errors;

#[pyfunction]
pub fn simulate(py: Python<'_>, shop_json: &str, params_json: &str) -> PyResult<String> {
    Ok(py.detach(|| pyengine_core::sim::simulate(shop_json, params_json)).map_err(errors::PyEngineError)?)
}
