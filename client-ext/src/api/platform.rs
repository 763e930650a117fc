//! Operations on the client itself: platform health and the Shiprocket NDR webhook.

use mirai_voice_generated::{OperationSpec, operations};
use std::future::Future;

use mirai_voice_generated::prelude::*;
use mirai_voice_generated::types;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::require_id;
use crate::client::Client;

/// What the API did with a Shiprocket NDR event.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct NdrWebhookOutcome {
    /// `queued` (a follow-up call was queued) or `skipped`, kept as sent.
    pub status: Option<String>,
    /// The queued call's id.
    #[serde(rename = "callId")]
    pub call_id: Option<crate::ids::CallId>,
    /// Why the event was skipped.
    pub reason: Option<String>,
}

impl NdrWebhookOutcome {
    /// Whether a follow-up call was queued.
    pub fn is_queued(&self) -> bool {
        self.status.as_deref() == Some("queued")
    }
}

impl Client {
    /// Whether the platform is up or under maintenance (`getHealthMonitor`).
    ///
    /// ```no_run
    /// # async fn example(client: mirai_voice::Client) -> mirai_voice::Result<()> {
    /// let health = client.health().await?;
    /// let maintenance = health.data.and_then(|d| d.under_maintenance).unwrap_or(false);
    /// println!("under maintenance: {maintenance}");
    /// # Ok(())
    /// # }
    /// ```
    pub fn health(
        &self,
    ) -> impl Future<Output = crate::Result<types::GetHealthMonitorResponse>> + Send + '_ {
        self.run_then(
            operations::GET_HEALTH_MONITOR,
            |raw| raw.get_health_monitor().send(),
            |response| Ok(response.into_inner()),
        )
    }

    /// Forwards a Shiprocket NDR (non-delivery report) event to an `ndr_followup` assistant
    /// (`shiprocketNdrWebhook`). `webhook_token` (the assistant's `webhookToken`) is sent as `x-api-key` when
    /// given.
    ///
    /// The token is a [`SecretString`]: it is exposed only to set the header, whose value is marked sensitive,
    /// and never appears in `Debug`/`Display` output, logs or errors.
    ///
    /// ```no_run
    /// use mirai_voice::secret::SecretString;
    ///
    /// # async fn example(client: mirai_voice::Client) -> mirai_voice::Result<()> {
    /// let token = SecretString::from(std::env::var("SHIPROCKET_WEBHOOK_TOKEN").unwrap_or_default());
    /// let event = serde_json::json!({"awb": "123456", "status": "NDR"});
    /// let outcome = client
    ///     .shiprocket_ndr_webhook("6650f0c2a1b2c3d4e5f60718", event.as_object().unwrap().clone(), Some(&token))
    ///     .await?;
    /// println!("queued: {}", outcome.is_queued());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn shiprocket_ndr_webhook(
        &self,
        assistant_id: impl Into<crate::ids::AssistantId>,
        event: Map<String, Value>,
        webhook_token: Option<&SecretString>,
    ) -> crate::Result<NdrWebhookOutcome> {
        static OP: &OperationSpec = operations::SHIPROCKET_NDR_WEBHOOK;
        let assistant_id = assistant_id.into();
        require_id(OP.operation_id, "assistant_id", assistant_id.as_str())?;
        self.run_tolerant(OP, |c| {
            let mut request = c
                .shiprocket_ndr_webhook()
                .assistant_id(&assistant_id)
                .body(event);
            if let Some(token) = webhook_token {
                request = request.x_api_key(token.expose_secret());
            }
            request.send()
        })
        .await
    }
}
