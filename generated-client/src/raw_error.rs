//! Error bodies as raw bytes, with status and headers.
//!
//! Error responses are generated as `Error::ErrorResponse(ResponseValue<ByteStream>)`, so a
//! gateway's HTML, an empty 401 or an unexpected JSON shape never loses its status. This turns
//! such an error (or an `UnexpectedResponse`) into status, headers and bytes, and decodes the
//! documented shape on request.

use progenitor_client::{ByteStream, Error};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;

/// An error response read in full.
#[derive(Debug, Clone)]
pub struct RawErrorResponse {
    /// HTTP status.
    pub status: StatusCode,
    /// Response headers.
    pub headers: HeaderMap,
    /// The body as received.
    pub body: Vec<u8>,
}

impl RawErrorResponse {
    /// Reads the body of an error response. Other kinds of error are handed back unchanged.
    pub async fn read(error: Error<ByteStream>) -> Result<Self, Error<ByteStream>> {
        match error {
            Error::ErrorResponse(value) => {
                let status = value.status();
                let headers = value.headers().clone();
                let body = collect(value.into_inner())
                    .await
                    .map_err(Error::ResponseBodyError)?;
                Ok(Self {
                    status,
                    headers,
                    body,
                })
            }
            Error::UnexpectedResponse(response) => {
                let status = response.status();
                let headers = response.headers().clone();
                let body = response
                    .bytes()
                    .await
                    .map_err(Error::ResponseBodyError)?
                    .to_vec();
                Ok(Self {
                    status,
                    headers,
                    body,
                })
            }
            other => Err(other),
        }
    }

    /// Decodes the body as `T` (e.g. the operation's documented error schema).
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }

    /// The body as text, with invalid UTF-8 replaced.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

async fn collect(stream: ByteStream) -> Result<Vec<u8>, reqwest::Error> {
    use futures::StreamExt;
    let mut stream = stream.into_inner();
    let mut body = Vec::new();
    while let Some(chunk) = stream.next().await {
        body.extend_from_slice(&chunk?);
    }
    Ok(body)
}

/// A one-line description of a generated-client error.
///
/// `Error<ByteStream>` has no `Display` (progenitor requires the body type to be `Debug`,
/// and a byte stream is not), so this says what happened without consuming the body.
pub fn describe_error(error: &Error<ByteStream>) -> String {
    match error {
        Error::InvalidRequest(message) => format!("invalid request: {message}"),
        Error::CommunicationError(e) => format!("communication error: {e}"),
        Error::InvalidUpgrade(e) => format!("invalid upgrade: {e}"),
        Error::ErrorResponse(value) => format!("error response: HTTP {}", value.status()),
        Error::ResponseBodyError(e) => format!("error reading the response body: {e}"),
        Error::InvalidResponsePayload(bytes, e) => {
            format!("response body of {} bytes did not decode: {e}", bytes.len())
        }
        Error::UnexpectedResponse(response) => {
            format!("unexpected response: HTTP {}", response.status())
        }
        Error::Custom(message) => format!("hook error: {message}"),
    }
}
