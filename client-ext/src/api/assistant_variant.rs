//! [`AssistantVariant`]: which built-in flow an assistant runs, with the configuration that flow takes.

use mirai_voice_generated::types;
use secrecy::{ExposeSecret, SecretString};

use super::payload::Problems;

/// The variant of an assistant and its `variant.config` block; the type cannot change after creation.
///
/// | constructor | variant | required configuration | payload its calls take |
/// |---|---|---|---|
/// | [`abandoned_cart`](Self::abandoned_cart) | `abandoned_cart` | none (the block is always sent) | [`AbandonedCart`](super::payload::AbandonedCart) |
/// | [`cod_to_prepaid`](Self::cod_to_prepaid) | `cod_to_prepaid` | link validity, COD fee, support contacts | [`ShopifyOrder`](super::payload::ShopifyOrder) |
/// | [`address_verification`](Self::address_verification) | `address_verification` | delivery days, support contacts | [`ShopifyOrder`](super::payload::ShopifyOrder) |
/// | [`order_confirmation`](Self::order_confirmation) | `order_confirmation` | none | [`ShopifyOrder`](super::payload::ShopifyOrder) |
/// | [`ndr_followup`](Self::ndr_followup) | `ndr_followup` | none | [`NdrFollowup`](super::payload::NdrFollowup) |
/// | [`custom`](Self::custom) | `custom` | none; set the prompt and declare its variables | [`CallPayload::Custom`](super::payload::CallPayload::Custom) |
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum AssistantVariant {
    /// Recovers abandoned carts.
    AbandonedCart(AbandonedCartVariant),
    /// Converts cash-on-delivery orders to prepaid.
    CodToPrepaid(CodToPrepaidVariant),
    /// Confirms the shipping address of an order.
    AddressVerification(AddressVerificationVariant),
    /// Confirms an order.
    OrderConfirmation(OrderConfirmationVariant),
    /// Follows up a failed delivery (NDR).
    NdrFollowup(NdrFollowupVariant),
    /// Fully authored by you: your system prompt and the variables it reads.
    Custom(CustomVariant),
}

impl AssistantVariant {
    /// An `abandoned_cart` assistant; its payment plan is optional ([`AbandonedCartVariant`]).
    pub fn abandoned_cart() -> AbandonedCartVariant {
        AbandonedCartVariant::default()
    }

    /// A `cod_to_prepaid` assistant: the payment link stays valid `link_validity_hours` (the agent says it in
    /// hours), `cod_fee` is the COD fee the customer saves by prepaying, `support` the contacts the agent gives.
    pub fn cod_to_prepaid(
        link_validity_hours: u32,
        cod_fee: f64,
        support: SupportContacts,
    ) -> CodToPrepaidVariant {
        CodToPrepaidVariant {
            link_validity_hours,
            cod_fee,
            support,
        }
    }

    /// An `address_verification` assistant: delivery takes `min_days` to `max_days` days, `support` the contacts
    /// the agent gives.
    pub fn address_verification(
        min_days: u32,
        max_days: u32,
        support: SupportContacts,
    ) -> AddressVerificationVariant {
        AddressVerificationVariant {
            min_days,
            max_days,
            support,
        }
    }

    /// An `order_confirmation` assistant; support contacts are optional.
    pub fn order_confirmation() -> OrderConfirmationVariant {
        OrderConfirmationVariant::default()
    }

    /// An `ndr_followup` assistant; its configuration is optional ([`NdrFollowupVariant`]).
    pub fn ndr_followup() -> NdrFollowupVariant {
        NdrFollowupVariant::default()
    }

    /// A `custom` assistant; declare the variables its prompt reads with [`CustomVariant::input`].
    pub fn custom() -> CustomVariant {
        CustomVariant::default()
    }

