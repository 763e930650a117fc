//! De-duplication shared through Redis.

use std::fmt;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::{
    ClaimOutcome, ClaimToken, CommitOutcome, DedupeError, DedupeFuture, DedupeKey, Deduper,
    ReleaseOutcome,
};

/// Commits `KEYS[1]` as done for `ARGV[2]` milliseconds if it holds the
/// caller's lease `ARGV[1]` or nothing; answers 1 (committed), 0 (another
/// lease holds it, left alone) or 2 (already done).
const COMMIT_SCRIPT: &str = r"
local value = redis.call('GET', KEYS[1])
if value == ARGV[1] or not value then
  redis.call('SET', KEYS[1], 'd', 'PX', ARGV[2])
  return 1
end
if string.sub(value, 1, 2) == 'p:' then
  return 0
end
return 2
";

/// Deletes `KEYS[1]` if it holds the caller's lease `ARGV[1]`; answers 1
/// (released) or 0 (not held, left alone).
const RELEASE_SCRIPT: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
";

/// Keeps claims in Redis, so several receiver replicas share them.
///
/// Each key holds its state as a string value:
///
/// | Value | State | Set by | Expires after |
/// | --- | --- | --- | --- |
/// | `p:<token>` | leased to the claim `<token>` | `SET key p:<token> NX PX <lease>` | the lease |
/// | `d` | done | a Lua script, only if the value is the caller's `p:<token>` or absent | the TTL |
/// | anything else (`1` from earlier versions) | done | — | its own TTL |
///
/// Release is a Lua script that deletes the key only if it holds the caller's
/// `p:<token>`. The scripts run atomically in Redis, so one replica never
/// commits or releases another replica's claim, even after its own lease ran
/// out and the other replica claimed the key. A claim that finds the key taken
/// reads it to tell a lease from a commit; if the key vanished in between (its
/// holder released it) the answer is [`ClaimOutcome::InProgress`], so the
/// sender retries and the retry claims it.
///
/// ```no_run
/// use mirai_voice::webhook::{RedisDeduper, Verifier, WebhookReceiver};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let dedupe = RedisDeduper::connect("redis://127.0.0.1:6379/").await?;
/// let receiver = WebhookReceiver::new(Verifier::with_secret(std::env::var("MIRAI_PRIVATE_KEY")?))
///     .with_deduper(dedupe);
/// # drop(receiver);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct RedisDeduper {
    connection: ConnectionManager,
    prefix: String,
}

impl RedisDeduper {
    /// Prefix of every key this deduper writes.
    pub const DEFAULT_PREFIX: &'static str = "mirai-voice:webhook:";

    /// How long one connection attempt or one command may take in
    /// [`RedisDeduper::connect`], so a hung Redis fails a delivery (which the
    /// sender then retries) instead of stalling it.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);

    /// Connects to the Redis at `url` (`redis://host:port/db`).
    pub async fn connect(url: &str) -> Result<Self, DedupeError> {
        let client = redis::Client::open(url).map_err(DedupeError::new)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Self::DEFAULT_TIMEOUT)
            .set_response_timeout(Self::DEFAULT_TIMEOUT)
            // The manager's default retries back off for minutes before an unreachable Redis is reported; a
            // few quick attempts fail the connect (or a delivery, which the sender retries) in seconds.
            .set_number_of_retries(2)
            .set_max_delay(500);
        let connection = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(DedupeError::new)?;
        Ok(RedisDeduper::new(connection))
    }

    /// Uses an existing connection manager.
    pub fn new(connection: ConnectionManager) -> Self {
        RedisDeduper {
            connection,
            prefix: Self::DEFAULT_PREFIX.to_owned(),
        }
    }

    /// Writes keys under `prefix` instead of [`RedisDeduper::DEFAULT_PREFIX`],
    /// e.g. to keep environments apart in one Redis.
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The Redis key for `key`.
    pub fn redis_key(&self, key: &DedupeKey) -> String {
        format!("{}{}", self.prefix, key.as_str())
    }

    /// The value of a key leased to `token`.
    pub fn lease_value(token: &ClaimToken) -> String {
        format!("p:{token}")
    }

    /// Runs one of the owner-guarded scripts and returns its integer answer.
    async fn eval(
        &self,
        script: &str,
        key: &DedupeKey,
        token: &ClaimToken,
        extra: Option<u64>,
    ) -> Result<i64, DedupeError> {
        let mut command = redis::cmd("EVAL");
        command
            .arg(script)
            .arg(1)
            .arg(self.redis_key(key))
            .arg(Self::lease_value(token));
        if let Some(extra) = extra {
            command.arg(extra);
        }
        let mut connection = self.connection.clone();
        command
            .query_async(&mut connection)
            .await
            .map_err(DedupeError::new)
    }
}

