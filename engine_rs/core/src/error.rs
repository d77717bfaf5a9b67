//! The one error type of the core. Every variant carries the offending field (a path in the
//! request or config, proto field names, "" if none) and a human reason; the binding maps each
//! variant to one Python exception class and the service maps those to gRPC status codes.

use thiserror::Error;

/// Why a call was refused. Nothing was changed when a command returns an error.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EngineError {
    /// The request is malformed (unknown store/SKU/modifier/station, bad quantity, ...).
    #[error("invalid argument {field}: {reason}")]
    InvalidArgument { field: String, reason: String },
    /// The order or ticket does not exist.
    #[error("not found {field}: {reason}")]
    NotFound { field: String, reason: String },
    /// A valid request the current state refuses (sold out, wrong ticket state, closed station).
    #[error("failed precondition {field}: {reason}")]
    FailedPrecondition { field: String, reason: String },
    /// The idempotency key was used before for a different order.
    #[error("already exists {field}: {reason}")]
    AlreadyExists { field: String, reason: String },
    /// The shop configuration is invalid.
    #[error("config error {field}: {reason}")]
    Config { field: String, reason: String },
    /// A logged record cannot be applied.
    #[error("replay error {field}: {reason}")]
    Replay { field: String, reason: String },
}

impl EngineError {
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::InvalidArgument { field: field.into(), reason: reason.into() }
    }

    pub fn not_found(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::NotFound { field: field.into(), reason: reason.into() }
    }

    pub fn precondition(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::FailedPrecondition { field: field.into(), reason: reason.into() }
    }

    pub fn exists(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::AlreadyExists { field: field.into(), reason: reason.into() }
    }

    pub fn config(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Config { field: field.into(), reason: reason.into() }
    }

    pub fn replay(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Replay { field: field.into(), reason: reason.into() }
    }

    /// The offending field path, "" when the error is not about one field.
    pub fn field(&self) -> &str {
        match self {
            Self::InvalidArgument { field, .. }
            | Self::NotFound { field, .. }
            | Self::FailedPrecondition { field, .. }
            | Self::AlreadyExists { field, .. }
            | Self::Config { field, .. }
            | Self::Replay { field, .. } => field,
        }
    }

    /// The human-readable reason.
    pub fn reason(&self) -> &str {
        match self {
            Self::InvalidArgument { reason, .. }
            | Self::NotFound { reason, .. }
            | Self::FailedPrecondition { reason, .. }
            | Self::AlreadyExists { reason, .. }
            | Self::Config { reason, .. }
            | Self::Replay { reason, .. } => reason,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accessors_return_field_and_reason() {
        let e = EngineError::invalid("order.lines[0].sku", "unknown SKU 'x'");
        assert_eq!(e.field(), "order.lines[0].sku");
        assert_eq!(e.reason(), "unknown SKU 'x'");
        assert_eq!(e.to_string(), "invalid argument order.lines[0].sku: unknown SKU 'x'");
    }
}
