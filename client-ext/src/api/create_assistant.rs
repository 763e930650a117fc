//! [`CreateAssistant`]: the typed request of `adminCreateAssistant`.

use mirai_voice_generated::types;

use super::assistant_variant::AssistantVariant;
use super::payload::Problems;

/// The longest assistant name the API takes (`maxLength: 40`, in characters).
pub const ASSISTANT_NAME_MAX_CHARS: usize = 40;

/// An assistant to create with [`Assistants::create`](super::Assistants::create): its name, the agent's identity
/// and its [`AssistantVariant`] are required; everything else is optional and, when absent, left to the server.
///
/// Checked before sending ([`ValidationError::InvalidRequest`](crate::error::ValidationError::InvalidRequest),
/// every problem at once): the name is 1 to 40 characters, the variant's numbers are in range.
///
/// ```
/// use mirai_voice::api::{AgentIdentity, AssistantVariant, CreateAssistant, SupportContacts};
/// use mirai_voice::types::AgentIdentityGender;
///
/// let cart_saver = CreateAssistant::new(
///     "Cart saver",
///     AgentIdentity::new("Asha").gender(AgentIdentityGender::Female),
///     AssistantVariant::abandoned_cart().cod_fee(50.0),
/// )
/// .first_message("Hi, this is Asha from Acme. Is this a good time?");
///
/// let cod = CreateAssistant::new(
///     "COD to prepaid",
///     AgentIdentity::new("Neha"),
///     AssistantVariant::cod_to_prepaid(24, 50.0, SupportContacts::phone("+919876543210")),
/// );
///
/// let custom = CreateAssistant::custom("Order updates", AgentIdentity::new("Priya"), "Hello {{customerName}}.")
///     .tool("6710a1b2c3d4e5f600000020");
/// # let _ = (cart_saver, cod, custom);
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct CreateAssistant {
    /// The assistant's name, unique in the workspace (a clash is a 409), at most 40 characters.
    pub name: String,
    /// Who the agent is: name, gender, voice.
    pub identity: types::AgentIdentity,
    /// The built-in flow and its configuration.
    pub variant: AssistantVariant,
    /// The agent's instructions; preset variants generate one when absent, `custom` needs it.
    pub system_prompt: Option<String>,
    /// The first thing the agent says; absent: a greeting generated from the identity and ICP language.
    pub first_message: Option<String>,
    /// The last thing the agent says before hanging up; absent: none.
    pub end_message: Option<String>,
    /// Ids of the tools the agent may call (from [`Tools`](super::Tools)); absent: none.
    pub tools: Vec<String>,
    /// The inbound and outbound numbers; absent: in production the workspace's first assistant gets its default
    /// number as outbound.
    pub telephony: Option<types::AssistantTelephony>,
    /// The post-call analysis prompts.
    pub analysis_plan: Option<types::AnalysisPlan>,
    /// The pre-call enrichment request (its header values are credentials: never printed).
    pub pre_call: Option<types::PreCall>,
    /// The ideal-customer-profile context (language, audience).
    pub icp_context: Option<types::IcpContext>,
    /// The calling hours, concurrency and retry protocol; absent: the server's.
    pub call_settings: Option<types::CallSettings>,
    /// Documents and FAQ entries the agent can draw on.
    pub knowledge_base: Option<types::AdminKnowledgeBase>,
}

impl CreateAssistant {
    /// An assistant `name` whose agent is `identity`, running `variant`.
    pub fn new(
        name: impl Into<String>,
        identity: impl Into<types::AgentIdentity>,
        variant: impl Into<AssistantVariant>,
    ) -> Self {
        Self {
            name: name.into(),
            identity: identity.into(),
            variant: variant.into(),
            system_prompt: None,
            first_message: None,
            end_message: None,
            tools: Vec::new(),
            telephony: None,
            analysis_plan: None,
            pre_call: None,
            icp_context: None,
            call_settings: None,
            knowledge_base: None,
        }
    }