/// `duration` in whole milliseconds, rounded up, at least one (`PX 0` is an
/// error in Redis).
fn millis(duration: Duration) -> u64 {
    let whole =
        duration.as_millis() + u128::from(!duration.subsec_nanos().is_multiple_of(1_000_000));
    u64::try_from(whole).unwrap_or(u64::MAX).max(1)
}

impl fmt::Debug for RedisDeduper {
    // The connection is left out: its configuration may hold credentials.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisDeduper")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl Deduper for RedisDeduper {
    fn claim<'a>(&'a self, key: &'a DedupeKey, lease: Duration) -> DedupeFuture<'a, ClaimOutcome> {
        Box::pin(async move {
            let token = ClaimToken::random();
            let redis_key = self.redis_key(key);
            let mut connection = self.connection.clone();
            let set: Option<String> = redis::cmd("SET")
                .arg(&redis_key)
                .arg(Self::lease_value(&token))
                .arg("NX")
                .arg("PX")
                .arg(millis(lease))
                .query_async(&mut connection)
                .await
                .map_err(DedupeError::new)?;
            // SET … NX answers OK when it set the key and nil when it existed.
            if set.is_some() {
                return Ok(ClaimOutcome::Claimed(token));
            }
            let value: Option<String> = redis::cmd("GET")
                .arg(&redis_key)
                .query_async(&mut connection)
                .await
                .map_err(DedupeError::new)?;
            Ok(match value {
                Some(value) if value.starts_with("p:") => ClaimOutcome::InProgress,
                Some(_) => ClaimOutcome::Done,
                // Released or expired since the SET: let the sender retry.
                None => ClaimOutcome::InProgress,
            })
        })
    }

    fn commit<'a>(
        &'a self,
        key: &'a DedupeKey,
        token: &'a ClaimToken,
        ttl: Duration,
    ) -> DedupeFuture<'a, CommitOutcome> {
        Box::pin(async move {
            match self
                .eval(COMMIT_SCRIPT, key, token, Some(millis(ttl)))
                .await?
            {
                1 => Ok(CommitOutcome::Committed),
                0 => Ok(CommitOutcome::ClaimedByOther),
                2 => Ok(CommitOutcome::AlreadyDone),
                other => Err(DedupeError::new(format!(
                    "commit script answered {other}, expected 0, 1 or 2"
                ))),
            }
        })
    }

    fn release<'a>(
        &'a self,
        key: &'a DedupeKey,
        token: &'a ClaimToken,
    ) -> DedupeFuture<'a, ReleaseOutcome> {
        Box::pin(async move {
            match self.eval(RELEASE_SCRIPT, key, token, None).await? {
                1 => Ok(ReleaseOutcome::Released),
                0 => Ok(ReleaseOutcome::NotHeld),
                other => Err(DedupeError::new(format!(
                    "release script answered {other}, expected 0 or 1"
                ))),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_round_up_to_whole_milliseconds() {
        assert_eq!(millis(Duration::ZERO), 1);
        assert_eq!(millis(Duration::from_micros(1)), 1);
        assert_eq!(millis(Duration::from_micros(1500)), 2);
        assert_eq!(millis(Duration::from_millis(300)), 300);
        assert_eq!(millis(Duration::from_secs(86_400)), 86_400_000);
        assert_eq!(millis(Duration::MAX), u64::MAX);
    }
}
