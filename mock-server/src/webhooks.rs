//! Signed webhook delivery: one ordered queue per call, bounded retries, a delivery log and
//! deliberate duplicates. The rules are documented on [`WebhookConfig`].

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use tokio::task::AbortHandle;

use crate::logs::LogStats;
use crate::state::OutgoingEvent;

/// How webhook deliveries are attempted.
///
/// Every event is POSTed to the call's `callbackUrl` with the exact body that was signed:
/// `x-signature` is the lowercase hex HMAC-SHA256 of the raw body keyed by the organization's
/// private key, and `x-public-key` names the organization. A delivery succeeds on any `2xx`;
/// other statuses and transport errors are retried, up to [`WebhookConfig::max_attempts`]
/// attempts, waiting `retry_delay_ms`, then twice that, and so on. Events of one call are sent
/// strictly one after another, each only after the previous one succeeded or gave up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WebhookConfig {
    /// Attempts per delivery, the first one included (at least 1).
    pub max_attempts: u32,
    /// Wait before the first retry, in milliseconds; doubled before each further retry.
    pub retry_delay_ms: u64,
    /// Per-attempt timeout, in milliseconds.
    pub timeout_ms: u64,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            retry_delay_ms: 20,
            timeout_ms: 5_000,
        }
    }
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeliveryState {
    /// Queued or being attempted.
    Pending,
    /// A `2xx` answer was received.
    Delivered,
    /// Every attempt failed.
    Failed,
}

/// One attempt of a delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryAttempt {
    /// 1-based attempt number.
    pub attempt: u32,
    /// The receiver's HTTP status, when it answered.
    pub status: Option<u16>,
    /// The transport error, when it did not.
    pub error: Option<String>,
    /// The start of the receiver's response body (at most 512 bytes), when it answered.
    #[serde(default)]
    pub answer: Option<String>,
}

/// A webhook delivery as the log records it: what was sent, and how each attempt went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryRecord {
    /// Log id, `dlv_<n>`.
    pub id: String,
    /// The call the event belongs to.
    pub call_id: String,
    /// `event.type` of the body.
    pub event_type: String,
    /// The callback URL.
    pub url: String,
    /// The exact body sent (and signed).
    pub body: String,
    /// The `x-signature` header sent.
    pub signature: String,
    /// The `x-public-key` header sent.
    pub public_key: String,
    /// For an injected duplicate or a redelivery: the id of the delivery it copies.
    pub duplicate_of: Option<String>,
    /// The attempts so far.
    pub attempts: Vec<DeliveryAttempt>,
    /// The outcome so far.
    pub state: DeliveryState,
}

/// Injects duplicate deliveries: each of the next `times` events matching the filters is sent
/// `copies` extra times, right after the original.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DuplicateRule {
    /// Only events of this type (e.g. `end-of-call`); any type when `None`.
    pub event_type: Option<String>,
    /// Only events of this call; any call when `None`.
    pub call_id: Option<String>,
    /// Extra copies per matching event.
    pub copies: u32,
    /// How many matching events to duplicate.
    pub times: u32,
}

impl Default for DuplicateRule {
    fn default() -> Self {
        Self {
            event_type: None,
            call_id: None,
            copies: 1,
            times: 1,
        }
    }
}

impl DuplicateRule {
    fn matches(&self, event: &OutgoingEvent) -> bool {
        self.times > 0
            && self
                .event_type
                .as_ref()
                .is_none_or(|t| *t == event.event_type)
            && self.call_id.as_ref().is_none_or(|c| *c == event.call_id)
    }
}

#[derive(Default)]
struct DispatchState {
    config: WebhookConfig,
    /// The most finished deliveries the log keeps; pending ones are never dropped.
    cap: usize,
    /// Finished deliveries dropped from the log to stay within `cap`.
    dropped: u64,
    next_id: u64,
    /// Deliveries by number; numbers are never reused, so a reset cannot confuse a worker.
    log: BTreeMap<u64, DeliveryRecord>,
    queues: HashMap<String, VecDeque<u64>>,
    active: HashSet<String>,
    duplicates: Vec<DuplicateRule>,
}

struct Inner {
    client: reqwest::Client,
    runtime: tokio::runtime::Handle,
    state: Mutex<DispatchState>,
    pending: watch::Sender<usize>,
    tasks: Mutex<Vec<AbortHandle>>,
}

