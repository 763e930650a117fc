//! Authentication, scoping headers and isolation between organizations.

use mirai_voice_mock::{Credentials, MockServer, NewOrganization};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};

struct Fixture {
    server: MockServer,
    http: reqwest::Client,
}

impl Fixture {
    async fn new() -> Self {
        Self {
            server: MockServer::start().await,
            http: reqwest::Client::new(),
        }
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.server.base_url()))
    }

    fn keyed(&self, creds: &Credentials, method: Method, path: &str) -> RequestBuilder {
        self.request(method, path)
            .header("x-public-key", &creds.public_key)
            .header("x-private-key", &creds.private_key)
    }

    fn scoped(&self, creds: &Credentials, method: Method, path: &str) -> RequestBuilder {
        self.keyed(creds, method, path)
            .header("workspace", &creds.workspace_id)
    }
}

async fn status_and_body(request: RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn keys_are_required_and_checked() {
    let fx = Fixture::new().await;
    let creds = fx.server.credentials();
    let path = "/v1/admin/assistant/list";

    let (status, body) = status_and_body(
        fx.request(Method::GET, path)
            .header("workspace", &creds.workspace_id),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["code"], 401);

    let mut wrong = creds.clone();
    wrong.private_key = format!("sk_{}", "0".repeat(64));
    assert_eq!(
        status_and_body(fx.scoped(&wrong, Method::GET, path))
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    let mut unknown = creds.clone();
    unknown.public_key = format!("pk_{}", "0".repeat(32));
    assert_eq!(
        status_and_body(fx.scoped(&unknown, Method::GET, path))
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    let (status, body) = status_and_body(fx.scoped(&creds, Method::GET, path)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"], json!([]));
}

#[tokio::test]
async fn workspace_and_organization_headers_scope_requests() {
    let fx = Fixture::new().await;
    let me = fx.server.credentials();
    let other = fx
        .server
        .control()
        .create_organization(NewOrganization::default());
    let path = "/v1/admin/tool/api";

    // listApiTools declares only 200: a missing or unknown workspace denies access (403).
    let (status, _) = status_and_body(fx.keyed(&me, Method::GET, path)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "missing workspace header");
    let (status, _) = status_and_body(
        fx.keyed(&me, Method::GET, path)
            .header("workspace", "6690a1b2c3d4e5f6000000ff"),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "unknown workspace");
    // createApiTool declares 400: there a missing header is the request's own error.
    let (status, _) = status_and_body(
        fx.keyed(&me, Method::POST, path)
            .json(&json!({ "name": "x" })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "missing workspace header");
    // getKnowledgeBaseFile declares 404: an unknown workspace is not found.
    let (status, _) = status_and_body(
        fx.keyed(
            &me,
            Method::GET,
            "/v1/knowledge-base/files/6690a1b2c3d4e5f6000000ff",
        )
        .header("workspace", "6690a1b2c3d4e5f6000000ff"),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "unknown workspace");
    let (status, _) = status_and_body(
        fx.keyed(&me, Method::GET, path)
            .header("workspace", &other.workspace_id),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "another organization's workspace"
    );

    let search = "/v1/number-pool/search?countryCode=US";
    assert_eq!(
        status_and_body(fx.keyed(&me, Method::GET, search)).await.0,
        StatusCode::BAD_REQUEST
    );
    let foreign = fx
        .keyed(&me, Method::GET, search)
        .header("organization", &other.organization_id);
    assert_eq!(status_and_body(foreign).await.0, StatusCode::FORBIDDEN);
    let own = fx
        .keyed(&me, Method::GET, search)
        .header("organization", &me.organization_id);
    let (status, body) = status_and_body(own).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body["data"].as_array().unwrap().len(),
        20,
        "limit defaults to 20"
    );
}

#[tokio::test]
async fn one_organization_never_sees_another_ones_data() {
    let fx = Fixture::new().await;
    let me = fx.server.credentials();
    let other = fx
        .server
        .control()
        .create_organization(NewOrganization::default());
    let body = json!({ "name": "Private", "variant": { "type": "custom" }, "agent": { "identity": {}, "systemPrompt": "x" } });
    let (_, created) = status_and_body(
        fx.scoped(&me, Method::POST, "/v1/admin/assistant/create")
            .json(&body),
    )
    .await;
    let assistant = created["data"]["assistantId"].as_str().unwrap().to_owned();
    let (_, call) = status_and_body(
        fx.scoped(&me, Method::POST, "/v2/call/initiate")
            .json(&json!({ "phoneNumber": "+14155552671", "assistant": assistant })),
    )
    .await;
    let call = call["callId"].as_str().unwrap().to_owned();

    let get = format!("/v1/admin/assistant/get/{assistant}");
    assert_eq!(
        status_and_body(fx.scoped(&other, Method::GET, &get))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let (_, list) =
        status_and_body(fx.scoped(&other, Method::GET, "/v1/admin/assistant/list")).await;
    assert_eq!(list["data"], json!([]));
    let (status, reply) = status_and_body(
        fx.scoped(&other, Method::POST, "/v2/call/abort")
            .json(&json!({ "callId": call })),
    )
    .await;
    assert_eq!(
        (status, reply["message"].as_str()),
        (StatusCode::NOT_FOUND, Some("Call not found"))
    );
    let initiate = json!({ "phoneNumber": "+14155552671", "assistant": assistant });
    assert_eq!(
        status_and_body(
            fx.scoped(&other, Method::POST, "/v2/call/initiate")
                .json(&initiate)
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    // Same name in another organization's workspace is fine.
    let (status, reply) = status_and_body(
        fx.scoped(&other, Method::POST, "/v1/admin/assistant/create")
            .json(&body),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{reply}");
}

#[tokio::test]
async fn public_routes_and_the_voice_gallery_alternatives() {
    let fx = Fixture::new().await;
    let creds = fx.server.credentials();
    for path in ["/health", "/v1/showcase/calls", "/v1/showcase/flows"] {
        assert_eq!(
            status_and_body(fx.request(Method::GET, path)).await.0,
            StatusCode::OK,
            "{path}"
        );
    }
    let gallery = "/v1/admin/voice-gallery";
    let public_only = fx
        .request(Method::GET, gallery)
        .header("x-public-key", &creds.public_key);
    assert_eq!(status_and_body(public_only).await.0, StatusCode::OK);
    let private_only = fx
        .request(Method::GET, gallery)
        .header("x-private-key", &creds.private_key);
    assert_eq!(status_and_body(private_only).await.0, StatusCode::OK);
    let bad = fx
        .request(Method::GET, gallery)
        .header("x-public-key", &creds.public_key)
        .header("x-private-key", "sk_nope");
    let (status, body) = status_and_body(bad).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        body,
        json!({ "status_code": 401, "message": "Invalid API keys" }),
        "the voice gallery's documented 401 shape"
    );
}

#[tokio::test]
async fn error_bodies_take_each_operations_shape() {
    let fx = Fixture::new().await;
    let creds = fx.server.credentials();
    let (status, body) = status_and_body(
        fx.scoped(&creds, Method::PUT, "/v2/call/6690a1b2c3d4e5f6000000ff")
            .json(&json!({ "payload": {} })),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        body,
        json!({ "code": 404, "message": "Call not found." }),
        "the payload update's documented error shape"
    );
    let (_, body) =
        status_and_body(fx.request(Method::GET, "/v1/showcase/flows/6690a1b2c3d4e5f6000000ff"))
            .await;
    assert_eq!(
        body,
        json!({ "success": false, "code": 404, "message": "Flow not found" })
    );
    let (status, body) =
        status_and_body(fx.request(Method::GET, "/v1/showcase/calls/not-an-id")).await;
    assert_eq!(
        (status, body["code"].clone()),
        (StatusCode::NOT_FOUND, json!(404)),
        "the spec declares only 404 for a lookup"
    );
    let (status, body) = status_and_body(fx.request(Method::GET, "/v9/nothing")).await;
    assert_eq!(
        (status, body["code"].clone()),
        (StatusCode::NOT_FOUND, json!(404))
    );
    let (status, body) = status_and_body(
        fx.scoped(&creds, Method::POST, "/v2/call/initiate")
            .header("content-type", "application/json")
            .body("{not json"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["message"].as_str().unwrap().contains("invalid JSON"),
        "{body}"
    );
}
