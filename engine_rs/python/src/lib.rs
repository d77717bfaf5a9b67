//! `pyengine._native`: the PyO3 binding of `pyengine-core`.
//!
//! This crate only converts and delegates: request bytes are decoded with prost ([`decode`]),
//! handed to the core with the GIL released, and the core's answer is encoded back to protobuf
//! bytes ([`render`]) still without the GIL; Python objects are created once at the end. Errors
//! cross as the exception classes of [`errors`]. The contract is `pyengine/_native.pyi`.

mod calculator;
mod decode;
mod errors;
mod pb;
mod render;
mod sim;

use prost::Message;
use pyengine_core::outcome::Response;
use pyengine_core::state::KeyEntry;
use pyengine_core::Engine as CoreEngine;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyTuple};

use crate::errors::EngineResult;
use crate::render::Encoded;

/// Rust's allocations only (Python keeps its own allocator): the core's many small, short-lived
/// vectors cost about a quarter less under mimalloc than under glibc's malloc.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// What one state-changing call did (see the stub for the contract).
#[pyclass(frozen, module = "pyengine._native")]
pub struct Outcome {
    enc: Encoded,
}

#[pymethods]
impl Outcome {
    #[getter]
    fn response<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.enc.response)
    }

    #[getter]
    fn lsn(&self) -> u64 {
        self.enc.lsn
    }

    #[getter]
    fn replayed(&self) -> bool {
        self.enc.replayed
    }

    #[getter]
    fn receipt_lsn(&self) -> u64 {
        self.enc.receipt_lsn
    }

    #[getter]
    fn key_lookup(&self) -> Option<(i32, &str)> {
        self.enc.key_lookup.as_ref().map(|(channel, id)| (*channel, id.as_str()))
    }

    #[getter]
    fn logged_keys<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let items = self.enc.logged_keys.iter().map(|(channel, id, order_id, fingerprint, at_ms, lsn)| {
            (*channel, id.as_str(), order_id.as_str(), fingerprint.as_str(), *at_ms, *lsn).into_pyobject(py)
        });
        let items: Vec<Bound<'py, PyTuple>> = items.collect::<PyResult<_>>()?;
        PyList::new(py, items)
    }

    #[getter]
    fn keys_forgotten_before_ms(&self) -> i64 {
        self.enc.keys_forgotten_before_ms
    }

    #[getter]
    fn events<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let items = self.enc.events.iter().map(|(lsn, kind, at_ms, bytes)| {
            (*lsn, *kind, *at_ms, PyBytes::new(py, bytes)).into_pyobject(py)
        });
        let items: Vec<Bound<'py, PyTuple>> = items.collect::<PyResult<_>>()?;
        PyList::new(py, items)
    }

    #[getter]
    fn ticket_events<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let items = self.enc.ticket_events.iter().map(|(store, station, seq, bytes)| {
            (store.as_str(), station.as_str(), *seq, PyBytes::new(py, bytes)).into_pyobject(py)
        });
        let items: Vec<Bound<'py, PyTuple>> = items.collect::<PyResult<_>>()?;
        PyList::new(py, items)
    }

    #[getter]
    fn order_updates<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let items =
            self.enc.order_updates.iter().map(|(id, version, bytes)| {
                (id.as_str(), *version, PyBytes::new(py, bytes)).into_pyobject(py)
            });
        let items: Vec<Bound<'py, PyTuple>> = items.collect::<PyResult<_>>()?;
        PyList::new(py, items)
    }

    fn __repr__(&self) -> String {
        format!(
            "Outcome(lsn={}, replayed={}, events={}, ticket_events={}, order_updates={})",
            self.enc.lsn,
            if self.enc.replayed { "True" } else { "False" },
            self.enc.events.len(),
            self.enc.ticket_events.len(),
            self.enc.order_updates.len()
        )
    }
}

/// The engine of one shop: a compiled configuration plus the state.
#[pyclass(module = "pyengine._native")]
pub struct Engine {
    inner: CoreEngine,
}

/// Runs `f` with the GIL released and wraps an encoded outcome.
fn outcome(py: Python<'_>, f: impl Send + FnOnce() -> EngineResult<Encoded>) -> PyResult<Outcome> {
    let enc = py.detach(f)?;
    Ok(Outcome { enc })
}

/// Runs `f` with the GIL released and returns its bytes.
fn bytes(py: Python<'_>, f: impl Send + FnOnce() -> EngineResult<Vec<u8>>) -> PyResult<Py<PyBytes>> {
    let out = py.detach(f)?;
    Ok(PyBytes::new(py, &out).unbind())
}

