//! Every example payload of the documentation and the spec parses into the
//! right variant; unknown values and missing fields do not fail.

use mirai_voice::call_status::CallStatus;
use mirai_voice::webhook::testing::EventBuilder;
use mirai_voice::webhook::{
    Action, ActionEvent, ActionReason, CallEvent, CallEventType, Event, WebhookEvent,
};
use serde_json::json;

fn parse(body: &str) -> WebhookEvent {
    WebhookEvent::from_slice(body.as_bytes()).unwrap_or_else(|error| panic!("{error}: {body}"))
}

fn call(event: &WebhookEvent) -> &CallEvent {
    match &event.event {
        Event::Call(call) => call,
        other => panic!("expected a call event, got {other:?}"),
    }
}

fn action(event: &WebhookEvent) -> &ActionEvent {
    match &event.event {
        Event::Action(action) => action,
        other => panic!("expected an action event, got {other:?}"),
    }
}

/// Wraps an `event.data` snippet (as the lifecycle guide shows them) in the
/// documented envelope.
fn envelope(event_type: &str, data: serde_json::Value) -> String {
    json!({ "metadata": {}, "event": { "type": event_type, "data": data } }).to_string()
}

// The v1 webhook guide.

#[test]
fn v1_guide_envelope_call_completed() {
    let event = parse(
        r#"{
  "metadata": { "internalOrderId": "8842" },
  "event": {
    "type": "call.completed",
    "data": {
      "call": {
        "id": "68f0a1b2c3d4e5f600000900",
        "status": "completed",
        "startedAt": "2026-07-26T09:15:02.000Z",
        "endedAt": "2026-07-26T09:16:38.000Z",
        "durationSeconds": 96,
        "recordingUrl": "https://cdn.miraiminds.co/recordings/68f0….mp3",
        "detailUrl": "https://app.miraiminds.co/calls/68f0…"
      }
    }
  }
}"#,
    );
    assert_eq!(event.metadata["internalOrderId"], "8842");
    let call = call(&event);
    assert_eq!(call.kind, CallEventType::Completed);
    let info = call.data.call.as_ref().unwrap();
    assert_eq!(info.id.as_deref(), Some("68f0a1b2c3d4e5f600000900"));
    assert_eq!(info.status, Some(CallStatus::Completed));
    assert_eq!(info.duration_seconds, Some(96.0));
    let started = info.started_at.unwrap();
    let ended = info.ended_at.unwrap();
    assert_eq!((ended - started).num_seconds(), 96);
    assert_eq!(
        info.recording_url.as_deref(),
        Some("https://cdn.miraiminds.co/recordings/68f0….mp3")
    );
    assert!(call.data.analysis.is_none());
}

#[test]
fn v1_guide_end_of_call() {
    let event = parse(
        r#"{
  "metadata": { "internalOrderId": "8842" },
  "event": {
    "type": "end-of-call",
    "data": {
      "call": {
        "id": "68f0a1b2c3d4e5f600000900",
        "status": "completed",
        "durationSeconds": 96,
        "recordingUrl": "https://cdn.miraiminds.co/recordings/68f0….mp3"
      },
      "analysis": {
        "success": true,
        "summary": "Customer confirmed the order and chose cash on delivery.",
        "requiredActions": ["create-order", "send-whatsapp"],
        "insights": { "interested": true, "callback_requested": false }
      },
      "credits": { "used": 1.5, "available": 98.5 },
      "report": { "reAttemptCount": 0, "rescheduledCount": 0 }
    }
  }
}"#,
    );
    let call = call(&event);
    assert_eq!(call.kind, CallEventType::EndOfCall);
    let analysis = call.data.analysis.as_ref().unwrap();
    assert_eq!(analysis.success, Some(true));
    assert_eq!(analysis.required_actions, ["create-order", "send-whatsapp"]);
    assert_eq!(analysis.insights["interested"], true);
    assert!(analysis.outcome.is_empty());
    let credits = call.data.credits.as_ref().unwrap();
    assert_eq!((credits.used, credits.available), (Some(1.5), Some(98.5)));
    let report = call.data.report.as_ref().unwrap();
    assert_eq!(
        (report.re_attempt_count, report.rescheduled_count),
        (Some(0), Some(0))
    );
}

