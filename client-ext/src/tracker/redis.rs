//! Call histories shared through Redis streams.

use std::collections::VecDeque;
use std::fmt;
use std::time::Duration;

use futures::StreamExt;
use redis::aio::{ConnectionManager, ConnectionManagerConfig, MultiplexedConnection};
use redis::{AsyncConnectionConfig, Value};

use super::{
    DEFAULT_MAX_EVENTS_PER_CALL, DEFAULT_RETENTION, EventStream, RecordFuture, RecordOutcome,
    TrackError, TrackerStore,
};
use crate::webhook::event::WebhookEvent;

/// Appends `ARGV[2]` (the event's JSON) to the stream `KEYS[1]` unless the
/// set `KEYS[2]` holds its key `ARGV[1]`, then renews both expiries to
/// `ARGV[3]` ms. Answers 1 (recorded), 0 (duplicate) or -1 (the stream has
/// `ARGV[4]` entries already: refused, nothing trimmed).
const RECORD_SCRIPT: &str = r"
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then
  return 0
end
if redis.call('XLEN', KEYS[1]) >= tonumber(ARGV[4]) then
  return -1
end
redis.call('XADD', KEYS[1], '*', 'e', ARGV[2])
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return 1
";

/// The stream field holding an event's JSON.
const EVENT_FIELD: &[u8] = b"e";

/// Keeps each call's events in a Redis stream, so that every replica
/// connected to the same Redis sees every call.
///
/// | Key | Type | Holds | Expires |
/// | --- | --- | --- | --- |
/// | `<prefix>{<call id>}:events` | stream | one entry per event, field `e` = the event's JSON | the retention after the call's latest event |
/// | `<prefix>{<call id>}:keys` | set | the keys of the recorded events, to leave out redeliveries | same |
///
/// Recording is one Lua script (check the key, append, renew the expiries),
/// atomic across replicas; both keys of a call share a hash tag, so the
/// script also runs on Redis Cluster. A call at the cap of events is refused
/// further ones ([`TrackError::CallHistoryFull`]) instead of trimming its
/// history. Watching reads the stream from its start with `XREAD BLOCK` on a
/// connection of its own (a blocking read would stall the shared one), so
/// events recorded before the watch began are seen, then each new one.
///
/// ```no_run
/// use mirai_voice::tracker::{CallTracker, RedisTracker};
/// use mirai_voice::webhook::{RedisDeduper, Verifier, WebhookReceiver};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let url = "redis://127.0.0.1:6379/";
/// let tracker = CallTracker::new(RedisTracker::connect(url).await?);
/// let receiver = WebhookReceiver::new(Verifier::with_secret(std::env::var("MIRAI_PRIVATE_KEY")?))
///     .with_deduper(RedisDeduper::connect(url).await?)
///     .with_tracker(tracker.clone());
/// # drop(receiver);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct RedisTracker {
    client: redis::Client,
    connection: ConnectionManager,
    prefix: String,
    retention: Duration,
    max_events: usize,
    block: Duration,
}

impl RedisTracker {
    /// Prefix of every key this tracker writes.
    pub const DEFAULT_PREFIX: &'static str = "mirai-voice:tracker:";

    /// How long connecting, or one command of a record, may take, so a hung
    /// Redis fails a delivery (which the sender then retries) instead of
    /// stalling it.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);

    /// How long one `XREAD BLOCK` of a watcher waits before it asks again.
    pub const DEFAULT_BLOCK: Duration = Duration::from_secs(5);

    /// Connects to the Redis at `url` (`redis://host:port/db`).
    pub async fn connect(url: &str) -> Result<Self, TrackError> {
        let client = redis::Client::open(url).map_err(TrackError::store)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Self::DEFAULT_TIMEOUT)
            .set_response_timeout(Self::DEFAULT_TIMEOUT)
            // The manager's default retries back off for minutes before an unreachable Redis is reported; a
            // few quick attempts fail the connect (or a delivery, which the sender retries) in seconds.
            .set_number_of_retries(2)
            .set_max_delay(500);
        let connection = ConnectionManager::new_with_config(client.clone(), config)
            .await
            .map_err(TrackError::store)?;
        Ok(RedisTracker {
            client,
            connection,
            prefix: Self::DEFAULT_PREFIX.to_owned(),
            retention: DEFAULT_RETENTION,
            max_events: DEFAULT_MAX_EVENTS_PER_CALL,
            block: Self::DEFAULT_BLOCK,
        })
    }

    /// Writes keys under `prefix` instead of [`RedisTracker::DEFAULT_PREFIX`],
    /// e.g. to keep environments apart in one Redis.
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Keeps a call's events for `retention` after its latest one (default
    /// 24 h).
    pub fn with_retention(mut self, retention: Duration) -> Self {
        self.retention = retention;
        self
    }

    /// Refuses events past `max_events` per call (default
    /// [`DEFAULT_MAX_EVENTS_PER_CALL`], at least one).
    pub fn with_max_events_per_call(mut self, max_events: usize) -> Self {
        self.max_events = max_events.max(1);
        self
    }

    /// The Redis key of `call_id`'s event stream.
    pub fn events_key(&self, call_id: &str) -> String {
        call_key(&self.prefix, call_id, "events")
    }

    /// The Redis key of the set of `call_id`'s recorded event keys.
    pub fn keys_key(&self, call_id: &str) -> String {
        call_key(&self.prefix, call_id, "keys")
    }
}