    /// The generated `variant` object, with problems pushed to `problems`.
    pub(super) fn to_generated(
        &self,
        problems: &mut Problems,
    ) -> types::AdminAssistantRequestVariant {
        use types::AdminAssistantRequestVariantType as Type;
        let mut config = types::VariantConfigs::default();
        let type_ = match self {
            Self::AbandonedCart(v) => {
                config.abandoned_cart = Some(v.to_generated(problems));
                Type::AbandonedCart
            }
            Self::CodToPrepaid(v) => {
                config.cod_to_prepaid = Some(types::VariantConfigsCodToPrepaid {
                    cod_fee: non_negative(problems, "codFee", v.cod_fee),
                    payment_link_validity: f64::from(v.link_validity_hours),
                    support_contacts: v.support.clone().into(),
                });
                Type::CodToPrepaid
            }
            Self::AddressVerification(v) => {
                if v.min_days > v.max_days {
                    problems.push(format!(
                        "`minDays` ({}) is after `maxDays` ({})",
                        v.min_days, v.max_days
                    ));
                }
                config.address_verification = Some(types::VariantConfigsAddressVerification {
                    max_days: f64::from(v.max_days),
                    min_days: f64::from(v.min_days),
                    support_contacts: v.support.clone().into(),
                });
                Type::AddressVerification
            }
            Self::OrderConfirmation(v) => {
                config.order_confirmation = Some(types::VariantConfigsOrderConfirmation {
                    support_contacts: v.support.clone().map(Into::into),
                });
                Type::OrderConfirmation
            }
            Self::NdrFollowup(v) => {
                if let Some(days) = v.max_reschedule_days
                    && !(1..=7).contains(&days)
                {
                    problems.push(format!("`maxRescheduleDays` is {days}; it must be 1 to 7"));
                }
                config.ndr_followup = Some(types::VariantConfigsNdrFollowup {
                    max_reschedule_days: v.max_reschedule_days.map(f64::from),
                    support_contacts: v.support.clone().map(Into::into),
                    webhook_token: v
                        .webhook_token
                        .as_ref()
                        .map(|t| t.expose_secret().to_owned()),
                });
                Type::NdrFollowup
            }
            Self::Custom(v) => {
                config.input_schema = v.inputs.clone();
                config.variable_schema = v.variable_schema.clone();
                Type::Custom
            }
        };
        types::AdminAssistantRequestVariant {
            config: Some(config),
            type_,
        }
    }
}

/// A finite, non-negative amount, or a problem naming `field`.
fn non_negative(problems: &mut Problems, field: &str, value: f64) -> f64 {
    if !value.is_finite() || value < 0.0 {
        problems.push(format!(
            "`{field}` is {value}; it must be a finite amount of 0 or more"
        ));
    }
    value
}

/// The configuration of an `abandoned_cart` assistant: how the store takes payment. The spec requires the
/// `abandoned_cart` block for this variant, so it is sent even when empty.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct AbandonedCartVariant {
    /// The payment modes the store accepts; absent: not said.
    pub payment_mode: Option<types::VariantConfigsAbandonedCartPaymentPlanMode>,
    /// The extra fee for cash on delivery; absent: none mentioned.
    pub cod_fee: Option<f64>,
}

impl AbandonedCartVariant {
    /// Sets the payment modes the store accepts (`online`, `cod` or `both`).
    pub fn payment_mode(mut self, mode: types::VariantConfigsAbandonedCartPaymentPlanMode) -> Self {
        self.payment_mode = Some(mode);
        self
    }

    /// Sets the extra fee for cash on delivery (`paymentPlan.additionalFee.cod`).
    pub fn cod_fee(mut self, fee: f64) -> Self {
        self.cod_fee = Some(fee);
        self
    }

    fn to_generated(&self, problems: &mut Problems) -> types::VariantConfigsAbandonedCart {
        let additional_fee =
            self.cod_fee.map(
                |fee| types::VariantConfigsAbandonedCartPaymentPlanAdditionalFee {
                    cod: Some(non_negative(problems, "paymentPlan.additionalFee.cod", fee)),
                },
            );
        let payment_plan = (self.payment_mode.is_some() || additional_fee.is_some()).then(|| {
            types::VariantConfigsAbandonedCartPaymentPlan {
                additional_fee,
                mode: self.payment_mode.clone(),
            }
        });
        types::VariantConfigsAbandonedCart { payment_plan }
    }
}

/// The configuration of a `cod_to_prepaid` assistant; every field is required
/// ([`AssistantVariant::cod_to_prepaid`]).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct CodToPrepaidVariant {
    /// How long the prepaid payment link stays valid, in hours.
    pub link_validity_hours: u32,
    /// The COD fee the customer saves by prepaying.
    pub cod_fee: f64,
    /// The contacts the agent gives.
    pub support: SupportContacts,
}

/// The configuration of an `address_verification` assistant; every field is required
/// ([`AssistantVariant::address_verification`]).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct AddressVerificationVariant {
    /// The shortest expected delivery time, in days.
    pub min_days: u32,
    /// The longest expected delivery time, in days.
    pub max_days: u32,
    /// The contacts the agent gives.
    pub support: SupportContacts,
}

