//! What can go wrong talking to a node.

/// Why a request to the node failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The node answered with an error status and (usually) a JSON error body.
    #[error("node answered {status} {code}: {message}")]
    Http {
        /// HTTP status code.
        status: u16,
        /// The error's stable snake_case code (`unexpected_status` when the body had none).
        code: String,
        /// The node's message.
        message: String,
    },
    /// The request did not complete: connection refused or reset, timeout, bad URL.
    #[error("transport error: {0}")]
    Transport(#[from] reqwest::Error),
    /// The node's answer could not be understood (bad JSON, oversized, malformed stream).
    #[error("cannot decode the node's answer: {0}")]
    Decode(String),
}

impl ClientError {
    /// The node's error code, for [`ClientError::Http`].
    pub fn code(&self) -> Option<&str> {
        match self {
            ClientError::Http { code, .. } => Some(code),
            _ => None,
        }
    }

    /// The HTTP status, for [`ClientError::Http`].
    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Http { status, .. } => Some(*status),
            _ => None,
        }
    }
}
