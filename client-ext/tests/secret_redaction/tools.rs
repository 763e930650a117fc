//! The API-tool operations (`createApiTool`, `updateApiTool`, `listApiTools`): header values and credentials in
//! a tool's URL.

use mirai_voice::Error;
use mirai_voice::api::ToolHeader;
use mirai_voice::types::{self, CreateApiToolRequestMethod};
use mirai_voice_mock::{FaultBody, FaultKind};

use crate::harness::Harness;

fn tool_request(
    name: &str,
    headers: Vec<ToolHeader>,
    url: &str,
) -> types::builder::CreateApiToolRequest {
    types::CreateApiToolRequest::builder()
        .name(name)
        .description("Looks up an order by its number")
        .url(url)
        .method(CreateApiToolRequestMethod::Post)
        .headers(headers.into_iter().map(Into::into).collect::<Vec<_>>())
}

pub async fn exercise(h: &Harness) {
    let tool_token = h.secret("tooltoken-7f3a9c1e55");
    let tool_key = h.secret("toolkey-2b6d0e4f88");
    let url_key = h.secret("urlkey-5d2b8e40c1");
    let updated_token = h.secret("updatedtoken-91c4d7aa3");
    let rejected_url_key = h.secret("rejectedkey-0a1b2c3d4e");
    let tools = h.client.tools();
    let tool_url = format!("https://crm.example.test/orders?api_key={url_key}&v=2");

    // The SDK's request types.
    let auth = ToolHeader::bearer(tool_token.as_str());
    let key = ToolHeader::new("X-Api-Key", tool_key.as_str());
    for debug in [
        format!("{auth:?}"),
        format!("{key:#?}"),
        format!("{:?}", h.client),
        format!("{tools:?}"),
    ] {
        h.assert_hidden("a request type's Debug", &debug);
    }
    assert!(format!("{key:?}").contains("X-Api-Key"), "the name stays");

    // createApiTool: a success.
    let created = tools
        .create(tool_request("order_lookup", vec![auth.clone()], &tool_url))
        .await
        .expect("tool created");
    let tool_id = created.id.clone();
    tools
        .create(tool_request(
            "stock_lookup",
            vec![key.clone()],
            "https://inventory.example.test/stock",
        ))
        .await
        .expect("second tool created");

    // updateApiTool: a success.
    tools
        .update(
            &tool_id,
            types::UpdateApiToolRequest::builder().headers(vec![
                ToolHeader::new("Authorization", updated_token.as_str()).into(),
            ]),
        )
        .await
        .expect("tool updated");

    // listApiTools: the credentials really are in what the API returns, so the checks below can fail.
    let listed = tools.list().await.expect("tools listed");
    let raw = serde_json::to_string(&listed).expect("tools serialize");
    for secret in [&updated_token, &tool_key, &url_key] {
        assert!(
            raw.contains(secret.as_str()),
            "the API returned {secret}: {raw}"
        );
    }

    // listApiTools answering truncated JSON: a decode error keeping the body.
    h.fault("listApiTools", FaultKind::TruncatedJson);
    let error = tools.list().await.expect_err("a truncated body");
    let Error::Decode(decode) = &error else {
        panic!("expected a decode error, got {error:?}");
    };
    assert!(
        decode.body().text().contains(updated_token.as_str()),
        "the raw body, asked for explicitly, is kept as received: {}",
        decode.body().text()
    );
    let (_, debug) = h.check_error("truncated listApiTools", &error);
    assert!(debug.contains("bytes withheld"), "{debug}");

    // createApiTool and updateApiTool answering truncated JSON.
    h.fault("createApiTool", FaultKind::TruncatedJson);
    let error = tools
        .create(tool_request("refund_lookup", vec![auth.clone()], &tool_url))
        .await
        .expect_err("a truncated body");
    // A created tool whose answer was cut off: accepted, outcome unknown (never a plain decode error, which a
    // caller might retry into a second tool); its kept body is withheld all the same.
    assert!(matches!(error, Error::OutcomeUnknown(_)), "{error:?}");
    let (_, debug) = h.check_error("truncated createApiTool", &error);
    assert!(debug.contains("bytes withheld"), "{debug}");
    h.fault("updateApiTool", FaultKind::TruncatedJson);
    let error = tools
        .update(
            &tool_id,
            types::UpdateApiToolRequest::builder().headers(vec![key.clone().into()]),
        )
        .await
        .expect_err("a truncated body");
    h.check_error("truncated updateApiTool", &error);

    // createApiTool rejected with a 400 whose message quotes the request's URL, credential included.
    let rejected_url = format!("https://[bad-host]/orders?api_key={rejected_url_key}");
    let error = tools
        .create(tool_request(
            "broken_lookup",
            vec![auth.clone()],
            &rejected_url,
        ))
        .await
        .expect_err("an invalid URL");
    let api = error.api_error().expect("an API error");
    assert_eq!(api.status().as_u16(), 400, "{error:?}");
    assert!(
        api.message()
            .is_some_and(|m| m.contains(rejected_url_key.as_str())),
        "the emulator echoes the URL: {:?}",
        api.message()
    );
    let (display, _) = h.check_error("400 on createApiTool", &error);
    assert!(display.contains("api_key=[redacted]"), "{display}");

    // Gateway HTML on the tool operations: withheld, not shown in part.
    h.fault(
        "updateApiTool",
        FaultKind::Status {
            status: 400,
            body: FaultBody::Html,
        },
    );
    let error = tools
        .update(
            &tool_id,
            types::UpdateApiToolRequest::builder().headers(vec![auth.clone().into()]),
        )
        .await
        .expect_err("an injected 400");
    let (_, debug) = h.check_error("HTML 400 on updateApiTool", &error);
    assert!(debug.contains("bytes withheld"), "{debug}");
}

/// What the captured logs must show of this section: bodies were traced, header names kept.
pub fn check_logs(logs: &str) {
    assert!(
        logs.contains("request body") && logs.contains("createApiTool"),
        "request bodies were traced: {logs}"
    );
    assert!(
        logs.contains(r#"\"key\":\"Authorization\",\"value\":\"[redacted]\""#)
            || logs.contains(r#""key":"Authorization","value":"[redacted]""#),
        "header names stay in the logs: {logs}"
    );
}
