//! State files: the whole emulated world and the webhook delivery log, saved as JSON and
//! restored at start, so a standalone emulator keeps its data across restarts.
//!
//! The file holds each organization's private key, as the service's own database would: it is
//! written readable by its owner only.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::app::{AppState, Shared};
use crate::control::ControlError;
use crate::state::World;
use crate::webhooks::{DeliveryRecord, WebhookConfig};

/// Names the file format, so that another JSON file is refused with a clear message.
const FORMAT: &str = "mirai-voice-mock-state";
/// Bumped when saved fields change meaning.
const VERSION: u32 = 1;

/// Why a state file could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateFileError {
    /// The file (empty when none was configured).
    pub file: PathBuf,
    /// What went wrong.
    pub problem: String,
}

impl fmt::Display for StateFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.file.as_os_str().is_empty() {
            write!(f, "state file: {}", self.problem)
        } else {
            write!(f, "state file {}: {}", self.file.display(), self.problem)
        }
    }
}

impl std::error::Error for StateFileError {}

fn error(file: &Path, problem: impl Into<String>) -> StateFileError {
    StateFileError {
        file: file.to_owned(),
        problem: problem.into(),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SavedRef<'a> {
    format: &'static str,
    version: u32,
    saved_at: String,
    world: &'a World,
    deliveries: Vec<DeliveryRecord>,
    webhook_config: WebhookConfig,
}

/// A state file's content.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Saved {
    format: String,
    version: u32,
    pub(crate) world: World,
    pub(crate) deliveries: Vec<DeliveryRecord>,
    pub(crate) webhook_config: WebhookConfig,
}

/// Writes the world and the delivery log to `path`, atomically (a reader never sees half a
/// file) and readable by its owner only.
pub(crate) fn save(shared: &Shared, path: &Path) -> Result<(), StateFileError> {
    let deliveries = shared.dispatcher.log(None);
    let webhook_config = shared.dispatcher.config();
    let bytes = shared
        .with_world(|world| {
            serde_json::to_vec(&SavedRef {
                format: FORMAT,
                version: VERSION,
                saved_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                world,
                deliveries,
                webhook_config,
            })
        })
        .map_err(|e| error(path, format!("cannot encode the state: {e}")))?;
    let directory = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let file_name = path
        .file_name()
        .ok_or_else(|| error(path, "the path names no file"))?;
    let temporary = directory.join(format!(".{}.tmp", file_name.to_string_lossy()));
    let write = || -> std::io::Result<()> {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&temporary)?;
        file.write_all(&bytes)?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)
    };
    write().map_err(|e| error(path, format!("cannot write it: {e}")))
}

/// Reads a state file; `Ok(None)` when it does not exist yet.
pub(crate) fn load(path: &Path) -> Result<Option<Saved>, StateFileError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(error(path, format!("cannot read it: {e}"))),
    };
    // The header first, so a foreign or newer file is named as such rather than as a
    // missing field deep inside.
    #[derive(Deserialize)]
    struct Header {
        format: Option<String>,
        version: Option<u32>,
    }
    let header: Header = serde_json::from_slice(&bytes)
        .map_err(|e| error(path, format!("not a JSON state file: {e}")))?;
    if header.format.as_deref() != Some(FORMAT) {
        return Err(error(
            path,
            format!("not a {FORMAT} file (its \"format\" field is missing or different)"),
        ));
    }
    if header.version != Some(VERSION) {
        return Err(error(
            path,
            format!(
                "version {:?} is not the supported version {VERSION}",
                header.version
            ),
        ));
    }
    let mut saved: Saved =
        serde_json::from_slice(&bytes).map_err(|e| error(path, format!("damaged state: {e}")))?;
    debug_assert_eq!((saved.format.as_str(), saved.version), (FORMAT, VERSION));
    saved.world.rebuild_schedule();
    Ok(Some(saved))
}

/// Saves to the configured state file.
pub(crate) fn save_configured(shared: &Shared) -> Result<PathBuf, StateFileError> {
    let path = shared
        .state_file
        .get()
        .ok_or_else(|| error(Path::new(""), "no state file was configured"))?;
    save(shared, path)?;
    Ok(path.clone())
}

/// Saves every `period`, forever (the server aborts it). A failed save is reported on stderr
/// and tried again next period: the state is still in memory.
pub(crate) async fn save_periodically(shared: Arc<Shared>, path: PathBuf, period: Duration) {
    let mut ticks = tokio::time::interval(period.max(Duration::from_millis(100)));
    ticks.tick().await;
    loop {
        ticks.tick().await;
        let shared = Arc::clone(&shared);
        let path = path.clone();
        let saved = tokio::task::spawn_blocking(move || save(&shared, &path)).await;
        if let Ok(Err(e)) = saved {
            eprintln!("mirai-voice-mock: {e}");
        }
    }
}

/// `POST /state/save`, to be nested under `/__control`.
pub(crate) fn control_routes() -> Router<AppState> {
    Router::new().route(
        "/state/save",
        post(|State(shared): State<AppState>| async move {
            match save_configured(&shared) {
                Ok(path) => (StatusCode::OK, Json(json!({ "savedTo": path }))).into_response(),
                Err(e) if shared.state_file.get().is_none() => {
                    ControlError::Invalid(e.problem).into_response()
                }
                Err(e) => {
                    let status = StatusCode::INTERNAL_SERVER_ERROR;
                    let body = json!({ "code": status.as_u16(), "message": e.to_string() });
                    (status, Json(body)).into_response()
                }
            }
        }),
    )
}