    /// A `custom` assistant following `system_prompt`; its `{{variables}}` are filled from each call's custom
    /// payload. Declare them with [`CustomVariant::input`](super::CustomVariant::input) through
    /// [`CreateAssistant::new`] when the assistant should check them.
    pub fn custom(
        name: impl Into<String>,
        identity: impl Into<types::AgentIdentity>,
        system_prompt: impl Into<String>,
    ) -> Self {
        Self::new(name, identity, AssistantVariant::custom()).system_prompt(system_prompt)
    }

    /// Sets the agent's instructions (`agent.systemPrompt`).
    pub fn system_prompt(mut self, prompt: impl Into<String>) -> Self {
        self.system_prompt = Some(prompt.into());
        self
    }

    /// Sets the first thing the agent says (`agent.firstMessage`).
    pub fn first_message(mut self, message: impl Into<String>) -> Self {
        self.first_message = Some(message.into());
        self
    }

    /// Sets the last thing the agent says (`agent.endMessage`).
    pub fn end_message(mut self, message: impl Into<String>) -> Self {
        self.end_message = Some(message.into());
        self
    }

    /// Adds a tool the agent may call, by its id.
    pub fn tool(mut self, tool_id: impl Into<String>) -> Self {
        self.tools.push(tool_id.into());
        self
    }

    /// Sets the inbound and outbound numbers.
    pub fn telephony(mut self, telephony: impl Into<types::AssistantTelephony>) -> Self {
        self.telephony = Some(telephony.into());
        self
    }

    /// Sets the post-call analysis prompts.
    pub fn analysis_plan(mut self, plan: impl Into<types::AnalysisPlan>) -> Self {
        self.analysis_plan = Some(plan.into());
        self
    }

    /// Sets the pre-call enrichment request.
    pub fn pre_call(mut self, pre_call: impl Into<types::PreCall>) -> Self {
        self.pre_call = Some(pre_call.into());
        self
    }

    /// Sets the ideal-customer-profile context.
    pub fn icp_context(mut self, context: impl Into<types::IcpContext>) -> Self {
        self.icp_context = Some(context.into());
        self
    }

    /// Sets the calling hours, concurrency and retry protocol.
    pub fn call_settings(mut self, settings: impl Into<types::CallSettings>) -> Self {
        self.call_settings = Some(settings.into());
        self
    }

    /// Sets the documents and FAQ entries.
    pub fn knowledge_base(mut self, knowledge_base: impl Into<types::AdminKnowledgeBase>) -> Self {
        self.knowledge_base = Some(knowledge_base.into());
        self
    }
}

/// An assistant request that cannot be sent as built, with every reason at once.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid assistant: {}", problems.join("; "))]
pub struct AssistantError {
    problems: Vec<String>,
}

impl AssistantError {
    /// What is wrong, one sentence per problem.
    pub fn problems(&self) -> &[String] {
        &self.problems
    }
}

impl TryFrom<CreateAssistant> for types::AdminAssistantRequest {
    type Error = AssistantError;

    fn try_from(a: CreateAssistant) -> Result<Self, AssistantError> {
        let mut problems = Problems::default();
        let chars = a.name.chars().count();
        if a.name.trim().is_empty() {
            problems.push("`name` is empty");
        } else if chars > ASSISTANT_NAME_MAX_CHARS {
            problems.push(format!(
                "`name` is {chars} characters; the API takes at most {ASSISTANT_NAME_MAX_CHARS}"
            ));
        }
        let variant = a.variant.to_generated(&mut problems);
        let name = types::AdminAssistantRequestName::try_from(a.name);
        let problems = problems.into_messages();
        match name {
            Ok(name) if problems.is_empty() => Ok(Self {
                agent: types::AdminAssistantRequestAgent {
                    end_message: a.end_message,
                    first_message: a.first_message,
                    identity: a.identity,
                    system_prompt: a.system_prompt,
                    tools: a.tools,
                },
                analysis_plan: a.analysis_plan,
                call_settings: a.call_settings,
                icp_context: a.icp_context,
                knowledge_base: a.knowledge_base,
                name,
                pre_call: a.pre_call,
                telephony: a.telephony,
                variant,
            }),
            // The name check above mirrors the generated one; should they ever disagree, the generated one's
            // reason is still reported rather than lost.
            Ok(_) => Err(AssistantError { problems }),
            Err(error) if problems.is_empty() => Err(AssistantError {
                problems: vec![format!("`name`: {error}")],
            }),
            Err(_) => Err(AssistantError { problems }),
        }
    }
}

