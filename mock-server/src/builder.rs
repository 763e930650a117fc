//! Options for starting an emulator: [`MockServerBuilder`].

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::Ordering;

use crate::server::MockServer;

/// Starts a [`MockServer`] with options; [`MockServer::start`] is the builder's defaults.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use mirai_voice_mock::MockServer;
///
/// let server = MockServer::builder()
///     .lenient_content_type(true)
///     .start()
///     .await
///     .unwrap();
/// let status = reqwest::Client::new()
///     .post(format!("{}/v2/call/abort", server.base_url()))
///     .header("content-type", "text/plain")
///     .body(r#"{"callId": "6690a1b2c3d4e5f6000000ff"}"#)
///     .send()
///     .await
///     .unwrap()
///     .status();
/// assert_eq!(status, 401, "read as JSON; refused for want of keys, not for its content type");
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct MockServerBuilder {
    addr: SocketAddr,
    lenient_content_type: bool,
}

impl Default for MockServerBuilder {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            lenient_content_type: false,
        }
    }
}

impl MockServerBuilder {
    /// The address to listen on (default `127.0.0.1`, port 0: a free port).
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// Whether JSON operations accept a body whatever its `Content-Type` says. Off by default:
    /// like the service, the emulator then answers `415` to a body that is not declared as
    /// JSON. The chunk upload always needs `multipart/form-data`.
    pub fn lenient_content_type(mut self, lenient: bool) -> Self {
        self.lenient_content_type = lenient;
        self
    }

    /// Binds and starts serving, inside the current Tokio runtime.
    ///
    /// # Errors
    ///
    /// When the address cannot be bound.
    pub async fn start(self) -> io::Result<MockServer> {
        let server = MockServer::start_on(self.addr).await?;
        server
            .shared()
            .lenient_content_type
            .store(self.lenient_content_type, Ordering::Relaxed);
        Ok(server)
    }
}
