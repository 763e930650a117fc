//! The generated request types are built without `Some(…)`, struct literals or JSON: `new` takes
//! the required fields (a missing one does not compile), optional setters take `&str` and nested
//! builders, and a field left unset is not sent, so the server's default applies.

use mirai_voice_generated::types;
use serde_json::json;

#[test]
fn constructors_take_the_required_fields_and_setters_the_optional_ones() {
    let customer = types::AbandonedCartPayloadCustomer::new("Jane", "+15550100")
        .last_name("Doe")
        .email(String::from("jane@example.com"));
    assert_eq!(customer.first_name, "Jane");
    assert_eq!(customer.phone, "+15550100");
    assert_eq!(customer.last_name.as_deref(), Some("Doe"));
    assert_eq!(
        serde_json::to_value(&customer).unwrap(),
        json!({
            "firstName": "Jane",
            "phone": "+15550100",
            "lastName": "Doe",
            "email": "jane@example.com"
        })
    );
}

#[test]
fn unset_optional_fields_are_omitted_and_spec_defaults_are_sent() {
    let call = types::InitiateCallRequest::new("+15550100", "6650f0c2a1b2c3d4e5f60718");
    let wire = serde_json::to_value(&call).unwrap();
    assert_eq!(
        wire,
        json!({"phoneNumber": "+15550100", "assistant": "6650f0c2a1b2c3d4e5f60718"})
    );
    let back: types::InitiateCallRequest = serde_json::from_value(wire).unwrap();
    assert_eq!(back.callback_url, None);
    assert_eq!(back.priority, None);

    // A field with a default in the spec starts at it and is sent; an empty list is not.
    let tool = types::CreateApiToolRequest::new(
        "lookup_order"
            .parse::<types::CreateApiToolRequestName>()
            .unwrap(),
        "Looks an order up"
            .parse::<types::CreateApiToolRequestDescription>()
            .unwrap(),
        "https://shop.example/orders",
        types::CreateApiToolRequestMethod::Get,
    );
    assert!(tool.is_active);
    let wire = serde_json::to_value(&tool).unwrap();
    assert_eq!(wire["isActive"], json!(true));
    assert!(wire.get("headers").is_none(), "{wire}");
    assert!(wire.get("parameters").is_none(), "{wire}");
    let inactive = serde_json::to_value(tool.is_active(false)).unwrap();
    assert_eq!(inactive["isActive"], json!(false));
}

#[test]
fn a_constrained_field_takes_the_checked_type_and_reports_a_bad_value() {
    let too_long = "x".repeat(41);
    let error = too_long
        .parse::<types::AdminAssistantRequestName>()
        .unwrap_err();
    assert_eq!(error.to_string(), "longer than 40 characters");
    let name: types::AdminAssistantRequestName = "Cart recovery".parse().unwrap();
    let request = types::AdminAssistantRequest::new(
        name,
        types::AdminAssistantRequestVariant::new(types::AdminAssistantRequestVariantType::Custom),
        types::AdminAssistantRequestAgent::new(
            types::AgentIdentity::new()
                .name("Maya")
                .gender(types::AgentIdentityGender::Female),
        )
        .system_prompt("Help {{customer.firstName}} finish the order."),
    );
    assert_eq!(
        serde_json::to_value(&request).unwrap(),
        json!({
            "name": "Cart recovery",
            "variant": {"type": "custom"},
            "agent": {
                "identity": {"name": "Maya", "gender": "female"},
                "systemPrompt": "Help {{customer.firstName}} finish the order."
            }
        })
    );
}

#[test]
fn builder_setters_of_optional_fields_take_str_and_nested_builders() {
    let variant: types::AdminAssistantRequestVariant =
        types::AdminAssistantRequestVariant::builder()
            .type_(types::AdminAssistantRequestVariantType::AbandonedCart)
            .config(
                types::VariantConfigs::builder().abandoned_cart(
                    types::VariantConfigsAbandonedCart::builder().payment_plan(
                        types::VariantConfigsAbandonedCartPaymentPlan::builder()
                            .mode(types::VariantConfigsAbandonedCartPaymentPlanMode::Online),
                    ),
                ),
            )
            .try_into()
            .unwrap();
    assert_eq!(
        serde_json::to_value(&variant).unwrap(),
        json!({
            "type": "abandoned_cart",
            "config": {"abandoned_cart": {"paymentPlan": {"mode": "online"}}}
        })
    );

    let customer: types::AbandonedCartPayloadCustomer =
        types::AbandonedCartPayloadCustomer::builder()
            .first_name("Jane")
            .phone("+15550100")
            .last_name("Doe")
            .try_into()
            .unwrap();
    assert_eq!(customer.last_name.as_deref(), Some("Doe"));
    assert_eq!(customer.email, None);
}

#[test]
fn set_companions_forward_an_option_and_clear_a_field() {
    let from_config: Option<String> = None;
    let template = types::AbandonedCartPayloadCustomer::builder()
        .first_name("Jane")
        .phone("+15550100")
        .last_name("Doe")
        .email("jane@example.com");
    let cleared: types::AbandonedCartPayloadCustomer = template
        .clone()
        .set_last_name(from_config)
        .try_into()
        .unwrap();
    assert_eq!(cleared.last_name, None);
    assert_eq!(
        serde_json::to_value(&cleared).unwrap(),
        json!({"firstName": "Jane", "phone": "+15550100", "email": "jane@example.com"})
    );
    let kept: types::AbandonedCartPayloadCustomer = template
        .set_email(Some("j@example.com".to_string()))
        .try_into()
        .unwrap();
    assert_eq!(kept.email.as_deref(), Some("j@example.com"));
    assert_eq!(kept.last_name.as_deref(), Some("Doe"));
}

#[test]
fn a_failed_nested_build_is_reported_by_the_outer_build_not_dropped() {
    // The nested builder of an optional field lacks its required `title`: the outer build fails
    // and names it, instead of sending the line item without its variant.
    let result: Result<types::AbandonedCartPayloadLineItemsItem, _> =
        types::AbandonedCartPayloadLineItemsItem::builder()
            .title("Cap")
            .quantity(1u64)
            .variant(types::AbandonedCartPayloadLineItemsItemVariant::builder().id("v1"))
            .try_into();
    let error = result.unwrap_err().to_string();
    assert!(error.contains("variant"), "{error}");
    assert!(error.contains("title"), "{error}");

    let item: types::AbandonedCartPayloadLineItemsItem =
        types::AbandonedCartPayloadLineItemsItem::builder()
            .title("Cap")
            .quantity(1u64)
            .variant(
                types::AbandonedCartPayloadLineItemsItemVariant::builder()
                    .id("v1")
                    .title("Blue"),
            )
            .try_into()
            .unwrap();
    let variant = item.variant.expect("the nested builder was kept");
    assert_eq!(
        (variant.id.as_str(), variant.title.as_str()),
        ("v1", "Blue")
    );
}