#[test]
fn v1_guide_create_order_action() {
    let event = parse(
        r#"{
  "event": {
    "type": "action",
    "data": {
      "action": "create_order",
      "call": { "id": "68f0a1b2c3d4e5f600000900" },
      "reason": null,
      "payload": {
        "email": "jane@example.com",
        "phone": "+919876543210",
        "lineItems": [{ "title": "Sample Product", "quantity": 1 }],
        "shippingAddress": {
          "firstName": "Jane", "lastName": "Smith",
          "address1": "12 MG Road", "city": "Bengaluru",
          "province": "Karnataka", "zip": "560001", "country": "India",
          "phone": "+919876543210"
        },
        "cartTotal": 1895,
        "codCharge": 50,
        "discount": { "code": "SAVE10", "reason": "abandoned cart recovery" },
        "note": "Customer confirmed on call",
        "abandonedCheckoutId": "gid://shopify/AbandonedCheckout/66509168181329"
      }
    }
  }
}"#,
    );
    assert!(event.metadata.is_empty());
    let action = action(&event);
    assert_eq!(action.reason, None);
    assert_eq!(event.call_id(), Some("68f0a1b2c3d4e5f600000900"));
    let Action::CreateOrder(order) = &action.action else {
        panic!("expected create_order, got {:?}", action.action)
    };
    assert_eq!(order.email.as_deref(), Some("jane@example.com"));
    assert_eq!(
        order.line_items,
        [json!({ "title": "Sample Product", "quantity": 1 })]
    );
    let address = order.shipping_address.as_ref().unwrap();
    assert_eq!(address.city.as_deref(), Some("Bengaluru"));
    assert_eq!(address.address2, None);
    assert_eq!(
        (order.cart_total, order.cod_charge),
        (Some(1895.0), Some(50.0))
    );
    assert_eq!(
        order.discount.as_ref().unwrap().code.as_deref(),
        Some("SAVE10")
    );
    assert_eq!(
        order.abandoned_checkout_id.as_deref(),
        Some("gid://shopify/AbandonedCheckout/66509168181329")
    );
}

// The call lifecycle guide.

#[test]
fn lifecycle_guide_envelope() {
    let event = parse(
        r#"{
  "metadata": {
    "customer_id": "12345",
    "order_ref": "ORD-001"
  },
  "event": {
    "type": "call.completed",
    "data": {
      "call": {
        "id": "c_550e8400-e29b",
        "status": "completed",
        "startedAt": "2023-10-27T10:00:00Z",
        "endedAt": "2023-10-27T10:02:30Z",
        "durationSeconds": 150,
        "recordingUrl": "https://api.voice-agents.com/recordings/...",
        "detailUrl": "https://api.voice-agents.com/calls/..."
      }
    }
  }
}"#,
    );
    assert_eq!(event.metadata["order_ref"], "ORD-001");
    assert_eq!(call(&event).kind, CallEventType::Completed);
    assert_eq!(event.call_id(), Some("c_550e8400-e29b"));
}

#[test]
fn lifecycle_guide_end_of_call_data() {
    let event = parse(&envelope(
        "end-of-call",
        json!({
          "analysis": {
            "success": true,
            "summary": "Customer confirmed the appointment for Tuesday.",
            "insights": {
                "sentiment": "positive",
                "intent": "booking_confirmed"
            }
          },
          "credits": {
            "used": 2.5,
            "available": 105.0
          }
        }),
    ));
    let call = call(&event);
    assert_eq!(call.kind, CallEventType::EndOfCall);
    assert!(call.data.call.is_none());
    assert_eq!(event.call_id(), None);
    assert_eq!(
        call.data.analysis.as_ref().unwrap().insights["intent"],
        "booking_confirmed"
    );
    assert_eq!(call.data.credits.as_ref().unwrap().available, Some(105.0));
}

