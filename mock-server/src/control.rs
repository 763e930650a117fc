//! The control API: organizations, the virtual clock, call steering and inspection, webhook
//! deliveries and fault injection. See [`Control`] for the operations and their HTTP routes.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::app::{AppState, Shared, lock};
use crate::clock::rfc3339_at;
use crate::clock_driver;
use crate::faults::{FaultInfo, FaultRule, RequestRecord};
use crate::lifecycle::{CallStatus, Outcome};
use crate::logs::LogsReport;
use crate::state::org::{Credentials, Role};
use crate::webhooks::{DeliveryRecord, DuplicateRule, WebhookConfig};

/// How long an advance waits for the deliveries it caused.
const SETTLE_TIMEOUT: Duration = Duration::from_secs(30);
/// The furthest [`Control::run_until_idle`] moves the clock: 30 virtual days.
const IDLE_HORIZON_SECS: u64 = 30 * 24 * 3600;

/// A new organization for [`Control::create_organization`]. Every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NewOrganization {
    /// Display name.
    pub name: Option<String>,
    /// Role of its key pair (default `organization_admin`).
    pub role: Option<Role>,
    /// Starting credit balance (default 100).
    pub credit_balance: Option<f64>,
    /// Stand-alone organizations cannot onboard further workspaces (default `false`).
    pub stand_alone: Option<bool>,
}

/// Changes to an organization; absent fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OrganizationPatch {
    /// New credit balance.
    pub credit_balance: Option<f64>,
    /// New role.
    pub role: Option<Role>,
    /// New stand-alone flag.
    pub stand_alone: Option<bool>,
}

/// An organization as the control API shows it (without its private key).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrganizationInfo {
    /// Organization id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Role of its key pair.
    pub role: Role,
    /// Its public key.
    pub public_key: String,
    /// Current credit balance.
    pub credit_balance: f64,
    /// Whether it may onboard further workspaces.
    pub stand_alone: bool,
    /// Whether it is archived.
    pub archived: bool,
    /// Ids of its workspaces.
    pub workspaces: Vec<String>,
}

/// The virtual clock's reading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClockReading {
    /// The virtual instant, RFC 3339.
    pub now: String,
    /// Seconds since the clock started.
    pub elapsed_seconds: u64,
}

/// What moving the clock did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdvanceReport {
    /// The virtual instant after the move, RFC 3339.
    pub now: String,
    /// Seconds since the clock started.
    pub elapsed_seconds: u64,
    /// Call transitions that ran.
    pub transitions: usize,
    /// Whether every webhook delivery finished (delivered or given up) before returning.
    pub deliveries_settled: bool,
}

/// One event in a call's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryEntry {
    /// Virtual instant, RFC 3339.
    pub at: String,
    /// Virtual seconds since the clock started.
    pub elapsed_seconds: u64,
    /// Event type, e.g. `call.no-answer`.
    pub event: String,
    /// The call's status after the event.
    pub status: Option<CallStatus>,
    /// The attempt it belongs to (0 before the first dial).
    pub attempt: u32,
}

/// A call's current state and history (the service itself has no call read endpoint).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallSnapshot {
    /// Call id.
    pub id: String,
    /// Owning organization.
    pub organization: String,
    /// Owning workspace.
    pub workspace: String,
    /// Assistant placing the call.
    pub assistant: String,
    /// Number dialled.
    pub phone_number: String,
    /// Current status; `None` while queued and never dialled.
    pub status: Option<CallStatus>,
    /// Attempts dialled so far.
    pub attempts: u32,
    /// `report.reAttemptCount`.
    pub re_attempt_count: u32,
    /// `report.rescheduledCount`.
    pub rescheduled_count: u32,
    /// Whether `call.lifecycle-ended` was emitted.
    pub lifecycle_ended: bool,
    /// When the next transition is due, if any.
    pub next_transition_at: Option<String>,
    /// Outcomes queued for the next attempts.
    pub pending_outcomes: Vec<Outcome>,
    /// Credits charged so far.
    pub credits_used: f64,
    /// Current payload.
    pub payload: Value,
    /// Metadata echoed on every event.
    pub metadata: Value,
    /// Where events are delivered.
    pub callback_url: Option<String>,
    /// Every event so far.
    pub history: Vec<HistoryEntry>,
}

/// A control-API failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ControlError {
    /// The named thing does not exist.
    NotFound(String),
    /// The request is malformed.
    Invalid(String),
}