/// The configuration of an `order_confirmation` assistant.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct OrderConfirmationVariant {
    /// The contacts the agent gives; absent: none.
    pub support: Option<SupportContacts>,
}

impl OrderConfirmationVariant {
    /// Sets the contacts the agent gives.
    pub fn support(mut self, support: SupportContacts) -> Self {
        self.support = Some(support);
        self
    }
}

/// The configuration of an `ndr_followup` assistant.
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct NdrFollowupVariant {
    /// How many days ahead the customer may reschedule the delivery, 1 to 7 (checked before sending).
    pub max_reschedule_days: Option<u8>,
    /// The shared secret Shiprocket sends in `x-api-key` with its NDR webhooks; never printed.
    pub webhook_token: Option<SecretString>,
    /// The contacts the agent gives; absent: none.
    pub support: Option<SupportContacts>,
}

impl NdrFollowupVariant {
    /// Sets how many days ahead the customer may reschedule the delivery (1 to 7).
    pub fn max_reschedule_days(mut self, days: u8) -> Self {
        self.max_reschedule_days = Some(days);
        self
    }

    /// Sets the shared secret Shiprocket sends in `x-api-key` with its NDR webhooks.
    pub fn webhook_token(mut self, token: impl Into<String>) -> Self {
        self.webhook_token = Some(SecretString::from(token.into()));
        self
    }

    /// Sets the contacts the agent gives.
    pub fn support(mut self, support: SupportContacts) -> Self {
        self.support = Some(support);
        self
    }
}

impl std::fmt::Debug for NdrFollowupVariant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NdrFollowupVariant")
            .field("max_reschedule_days", &self.max_reschedule_days)
            .field(
                "webhook_token",
                &self.webhook_token.as_ref().map(|_| crate::secret::REDACTED),
            )
            .field("support", &self.support)
            .finish()
    }
}

/// The configuration of a `custom` assistant: the variables its system prompt reads as `{{name}}`, supplied
/// per call in the [`CallPayload::Custom`](super::payload::CallPayload::Custom) map.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct CustomVariant {
    /// The declared variables (`inputSchema`).
    pub inputs: Vec<types::AdditionalField>,
    /// A JSON-schema-style declaration instead (`variableSchema`).
    pub variable_schema: Option<types::VariantConfigsVariableSchema>,
}

impl CustomVariant {
    /// Declares a variable the prompt reads (an `inputSchema` entry).
    pub fn input(mut self, field: impl Into<types::AdditionalField>) -> Self {
        self.inputs.push(field.into());
        self
    }

    /// Declares a text variable `name`, required or not, as [`CustomVariant::input`] does.
    pub fn text_input(self, name: impl Into<String>, required: bool) -> Self {
        self.input(types::AdditionalField {
            fields: Vec::new(),
            is_required: Some(required),
            name: name.into(),
            type_: types::AdditionalFieldType::String,
        })
    }

    /// Declares the variables JSON-schema style (`variableSchema`), the alternative to inputs.
    pub fn variable_schema(mut self, schema: types::VariantConfigsVariableSchema) -> Self {
        self.variable_schema = Some(schema);
        self
    }
}

/// The support contacts an assistant's agent gives the customer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SupportContacts {
    /// The support phone number.
    pub phone_number: Option<String>,
    /// The support email address.
    pub email: Option<String>,
}

impl SupportContacts {
    /// Support reachable at `phone_number`.
    pub fn phone(phone_number: impl Into<String>) -> Self {
        Self {
            phone_number: Some(phone_number.into()),
            email: None,
        }
    }

    /// Support reachable at `email`.
    pub fn email(email: impl Into<String>) -> Self {
        Self {
            phone_number: None,
            email: Some(email.into()),
        }
    }

    /// Adds the support email address.
    pub fn and_email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }
}

impl From<SupportContacts> for types::SupportContacts {
    fn from(s: SupportContacts) -> Self {
        Self {
            email: s.email,
            phone_number: s.phone_number,
        }
    }
}

macro_rules! into_variant {
    ($($ty:ident => $variant:ident),* $(,)?) => {
        $(
            impl From<$ty> for AssistantVariant {
                fn from(v: $ty) -> Self {
                    Self::$variant(v)
                }
            }
        )*
    };
}

into_variant! {
    AbandonedCartVariant => AbandonedCart,
    CodToPrepaidVariant => CodToPrepaid,
    AddressVerificationVariant => AddressVerification,
    OrderConfirmationVariant => OrderConfirmation,
    NdrFollowupVariant => NdrFollowup,
    CustomVariant => Custom,
}