#[pymethods]
impl Engine {
    #[new]
    fn new(py: Python<'_>, shop_json: &str) -> PyResult<Self> {
        let inner = py.detach(|| CoreEngine::new(shop_json)).map_err(errors::PyEngineError)?;
        Ok(Self { inner })
    }

    /// The engine is built by `__new__`; this exists so `Engine.__init__` belongs to the class
    /// and carries its `(shop_json)` signature, as the stub declares it.
    #[allow(clippy::unused_self)]
    fn __init__(&self, shop_json: &str) {
        let _ = shop_json;
    }

    #[getter]
    fn last_lsn(&self) -> u64 {
        self.inner.last_lsn()
    }

    #[getter]
    fn orders_in_memory(&self) -> usize {
        self.inner.orders_in_memory()
    }

    #[pyo3(signature = (seconds, keys_to_log = false))]
    fn set_order_retention(&mut self, seconds: Option<f64>, keys_to_log: bool) -> PyResult<()> {
        self.inner.set_order_retention(seconds).map_err(errors::PyEngineError)?;
        self.inner.set_keys_to_log(keys_to_log);
        Ok(())
    }

    fn store_ids(&self) -> Vec<String> {
        self.inner.catalog().stores.keys().cloned().collect()
    }

    fn stations(&self, store_id: &str) -> PyResult<Vec<String>> {
        self.inner.store_index(store_id).map_err(errors::PyEngineError)?;
        Ok(self.inner.catalog().stations.keys().cloned().collect())
    }

    fn quote_order(&self, py: Python<'_>, request: &[u8], now_ms: i64) -> PyResult<Py<PyBytes>> {
        let engine = &self.inner;
        bytes(py, || {
            let req: pb::QuoteOrderRequest = decode::message(request)?;
            let draft = decode::draft(req.order)?;
            let quote = engine.quote(draft.as_ref(), now_ms)?;
            Ok(pb::QuoteOrderResponse { quote: Some(render::quote(&quote)) }.encode_to_vec())
        })
    }

    fn submit_order(&mut self, py: Python<'_>, request: &[u8], now_ms: i64) -> PyResult<Outcome> {
        let engine = &mut self.inner;
        outcome(py, || {
            let req: pb::SubmitOrderRequest = decode::message(request)?;
            let draft = decode::draft(req.order)?;
            let key = draft.as_ref().map(|d| (render::channel(d.channel()), d.channel_order_id.clone()));
            let out = engine.submit(draft, now_ms)?;
            let look_up = out.response == Response::LookUpKey;
            let mut enc = render::outcome(engine, out);
            if look_up {
                enc.key_lookup = key;
            }
            Ok(enc)
        })
    }

    /// SubmitOrder again after `Outcome.key_lookup`, with the event store's entry for the key:
    /// `(order_id, fingerprint, accepted_at_ms, lsn)`, or None when it has none.
    fn submit_order_with_logged_key(
        &mut self,
        py: Python<'_>,
        request: &[u8],
        now_ms: i64,
        logged: Option<(String, String, i64, u64)>,
    ) -> PyResult<Outcome> {
        let engine = &mut self.inner;
        outcome(py, || {
            let req: pb::SubmitOrderRequest = decode::message(request)?;
            let logged = logged.map(|(order_id, fingerprint, accepted_at_ms, lsn)| KeyEntry {
                order_id,
                fingerprint,
                accepted_at_ms,
                lsn,
            });
            let out = engine.submit_with_logged_key(decode::draft(req.order)?, logged.as_ref(), now_ms)?;
            Ok(render::outcome(engine, out))
        })
    }

    fn get_order(&self, py: Python<'_>, request: &[u8], now_ms: i64) -> PyResult<Py<PyBytes>> {
        let engine = &self.inner;
        bytes(py, || {
            let req: pb::GetOrderRequest = decode::message(request)?;
            let index = engine.order_index(&req.order_id)?;
            let plan = engine.plan(engine.state().orders[index].store, now_ms);
            Ok(render::order(engine, index, Some(&plan)).encode_to_vec())
        })
    }

    fn cancel_order(&mut self, py: Python<'_>, request: &[u8], now_ms: i64) -> PyResult<Outcome> {
        let engine = &mut self.inner;
        outcome(py, || {
            let req: pb::CancelOrderRequest = decode::message(request)?;
            let out = engine.cancel(&req.order_id, req.reason, now_ms)?;
            Ok(render::outcome(engine, out))
        })
    }

    fn update_target(&mut self, py: Python<'_>, request: &[u8], now_ms: i64) -> PyResult<Outcome> {
        let engine = &mut self.inner;
        outcome(py, || {
            let req: pb::UpdateTargetRequest = decode::message(request)?;
            let out = engine.update_target(&req.order_id, req.target_time_ms, now_ms)?;
            Ok(render::outcome(engine, out))
        })
    }