#[test]
fn lifecycle_guide_lifecycle_ended_report() {
    let event = parse(&envelope(
        "call.lifecycle-ended",
        json!({
          "report": {
            "reAttemptCount": 1,
            "rescheduledCount": 0,
            "finalStatus": "completed"
          }
        }),
    ));
    let call = call(&event);
    assert_eq!(call.kind, CallEventType::LifecycleEnded);
    let report = call.data.report.as_ref().unwrap();
    assert_eq!(report.re_attempt_count, Some(1));
    assert_eq!(report.final_status, Some(CallStatus::Completed));
}

#[test]
fn lifecycle_guide_create_order() {
    let event = parse(
        r#"{
  "event": {
    "type": "action",
    "data": {
      "action": "create_order",
      "payload": {
        "phone": "+15550109988",
        "lineItems": [{ "variantId": "123", "quantity": 1 }],
        "shippingAddress": {
          "firstName": "Jane",
          "lastName": "Doe",
          "address1": "123 Main St",
          "city": "New York",
          "zip": "10001",
          "country": "US"
        },
        "paymentMode": "cod",
        "cartTotal": 150.00
      }
    }
  }
}"#,
    );
    let action = action(&event);
    assert!(action.call.is_none());
    let Action::CreateOrder(order) = &action.action else {
        panic!("expected create_order, got {:?}", action.action)
    };
    assert_eq!(order.payment_mode.as_deref(), Some("cod"));
    assert_eq!(order.cart_total, Some(150.0));
    assert_eq!(order.email, None);
}

#[test]
fn lifecycle_guide_send_whatsapp_without_payload() {
    let event = parse(
        r#"{
  "event": {
    "type": "action",
    "data": {
      "action": "send_whatsapp",
      "reason": "missing_address"
    }
  }
}"#,
    );
    let action = action(&event);
    assert_eq!(action.reason, Some(ActionReason::MissingAddress));
    let Action::SendWhatsapp(whatsapp) = &action.action else {
        panic!("expected send_whatsapp, got {:?}", action.action)
    };
    assert_eq!(whatsapp.number, None);
}

// The spec (swagger.yaml): the Call tag's examples and the rendered
// call-events-webhook example.

#[test]
fn spec_call_tag_end_of_call() {
    let event = parse(
        r#"{
  "event": {
    "type": "end-of-call",
    "data": {
      "call": {
        "id": "call_6701abc123",
        "status": "completed",
        "startedAt": "2026-06-30T10:00:00.000Z",
        "endedAt": "2026-06-30T10:05:32.000Z",
        "durationSeconds": 332,
        "recordingUrl": "https://storage.miraiminds.co/.../recording.wav",
        "detailUrl": "https://app.miraiminds.co/calls/call_6701abc123"
      },
      "analysis": {
        "success": true,
        "summary": "Customer called about a delayed order. Issue resolved — package was confirmed dispatched. Customer was satisfied.",
        "insights": {
          "issueResolved": true,
          "escalationRequested": false,
          "customerSentiment": "positive"
        },
        "outcome": {
          "shouldUpdateAddress": true,
          "confirmAddress": false,
          "updatedAddressProvided": true,
          "updatedAddress": { "address1": "507, Nemli Complex", "city": "Surat", "province": "Gujarat", "country": "India", "zip": "395007" }
        }
      },
      "credits": {
        "used": 2.5,
        "available": 97.5
      }
    }
  }
}"#,
    );
    let call = call(&event);
    assert_eq!(call.kind, CallEventType::EndOfCall);
    assert_eq!(call.status(), Some(&CallStatus::Completed));
    let analysis = call.data.analysis.as_ref().unwrap();
    assert_eq!(analysis.outcome["updatedAddress"]["city"], "Surat");
    assert!(analysis.required_actions.is_empty());
    assert!(call.data.report.is_none());
}

