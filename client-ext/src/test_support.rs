//! Helpers shared by unit tests.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use tracing::subscriber::DefaultGuard;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::FmtSpan;

/// A valid-looking public key used to check that key material never leaks.
pub(crate) const PUBLIC_KEY: &str = "pk_5a1b2c3d4e5f60718293a4b5c6d7e8f9";
/// A valid-looking private key used to check that key material never leaks.
pub(crate) const PRIVATE_KEY: &str =
    "sk_9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0";

/// Asserts that `text` contains neither test key nor any 16-hex-digit fragment of them.
pub(crate) fn assert_no_key_material(text: &str) {
    for key in [PUBLIC_KEY, PRIVATE_KEY] {
        assert!(!text.contains(key), "key found in: {text}");
        let hex = &key[3..];
        for start in (0..hex.len() - 16).step_by(8) {
            let fragment = &hex[start..start + 16];
            assert!(
                !text.contains(fragment),
                "key fragment {fragment} found in: {text}"
            );
        }
    }
}

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Buffer {
    type Writer = Buffer;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Captures every `tracing` event and span close on the current thread, at all levels, as plain text.
pub(crate) struct LogCapture {
    buffer: Buffer,
    _guard: DefaultGuard,
}

impl LogCapture {
    pub(crate) fn start() -> Self {
        let buffer = Buffer::default();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(buffer.clone())
            .with_max_level(tracing::Level::TRACE)
            .with_span_events(FmtSpan::CLOSE)
            .with_ansi(false)
            .finish();
        // With a single live dispatcher, tracing caches each callsite's interest from the dispatcher of whichever
        // thread reaches it first: a test on another thread, with no subscriber, would then switch this capture's
        // spans off for good. A second dispatcher that lives for the whole run makes every callsite ask each
        // thread's own subscriber instead.
        static SECOND_DISPATCHER: OnceLock<tracing::Dispatch> = OnceLock::new();
        SECOND_DISPATCHER
            .get_or_init(|| tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default()));
        let guard = tracing::subscriber::set_default(subscriber);
        Self {
            buffer,
            _guard: guard,
        }
    }

    pub(crate) fn contents(&self) -> String {
        String::from_utf8_lossy(&self.buffer.0.lock().unwrap()).into_owned()
    }
}