    fn start_ticket(&mut self, py: Python<'_>, request: &[u8], now_ms: i64) -> PyResult<Outcome> {
        let engine = &mut self.inner;
        outcome(py, || {
            let req: pb::TicketActionRequest = decode::message(request)?;
            let out = engine.start_ticket(&req.ticket_id, now_ms)?;
            Ok(render::outcome(engine, out))
        })
    }

    fn bump_ticket(&mut self, py: Python<'_>, request: &[u8], now_ms: i64) -> PyResult<Outcome> {
        let engine = &mut self.inner;
        outcome(py, || {
            let req: pb::TicketActionRequest = decode::message(request)?;
            let out = engine.bump_ticket(&req.ticket_id, now_ms)?;
            Ok(render::outcome(engine, out))
        })
    }

    fn recall_ticket(&mut self, py: Python<'_>, request: &[u8], now_ms: i64) -> PyResult<Outcome> {
        let engine = &mut self.inner;
        outcome(py, || {
            let req: pb::TicketActionRequest = decode::message(request)?;
            let out = engine.recall_ticket(&req.ticket_id, now_ms)?;
            Ok(render::outcome(engine, out))
        })
    }

    fn get_station_board(&self, py: Python<'_>, request: &[u8], now_ms: i64) -> PyResult<Py<PyBytes>> {
        let engine = &self.inner;
        bytes(py, || {
            let req: pb::GetStationBoardRequest = decode::message(request)?;
            let board = engine.board(&req.store_id, &req.station, now_ms)?;
            Ok(render::board(engine, &board).encode_to_vec())
        })
    }

    fn get_menu(&self, py: Python<'_>, request: &[u8]) -> PyResult<Py<PyBytes>> {
        let engine = &self.inner;
        bytes(py, || {
            let req: pb::GetMenuRequest = decode::message(request)?;
            let store = engine.store_index(&req.store_id)?;
            Ok(render::menu(engine, store).encode_to_vec())
        })
    }

    fn set_availability(&mut self, py: Python<'_>, request: &[u8], now_ms: i64) -> PyResult<Outcome> {
        let engine = &mut self.inner;
        outcome(py, || {
            let req: pb::SetAvailabilityRequest = decode::message(request)?;
            let out =
                engine.set_availability(&req.store_id, &req.sku, &req.modifier, req.available, now_ms)?;
            Ok(render::outcome(engine, out))
        })
    }

    fn set_staffing(&mut self, py: Python<'_>, request: &[u8], now_ms: i64) -> PyResult<Outcome> {
        let engine = &mut self.inner;
        outcome(py, || {
            let req: pb::SetStaffingRequest = decode::message(request)?;
            let out = engine.set_staffing(&req.store_id, &req.station, req.slots, now_ms)?;
            Ok(render::outcome(engine, out))
        })
    }

    fn put_promotion(&mut self, py: Python<'_>, request: &[u8], now_ms: i64) -> PyResult<Outcome> {
        let engine = &mut self.inner;
        outcome(py, || {
            let req: pb::PutPromotionRequest = decode::message(request)?;
            let out = engine.put_promotion(&req.definition_json, now_ms)?;
            Ok(render::outcome(engine, out))
        })
    }

    fn set_promotion_enabled(&mut self, py: Python<'_>, request: &[u8], now_ms: i64) -> PyResult<Outcome> {
        let engine = &mut self.inner;
        outcome(py, || {
            let req: pb::SetPromotionEnabledRequest = decode::message(request)?;
            let out = engine.set_promotion_enabled(&req.id, req.enabled, now_ms)?;
            Ok(render::outcome(engine, out))
        })
    }

    fn list_promotions(&self, py: Python<'_>, request: &[u8]) -> PyResult<Py<PyBytes>> {
        let engine = &self.inner;
        bytes(py, || {
            let _: pb::ListPromotionsRequest = decode::message(request)?;
            let promotions = engine.state().promotions.values().map(render::promotion).collect();
            Ok(pb::ListPromotionsResponse { promotions }.encode_to_vec())
        })
    }

    fn dry_run(&self, py: Python<'_>, request: &[u8], now_ms: i64) -> PyResult<Py<PyBytes>> {
        let engine = &self.inner;
        bytes(py, || {
            let req: pb::DryRunRequest = decode::message(request)?;
            let draft = decode::draft(req.order)?;
            let (quote, answer) = engine.dry_run(draft.as_ref(), now_ms)?;
            Ok(render::price_breakdown(&quote, &answer).encode_to_vec())
        })
    }