#[test]
fn spec_call_tag_action() {
    let event = parse(
        r#"{
  "event": {
    "type": "action",
    "data": {
      "action": "create_order",
      "call": { "id": "call_6701abc123" },
      "payload": {
        "email": "alex@example.com",
        "phone": "+14155550200",
        "lineItems": [{ "title": "Blue Sneakers", "quantity": 1 }],
        "cartTotal": 99.99
      }
    }
  }
}"#,
    );
    let action = action(&event);
    assert_eq!(event.call_id(), Some("call_6701abc123"));
    let Action::CreateOrder(order) = &action.action else {
        panic!("expected create_order, got {:?}", action.action)
    };
    assert_eq!(order.cart_total, Some(99.99));
    assert!(order.shipping_address.is_none());
}

#[test]
fn spec_rendered_call_events_webhook_example() {
    // The rendered page repeats call/analysis/credits/report beside `data`;
    // they are not part of the envelope and are ignored.
    let event = parse(
        r#"{
"event": {
"type": "call.initiate",
"data": {
"call": {
"id": "call_123456",
"status": "initiate",
"startedAt": "2023-11-07T05:31:56Z",
"endedAt": "2023-11-07T05:31:56Z",
"recordingUrl": "<string>",
"detailUrl": "<string>",
"durationSeconds": 45
},
"analysis": {
"success": true,
"summary": "User expressed interest but requested a callback later.",
"requiredActions": [
"<string>"
],
"insights": {
"interested": true,
"callback_requested": true
}
},
"credits": {
"used": 1.5,
"available": 98.5
},
"report": {
"reAttemptCount": 123,
"rescheduledCount": 123
}
},
"call": {
"id": "call_123456",
"status": "initiate"
},
"analysis": {
"success": true
}
}
}"#,
    );
    let call = call(&event);
    assert_eq!(call.kind, CallEventType::Initiate);
    assert_eq!(call.status(), Some(&CallStatus::Initiate));
    assert_eq!(
        call.data.report.as_ref().unwrap().rescheduled_count,
        Some(123)
    );
    assert_eq!(
        call.data.call.as_ref().unwrap().recording_url.as_deref(),
        Some("<string>")
    );
}

// Variants.

#[test]
fn every_call_event_type_is_a_call_event() {
    for kind in CallEventType::ALL {
        let event = parse(&envelope(
            kind.as_str(),
            json!({ "call": { "id": "c1", "status": "busy" } }),
        ));
        assert_eq!(call(&event).kind, kind);
        assert_eq!(event.event_type(), kind.as_str());
        assert_eq!(event.call_id(), Some("c1"));
    }
}

#[test]
fn documented_actions_parse_into_their_variants() {
    let cases = [
        ("create_order", "create_order"),
        ("send_whatsapp", "send_whatsapp"),
        ("mark_prepaid", "mark_prepaid"),
        ("update_address", "update_address"),
        ("confirmed_address", "confirmed_address"),
    ];
    for (wire, name) in cases {
        let event = parse(&envelope(
            "action",
            json!({ "action": wire, "call": { "id": "c1" }, "payload": { "number": "+1555" } }),
        ));
        let action = action(&event);
        assert_eq!(action.action.name(), name);
        match (&action.action, wire) {
            (Action::CreateOrder(_), "create_order") => {}
            (Action::SendWhatsapp(whatsapp), "send_whatsapp") => {
                assert_eq!(whatsapp.number.as_deref(), Some("+1555"))
            }
            (Action::MarkPrepaid { payload }, "mark_prepaid")
            | (Action::UpdateAddress { payload }, "update_address")
            | (Action::ConfirmedAddress { payload }, "confirmed_address") => {
                assert_eq!(payload, &json!({ "number": "+1555" }))
            }
            (other, wire) => panic!("{wire} parsed as {other:?}"),
        }
    }
}

