//! The Python exceptions of the native module, declared once, and the one mapping from the
//! core's [`EngineError`] to them.
//!
//! Every class derives from `EngineError` and is raised with `args == (field, reason)`; the base
//! class gets `field` and `reason` properties reading those args, so every subclass has them.

use pyengine_core::EngineError as CoreError;
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::{PyCFunction, PyTuple};

create_exception!(
    pyengine._native,
    EngineError,
    PyException,
    "Base of every error the core raises. `args == (field, reason)`."
);
create_exception!(
    pyengine._native,
    InvalidArgument,
    EngineError,
    "The request is malformed. Nothing was changed."
);
create_exception!(pyengine._native, NotFound, EngineError, "The order or ticket does not exist.");
create_exception!(
    pyengine._native,
    FailedPrecondition,
    EngineError,
    "Valid request the current state refuses."
);
create_exception!(
    pyengine._native,
    AlreadyExists,
    EngineError,
    "The idempotency key was used before for a different order."
);
create_exception!(
    pyengine._native,
    ConfigError,
    EngineError,
    "The shop configuration is invalid; `field` names it."
);
create_exception!(pyengine._native, ReplayError, EngineError, "A logged record cannot be applied.");

/// The core error, wrapped so it can convert into a `PyErr` (both types are foreign here).
#[derive(Debug)]
pub struct PyEngineError(pub CoreError);

impl From<CoreError> for PyEngineError {
    fn from(e: CoreError) -> Self {
        Self(e)
    }
}

impl From<PyEngineError> for PyErr {
    fn from(PyEngineError(e): PyEngineError) -> Self {
        let args = (e.field().to_owned(), e.reason().to_owned());
        match e {
            CoreError::InvalidArgument { .. } => InvalidArgument::new_err(args),
            CoreError::NotFound { .. } => NotFound::new_err(args),
            CoreError::FailedPrecondition { .. } => FailedPrecondition::new_err(args),
            CoreError::AlreadyExists { .. } => AlreadyExists::new_err(args),
            CoreError::Config { .. } => ConfigError::new_err(args),
            CoreError::Replay { .. } => ReplayError::new_err(args),
        }
    }
}

/// `Result` of the binding's helpers.
pub type EngineResult<T> = Result<T, PyEngineError>;

/// A read-only property returning `self.args[index]`.
fn args_property<'py>(
    py: Python<'py>,
    index: usize,
    name: &'static std::ffi::CStr,
    doc: &'static std::ffi::CStr,
) -> PyResult<Bound<'py, PyAny>> {
    let getter = PyCFunction::new_closure(
        py,
        Some(name),
        Some(doc),
        move |args: &Bound<'_, PyTuple>, _kwargs| -> PyResult<Py<PyAny>> {
            let exc = args.get_item(0)?;
            let value = exc
                .getattr("args")?
                .get_item(index)
                .unwrap_or_else(|_| "".into_pyobject(exc.py()).expect("str").into_any());
            Ok(value.unbind())
        },
    )?;
    py.import("builtins")?.getattr("property")?.call1((
        getter,
        py.None(),
        py.None(),
        doc.to_str().unwrap_or(""),
    ))
}

/// Adds the exception classes (with their `field`/`reason` properties) to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let base = py.get_type::<EngineError>();
    base.setattr(
        "field",
        args_property(py, 0, c"field", c"Path of the offending request or config field; \"\" if none.")?,
    )?;
    base.setattr("reason", args_property(py, 1, c"reason", c"Human-readable reason.")?)?;
    m.add("EngineError", base)?;
    m.add("InvalidArgument", py.get_type::<InvalidArgument>())?;
    m.add("NotFound", py.get_type::<NotFound>())?;
    m.add("FailedPrecondition", py.get_type::<FailedPrecondition>())?;
    m.add("AlreadyExists", py.get_type::<AlreadyExists>())?;
    m.add("ConfigError", py.get_type::<ConfigError>())?;
    m.add("ReplayError", py.get_type::<ReplayError>())?;
    Ok(())
}
