//! The HTTP server: binds, serves the emulated API and the control API, and can drop a
//! connection without answering (for the connection-reset fault).

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{AbortHandle, JoinSet};
use tower::ServiceExt;

use crate::app::{AppState, Shared};
use crate::builder::{Launch, MockServerBuilder};
use crate::clock_driver::{self, ClockMode};
use crate::control::{self, Control};
use crate::dashboard;
use crate::faults::ResetSwitch;
use crate::routes;
use crate::state::org::Credentials;
use crate::state_file::{self, StateFileError};

/// A running emulator, serving on a local port until dropped.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use mirai_voice_mock::MockServer;
///
/// let server = MockServer::start().await;
/// let creds = server.credentials();
/// let health: serde_json::Value = reqwest::get(format!("{}/health", server.base_url()))
///     .await
///     .unwrap()
///     .json()
///     .await
///     .unwrap();
/// assert_eq!(health["data"]["status"], "healthy");
/// assert!(creds.public_key.starts_with("pk_"));
/// # }
/// ```
pub struct MockServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept_loop: AbortHandle,
    /// The real-time clock, when the server runs on one.
    ticker: Option<AbortHandle>,
    /// Periodic saves of the state file, when asked for.
    saver: Option<AbortHandle>,
}

impl std::fmt::Debug for MockServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl MockServer {
    /// Starts an emulator on `127.0.0.1` and a free port, inside the current Tokio runtime.
    ///
    /// # Panics
    ///
    /// If no loopback port can be bound, which leaves nothing to test against; use
    /// [`MockServer::start_on`] to handle that case.
    pub async fn start() -> Self {
        Self::start_on(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
            .await
            .expect("binding a free port on 127.0.0.1")
    }

    /// Starts an emulator on `addr` (port 0 picks a free port).
    ///
    /// # Errors
    ///
    /// When the address cannot be bound.
    pub async fn start_on(addr: SocketAddr) -> io::Result<Self> {
        Self::launch(addr, Launch::default()).await
    }

    /// A builder for an emulator with a log cap, a real-time clock, seeded data or a state
    /// file; see [`MockServerBuilder`].
    pub fn builder() -> MockServerBuilder {
        MockServerBuilder::default()
    }

    pub(crate) async fn launch(addr: SocketAddr, launch: Launch) -> io::Result<Self> {
        // Parsing the spec and compiling its validators takes a moment: start it now, off the
        // async threads, so the first request does not pay for it.
        tokio::task::spawn_blocking(crate::spec::warm_up);
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::new(
            tokio::runtime::Handle::current(),
            launch.log_cap,
            launch.seed,
        ));
        if let Some(saved) = launch.restored {
            shared.with_world(|w| *w = saved.world);
            shared
                .dispatcher
                .restore(saved.deliveries, saved.webhook_config);
        }
        let mut saver = None;
        if let Some((path, period)) = launch.state_file {
            if let Some(period) = period {
                saver = Some(
                    tokio::spawn(state_file::save_periodically(
                        Arc::clone(&shared),
                        path.clone(),
                        period,
                    ))
                    .abort_handle(),
                );
            }
            let _ = shared.state_file.set(path);
        }
        let ticker = match launch.clock {
            ClockMode::Virtual => None,
            ClockMode::Realtime { speed } => Some(
                tokio::spawn(clock_driver::run_realtime(Arc::clone(&shared), speed)).abort_handle(),
            ),
        };
        let app = app(Arc::clone(&shared));
        let accept_loop = tokio::spawn(accept(listener, app)).abort_handle();
        Ok(Self {
            addr,
            shared,
            accept_loop,
            ticker,
            saver,
        })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The seeded default organization's credentials (the crate's `DEFAULT_*` constants).
    pub fn credentials(&self) -> Credentials {
        Credentials::default_organization()
    }

    /// Saves the state to the state file given to [`MockServerBuilder::state_file`].
    ///
    /// # Errors
    ///
    /// When no state file was given or it cannot be written.
    pub fn save_state(&self) -> Result<PathBuf, StateFileError> {
        state_file::save_configured(&self.shared)
    }

    /// The state this emulator serves.
    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// The typed control API of this emulator.
    pub fn control(&self) -> Control {
        Control::new(Arc::clone(&self.shared))
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.accept_loop.abort();
        for task in [&self.ticker, &self.saver].into_iter().flatten() {
            task.abort();
        }
        self.shared.dispatcher.shutdown();
    }
}

/// The whole application: emulated API, control API, dashboard, JSON 404s.
fn app(state: AppState) -> Router {
    Router::new()
        .merge(routes::router(Arc::clone(&state)))
        .merge(dashboard::page_routes())
        .nest(
            "/__control",
            control::router()
                .merge(dashboard::control_routes())
                .merge(state_file::control_routes()),
        )
        .fallback(routes::not_found)
        .with_state(state)
}

async fn accept(listener: TcpListener, app: Router) {
    // Owning the connections here means aborting this task closes them all.
    let mut connections = JoinSet::new();
    loop {
        while connections.try_join_next().is_some() {}
        match listener.accept().await {
            Ok((stream, _)) => {
                connections.spawn(serve_connection(stream, app.clone()));
            }
            Err(_) => tokio::task::yield_now().await,
        }
    }
}

/// Returned to hyper instead of a response so that it closes the connection unanswered.
#[derive(Debug)]
struct ConnectionReset;

impl std::fmt::Display for ConnectionReset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection reset by fault injection")
    }
}

impl std::error::Error for ConnectionReset {}

async fn serve_connection(stream: TcpStream, app: Router) {
    let reset = Arc::new(AtomicBool::new(false));
    let io = TokioIo::new(ResettableStream {
        inner: stream,
        reset: Arc::clone(&reset),
    });
    let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
        let app = app.clone();
        let reset = Arc::clone(&reset);
        async move {
            request
                .extensions_mut()
                .insert(ResetSwitch(Arc::clone(&reset)));
            let response = match app.oneshot(request.map(Body::new)).await {
                Ok(response) => response,
                Err(never) => match never {},
            };
            if reset.load(Ordering::SeqCst) {
                Err(ConnectionReset)
            } else {
                Ok(response)
            }
        }
    });
    let _ = hyper::server::conn::http1::Builder::new()
        .serve_connection(io, service)
        .await;
}

/// A TCP stream that, once its switch is flipped, closes with a reset instead of a FIN.
struct ResettableStream {
    inner: TcpStream,
    reset: Arc<AtomicBool>,
}

impl Drop for ResettableStream {
    fn drop(&mut self) {
        if self.reset.load(Ordering::SeqCst) {
            // A zero linger turns the close into an RST, as a crashed or killed server would.
            let _ = self.inner.set_zero_linger();
        }
    }
}

impl AsyncRead for ResettableStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for ResettableStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