#[test]
fn an_action_event_is_never_taken_for_a_call_event() {
    // Shaped like call data, with `action`: still an action event.
    let event = parse(&envelope(
        "action",
        json!({
            "action": "send_whatsapp",
            "call": { "id": "c1", "status": "completed" },
            "analysis": { "success": true },
            "payload": { "number": "+15550100" }
        }),
    ));
    assert!(matches!(action(&event).action, Action::SendWhatsapp(_)));
    // And a call event that happens to carry `action`/`payload` stays a call
    // event: the type decides.
    let event = parse(&envelope(
        "call.completed",
        json!({ "action": "create_order", "payload": {}, "call": { "id": "c1" } }),
    ));
    assert_eq!(call(&event).kind, CallEventType::Completed);
}

#[test]
fn unknown_event_type_keeps_raw_json() {
    let data = json!({ "call": { "id": "c9" }, "voicemail": { "seconds": 12 } });
    let event = parse(&envelope("call.voicemail", data.clone()));
    let Event::Unknown(unknown) = &event.event else {
        panic!("expected unknown, got {:?}", event.event)
    };
    assert_eq!(unknown.event_type, "call.voicemail");
    assert_eq!(unknown.data, data);
    assert_eq!(event.call_id(), Some("c9"));
    // A missing `data` is kept as null.
    let event = parse(r#"{"event":{"type":"something.new"}}"#);
    assert!(matches!(&event.event, Event::Unknown(u) if u.data.is_null()));
}

#[test]
fn unknown_action_and_enum_values_are_kept() {
    let event = parse(&envelope(
        "action",
        json!({ "action": "book_appointment", "reason": "missing_slot", "payload": { "slot": "tue" } }),
    ));
    let action = action(&event);
    assert_eq!(
        action.reason,
        Some(ActionReason::Unknown("missing_slot".into()))
    );
    assert_eq!(
        action.action,
        Action::Unknown {
            action: "book_appointment".into(),
            payload: json!({ "slot": "tue" })
        }
    );
    let event = parse(&envelope(
        "call.ended",
        json!({ "call": { "status": "voicemail" } }),
    ));
    assert_eq!(
        call(&event).status(),
        Some(&CallStatus::Unknown("voicemail".into()))
    );
}

#[test]
fn missing_and_null_optional_fields_do_not_fail() {
    for body in [
        r#"{"event":{"type":"call.busy","data":{}}}"#,
        r#"{"event":{"type":"call.busy"}}"#,
        r#"{"metadata":null,"event":{"type":"call.busy","data":{"call":null,"analysis":null,"credits":null,"report":null}}}"#,
        r#"{"event":{"type":"end-of-call","data":{"call":{"id":null,"status":null,"startedAt":null,"endedAt":null,"recordingUrl":null,"detailUrl":null,"durationSeconds":null},"analysis":{"success":null,"summary":null,"requiredActions":null,"insights":null,"outcome":null},"credits":{},"report":{}}}}"#,
    ] {
        let event = parse(body);
        assert!(event.metadata.is_empty());
        assert!(event.event.as_call().is_some(), "{body}");
    }
    for body in [
        r#"{"event":{"type":"action","data":{"action":"create_order"}}}"#,
        r#"{"event":{"type":"action","data":{"action":"create_order","payload":null,"reason":null,"call":null}}}"#,
        r#"{"event":{"type":"action","data":{"action":"create_order","payload":{"lineItems":null,"shippingAddress":{},"discount":null}}}}"#,
        r#"{"event":{"type":"action","data":{"action":"send_whatsapp","payload":{"number":null}}}}"#,
    ] {
        assert!(parse(body).event.as_action().is_some(), "{body}");
    }
}

#[test]
fn malformed_bodies_are_typed_errors() {
    for body in [
        "",
        "null",
        "[]",
        "{}",
        r#"{"event":null}"#,
        r#"{"event":{"data":{}}}"#,
        r#"{"event":{"type":7,"data":{}}}"#,
        r#"{"event":{"type":"action","data":{}}}"#,
        r#"{"event":{"type":"action"}}"#,
        r#"{"event":{"type":"call.ended","data":{"call":{"durationSeconds":"long"}}}}"#,
        r#"{"metadata":"not an object","event":{"type":"call.ended","data":{}}}"#,
        r#"{"event":{"type":"call.ended","data":{}}"#,
    ] {
        assert!(
            WebhookEvent::from_slice(body.as_bytes()).is_err(),
            "{body} should not parse"
        );
    }
}

#[test]
fn built_events_round_trip_through_json() {
    let mut builders: Vec<EventBuilder> = CallEventType::ALL
        .into_iter()
        .map(EventBuilder::call)
        .collect();
    builders.extend([
        EventBuilder::create_order().reason(ActionReason::InvalidCartData),
        EventBuilder::send_whatsapp("+14155550100").reason(ActionReason::MissingFirstName),
        EventBuilder::action(Action::MarkPrepaid {
            payload: serde_json::Value::Null,
        }),
        EventBuilder::action(Action::UpdateAddress {
            payload: json!({ "address1": "507, Nemli Complex" }),
        }),
        EventBuilder::action(Action::ConfirmedAddress {
            payload: json!(true),
        }),
        EventBuilder::action(Action::Unknown {
            action: "later".into(),
            payload: json!([1, 2]),
        }),
        EventBuilder::unknown("call.voicemail", json!({ "call": { "id": "c" } })),
    ]);
    for builder in builders {
        let event = builder.clone().metadata("tenant", "acme").build();
        let parsed = WebhookEvent::from_slice(&event.to_vec()).unwrap();
        assert_eq!(parsed, event);
        assert_eq!(parsed.metadata["tenant"], "acme");
    }
}

#[test]
fn builders_follow_the_documented_shapes() {
    let end = EventBuilder::end_of_call().call_id("call_9").build();
    let call = call(&end);
    assert_eq!(end.call_id(), Some("call_9"));
    assert!(call.data.analysis.is_some() && call.data.credits.is_some());
    let ended = EventBuilder::call(CallEventType::LifecycleEnded).build();
    assert_eq!(
        ended
            .event
            .as_call()
            .unwrap()
            .data
            .report
            .as_ref()
            .unwrap()
            .final_status,
        Some(CallStatus::Completed)
    );
    let busy = EventBuilder::call(CallEventType::Busy).build();
    let info = busy.event.as_call().unwrap().data.call.clone().unwrap();
    assert_eq!(info.status, Some(CallStatus::Busy));
    assert!(info.started_at.is_none() && info.recording_url.is_none());
    // Serialized JSON uses the wire names.
    let json: serde_json::Value =
        serde_json::from_slice(&EventBuilder::end_of_call().body()).unwrap();
    assert_eq!(json["event"]["type"], "end-of-call");
    assert_eq!(json["event"]["data"]["call"]["durationSeconds"], 332.0);
    assert_eq!(json["event"]["data"]["report"]["reAttemptCount"], 0);
    let json: serde_json::Value =
        serde_json::from_slice(&EventBuilder::create_order().body()).unwrap();
    assert_eq!(json["event"]["data"]["action"], "create_order");
    assert_eq!(
        json["event"]["data"]["payload"]["shippingAddress"]["firstName"],
        "Jane"
    );
}

#[test]
fn numbers_survive_a_round_trip_exactly() {
    // Found by the fuzz target: without exact float parsing, an 80-digit
    // integer read back from the SDK's own output differed in the last bit.
    let body = r#"{"event":{"type":"end,of-call","data":{"analysis":{"n":11111000000000000000000000000000000000000000000000000000000018446744073709551615},"credits":{"used":0.30000000000000004}}}}"#;
    let event = parse(body);
    assert_eq!(WebhookEvent::from_slice(&event.to_vec()).unwrap(), event);
    let event = parse(&envelope(
        "end-of-call",
        json!({ "credits": { "used": 0.1, "available": 1e-300 } }),
    ));
    assert_eq!(WebhookEvent::from_slice(&event.to_vec()).unwrap(), event);
}
