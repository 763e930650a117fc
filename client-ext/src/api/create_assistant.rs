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