/// Who an assistant's agent is: the name it gives, and optionally its gender and voice.
///
/// ```
/// use mirai_voice::api::AgentIdentity;
/// use mirai_voice::types::AgentIdentityGender;
/// let asha = AgentIdentity::new("Asha").gender(AgentIdentityGender::Female).voice("hi-IN-asha");
/// assert_eq!(asha.name, "Asha");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AgentIdentity {
    /// The name the agent gives.
    pub name: String,
    /// The agent's gender.
    pub gender: Option<types::AgentIdentityGender>,
    /// The voice id (from [`Voices`](super::Voices)); absent: the server picks one.
    pub voice: Option<String>,
}

impl AgentIdentity {
    /// An agent called `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            gender: None,
            voice: None,
        }
    }

    /// Sets the agent's gender.
    pub fn gender(mut self, gender: types::AgentIdentityGender) -> Self {
        self.gender = Some(gender);
        self
    }

    /// Sets the voice, by its gallery id.
    pub fn voice(mut self, voice: impl Into<String>) -> Self {
        self.voice = Some(voice.into());
        self
    }
}

impl From<AgentIdentity> for types::AgentIdentity {
    fn from(i: AgentIdentity) -> Self {
        Self {
            gender: i.gender,
            name: Some(i.name),
            voice: i.voice,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::api::SupportContacts;

    fn wire(request: CreateAssistant) -> Value {
        serde_json::to_value(types::AdminAssistantRequest::try_from(request).unwrap()).unwrap()
    }

    fn problems(request: CreateAssistant) -> Vec<String> {
        types::AdminAssistantRequest::try_from(request)
            .unwrap_err()
            .problems()
            .to_vec()
    }

    fn named(variant: impl Into<AssistantVariant>) -> CreateAssistant {
        CreateAssistant::new("Desk", AgentIdentity::new("Asha"), variant)
    }

    #[test]
    fn each_variant_sends_its_type_and_config_block() {
        let support = || SupportContacts::phone("+919876543210").and_email("help@example.com");
        let cases = [
            (
                named(AssistantVariant::abandoned_cart()),
                json!({"type": "abandoned_cart", "config": {"abandoned_cart": {}}}),
            ),
            (
                named(
                    AssistantVariant::abandoned_cart()
                        .payment_mode(types::VariantConfigsAbandonedCartPaymentPlanMode::Both)
                        .cod_fee(50.0),
                ),
                json!({"type": "abandoned_cart", "config": {"abandoned_cart": {"paymentPlan": {"mode": "both", "additionalFee": {"cod": 50.0}}}}}),
            ),
            (
                named(AssistantVariant::cod_to_prepaid(24, 50.0, support())),
                json!({"type": "cod_to_prepaid", "config": {"cod_to_prepaid": {
                    "paymentLinkValidity": 24.0, "codFee": 50.0,
                    "supportContacts": {"phoneNumber": "+919876543210", "email": "help@example.com"}}}}),
            ),
            (
                named(AssistantVariant::address_verification(
                    3,
                    5,
                    SupportContacts::email("help@example.com"),
                )),
                json!({"type": "address_verification", "config": {"address_verification": {
                    "minDays": 3.0, "maxDays": 5.0, "supportContacts": {"email": "help@example.com"}}}}),
            ),
            (
                named(AssistantVariant::order_confirmation()),
                json!({"type": "order_confirmation", "config": {"order_confirmation": {}}}),
            ),
            (
                named(
                    AssistantVariant::ndr_followup()
                        .max_reschedule_days(3)
                        .webhook_token("shiprocket-secret")
                        .support(support()),
                ),
                json!({"type": "ndr_followup", "config": {"ndr_followup": {
                    "maxRescheduleDays": 3.0, "webhookToken": "shiprocket-secret",
                    "supportContacts": {"phoneNumber": "+919876543210", "email": "help@example.com"}}}}),
            ),
            (
                named(AssistantVariant::custom().text_input("customerName", true)),
                json!({"type": "custom", "config": {"inputSchema": [{"name": "customerName", "type": "string", "isRequired": true}]}}),
            ),
        ];
        for (request, variant) in cases {
            assert_eq!(wire(request)["variant"], variant);
        }
    }

    #[test]
    fn required_fields_and_setters_reach_the_wire() {
        let request = CreateAssistant::custom(
            "Order updates",
            AgentIdentity::new("Priya")
                .gender(types::AgentIdentityGender::Female)
                .voice("v1"),
            "Hello {{customerName}}.",
        )
        .first_message("Hi!")
        .end_message("Bye!")
        .tool("6710a1b2c3d4e5f600000020")
        .telephony(types::AssistantTelephony {
            inbound: None,
            outbound: Some("6700a1b2c3d4e5f600000222".into()),
        });
        assert_eq!(
            wire(request),
            json!({
                "name": "Order updates",
                "variant": {"type": "custom", "config": {}},
                "agent": {
                    "identity": {"name": "Priya", "gender": "female", "voice": "v1"},
                    "systemPrompt": "Hello {{customerName}}.",
                    "firstMessage": "Hi!", "endMessage": "Bye!",
                    "tools": ["6710a1b2c3d4e5f600000020"],
                },
                "telephony": {"outbound": "6700a1b2c3d4e5f600000222"},
            })
        );
    }

    #[test]
    fn names_are_checked_in_characters() {
        let forty = "é".repeat(ASSISTANT_NAME_MAX_CHARS);
        assert_eq!(
            wire(CreateAssistant::custom(
                forty.clone(),
                AgentIdentity::new("A"),
                "p"
            ))["name"],
            forty
        );
        let long = "x".repeat(ASSISTANT_NAME_MAX_CHARS + 1);
        assert_eq!(
            problems(CreateAssistant::custom(long, AgentIdentity::new("A"), "p")),
            ["`name` is 41 characters; the API takes at most 40"]
        );
        assert_eq!(
            problems(CreateAssistant::custom("  ", AgentIdentity::new("A"), "p")),
            ["`name` is empty"]
        );
    }

    #[test]
    fn out_of_range_numbers_are_reported_together() {
        let request = CreateAssistant::new(
            "y".repeat(50),
            AgentIdentity::new("A"),
            AssistantVariant::ndr_followup().max_reschedule_days(9),
        );
        assert_eq!(
            problems(request),
            [
                "`name` is 50 characters; the API takes at most 40",
                "`maxRescheduleDays` is 9; it must be 1 to 7",
            ]
        );
        assert_eq!(
            problems(named(AssistantVariant::address_verification(
                6,
                5,
                SupportContacts::phone("+1")
            ))),
            ["`minDays` (6) is after `maxDays` (5)"]
        );
        assert_eq!(
            problems(named(AssistantVariant::cod_to_prepaid(
                24,
                -1.0,
                SupportContacts::phone("+1")
            ))),
            ["`codFee` is -1; it must be a finite amount of 0 or more"]
        );
        assert_eq!(
            problems(named(
                AssistantVariant::abandoned_cart().cod_fee(f64::INFINITY)
            )),
            ["`paymentPlan.additionalFee.cod` is inf; it must be a finite amount of 0 or more"]
        );
    }

    #[test]
    fn debug_hides_the_webhook_token() {
        let secret = "shiprocket-5e8a1c";
        let request = named(AssistantVariant::ndr_followup().webhook_token(secret));
        let debug = format!("{request:?}");
        assert!(!debug.contains(secret), "{debug}");
        assert!(debug.contains("[redacted]"), "{debug}");
    }
}
