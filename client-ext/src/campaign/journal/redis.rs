//! The Redis journal: one hash per campaign, shared by every worker, claims and results by compare-and-set.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::stored::{StoredEntry, StoredState};
use super::{
    ClaimOutcome, Journal, JournalEntry, JournalError, JournalFuture, RecordOutcome, RowResult,
};
use crate::campaign::identity::{CampaignId, WorkerId};
use crate::campaign::rows::RowKey;

/// Sets field `ARGV[1]` of the hash `KEYS[1]` to the claim `ARGV[2]` if it is absent; answers `{1, '', 0}`
/// (claimed) or `{0, <entry>, <1 if the entry is a claim whose worker key ARGV[3]..worker exists, else 0>}`.
const CLAIM_SCRIPT: &str = r"
local value = redis.call('HGET', KEYS[1], ARGV[1])
if not value then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  return {1, '', 0}
end
local entry = cjson.decode(value)
local alive = 0
if entry.state == 'dialing' then
  alive = redis.call('EXISTS', ARGV[3] .. entry.worker)
end
return {0, value, alive}
";

/// Replaces field `ARGV[1]` with the result `ARGV[3]` only if it holds a claim of worker `ARGV[2]`; answers
/// `{1, '', 0}` (recorded), `{0, <entry>, 0}` (another entry, left alone) or `{0, '', 0}` (no entry).
const RECORD_SCRIPT: &str = r"
local value = redis.call('HGET', KEYS[1], ARGV[1])
if not value then
  return {0, '', 0}
end
local entry = cjson.decode(value)
if entry.state == 'dialing' and entry.worker == ARGV[2] then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
  return {1, '', 0}
end
return {0, value, 0}
";

/// Deletes field `ARGV[1]` only if it still holds the entry of state `ARGV[2]`, worker `ARGV[3]` and time
/// `ARGV[4]`, that entry is not `placed`, and, for a claim, its worker key `ARGV[5]..worker` is gone. Answers
/// 1 (reopened) or 0.
const REOPEN_SCRIPT: &str = r"
local value = redis.call('HGET', KEYS[1], ARGV[1])
if not value then
  return 0
end
local entry = cjson.decode(value)
if entry.state ~= ARGV[2] or entry.worker ~= ARGV[3] or entry.at ~= ARGV[4] or entry.state == 'placed' then
  return 0
end
if entry.state == 'dialing' and redis.call('EXISTS', ARGV[5] .. entry.worker) == 1 then
  return 0
end
redis.call('HDEL', KEYS[1], ARGV[1])
return 1
";

/// A journal in Redis, shared by every worker of a campaign, on any machine.
///
/// | Key | Type | Holds | Expires |
/// | --- | --- | --- | --- |
/// | `<prefix>{<campaign>}:rows` | hash | field = row key, value = the row's entry as JSON (the file journal's line format) | never: delete it when the campaign is done |
/// | `<prefix>{<campaign>}:worker:<worker id>` | string | a worker's heartbeat | [`RedisJournal::DEFAULT_HEARTBEAT_TTL`] after the last beat |
///
/// Claims, results and reopenings are Lua scripts, atomic across workers: a claim sets a row's field only if
/// it has none; a result replaces only the recording worker's own claim; a reopening removes only the exact
/// entry a person saw. Each worker renews its heartbeat key every third of its time to live while the journal
/// is open; a `dialing` entry whose worker key expired (the worker crashed or was killed) reads as
/// [`Abandoned`](super::RowState::Abandoned). Reporting a worker that stalled for longer than the TTL as
/// stopped never dials anything: only [`Journal::reopen`] (an explicit retry) does. Both keys share the hash
/// tag of the campaign, so the scripts also run on Redis Cluster.
///
/// The Redis server's durability is the journal's: with `appendonly yes` and `appendfsync always` a claim is
/// on disk before its call is sent; with Redis's defaults a Redis crash can lose the last second of claims.
pub struct RedisJournal {
    connection: ConnectionManager,
    prefix: String,
    campaign: CampaignId,
    worker: WorkerId,
    /// The numbers claimed through this handle, to write into their results.
    claimed: Mutex<HashMap<RowKey, String>>,
    heartbeat: tokio::task::JoinHandle<()>,
}

impl RedisJournal {
    /// Prefix of every key this journal writes.
    pub const DEFAULT_PREFIX: &'static str = "mirai-voice:campaign:";

    /// How long a worker's heartbeat lasts without renewal: after this, its unfinished claims read as abandoned.
    pub const DEFAULT_HEARTBEAT_TTL: Duration = Duration::from_secs(15);