impl fmt::Debug for RedisTracker {
    // The client is left out: its connection info may hold credentials.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisTracker")
            .field("prefix", &self.prefix)
            .field("retention", &self.retention)
            .field("max_events_per_call", &self.max_events)
            .finish_non_exhaustive()
    }
}

/// `<prefix>{<call id>}:<what>`: the braces make the call id the hash tag,
/// so a call's keys live on one Redis Cluster slot.
fn call_key(prefix: &str, call_id: &str, what: &str) -> String {
    format!("{prefix}{{{call_id}}}:{what}")
}

/// `duration` in whole milliseconds, rounded up, at least one.
fn millis(duration: Duration) -> u64 {
    let whole =
        duration.as_millis() + u128::from(!duration.subsec_nanos().is_multiple_of(1_000_000));
    u64::try_from(whole).unwrap_or(u64::MAX).max(1)
}

impl TrackerStore for RedisTracker {
    fn record<'a>(
        &'a self,
        call_id: &'a str,
        key: &'a str,
        event: &'a WebhookEvent,
    ) -> RecordFuture<'a> {
        Box::pin(async move {
            let mut connection = self.connection.clone();
            let answer: i64 = redis::cmd("EVAL")
                .arg(RECORD_SCRIPT)
                .arg(2)
                .arg(self.events_key(call_id))
                .arg(self.keys_key(call_id))
                .arg(key)
                .arg(event.to_vec())
                .arg(millis(self.retention))
                .arg(self.max_events)
                .query_async(&mut connection)
                .await
                .map_err(TrackError::store)?;
            match answer {
                1 => Ok(RecordOutcome::Recorded),
                0 => Ok(RecordOutcome::Duplicate),
                -1 => Err(TrackError::CallHistoryFull {
                    limit: self.max_events,
                }),
                other => Err(TrackError::store(format!(
                    "record script answered {other}, expected -1, 0 or 1"
                ))),
            }
        })
    }

    fn watch(&self, call_id: &str) -> EventStream {
        let reader = Reader {
            client: self.client.clone(),
            connection: None,
            key: self.events_key(call_id),
            block: self.block,
            last_id: "0-0".to_owned(),
            pending: VecDeque::new(),
        };
        futures::stream::unfold(Some(reader), |reader| async move {
            let mut reader = reader?;
            match reader.next().await {
                Ok(event) => Some((Ok(event), Some(reader))),
                Err(error) => Some((Err(error), None)),
            }
        })
        .boxed()
    }
}

/// A watcher's position in a call's stream, with its own connection.
struct Reader {
    client: redis::Client,
    connection: Option<MultiplexedConnection>,
    key: String,
    block: Duration,
    /// The id of the last entry read (`0-0`: from the start).
    last_id: String,
    pending: VecDeque<WebhookEvent>,
}

impl Reader {
    async fn next(&mut self) -> Result<WebhookEvent, TrackError> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return Ok(event);
            }
            let mut command = redis::cmd("XREAD");
            command
                .arg("COUNT")
                .arg(100)
                .arg("BLOCK")
                .arg(millis(self.block))
                .arg("STREAMS")
                .arg(&self.key)
                .arg(&self.last_id);
            let reply: Value = command
                .query_async(self.connection().await?)
                .await
                .map_err(TrackError::store)?;
            for (id, event) in parse_xread(reply)? {
                self.last_id = id;
                self.pending.push_back(event);
            }
        }
    }

    async fn connection(&mut self) -> Result<&mut MultiplexedConnection, TrackError> {
        if self.connection.is_none() {
            // A blocking read waits up to `block` for its answer.
            let config = AsyncConnectionConfig::new()
                .set_connection_timeout(RedisTracker::DEFAULT_TIMEOUT)
                .set_response_timeout(self.block + RedisTracker::DEFAULT_TIMEOUT);
            let connection = self
                .client
                .get_multiplexed_async_connection_with_config(&config)
                .await
                .map_err(TrackError::store)?;
            self.connection = Some(connection);
        }
        self.connection
            .as_mut()
            .ok_or_else(|| TrackError::store("no connection"))
    }
}