impl fmt::Display for ControlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotFound(what) => write!(f, "{what} not found"),
            Self::Invalid(why) => write!(f, "invalid control request: {why}"),
        }
    }
}

impl std::error::Error for ControlError {}

impl IntoResponse for ControlError {
    fn into_response(self) -> Response {
        let status = match self {
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Invalid(_) => StatusCode::BAD_REQUEST,
        };
        let body = json!({ "code": status.as_u16(), "message": self.to_string() });
        (status, Json(body)).into_response()
    }
}

/// Typed handle on an emulator's control API. Cheap to clone.
///
/// [`Control`] is the typed handle Rust tests use in-process; the same operations are served
/// over HTTP under `/__control` for tests in other languages and for the standalone binary:
///
/// | Method and path | Operation |
/// |---|---|
/// | `GET /__control/organizations/default` | [`Control::default_credentials`] |
/// | `POST /__control/organizations` | [`Control::create_organization`] (body [`NewOrganization`], `201` [`Credentials`]) |
/// | `GET /__control/organizations/{id}` | [`Control::organization`] |
/// | `PATCH /__control/organizations/{id}` | [`Control::update_organization`] (body [`OrganizationPatch`]) |
/// | `GET /__control/clock` | [`Control::clock`] |
/// | `POST /__control/clock/advance` | [`Control::advance`] (body `{"seconds": n}`) |
/// | `POST /__control/clock/run-until-idle` | [`Control::run_until_idle`] |
/// | `GET /__control/calls` | [`Control::calls`] |
/// | `GET /__control/calls/{id}` | [`Control::call`] |
/// | `PUT /__control/calls/{id}/outcomes` | [`Control::set_call_outcomes`] (body `{"outcomes": ["no-answer", "answered"]}`) |
/// | `GET /__control/webhooks/deliveries?callId=` | [`Control::deliveries`] |
/// | `POST /__control/webhooks/deliveries/{id}/redeliver` | [`Control::redeliver`] |
/// | `POST /__control/webhooks/duplicates` | [`Control::duplicate_deliveries`] (body [`DuplicateRule`]) |
/// | `GET`/`PUT /__control/webhooks/config` | [`Control::webhook_config`] / [`Control::set_webhook_config`] |
/// | `POST /__control/webhooks/wait` | [`Control::wait_for_deliveries`] (body `{"timeoutMs": n}`) |
/// | `GET /__control/webhooks/received` | [`Control::received_events`] |
/// | `GET`/`POST`/`DELETE /__control/faults` | [`Control::faults`] / [`Control::add_fault`] (body [`FaultRule`]) / [`Control::clear_faults`] |
/// | `DELETE /__control/faults/{id}` | [`Control::remove_fault`] |
/// | `GET`/`DELETE /__control/requests` | [`Control::requests`] / [`Control::clear_requests`] |
/// | `GET /__control/logs` | [`Control::logs`] |
/// | `POST /__control/state/save` | [`MockServer::save_state`](crate::MockServer::save_state) (`{"savedTo": path}`; `400` without a state file) |
/// | `GET /__control/dashboard` | clock, logs, organizations, newest calls and deliveries in one read (what `/__dashboard` shows) |
/// | `PUT /__control/health` | [`Control::set_maintenance`] (body `{"underMaintenance": true}`) |
/// | `POST /__control/reset` | [`Control::reset`] |
///
/// Control errors are `{code, message}` with `400` or `404`.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use mirai_voice_mock::{MockServer, NewOrganization, Role};
///
/// let server = MockServer::start().await;
/// let control = server.control();
/// let member = control.create_organization(NewOrganization {
///     role: Some(Role::Member),
///     credit_balance: Some(0.0),
///     ..NewOrganization::default()
/// });
/// assert_eq!(control.organization(&member.organization_id).unwrap().credit_balance, 0.0);
/// let report = control.advance(90).await;
/// assert_eq!(report.elapsed_seconds, 90);
/// # }
/// ```
#[derive(Clone)]
pub struct Control {
    shared: Arc<Shared>,
}

impl fmt::Debug for Control {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Control").finish_non_exhaustive()
    }
}