    fn load(&self, py: Python<'_>, store_id: &str, now_ms: i64) -> PyResult<Py<PyBytes>> {
        let engine = &self.inner;
        bytes(py, || {
            let load = engine.load(store_id, now_ms)?;
            Ok(render::load(engine, &load).encode_to_vec())
        })
    }

    #[pyo3(signature = (now_ms, first=0, count=usize::MAX))]
    fn tick(&mut self, py: Python<'_>, now_ms: i64, first: usize, count: usize) -> PyResult<Outcome> {
        let engine = &mut self.inner;
        outcome(py, || {
            let out = engine.tick_stores(now_ms, first..first.saturating_add(count))?;
            Ok(render::outcome(engine, out))
        })
    }

    fn apply(&mut self, py: Python<'_>, record: &[u8]) -> PyResult<Outcome> {
        let engine = &mut self.inner;
        outcome(py, || {
            let out = engine.apply(record)?;
            Ok(render::outcome(engine, out))
        })
    }

    fn snapshot(&self, py: Python<'_>) -> Py<PyBytes> {
        let engine = &self.inner;
        let bytes = py.detach(|| engine.snapshot());
        PyBytes::new(py, &bytes).unbind()
    }

    fn restore(&mut self, py: Python<'_>, snapshot: &[u8]) -> PyResult<()> {
        let engine = &mut self.inner;
        py.detach(|| engine.restore(snapshot)).map_err(errors::PyEngineError)?;
        Ok(())
    }

    fn state_hash(&self, py: Python<'_>) -> String {
        let engine = &self.inner;
        py.detach(|| engine.state_hash())
    }

    /// A copy of the state as it is now, to be encoded later and elsewhere ([`StateCopy`]).
    fn copy_state(&self, py: Python<'_>) -> StateCopy {
        let engine = &self.inner;
        StateCopy { state: py.detach(|| engine.state().copy_for_snapshot()) }
    }
}

/// A copy of the engine's state at one log position. Copying is several times cheaper than
/// encoding (1,000 stores with 15 open orders each: 61-74 ms against 510-590 ms for the hash
/// and msgpack, `benchmarks/bench_service_core.py`), so the runtime copies on its event loop and
/// encodes on a thread, the GIL released, while the loop serves requests.
#[pyclass(frozen, module = "pyengine._native")]
struct StateCopy {
    state: pyengine_core::state::State,
}

#[pymethods]
impl StateCopy {
    /// `(state_hash, snapshot)`: what `Engine.state_hash()` and `Engine.snapshot()` returned
    /// when the copy was taken.
    fn encode(&self, py: Python<'_>) -> (String, Py<PyBytes>) {
        let state = &self.state;
        let (hash, bytes) =
            py.detach(|| (pyengine_core::hash::digest(state), pyengine_core::engine::snapshot_of(state)));
        (hash, PyBytes::new(py, &bytes).unbind())
    }
}

/// The SubmitOrderResponse of a logged `order_submitted` record: how a duplicate submission of
/// an order no longer in memory is answered (see `Outcome.receipt_lsn`).
#[pyfunction]
fn logged_receipt(py: Python<'_>, record: &[u8]) -> PyResult<Py<PyBytes>> {
    bytes(py, || {
        let record = pyengine_core::record::decode(record)?;
        let receipt = render::logged_receipt(&record).ok_or_else(|| {
            pyengine_core::EngineError::invalid(
                "record",
                format!("a '{}' record is not a submission", record.kind),
            )
        })?;
        Ok(receipt.encode_to_vec())
    })
}

/// The boundary alone, for the benchmarks: what `Engine.submit_order` does around the core (the
/// call, the GIL released and taken back, the request decoded and converted to the core's
/// draft, the draft encoded back as the answer's bytes, a bytes object made) with no core work.
#[pyfunction]
fn boundary_probe(py: Python<'_>, request: &[u8]) -> PyResult<Py<PyBytes>> {
    bytes(py, || {
        let req: pb::SubmitOrderRequest = decode::message(request)?;
        let draft = decode::draft(req.order.clone())?;
        let reply = pb::SubmitOrderRequest { order: req.order.filter(|_| draft.is_some()) };
        Ok(reply.encode_to_vec())
    })
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    errors::register(m)?;
    m.add_class::<Engine>()?;
    m.add_class::<Outcome>()?;
    m.add_class::<StateCopy>()?;
    m.add_class::<calculator::PriceCalculator>()?;
    m.add_function(wrap_pyfunction!(sim::simulate, m)?)?;
    m.add_function(wrap_pyfunction!(boundary_probe, m)?)?;
    m.add_function(wrap_pyfunction!(logged_receipt, m)?)?;
    // pyo3 maintains `__all__`; the stub (the contract) has none, and every public name of the
    // module is exported anyway.
    m.delattr("__all__")?;
    Ok(())
}