    /// How long connecting, or one command, may take.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);

    /// Connects to the Redis at `url` (`redis://host:port/db`) and starts `worker`'s heartbeat.
    pub async fn connect(
        url: &str,
        campaign: CampaignId,
        worker: WorkerId,
    ) -> Result<Self, JournalError> {
        Self::connect_with(
            url,
            Self::DEFAULT_PREFIX,
            campaign,
            worker,
            Self::DEFAULT_HEARTBEAT_TTL,
        )
        .await
    }

    /// As [`RedisJournal::connect`], with the key prefix and the heartbeat's time to live given.
    pub async fn connect_with(
        url: &str,
        prefix: &str,
        campaign: CampaignId,
        worker: WorkerId,
        heartbeat_ttl: Duration,
    ) -> Result<Self, JournalError> {
        let client = redis::Client::open(url).map_err(store)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Self::DEFAULT_TIMEOUT)
            .set_response_timeout(Self::DEFAULT_TIMEOUT)
            // As for the deduper: fail in seconds, not after minutes of the manager's default back-off.
            .set_number_of_retries(2)
            .set_max_delay(500);
        let connection = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(store)?;
        let ttl_ms = u64::try_from(heartbeat_ttl.as_millis())
            .unwrap_or(u64::MAX)
            .max(1);
        let worker_key = format!("{prefix}{{{campaign}}}:worker:{worker}");
        beat(&connection, &worker_key, ttl_ms).await?;
        let heartbeat = {
            let connection = connection.clone();
            let worker_key = worker_key.clone();
            tokio::spawn(async move {
                let every = (heartbeat_ttl / 3).max(Duration::from_millis(1));
                loop {
                    tokio::time::sleep(every).await;
                    if let Err(error) = beat(&connection, &worker_key, ttl_ms).await {
                        tracing::warn!(%error, "campaign worker heartbeat failed; retrying");
                    }
                }
            })
        };
        Ok(RedisJournal {
            connection,
            prefix: prefix.to_owned(),
            campaign,
            worker,
            claimed: Mutex::new(HashMap::new()),
            heartbeat,
        })
    }

    /// The hash holding the campaign's rows.
    pub fn rows_key(&self) -> String {
        format!("{}{{{}}}:rows", self.prefix, self.campaign)
    }

    /// The heartbeat key of `worker`, without the worker id (the scripts append it).
    fn worker_key_prefix(&self) -> String {
        format!("{}{{{}}}:worker:", self.prefix, self.campaign)
    }

    /// Stops the heartbeat and removes this worker's key, so that its unfinished claims (there are none after
    /// a complete run) read as abandoned at once.
    pub async fn close(self) -> Result<(), JournalError> {
        self.heartbeat.abort();
        let mut connection = self.connection.clone();
        redis::cmd("DEL")
            .arg(format!("{}{}", self.worker_key_prefix(), self.worker))
            .query_async::<i64>(&mut connection)
            .await
            .map_err(store)?;
        Ok(())
    }

    fn view(&self, entry: &StoredEntry, alive: bool) -> Option<JournalEntry> {
        entry.view(|_| alive)
    }

    fn parse(&self, value: &str) -> Result<StoredEntry, JournalError> {
        serde_json::from_str(value).map_err(|e| {
            JournalError::Store(format!(
                "campaign journal {} holds an unreadable entry: {e}",
                self.rows_key()
            ))
        })
    }

    fn claimed(&self) -> std::sync::MutexGuard<'_, HashMap<RowKey, String>> {
        self.claimed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Drop for RedisJournal {
    fn drop(&mut self) {
        self.heartbeat.abort();
    }
}

async fn beat(connection: &ConnectionManager, key: &str, ttl_ms: u64) -> Result<(), JournalError> {
    let mut connection = connection.clone();
    redis::cmd("SET")
        .arg(key)
        .arg(1)
        .arg("PX")
        .arg(ttl_ms)
        .query_async::<()>(&mut connection)
        .await
        .map_err(store)
}

/// A Redis failure; its text never holds the URL (and so no password).
fn store(error: redis::RedisError) -> JournalError {
    JournalError::Store(error.to_string())
}

impl fmt::Debug for RedisJournal {
    // The connection is left out: its configuration may hold credentials.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisJournal")
            .field("prefix", &self.prefix)
            .field("campaign", &self.campaign)
            .field("worker", &self.worker)
            .finish_non_exhaustive()
    }
}

/// A script's `{flag, entry or '', flag}` answer (three elements always: Redis cuts a Lua array at its first nil).
type ScriptAnswer = (i64, String, i64);