/// Queues and sends webhook deliveries.
#[derive(Clone)]
pub(crate) struct Dispatcher {
    inner: Arc<Inner>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Dispatcher {
    /// A dispatcher spawning its workers on `runtime`, keeping at most `log_cap` finished
    /// deliveries in its log.
    pub(crate) fn new(runtime: tokio::runtime::Handle, log_cap: usize) -> Self {
        // Deliveries go to local receivers: never through a proxy from the environment.
        let client = reqwest::Client::builder()
            .no_proxy()
            .user_agent(concat!("mirai-voice-mock/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default();
        Self {
            inner: Arc::new(Inner {
                client,
                runtime,
                state: Mutex::new(DispatchState {
                    cap: log_cap.max(1),
                    ..DispatchState::default()
                }),
                pending: watch::Sender::new(0),
                tasks: Mutex::new(Vec::new()),
            }),
        }
    }

    /// Queues events in order; events without a callback URL are only recorded in call history.
    pub(crate) fn enqueue(&self, events: Vec<OutgoingEvent>) {
        for event in events {
            let Some(url) = event.url.clone() else {
                continue;
            };
            let mut state = lock(&self.inner.state);
            let original = self.push_record(&mut state, &event, &url, None);
            let mut copies = 0;
            if let Some(rule) = state.duplicates.iter_mut().find(|r| r.matches(&event)) {
                rule.times -= 1;
                copies = rule.copies;
            }
            state.duplicates.retain(|r| r.times > 0);
            for _ in 0..copies {
                self.push_record(&mut state, &event, &url, Some(original.clone()));
            }
        }
    }

    fn push_record(
        &self,
        state: &mut DispatchState,
        event: &OutgoingEvent,
        url: &str,
        duplicate_of: Option<String>,
    ) -> String {
        state.next_id += 1;
        let number = state.next_id;
        let id = format!("dlv_{number}");
        state.log.insert(
            number,
            DeliveryRecord {
                id: id.clone(),
                call_id: event.call_id.clone(),
                event_type: event.event_type.clone(),
                url: url.to_owned(),
                body: String::from_utf8_lossy(&event.body).into_owned(),
                signature: event.signature.clone(),
                public_key: event.public_key.clone(),
                duplicate_of,
                attempts: Vec::new(),
                state: DeliveryState::Pending,
            },
        );
        self.queue(state, &event.call_id, number);
        trim(state);
        id
    }

    fn queue(&self, state: &mut DispatchState, call_id: &str, number: u64) {
        state
            .queues
            .entry(call_id.to_owned())
            .or_default()
            .push_back(number);
        self.inner.pending.send_modify(|n| *n += 1);
        if state.active.insert(call_id.to_owned()) {
            let inner = Arc::clone(&self.inner);
            let call_id = call_id.to_owned();
            let handle = self.inner.runtime.spawn(drain(inner, call_id));
            let mut tasks = lock(&self.inner.tasks);
            tasks.retain(|t| !t.is_finished());
            tasks.push(handle.abort_handle());
        }
    }

    /// Puts a saved delivery log back, sending again the deliveries that were still pending
    /// when it was saved (their earlier attempts stay recorded).
    pub(crate) fn restore(&self, records: Vec<DeliveryRecord>, config: WebhookConfig) {
        let mut state = lock(&self.inner.state);
        state.config = config;
        for record in records {
            let number = record
                .id
                .strip_prefix("dlv_")
                .and_then(|n| n.parse::<u64>().ok())
                .filter(|n| !state.log.contains_key(n))
                .unwrap_or(state.next_id + 1);
            state.next_id = state.next_id.max(number);
            let pending = record.state == DeliveryState::Pending;
            let call_id = record.call_id.clone();
            state.log.insert(
                number,
                DeliveryRecord {
                    id: format!("dlv_{number}"),
                    ..record
                },
            );
            if pending {
                self.queue(&mut state, &call_id, number);
            }
        }
        trim(&mut state);
    }

    /// Sends a logged delivery again, as a new delivery marked as its duplicate.
    pub(crate) fn redeliver(&self, id: &str) -> Option<DeliveryRecord> {
        let mut state = lock(&self.inner.state);
        let original = state.log.values().find(|r| r.id == id)?.clone();
        state.next_id += 1;
        let number = state.next_id;
        let copy = DeliveryRecord {
            id: format!("dlv_{number}"),
            duplicate_of: Some(original.id.clone()),
            attempts: Vec::new(),
            state: DeliveryState::Pending,
            ..original
        };
        state.log.insert(number, copy.clone());
        self.queue(&mut state, &copy.call_id, number);
        trim(&mut state);
        Some(copy)
    }

    /// Adds a duplicate-injection rule.
    pub(crate) fn add_duplicate_rule(&self, rule: DuplicateRule) {
        lock(&self.inner.state).duplicates.push(rule);
    }

    /// Replaces the retry configuration.
    pub(crate) fn set_config(&self, config: WebhookConfig) {
        lock(&self.inner.state).config = config;
    }

    /// The current retry configuration.
    pub(crate) fn config(&self) -> WebhookConfig {
        lock(&self.inner.state).config
    }

    /// The delivery log, optionally only one call's deliveries.
    pub(crate) fn log(&self, call_id: Option<&str>) -> Vec<DeliveryRecord> {
        lock(&self.inner.state)
            .log
            .values()
            .filter(|r| call_id.is_none_or(|c| r.call_id == c))
            .cloned()
            .collect()
    }

    /// Cap, fill and dropped count of the delivery log.
    pub(crate) fn log_stats(&self) -> LogStats {
        let state = lock(&self.inner.state);
        LogStats {
            cap: state.cap,
            held: state.log.len(),
            dropped: state.dropped,
        }
    }

    /// Deliveries queued or in flight.
    pub(crate) fn pending(&self) -> usize {
        *self.inner.pending.borrow()
    }

    /// Waits until no delivery is queued or in flight; `false` if `timeout` passed first.
    pub(crate) async fn wait_idle(&self, timeout: Duration) -> bool {
        let mut pending = self.inner.pending.subscribe();
        tokio::time::timeout(timeout, pending.wait_for(|n| *n == 0))
            .await
            .is_ok_and(|r| r.is_ok())
    }

    /// Forgets the log, queued deliveries and duplicate rules and restores the default
    /// configuration. A delivery already in flight finishes its current attempt unrecorded.
    pub(crate) fn reset(&self) {
        let mut state = lock(&self.inner.state);
        let dropped: usize = state.queues.values().map(VecDeque::len).sum();
        state.queues.clear();
        state.log.clear();
        state.dropped = 0;
        state.duplicates.clear();
        state.config = WebhookConfig::default();
        self.inner
            .pending
            .send_modify(|n| *n = n.saturating_sub(dropped));
    }

    /// Stops every worker.
    pub(crate) fn shutdown(&self) {
        for task in lock(&self.inner.tasks).drain(..) {
            task.abort();
        }
    }
}

async fn drain(inner: Arc<Inner>, call_id: String) {
    loop {
        let next = {
            let mut state = lock(&inner.state);
            let popped = state.queues.get_mut(&call_id).and_then(VecDeque::pop_front);
            match popped {
                Some(number) => {
                    let record = state.log.get(&number).cloned();
                    Some((number, record, state.config))
                }
                None => {
                    state.queues.remove(&call_id);
                    state.active.remove(&call_id);
                    None
                }
            }
        };
        let Some((number, record, config)) = next else {
            return;
        };
        if let Some(record) = record {
            deliver(&inner, number, &record, config).await;
        }
        inner.pending.send_modify(|n| *n = n.saturating_sub(1));
    }
}

async fn deliver(inner: &Inner, number: u64, record: &DeliveryRecord, config: WebhookConfig) {
    // A delivery restored from a state file continues its attempt numbering.
    let earlier = u32::try_from(record.attempts.len()).unwrap_or(u32::MAX);
    let attempts = config.max_attempts.max(1).saturating_add(earlier);
    let mut delay = Duration::from_millis(config.retry_delay_ms);
    for attempt in earlier.saturating_add(1)..=attempts {
        let result = inner
            .client
            .post(&record.url)
            .header("content-type", "application/json")
            .header("x-signature", &record.signature)
            .header("x-public-key", &record.public_key)
            .timeout(Duration::from_millis(config.timeout_ms.max(1)))
            .body(record.body.clone())
            .send()
            .await;
        let (status, error, answer) = match result {
            Ok(response) => {
                let status = response.status().as_u16();
                let answer = response.bytes().await.ok().map(|body| excerpt(&body));
                (Some(status), None, answer)
            }
            Err(e) => (None, Some(describe(&e)), None),
        };
        let delivered = status.is_some_and(|s| (200..300).contains(&s));
        {
            let mut state = lock(&inner.state);
            // A reset may have dropped the record meanwhile.
            if let Some(entry) = state.log.get_mut(&number) {
                entry.attempts.push(DeliveryAttempt {
                    attempt,
                    status,
                    error,
                    answer,
                });
                if delivered {
                    entry.state = DeliveryState::Delivered;
                } else if attempt == attempts {
                    entry.state = DeliveryState::Failed;
                }
            }
            if delivered || attempt == attempts {
                trim(&mut state);
            }
        }
        if delivered {
            return;
        }
        if attempt < attempts {
            tokio::time::sleep(delay).await;
            delay = delay.saturating_mul(2);
        }
    }
}

/// Drops the oldest finished deliveries beyond the cap. Pending ones stay whatever the cap: a
/// worker still needs them, and dropping them would lose the delivery.
fn trim(state: &mut DispatchState) {
    let excess = state.log.len().saturating_sub(state.cap);
    if excess == 0 {
        return;
    }
    let finished: Vec<u64> = state
        .log
        .iter()
        .filter(|(_, record)| record.state != DeliveryState::Pending)
        .map(|(number, _)| *number)
        .take(excess)
        .collect();
    for number in finished {
        state.log.remove(&number);
        state.dropped += 1;
    }
}

/// The first bytes of a receiver's answer, as text.
fn excerpt(body: &[u8]) -> String {
    const MAX: usize = 512;
    let mut text = String::from_utf8_lossy(&body[..body.len().min(MAX)]).into_owned();
    if body.len() > MAX {
        text.push('…');
    }
    text
}

fn describe(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timeout"
    } else if error.is_connect() {
        "connect error"
    } else {
        "request error"
    };
    let mut text = format!("{kind}: {error}");
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}