impl Control {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        Self { shared }
    }

    /// The seeded default organization's credentials.
    pub fn default_credentials(&self) -> Credentials {
        Credentials::default_organization()
    }

    /// Creates an organization with one workspace and returns its credentials.
    pub fn create_organization(&self, organization: NewOrganization) -> Credentials {
        self.shared
            .with_world(|w| w.create_organization(organization))
    }

    /// An organization, if it exists.
    pub fn organization(&self, id: &str) -> Option<OrganizationInfo> {
        self.shared.with_world(|w| w.organization_info(id))
    }

    /// Changes an organization's credit balance, role or stand-alone flag.
    ///
    /// # Errors
    ///
    /// [`ControlError::NotFound`] for an unknown id.
    pub fn update_organization(
        &self,
        id: &str,
        patch: OrganizationPatch,
    ) -> Result<OrganizationInfo, ControlError> {
        self.shared
            .with_world(|w| w.patch_organization(id, patch))
            .ok_or_else(|| ControlError::NotFound(format!("organization {id}")))
    }

    /// The virtual clock's reading.
    pub fn clock(&self) -> ClockReading {
        self.shared.with_world(|w| ClockReading {
            now: w.clock.now_rfc3339(),
            elapsed_seconds: w.now(),
        })
    }

    /// Moves the virtual clock forward, runs every call transition that falls due on the way
    /// (in time order), then waits until the webhook deliveries they caused have finished.
    /// The world is unlocked between due instants, so requests are served meanwhile.
    pub async fn advance(&self, seconds: u64) -> AdvanceReport {
        let target = self.shared.with_world(|w| w.now()).saturating_add(seconds);
        let transitions = clock_driver::advance_to(&self.shared, target).await;
        let elapsed = self.shared.with_world(|w| w.now());
        self.settle(transitions, elapsed).await
    }

    /// Advances the clock until no call transition is scheduled (at most 30 virtual days), so
    /// every call runs to the end of its lifecycle. Like [`Control::advance`], it moves from
    /// due instant to due instant and unlocks the world between them.
    pub async fn run_until_idle(&self) -> AdvanceReport {
        let (transitions, elapsed) =
            clock_driver::run_until_idle(&self.shared, IDLE_HORIZON_SECS).await;
        self.settle(transitions, elapsed).await
    }

    async fn settle(&self, transitions: usize, elapsed: u64) -> AdvanceReport {
        let settled = self.shared.dispatcher.wait_idle(SETTLE_TIMEOUT).await;
        AdvanceReport {
            now: rfc3339_at(elapsed),
            elapsed_seconds: elapsed,
            transitions,
            deliveries_settled: settled,
        }
    }

    /// A call's state and history.
    pub fn call(&self, id: impl AsRef<str>) -> Option<CallSnapshot> {
        let id = id.as_ref();
        self.shared.with_world(|w| w.call_snapshot(id))
    }

    /// Every call, oldest first.
    pub fn calls(&self) -> Vec<CallSnapshot> {
        self.shared.with_world(|w| {
            let mut calls: Vec<CallSnapshot> = w
                .calls
                .keys()
                .filter_map(|id| w.call_snapshot(id))
                .collect();
            calls.sort_by(|a, b| a.id.cmp(&b.id));
            calls
        })
    }

    /// Queues the outcomes of a call's next attempts, overriding the phone-number rules until
    /// the queue runs out.
    ///
    /// # Errors
    ///
    /// [`ControlError::NotFound`] for an unknown call.
    pub fn set_call_outcomes(
        &self,
        call_id: &str,
        outcomes: Vec<Outcome>,
    ) -> Result<(), ControlError> {
        if self.shared.with_world(|w| w.steer_call(call_id, outcomes)) {
            Ok(())
        } else {
            Err(ControlError::NotFound(format!("call {call_id}")))
        }
    }

    /// The webhook delivery log, optionally for one call only.
    pub fn deliveries(&self, call_id: Option<&str>) -> Vec<DeliveryRecord> {
        self.shared.dispatcher.log(call_id)
    }

    /// Sends an already logged delivery again.
    ///
    /// # Errors
    ///
    /// [`ControlError::NotFound`] for an unknown delivery id.
    pub fn redeliver(&self, delivery_id: &str) -> Result<DeliveryRecord, ControlError> {
        self.shared
            .dispatcher
            .redeliver(delivery_id)
            .ok_or_else(|| ControlError::NotFound(format!("delivery {delivery_id}")))
    }

    /// Makes upcoming events be delivered more than once.
    pub fn duplicate_deliveries(&self, rule: DuplicateRule) {
        self.shared.dispatcher.add_duplicate_rule(rule);
    }

    /// The webhook retry configuration.
    pub fn webhook_config(&self) -> WebhookConfig {
        self.shared.dispatcher.config()
    }

    /// Replaces the webhook retry configuration.
    pub fn set_webhook_config(&self, config: WebhookConfig) {
        self.shared.dispatcher.set_config(config);
    }

    /// Waits until no webhook delivery is queued or in flight; `false` if `timeout` passed.
    pub async fn wait_for_deliveries(&self, timeout: Duration) -> bool {
        self.shared.dispatcher.wait_idle(timeout).await
    }

    /// Events accepted by the emulator's own `POST /v2/webhooks/call-events`.
    pub fn received_events(&self) -> Vec<Value> {
        lock(&self.shared.received).entries()
    }

    /// Arms a fault.
    ///
    /// # Errors
    ///
    /// [`ControlError::Invalid`] for an unknown `operationId` or a status outside 100–599.
    pub fn add_fault(&self, rule: FaultRule) -> Result<FaultInfo, ControlError> {
        lock(&self.shared.faults)
            .add(rule)
            .map_err(ControlError::Invalid)
    }

    /// Faults still armed.
    pub fn faults(&self) -> Vec<FaultInfo> {
        lock(&self.shared.faults).list()
    }

    /// Disarms one fault.
    ///
    /// # Errors
    ///
    /// [`ControlError::NotFound`] for an unknown fault id.
    pub fn remove_fault(&self, id: &str) -> Result<(), ControlError> {
        if lock(&self.shared.faults).remove(id) {
            Ok(())
        } else {
            Err(ControlError::NotFound(format!("fault {id}")))
        }
    }

    /// Disarms every fault.
    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// The requests the emulated API received, oldest first (the newest ones within the log
    /// cap; see [`Control::logs`] for how many were dropped).
    pub fn requests(&self) -> Vec<RequestRecord> {
        lock(&self.shared.requests).entries()
    }

    /// Cap, fill and dropped count of the request, delivery and received-event logs.
    pub fn logs(&self) -> LogsReport {
        self.shared.logs()
    }

    /// Forgets the request log.
    pub fn clear_requests(&self) {
        lock(&self.shared.requests).clear();
    }

    /// Makes `GET /health` report maintenance (or not).
    pub fn set_maintenance(&self, under_maintenance: bool) {
        self.shared
            .with_world(|w| w.under_maintenance = under_maintenance);
    }

    /// Restores the seeded state: one organization, a clock at zero, no faults, empty logs.
    pub fn reset(&self) {
        self.shared.reset();
    }
}