impl Journal for RedisJournal {
    fn campaign(&self) -> &CampaignId {
        &self.campaign
    }

    fn worker(&self) -> &WorkerId {
        &self.worker
    }

    fn claim<'a>(&'a self, row: &'a RowKey, phone: &'a str) -> JournalFuture<'a, ClaimOutcome> {
        Box::pin(async move {
            let entry = StoredEntry::now(row, phone, StoredState::Dialing, &self.worker);
            let mut connection = self.connection.clone();
            let (claimed, value, alive): ScriptAnswer = redis::cmd("EVAL")
                .arg(CLAIM_SCRIPT)
                .arg(1)
                .arg(self.rows_key())
                .arg(row.as_str())
                .arg(entry.to_json())
                .arg(self.worker_key_prefix())
                .query_async(&mut connection)
                .await
                .map_err(store)?;
            if claimed == 1 {
                self.claimed().insert(row.clone(), phone.to_owned());
                return Ok(ClaimOutcome::Claimed);
            }
            let existing = self.parse(&value)?;
            let view = self.view(&existing, alive == 1).ok_or_else(|| {
                JournalError::Store("campaign journal holds a reopened marker".to_owned())
            })?;
            Ok(ClaimOutcome::Taken(view))
        })
    }

    fn record<'a>(
        &'a self,
        row: &'a RowKey,
        result: &'a RowResult,
    ) -> JournalFuture<'a, RecordOutcome> {
        Box::pin(async move {
            let phone = self.claimed().get(row).cloned().unwrap_or_default();
            let entry = StoredEntry::now(row, &phone, StoredState::from(result), &self.worker);
            let mut connection = self.connection.clone();
            let (recorded, value, _): ScriptAnswer = redis::cmd("EVAL")
                .arg(RECORD_SCRIPT)
                .arg(1)
                .arg(self.rows_key())
                .arg(row.as_str())
                .arg(self.worker.as_str())
                .arg(entry.to_json())
                .query_async(&mut connection)
                .await
                .map_err(store)?;
            if recorded == 1 {
                self.claimed().remove(row);
                return Ok(RecordOutcome::Recorded);
            }
            let found = if value.is_empty() {
                None
            } else {
                let stored = self.parse(&value)?;
                // Not this worker's claim; whether its holder still runs does not matter here.
                self.view(&stored, stored.worker == self.worker)
            };
            Ok(RecordOutcome::NotHeld(found))
        })
    }

    fn reopen<'a>(&'a self, entry: &'a JournalEntry) -> JournalFuture<'a, bool> {
        Box::pin(async move {
            let tag = match &entry.state {
                super::RowState::Dialing | super::RowState::Placed { .. } => return Ok(false),
                super::RowState::Abandoned => StoredState::Dialing.tag(),
                super::RowState::Failed { .. } => "failed",
                super::RowState::Unknown { .. } => "unknown",
            };
            let mut connection = self.connection.clone();
            let reopened: i64 = redis::cmd("EVAL")
                .arg(REOPEN_SCRIPT)
                .arg(1)
                .arg(self.rows_key())
                .arg(entry.row.as_str())
                .arg(tag)
                .arg(entry.worker.as_str())
                .arg(super::stored::timestamp(entry.at))
                .arg(self.worker_key_prefix())
                .query_async(&mut connection)
                .await
                .map_err(store)?;
            Ok(reopened == 1)
        })
    }

    fn entries(&self) -> JournalFuture<'_, Vec<JournalEntry>> {
        Box::pin(async move {
            let mut connection = self.connection.clone();
            let all: HashMap<String, String> = redis::cmd("HGETALL")
                .arg(self.rows_key())
                .query_async(&mut connection)
                .await
                .map_err(store)?;
            let stored = all
                .values()
                .map(|value| self.parse(value))
                .collect::<Result<Vec<_>, _>>()?;
            let claimants: HashSet<&WorkerId> = stored
                .iter()
                .filter(|e| e.state == StoredState::Dialing)
                .map(|e| &e.worker)
                .collect();
            let mut alive = HashSet::new();
            for worker in claimants {
                let exists: i64 = redis::cmd("EXISTS")
                    .arg(format!("{}{}", self.worker_key_prefix(), worker))
                    .query_async(&mut connection)
                    .await
                    .map_err(store)?;
                if exists == 1 {
                    alive.insert(worker.clone());
                }
            }
            Ok(stored
                .iter()
                .filter_map(|e| self.view(e, alive.contains(&e.worker)))
                .collect())
        })
    }
}
