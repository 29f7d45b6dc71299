//! Extractors whose rejections are our JSON errors (`400 bad_request`), not axum's plain text.

use std::fmt::Display;
use std::str::FromStr;

use axum::extract::{FromRequestParts, Path, Query};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::ApiError;

/// Longest piece of client input echoed back in an error message, in characters.
const MAX_ECHO_CHARS: usize = 80;

/// The route's single path parameter, parsed with `FromStr`.
pub(crate) struct Param<T>(pub(crate) T);

impl<S, T> FromRequestParts<S> for Param<T>
where
    S: Send + Sync,
    T: FromStr,
    T::Err: Display,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::BadRequest(e.body_text()))?;
        raw.parse().map(Param).map_err(|e| {
            ApiError::BadRequest(format!("invalid path parameter {:?}: {e}", echo(&raw)))
        })
    }
}

/// The query string, deserialized.
pub(crate) struct Params<T>(pub(crate) T);

impl<S, T> FromRequestParts<S> for Params<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Query(params) = Query::<T>::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::BadRequest(e.body_text()))?;
        Ok(Params(params))
    }
}

/// Client input shortened for an error message.
pub(crate) fn echo(input: &str) -> String {
    input.chars().take(MAX_ECHO_CHARS).collect()
}
