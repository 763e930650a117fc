//! Decoding a JSON success for the generated `send` methods (the `response-headers` codegen rule).

use std::future::Future;

use futures::FutureExt;
use progenitor_client::{Error, ResponseValue};
use serde::de::DeserializeOwned;

/// What progenitor's `ResponseValue::from_response` does, step for step and error for error, with the
/// response's headers moved into the value rather than cloned: the body is read without them, and the response is
/// dropped right after, so the copy (a header map and a reference count per header, on every response) kept
/// nothing the caller could see.
///
/// The body-reading future is mapped rather than awaited in an `async` block, which would hold that future twice
/// (once as captured, once while awaited), in the future every `send` carries.
#[expect(
    clippy::result_large_err,
    reason = "progenitor's error type, which the generated methods return as it is"
)]
pub(crate) fn from_response<T: DeserializeOwned, E>(
    mut response: reqwest::Response,
) -> impl Future<Output = Result<ResponseValue<T>, Error<E>>> {
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    response.bytes().map(move |body| {
        let full = body.map_err(Error::ResponseBodyError)?;
        let inner =
            serde_json::from_slice(&full).map_err(|e| Error::InvalidResponsePayload(full, e))?;
        Ok(ResponseValue::new(inner, status, headers))
    })
}

/// The response's status code, with the response itself (codegen rule `owned-status`).
///
/// Taking the response by value means a `send` never borrows its local: a borrowed local keeps its storage until
/// the end of the function, so the future would carry a second response beside the decoding future that owns it.
pub(crate) fn split_status(response: reqwest::Response) -> (u16, reqwest::Response) {
    (response.status().as_u16(), response)
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::convert::Infallible;

    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Health {
        status: String,
    }

    fn response(status: u16, body: &'static str) -> reqwest::Response {
        http::Response::builder()
            .status(status)
            .header("content-type", "application/json")
            .header("x-request-id", "req-1")
            .body(body)
            .map(reqwest::Response::from)
            .expect("a valid response")
    }

    #[tokio::test]
    async fn a_success_keeps_its_status_headers_and_value_as_progenitor_would() {
        let ours = from_response::<Health, Infallible>(response(201, r#"{"status":"ok"}"#))
            .await
            .expect("decoded");
        let theirs = ResponseValue::<Health>::from_response::<Infallible>(response(
            201,
            r#"{"status":"ok"}"#,
        ))
        .await
        .expect("decoded");
        assert_eq!(ours.status(), theirs.status());
        assert_eq!(ours.headers(), theirs.headers());
        assert_eq!(ours.headers()["x-request-id"], "req-1");
        assert_eq!(ours.into_inner(), theirs.into_inner());
    }

    #[tokio::test]
    async fn an_undecodable_body_is_handed_back_whole() {
        let error = from_response::<Health, Infallible>(response(200, r#"{"status":7}"#))
            .await
            .expect_err("a number is not a status string");
        match error {
            Error::InvalidResponsePayload(body, _) => assert_eq!(&body[..], br#"{"status":7}"#),
            other => panic!("expected InvalidResponsePayload, got {other:?}"),
        }
    }
}