/// The `(id, event)` entries of an `XREAD` reply on one stream (`nil` when
/// the block ran out).
fn parse_xread(reply: Value) -> Result<Vec<(String, WebhookEvent)>, TrackError> {
    let unreadable = |reason: &str| TrackError::Unreadable {
        reason: reason.to_owned(),
    };
    let streams = match reply {
        Value::Nil => return Ok(Vec::new()),
        Value::Array(streams) => streams
            .into_iter()
            .map(|stream| match stream {
                Value::Array(mut pair) if pair.len() == 2 => Ok(pair.swap_remove(1)),
                _ => Err(unreadable("an XREAD stream is not [key, entries]")),
            })
            .collect::<Result<Vec<_>, _>>()?,
        Value::Map(streams) => streams.into_iter().map(|(_, entries)| entries).collect(),
        _ => return Err(unreadable("an XREAD reply is not an array")),
    };
    let mut entries = Vec::new();
    for stream in streams {
        let Value::Array(stream) = stream else {
            return Err(unreadable("XREAD entries are not an array"));
        };
        for entry in stream {
            entries.push(parse_entry(entry).map_err(unreadable)?);
        }
    }
    Ok(entries)
}

/// One stream entry, `[id, [field, value, …]]`, as `(id, event)`.
fn parse_entry(entry: Value) -> Result<(String, WebhookEvent), &'static str> {
    let Value::Array(mut entry) = entry else {
        return Err("a stream entry is not an array");
    };
    if entry.len() != 2 {
        return Err("a stream entry is not [id, fields]");
    }
    let fields = entry.pop().ok_or("a stream entry has no fields")?;
    let id = match entry.pop() {
        Some(Value::BulkString(id)) => {
            String::from_utf8(id).map_err(|_| "an entry id is not UTF-8")?
        }
        Some(Value::SimpleString(id)) => id,
        _ => return Err("an entry id is not a string"),
    };
    let fields = match fields {
        Value::Array(fields) => fields,
        Value::Map(pairs) => pairs.into_iter().flat_map(|(k, v)| [k, v]).collect(),
        _ => return Err("entry fields are not an array"),
    };
    let mut fields = fields.into_iter();
    while let (Some(name), Some(value)) = (fields.next(), fields.next()) {
        if matches!(&name, Value::BulkString(name) if name == EVENT_FIELD) {
            let Value::BulkString(json) = value else {
                return Err("an event field is not a string");
            };
            let event =
                WebhookEvent::from_slice(&json).map_err(|_| "a stored event is not an event")?;
            return Ok((id, event));
        }
    }
    Err("a stream entry has no event field")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webhook::testing::EventBuilder;

    fn bulk(text: &[u8]) -> Value {
        Value::BulkString(text.to_vec())
    }

    #[test]
    fn xread_replies_parse_into_entries() {
        let event = EventBuilder::end_of_call().build();
        let entry = |id: &str| {
            Value::Array(vec![
                bulk(id.as_bytes()),
                Value::Array(vec![bulk(b"e"), bulk(&event.to_vec())]),
            ])
        };
        let reply = Value::Array(vec![Value::Array(vec![
            bulk(b"key"),
            Value::Array(vec![entry("1-0"), entry("2-0")]),
        ])]);
        let entries = parse_xread(reply).unwrap();
        let ids: Vec<&str> = entries.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, ["1-0", "2-0"]);
        assert_eq!(entries[0].1, event);
        assert!(parse_xread(Value::Nil).unwrap().is_empty());
    }

    #[test]
    fn foreign_stream_entries_are_typed_errors() {
        let reply = |fields: Vec<Value>| {
            Value::Array(vec![Value::Array(vec![
                bulk(b"key"),
                Value::Array(vec![Value::Array(vec![bulk(b"1-0"), Value::Array(fields)])]),
            ])])
        };
        for fields in [
            vec![bulk(b"other"), bulk(b"x")],
            vec![bulk(b"e"), bulk(b"not json")],
            vec![bulk(b"e"), Value::Int(3)],
        ] {
            assert!(matches!(
                parse_xread(reply(fields)),
                Err(TrackError::Unreadable { .. })
            ));
        }
        assert!(matches!(
            parse_xread(Value::Int(1)),
            Err(TrackError::Unreadable { .. })
        ));
    }

    #[test]
    fn both_keys_of_a_call_share_a_hash_tag() {
        let prefix = RedisTracker::DEFAULT_PREFIX;
        assert_eq!(
            call_key(prefix, "call_1", "events"),
            "mirai-voice:tracker:{call_1}:events"
        );
        assert_eq!(call_key("p:", "call_1", "keys"), "p:{call_1}:keys");
        assert_eq!(millis(Duration::ZERO), 1);
        assert_eq!(millis(Duration::from_micros(1500)), 2);
    }
}
