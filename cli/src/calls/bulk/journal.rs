//! Which journal `--journal` names: a file, or a Redis shared by workers.

use std::sync::Arc;
use std::time::Duration;

use mirai_voice::campaign::{
    CampaignId, FileJournal, Journal, JournalError, RedisJournal, WorkerId,
};

use crate::exit::Exit;
use crate::failure::Failure;

/// Whether `spec` names a Redis journal.
fn is_redis(spec: &str) -> bool {
    spec.starts_with("redis://")
        || spec.starts_with("rediss://")
        || spec.starts_with("redis+unix://")
}

/// How the journal is shown: a file's path, or only "redis" (the URL may hold a password).
pub fn describe(spec: &str) -> String {
    if is_redis(spec) {
        "redis (shared)".to_owned()
    } else {
        spec.to_owned()
    }
}

/// Opens the journal `spec` names for `campaign`.
pub async fn open(
    spec: &str,
    campaign: CampaignId,
    worker: WorkerId,
    heartbeat_ttl: Duration,
) -> Result<Arc<dyn Journal>, Failure> {
    let journal: Arc<dyn Journal> = if is_redis(spec) {
        Arc::new(
            RedisJournal::connect_with(
                spec,
                RedisJournal::DEFAULT_PREFIX,
                campaign,
                worker,
                heartbeat_ttl,
            )
            .await
            .map_err(failure)?,
        )
    } else {
        let spec = spec.to_owned();
        let file = tokio::task::spawn_blocking(move || FileJournal::open(spec, campaign, worker))
            .await
            .map_err(|e| Failure::usage(format!("opening the journal failed: {e}")))?
            .map_err(failure)?;
        if file.repaired_bytes() > 0 {
            eprintln!(
                "note: cut {} bytes of a torn last line off the journal (a run died mid-write)",
                file.repaired_bytes()
            );
        }
        Arc::new(file)
    };
    Ok(journal)
}

/// A journal failure and its exit code: the store unreachable or failing is 3, a journal that cannot be
/// used as it is (another campaign's, in use, altered) is 2. Nothing was sent for either.
pub fn failure(error: JournalError) -> Failure {
    let exit = match error {
        JournalError::Store(_) | JournalError::Io { .. } => Exit::Transport,
        _ => Exit::Usage,
    };
    Failure::Other {
        exit,
        message: error.to_string(),
    }
}