#[derive(Deserialize)]
struct AdvanceBody {
    seconds: u64,
}

#[derive(Deserialize)]
struct OutcomesBody {
    outcomes: Vec<Outcome>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WaitBody {
    #[serde(default = "default_wait_ms")]
    timeout_ms: u64,
}

fn default_wait_ms() -> u64 {
    10_000
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MaintenanceBody {
    under_maintenance: bool,
}

fn body<T>(json: Result<Json<T>, JsonRejection>) -> Result<T, ControlError> {
    json.map(|Json(v)| v)
        .map_err(|e| ControlError::Invalid(e.body_text()))
}

fn control(state: &AppState) -> Control {
    Control::new(Arc::clone(state))
}

/// The control API's HTTP routes, to be nested under `/__control`.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/organizations/default", get(|State(s): State<AppState>| async move { Json(control(&s).default_credentials()) }))
        .route(
            "/organizations",
            post(|State(s): State<AppState>, json: Result<Json<NewOrganization>, JsonRejection>| async move {
                let spec = body(json)?;
                Ok::<_, ControlError>((StatusCode::CREATED, Json(control(&s).create_organization(spec))))
            }),
        )
        .route(
            "/organizations/{id}",
            get(|State(s): State<AppState>, Path(id): Path<String>| async move {
                control(&s)
                    .organization(&id)
                    .map(Json)
                    .ok_or_else(|| ControlError::NotFound(format!("organization {id}")))
            })
            .patch(
                |State(s): State<AppState>, Path(id): Path<String>, json: Result<Json<OrganizationPatch>, JsonRejection>| async move {
                    let patch = body(json)?;
                    control(&s).update_organization(&id, patch).map(Json)
                },
            ),
        )
        .route("/clock", get(|State(s): State<AppState>| async move { Json(control(&s).clock()) }))
        .route(
            "/clock/advance",
            post(|State(s): State<AppState>, json: Result<Json<AdvanceBody>, JsonRejection>| async move {
                let AdvanceBody { seconds } = body(json)?;
                Ok::<_, ControlError>(Json(control(&s).advance(seconds).await))
            }),
        )
        .route(
            "/clock/run-until-idle",
            post(|State(s): State<AppState>| async move { Json(control(&s).run_until_idle().await) }),
        )
        .route("/calls", get(|State(s): State<AppState>| async move { Json(control(&s).calls()) }))
        .route(
            "/calls/{id}",
            get(|State(s): State<AppState>, Path(id): Path<String>| async move {
                control(&s)
                    .call(&id)
                    .map(Json)
                    .ok_or_else(|| ControlError::NotFound(format!("call {id}")))
            }),
        )
        .route(
            "/calls/{id}/outcomes",
            put(|State(s): State<AppState>, Path(id): Path<String>, json: Result<Json<OutcomesBody>, JsonRejection>| async move {
                let OutcomesBody { outcomes } = body(json)?;
                let control = control(&s);
                control.set_call_outcomes(&id, outcomes)?;
                control
                    .call(&id)
                    .map(Json)
                    .ok_or_else(|| ControlError::NotFound(format!("call {id}")))
            }),
        )
        .route(
            "/webhooks/deliveries",
            get(|State(s): State<AppState>, Query(query): Query<HashMap<String, String>>| async move {
                Json(control(&s).deliveries(query.get("callId").map(String::as_str)))
            }),
        )
        .route(
            "/webhooks/deliveries/{id}/redeliver",
            post(|State(s): State<AppState>, Path(id): Path<String>| async move { control(&s).redeliver(&id).map(Json) }),
        )
        .route(
            "/webhooks/duplicates",
            post(|State(s): State<AppState>, json: Result<Json<DuplicateRule>, JsonRejection>| async move {
                let rule = body(json)?;
                control(&s).duplicate_deliveries(rule.clone());
                Ok::<_, ControlError>((StatusCode::CREATED, Json(rule)))
            }),
        )
        .route(
            "/webhooks/config",
            get(|State(s): State<AppState>| async move { Json(control(&s).webhook_config()) }).put(
                |State(s): State<AppState>, json: Result<Json<WebhookConfig>, JsonRejection>| async move {
                    let config = body(json)?;
                    control(&s).set_webhook_config(config);
                    Ok::<_, ControlError>(Json(config))
                },
            ),
        )
        .route(
            "/webhooks/wait",
            post(|State(s): State<AppState>, json: Result<Json<WaitBody>, JsonRejection>| async move {
                let WaitBody { timeout_ms } = body(json)?;
                let control = control(&s);
                let idle = control.wait_for_deliveries(Duration::from_millis(timeout_ms)).await;
                Ok::<_, ControlError>(Json(json!({ "idle": idle, "pending": s.dispatcher.pending() })))
            }),
        )
        .route("/webhooks/received", get(|State(s): State<AppState>| async move { Json(control(&s).received_events()) }))
        .route(
            "/faults",
            get(|State(s): State<AppState>| async move { Json(control(&s).faults()) })
                .post(|State(s): State<AppState>, json: Result<Json<FaultRule>, JsonRejection>| async move {
                    let rule = body(json)?;
                    control(&s).add_fault(rule).map(|info| (StatusCode::CREATED, Json(info)))
                })
                .delete(|State(s): State<AppState>| async move {
                    control(&s).clear_faults();
                    StatusCode::NO_CONTENT
                }),
        )
        .route(
            "/faults/{id}",
            delete(|State(s): State<AppState>, Path(id): Path<String>| async move {
                control(&s).remove_fault(&id).map(|()| StatusCode::NO_CONTENT)
            }),
        )
        .route(
            "/requests",
            get(|State(s): State<AppState>| async move { Json(control(&s).requests()) }).delete(
                |State(s): State<AppState>| async move {
                    control(&s).clear_requests();
                    StatusCode::NO_CONTENT
                },
            ),
        )
        .route("/logs", get(|State(s): State<AppState>| async move { Json(control(&s).logs()) }))
        .route(
            "/health",
            put(|State(s): State<AppState>, json: Result<Json<MaintenanceBody>, JsonRejection>| async move {
                let MaintenanceBody { under_maintenance } = body(json)?;
                control(&s).set_maintenance(under_maintenance);
                Ok::<_, ControlError>(StatusCode::NO_CONTENT)
            }),
        )
        .route(
            "/reset",
            post(|State(s): State<AppState>| async move {
                control(&s).reset();
                StatusCode::NO_CONTENT
            }),
        )
}
