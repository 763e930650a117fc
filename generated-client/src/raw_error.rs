//! Error bodies as raw bytes, with status and headers.
//!
//! Error responses are generated as `Error::ErrorResponse(ResponseValue<ByteStream>)`, so a
//! gateway's HTML, an empty 401 or an unexpected JSON shape never loses its status. This turns
//! such an error (or an `UnexpectedResponse`) into status, headers and bytes, and decodes the
//! documented shape on request. Bodies are read bounded: at most [`MAX_ERROR_BODY_BYTES`] (or
//! the limit given to [`RawErrorResponse::read_bounded`]) is kept, and reading stops there, so a
//! huge error page cannot exhaust memory.

/// How many bytes of an error body [`RawErrorResponse::read`] keeps; the rest is not read.
pub const MAX_ERROR_BODY_BYTES: usize = 64 * 1024;

use progenitor_client::{ByteStream, Error};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;

/// An error response: status, headers and (a bounded prefix of) the body.
#[derive(Debug, Clone)]
pub struct RawErrorResponse {
    /// HTTP status.
    pub status: StatusCode,
    /// Response headers.
    pub headers: HeaderMap,
    /// The body as received, at most the read limit long.
    pub body: Vec<u8>,
    /// Whether the body was longer than the limit; the rest was discarded unread.
    pub truncated: bool,
}

impl RawErrorResponse {
    /// Reads the body of an error response, at most [`MAX_ERROR_BODY_BYTES`] of it. Other kinds
    /// of error are handed back unchanged; a body that breaks off is `Error::ResponseBodyError`.
    pub async fn read(error: Error<ByteStream>) -> Result<Self, Error<ByteStream>> {
        Self::read_bounded(error, MAX_ERROR_BODY_BYTES).await
    }

    /// Like [`read`](Self::read), keeping at most `limit` bytes of the body.
    pub async fn read_bounded(
        error: Error<ByteStream>,
        limit: usize,
    ) -> Result<Self, Error<ByteStream>> {
        use futures::StreamExt;
        match error {
            Error::ErrorResponse(value) => {
                let status = value.status();
                let headers = value.headers().clone();
                let (body, truncated) = collect(value.into_inner().into_inner(), limit)
                    .await
                    .map_err(Error::ResponseBodyError)?;
                Ok(Self {
                    status,
                    headers,
                    body,
                    truncated,
                })
            }
            Error::UnexpectedResponse(response) => {
                let status = response.status();
                let headers = response.headers().clone();
                let (body, truncated) = collect(response.bytes_stream().boxed(), limit)
                    .await
                    .map_err(Error::ResponseBodyError)?;
                Ok(Self {
                    status,
                    headers,
                    body,
                    truncated,
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

/// Reads at most `limit` bytes; returns them and whether more followed (then unread).
async fn collect<S, B>(mut stream: S, limit: usize) -> Result<(Vec<u8>, bool), reqwest::Error>
where
    S: futures::Stream<Item = reqwest::Result<B>> + Unpin,
    B: AsRef<[u8]>,
{
    use futures::StreamExt;
    let mut body = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        let chunk = chunk.as_ref();
        let room = limit - body.len();
        if chunk.len() > room {
            body.extend_from_slice(&chunk[..room]);
            return Ok((body, true));
        }
        body.extend_from_slice(chunk);
    }
    Ok((body, false))
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

#[cfg(test)]
mod tests {
    use progenitor_client::ResponseValue;
    use wiremock::matchers::method;
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::*;

    /// An error page of several MiB over loopback: only the limit is kept, the rest is not read.
    #[tokio::test]
    async fn a_multi_mib_error_body_is_read_bounded() {
        let server = MockServer::start().await;
        let huge = vec![b'x'; 8 * 1024 * 1024];
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(502).set_body_bytes(huge))
            .mount(&server)
            .await;
        let response = || async { reqwest::get(server.uri()).await.unwrap() };

        let raw = RawErrorResponse::read(Error::UnexpectedResponse(response().await))
            .await
            .unwrap();
        assert_eq!(raw.status.as_u16(), 502);
        assert_eq!(raw.body.len(), MAX_ERROR_BODY_BYTES);
        assert!(raw.truncated);

        let value = ResponseValue::stream(response().await);
        let raw = RawErrorResponse::read_bounded(Error::ErrorResponse(value), 1000)
            .await
            .unwrap();
        assert_eq!(raw.body.len(), 1000);
        assert!(raw.truncated);
    }

    #[tokio::test]
    async fn a_small_error_body_is_read_whole() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(404).set_body_string("{\"code\":404}"))
            .mount(&server)
            .await;
        let response = reqwest::get(server.uri()).await.unwrap();
        let raw = RawErrorResponse::read(Error::ErrorResponse(ResponseValue::stream(response)))
            .await
            .unwrap();
        assert_eq!(raw.text(), "{\"code\":404}");
        assert!(!raw.truncated);
    }
}
