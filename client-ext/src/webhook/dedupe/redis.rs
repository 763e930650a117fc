//! De-duplication shared through Redis.

use std::fmt;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::{DedupeError, DedupeFuture, DedupeKey, Deduper, Delivery};

/// Remembers deliveries in Redis, so several receiver replicas skip each
/// other's duplicates.
///
/// A claim is one atomic `SET <prefix><key> 1 NX EX <ttl>`: whichever replica
/// sets the key first processes the delivery; the others see
/// [`Delivery::Duplicate`]. Keys expire on their own after the TTL.
///
/// ```no_run
/// use mirai_voice::webhook::{RedisDeduper, Verifier, WebhookReceiver};
/// use std::time::Duration;
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let dedupe = RedisDeduper::connect("redis://127.0.0.1:6379/", Duration::from_secs(86_400)).await?;
/// let receiver = WebhookReceiver::new(Verifier::with_secret(std::env::var("MIRAI_PRIVATE_KEY")?))
///     .with_deduper(dedupe);
/// # drop(receiver);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct RedisDeduper {
    connection: ConnectionManager,
    ttl_secs: u64,
    prefix: String,
}

impl RedisDeduper {
    /// Prefix of every key this deduper writes.
    pub const DEFAULT_PREFIX: &'static str = "mirai-voice:webhook:";

    /// How long one connection attempt or one command may take in
    /// [`RedisDeduper::connect`], so a hung Redis fails a delivery (which the
    /// sender then retries) instead of stalling it.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);

    /// Connects to the Redis at `url` (`redis://host:port/db`); keys live for
    /// `ttl`, rounded up to whole seconds.
    pub async fn connect(url: &str, ttl: Duration) -> Result<Self, DedupeError> {
        let client = redis::Client::open(url).map_err(DedupeError::new)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Self::DEFAULT_TIMEOUT)
            .set_response_timeout(Self::DEFAULT_TIMEOUT);
        let connection = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(DedupeError::new)?;
        Ok(RedisDeduper::new(connection, ttl))
    }

    /// Uses an existing connection manager; keys live for `ttl`, rounded up to
    /// whole seconds (at least one).
    pub fn new(connection: ConnectionManager, ttl: Duration) -> Self {
        let whole = ttl.as_secs() + u64::from(ttl.subsec_nanos() > 0);
        RedisDeduper {
            connection,
            ttl_secs: whole.max(1),
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
}

impl fmt::Debug for RedisDeduper {
    // The connection is left out: its configuration may hold credentials.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisDeduper")
            .field("prefix", &self.prefix)
            .field("ttl_secs", &self.ttl_secs)
            .finish_non_exhaustive()
    }
}

impl Deduper for RedisDeduper {
    fn claim<'a>(&'a self, key: &'a DedupeKey) -> DedupeFuture<'a, Delivery> {
        Box::pin(async move {
            let mut connection = self.connection.clone();
            let reply: Option<String> = redis::cmd("SET")
                .arg(self.redis_key(key))
                .arg(1)
                .arg("NX")
                .arg("EX")
                .arg(self.ttl_secs)
                .query_async(&mut connection)
                .await
                .map_err(DedupeError::new)?;
            // SET … NX answers OK when it set the key and nil when it existed.
            Ok(match reply {
                Some(_) => Delivery::First,
                None => Delivery::Duplicate,
            })
        })
    }

    fn release<'a>(&'a self, key: &'a DedupeKey) -> DedupeFuture<'a, ()> {
        Box::pin(async move {
            let mut connection = self.connection.clone();
            let _removed: i64 = redis::cmd("DEL")
                .arg(self.redis_key(key))
                .query_async(&mut connection)
                .await
                .map_err(DedupeError::new)?;
            Ok(())
        })
    }
}
