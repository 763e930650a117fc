//! Contract test: every operation of `swagger.yaml` is sent through the emulator, in success
//! and error cases, and every response body is validated against the schema the spec declares
//! for that operation and status. The test fails if any declared status of any operation was
//! not exercised.

use std::collections::BTreeSet;
use std::sync::Mutex;

use mirai_voice_mock::conformance::StatusRecord;
use mirai_voice_mock::{Credentials, MockServer, NewOrganization, Role, spec, webhook_signature};
use reqwest::{Method, RequestBuilder};
use serde_json::{Value, json};

struct Api {
    server: MockServer,
    http: reqwest::Client,
    creds: Credentials,
    covered: Mutex<BTreeSet<(String, u16)>>,
}

/// Operations whose success bodies legitimately omit some top-level properties.
const PARTIAL_SUCCESS_BODIES: [&str; 1] = ["shiprocketNdrWebhook"];

fn root_properties(schema: &Value) -> Vec<String> {
    let root = match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let name = reference.trim_start_matches("#/$defs/");
            &schema["$defs"][name]
        }
        None => schema,
    };
    root.get("properties")
        .and_then(Value::as_object)
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

impl Drop for Api {
    /// Every response this test received had a status the spec (or the documented list of
    /// statuses every route may answer) allows for its operation.
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let violations: Vec<String> = self
            .server
            .control()
            .requests()
            .iter()
            .filter_map(StatusRecord::from_request)
            .filter_map(|record| record.check().err().map(|why| why.0))
            .collect();
        assert!(
            violations.is_empty(),
            "undeclared statuses: {violations:#?}"
        );
    }
}

impl Api {
    async fn new() -> Self {
        let server = MockServer::start().await;
        let creds = server.credentials();
        Self {
            server,
            http: reqwest::Client::new(),
            creds,
            covered: Mutex::new(BTreeSet::new()),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.base_url())
    }

    /// A request with no credentials.
    fn bare(&self, method: Method, path: &str) -> RequestBuilder {
        self.http.request(method, self.url(path))
    }

    /// A request carrying `creds`' keys.
    fn keyed(&self, creds: &Credentials, method: Method, path: &str) -> RequestBuilder {
        self.bare(method, path)
            .header("x-public-key", &creds.public_key)
            .header("x-private-key", &creds.private_key)
    }

    /// A workspace-scoped request of the default organization.
    fn ws(&self, method: Method, path: &str) -> RequestBuilder {
        self.ws_of(&self.creds.workspace_id, method, path)
    }

    fn ws_of(&self, workspace: &str, method: Method, path: &str) -> RequestBuilder {
        self.keyed(&self.creds, method, path)
            .header("workspace", workspace)
    }

    /// An organization-scoped request.
    fn org(
        &self,
        creds: &Credentials,
        organization: &str,
        method: Method,
        path: &str,
    ) -> RequestBuilder {
        self.keyed(creds, method, path)
            .header("organization", organization)
    }

    /// Sends, checks the status, validates the body against the declared schema and records
    /// the (operation, status) pair as covered. Returns the parsed body.
    async fn expect(&self, operation: &str, status: u16, request: RequestBuilder) -> Value {
        let response = request.send().await.expect("request reaches the emulator");
        let got = response.status().as_u16();
        let text = response.text().await.expect("body is readable");
        assert_eq!(
            got, status,
            "{operation}: expected {status}, got {got}: {text}"
        );
        let body: Value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{operation} {status}: not JSON ({e}): {text}"))
        };
        if let Some(schema) = spec::response_schema(operation, status) {
            if let Err(errors) = spec::validate(&schema, &body) {
                panic!(
                    "{operation} {status}: body violates the declared schema: {errors:?}\n{body:#}"
                );
            }
            if (200..300).contains(&status) && !PARTIAL_SUCCESS_BODIES.contains(&operation) {
                for property in root_properties(&schema) {
                    assert!(
                        body.get(&property).is_some(),
                        "{operation} {status}: `{property}` missing: {body}"
                    );
                }
            }
        }
        if status >= 400 {
            // Each operation's documented shape: `status_code` for the voice gallery's 401,
            // `code` elsewhere.
            let code = if operation == "getVoiceGallery" {
                &body["status_code"]
            } else {
                &body["code"]
            };
            assert_eq!(
                code,
                &json!(status),
                "{operation} {status}: error body {body}"
            );
            assert!(
                body["message"].is_string(),
                "{operation} {status}: error body {body}"
            );
        }
        self.covered
            .lock()
            .unwrap()
            .insert((operation.to_owned(), status));
        body
    }

    fn assert_everything_covered(&self) {
        let covered = self.covered.lock().unwrap();
        let mut missing = Vec::new();
        for op in spec::operations() {
            let statuses = spec::declared_statuses(&op.operation_id);
            assert!(
                !statuses.is_empty(),
                "{} declares no status",
                op.operation_id
            );
            for status in statuses {
                if !covered.contains(&(op.operation_id.clone(), status)) {
                    missing.push(format!("{} {status}", op.operation_id));
                }
            }
        }
        assert!(
            missing.is_empty(),
            "declared responses never exercised: {missing:?}"
        );
    }
}

fn custom_workspace(name: &str) -> Value {
    json!({
        "name": name,
        "currencyCode": "USD",
        "timezone": "America/New_York",
        "supportContacts": { "phoneNumber": "+14155550100", "email": "support@acme.com" },
        "trustSignals": { "valuePropositionOneLiner": "Premium support." },
    })
}

fn assistant(name: &str) -> Value {
    json!({
        "name": name,
        "variant": { "type": "custom", "config": { "inputSchema": [{ "name": "customerName", "type": "string" }] } },
        "agent": {
            "identity": { "name": "Priya", "gender": "female", "voice": "priya" },
            "systemPrompt": "Greet {{customerName}}.",
        },
        "icpContext": { "language": "english" },
        "callSettings": {
            "slots": [{ "startTime": "09:00", "endTime": "18:00" }],
            "maxCallDuration": 300,
            "concurrentCallCount": 5,
            "retryProtocol": { "maxAttemptsNoPickup": 2, "reAttemptPeriod": 300 },
        },
        "analysisPlan": {
            "successCriteriaPlan": "Return true when resolved.",
            "summaryPlan": "Summarise.",
            "callInsightPlan": { "resolved": { "type": "boolean", "description": "Resolved?", "required": true } },
        },
    })
}

async fn setting(api: &Api) {
    let body = api
        .expect("getHealthMonitor", 200, api.bare(Method::GET, "/health"))
        .await;
    assert_eq!(body["data"]["underMaintenance"], false);
}

/// Returns the id of a second workspace of the default organization.
async fn onboarding(api: &Api) -> String {
    let path = "/v2/workspace/onboard/custom";
    let created = api
        .expect(
            "onboardCustomWorkspace",
            200,
            api.keyed(&api.creds, Method::POST, path)
                .json(&custom_workspace("Acme Support Line")),
        )
        .await;
    assert_eq!(created["data"]["slug"], "acme-support-line");
    let mut incomplete = custom_workspace("Incomplete");
    incomplete.as_object_mut().unwrap().remove("trustSignals");
    api.expect(
        "onboardCustomWorkspace",
        400,
        api.keyed(&api.creds, Method::POST, path).json(&incomplete),
    )
    .await;
    api.expect(
        "onboardCustomWorkspace",
        409,
        api.keyed(&api.creds, Method::POST, path)
            .json(&custom_workspace("Acme Support Line")),
    )
    .await;
    let stand_alone = api.server.control().create_organization(NewOrganization {
        stand_alone: Some(true),
        ..NewOrganization::default()
    });
    api.expect(
        "onboardCustomWorkspace",
        403,
        api.keyed(&stand_alone, Method::POST, path)
            .json(&custom_workspace("Nope")),
    )
    .await;

    let shopify = json!({
        "name": "The Leather Co.",
        "currencyCode": "INR",
        "timezone": "Asia/Kolkata",
        "supportContacts": { "phoneNumber": "+91-9876543210" },
        "trustSignals": { "valuePropositionOneLiner": "Handcrafted.", "storeRating": 4.8 },
        "policyFramework": {
            "returnPolicy": { "windowDays": 7 },
            "shippingPolicy": { "deliveryTimeline": { "minDays": 3, "maxDays": 5 } },
            "codPolicy": { "enabled": true },
        },
    });
    let path = "/v2/workspace/onboard/shopify";
    let body = api
        .expect(
            "initializeWorkspace",
            201,
            api.keyed(&api.creds, Method::POST, path).json(&shopify),
        )
        .await;
    assert_eq!(body["billing"]["creditBalance"], 100);
    // The same store again: the spec declares no 409 here, so the clash is a 400.
    let again = api
        .expect(
            "initializeWorkspace",
            400,
            api.keyed(&api.creds, Method::POST, path).json(&shopify),
        )
        .await;
    assert!(
        again["message"]
            .as_str()
            .unwrap()
            .contains("already exists"),
        "{again}"
    );
    let mut no_policies = shopify.clone();
    no_policies
        .as_object_mut()
        .unwrap()
        .remove("policyFramework");
    api.expect(
        "initializeWorkspace",
        400,
        api.keyed(&api.creds, Method::POST, path).json(&no_policies),
    )
    .await;

    created["data"]["_id"].as_str().unwrap().to_owned()
}

/// Returns the id of an assistant in the default workspace.
async fn assistants(api: &Api, second_workspace: &str) -> String {
    let create = "/v1/admin/assistant/create";
    let body = api
        .expect(
            "adminCreateAssistant",
            200,
            api.ws(Method::POST, create).json(&assistant("Support")),
        )
        .await;
    let id = body["data"]["assistantId"].as_str().unwrap().to_owned();
    api.expect(
        "adminCreateAssistant",
        200,
        api.ws(Method::POST, create).json(&assistant("Sales")),
    )
    .await;
    api.expect(
        "adminCreateAssistant",
        400,
        api.ws(Method::POST, create)
            .json(&assistant(&"x".repeat(41))),
    )
    .await;
    api.expect(
        "adminCreateAssistant",
        409,
        api.ws(Method::POST, create).json(&assistant("support")),
    )
    .await;

    let got = api
        .expect(
            "adminGetAssistant",
            200,
            api.ws(Method::GET, &format!("/v1/admin/assistant/get/{id}")),
        )
        .await;
    assert_eq!(got["data"]["name"], "Support");
    api.expect(
        "adminGetAssistant",
        404,
        api.ws(
            Method::GET,
            "/v1/admin/assistant/get/6690a1b2c3d4e5f6000000ff",
        ),
    )
    .await;
    let list = api
        .expect(
            "adminListAssistants",
            200,
            api.ws(Method::GET, "/v1/admin/assistant/list"),
        )
        .await;
    assert_eq!(list["data"].as_array().unwrap().len(), 2);

    let update = format!("/v1/admin/assistant/update/{id}");
    api.expect(
        "adminUpdateAssistant",
        200,
        api.ws(Method::PUT, &update)
            .json(&json!({ "name": "Support Desk" })),
    )
    .await;
    api.expect(
        "adminUpdateAssistant",
        409,
        api.ws(Method::PUT, &update)
            .json(&json!({ "name": "Sales" })),
    )
    .await;
    api.expect(
        "adminUpdateAssistant",
        404,
        api.ws(
            Method::PUT,
            "/v1/admin/assistant/update/6690a1b2c3d4e5f6000000ff",
        )
        .json(&json!({ "name": "X" })),
    )
    .await;

    // An assistant in an archived workspace cannot be updated.
    let body = api
        .expect(
            "adminCreateAssistant",
            200,
            api.ws_of(second_workspace, Method::POST, create)
                .json(&assistant("Archived one")),
        )
        .await;
    let archived = body["data"]["assistantId"].as_str().unwrap().to_owned();
    api.expect(
        "archiveOrganizationOrWorkspace",
        200,
        api.keyed(&api.creds, Method::POST, "/v1/admin/organization/archive")
            .json(&json!({ "type": "workspace", "id": second_workspace })),
    )
    .await;
    let body = api
        .expect(
            "adminUpdateAssistant",
            400,
            api.ws_of(
                second_workspace,
                Method::PUT,
                &format!("/v1/admin/assistant/update/{archived}"),
            )
            .json(&json!({ "name": "Renamed" })),
        )
        .await;
    assert_eq!(
        body["message"],
        "Assistant is archived and cannot be updated"
    );
    id
}

async fn telephony(api: &Api) {
    let org = &api.creds.organization_id;
    let found = api
        .expect(
            "searchAvailableNumbers",
            200,
            api.org(
                &api.creds,
                org,
                Method::GET,
                "/v1/number-pool/search?countryCode=IN&limit=2",
            ),
        )
        .await;
    let number = found["data"][0]["number"].as_str().unwrap().to_owned();
    api.expect(
        "searchAvailableNumbers",
        400,
        api.org(
            &api.creds,
            org,
            Method::GET,
            "/v1/number-pool/search?countryCode=IND",
        ),
    )
    .await;

    let purchase =
        |number: &str| json!({ "number": number, "countryCode": "IN", "numberType": "local" });
    let path = "/v1/number-pool/purchase";
    let bought = api
        .expect(
            "purchaseNumber",
            201,
            api.org(&api.creds, org, Method::POST, path)
                .json(&purchase(&number)),
        )
        .await;
    api.expect(
        "purchaseNumber",
        400,
        api.org(&api.creds, org, Method::POST, path)
            .json(&purchase(&number)),
    )
    .await;
    let broke = api.server.control().create_organization(NewOrganization {
        credit_balance: Some(0.0),
        ..NewOrganization::default()
    });
    api.expect(
        "purchaseNumber",
        402,
        api.org(&broke, &broke.organization_id, Method::POST, path)
            .json(&purchase("+918155550150")),
    )
    .await;
    api.expect(
        "purchaseNumber",
        404,
        api.org(&api.creds, "6690a1b2c3d4e5f6000000ff", Method::POST, path)
            .json(&purchase("+918155550151")),
    )
    .await;

    let release = format!(
        "/v1/number-pool/{}",
        bought["data"]["_id"].as_str().unwrap()
    );
    let released = api
        .expect(
            "releaseNumber",
            200,
            api.org(&api.creds, org, Method::DELETE, &release),
        )
        .await;
    assert_eq!(released["data"]["status"], "released");
    api.expect(
        "releaseNumber",
        409,
        api.org(&api.creds, org, Method::DELETE, &release),
    )
    .await;
    api.expect(
        "releaseNumber",
        404,
        api.org(
            &api.creds,
            org,
            Method::DELETE,
            "/v1/number-pool/6690a1b2c3d4e5f6000000ff",
        ),
    )
    .await;
}

async fn tools(api: &Api) {
    let path = "/v1/admin/tool/api";
    let tool = |name: &str| {
        json!({
            "name": name,
            "description": "Look up an order.",
            "url": "https://api.example.com/orders/status",
            "method": "post",
            "headers": [{ "key": "Authorization", "value": "Bearer t" }],
            "parameters": { "required": ["orderId"], "properties": [{ "name": "orderId", "type": "string" }] },
        })
    };
    let created = api
        .expect(
            "createApiTool",
            201,
            api.ws(Method::POST, path).json(&tool("Check Order Status")),
        )
        .await;
    api.expect(
        "createApiTool",
        201,
        api.ws(Method::POST, path).json(&tool("Refund")),
    )
    .await;
    let mut no_url = tool("No URL");
    no_url.as_object_mut().unwrap().remove("url");
    api.expect(
        "createApiTool",
        400,
        api.ws(Method::POST, path).json(&no_url),
    )
    .await;
    api.expect(
        "createApiTool",
        409,
        api.ws(Method::POST, path).json(&tool("check order status")),
    )
    .await;
    let list = api
        .expect("listApiTools", 200, api.ws(Method::GET, path))
        .await;
    assert_eq!(list["data"].as_array().unwrap().len(), 2);

    let one = format!("{path}/{}", created["data"]["_id"].as_str().unwrap());
    let updated = api
        .expect(
            "updateApiTool",
            200,
            api.ws(Method::PUT, &one)
                .json(&json!({ "isActive": false })),
        )
        .await;
    assert_eq!(updated["data"]["isActive"], false);
    api.expect(
        "updateApiTool",
        400,
        api.ws(Method::PUT, &one)
            .json(&json!({ "method": "fetch" })),
    )
    .await;
    api.expect(
        "updateApiTool",
        409,
        api.ws(Method::PUT, &one).json(&json!({ "name": "Refund" })),
    )
    .await;
    let unknown = format!("{path}/6690a1b2c3d4e5f6000000ff");
    api.expect(
        "updateApiTool",
        404,
        api.ws(Method::PUT, &unknown)
            .json(&json!({ "isActive": true })),
    )
    .await;
    api.expect("deleteApiTool", 200, api.ws(Method::DELETE, &one))
        .await;
    api.expect("deleteApiTool", 404, api.ws(Method::DELETE, &one))
        .await;
}

async fn upload(api: &Api, file_name: &str, content: &'static [u8]) -> Value {
    let session = api
        .expect(
            "startKnowledgeBaseUpload",
            201,
            api.ws(Method::POST, "/v1/knowledge-base/upload/start")
                .json(&json!({ "fileName": file_name, "totalChunks": 1, "fileSize": content.len(), "mimeType": "text/plain" })),
        )
        .await;
    let session = session["sessionId"].as_str().unwrap().to_owned();
    let form = reqwest::multipart::Form::new()
        .part(
            "chunk",
            reqwest::multipart::Part::bytes(content).file_name(file_name.to_owned()),
        )
        .text("chunkIndex", "0");
    api.expect(
        "uploadKnowledgeBaseChunk",
        200,
        api.ws(
            Method::POST,
            &format!("/v1/knowledge-base/upload/chunk/{session}"),
        )
        .multipart(form),
    )
    .await;
    let done = api
        .expect(
            "completeKnowledgeBaseUpload",
            200,
            api.ws(
                Method::POST,
                &format!("/v1/knowledge-base/upload/complete/{session}"),
            ),
        )
        .await;
    assert_eq!(done["knowledgeBaseStatus"], "processing");
    api.expect(
        "completeKnowledgeBaseUpload",
        400,
        api.ws(
            Method::POST,
            &format!("/v1/knowledge-base/upload/complete/{session}"),
        ),
    )
    .await;
    done
}

async fn knowledge_base(api: &Api) {
    let done = upload(api, "faq.txt", b"Q: returns? A: 7 days.").await;
    let id = done["knowledgeBaseId"].as_str().unwrap();
    let unused = upload(api, "old.txt", b"old").await;

    api.expect(
        "startKnowledgeBaseUpload",
        400,
        api.ws(Method::POST, "/v1/knowledge-base/upload/start")
            .json(&json!({ "fileName": "huge.pdf", "totalChunks": 20, "fileSize": 104_857_601 })),
    )
    .await;
    let session = api
        .expect(
            "startKnowledgeBaseUpload",
            201,
            api.ws(Method::POST, "/v1/knowledge-base/upload/start")
                .json(&json!({ "fileName": "a.md", "totalChunks": 1, "fileSize": 3 })),
        )
        .await;
    let chunk_path = format!(
        "/v1/knowledge-base/upload/chunk/{}",
        session["sessionId"].as_str().unwrap()
    );
    let negative = reqwest::multipart::Form::new()
        .part(
            "chunk",
            reqwest::multipart::Part::bytes(&b"abc"[..]).file_name("a.md"),
        )
        .text("chunkIndex", "-1");
    api.expect(
        "uploadKnowledgeBaseChunk",
        400,
        api.ws(Method::POST, &chunk_path).multipart(negative),
    )
    .await;
    let missing_file = reqwest::multipart::Form::new().text("chunkIndex", "0");
    api.expect(
        "uploadKnowledgeBaseChunk",
        400,
        api.ws(Method::POST, &chunk_path).multipart(missing_file),
    )
    .await;
    let form = reqwest::multipart::Form::new()
        .part("chunk", reqwest::multipart::Part::bytes(&b"abc"[..]))
        .text("chunkIndex", "0");
    api.expect(
        "uploadKnowledgeBaseChunk",
        404,
        api.ws(Method::POST, "/v1/knowledge-base/upload/chunk/sess_nope")
            .multipart(form),
    )
    .await;
    api.expect(
        "completeKnowledgeBaseUpload",
        404,
        api.ws(Method::POST, "/v1/knowledge-base/upload/complete/sess_nope"),
    )
    .await;

    let file = api
        .expect(
            "getKnowledgeBaseFile",
            200,
            api.ws(Method::GET, &format!("/v1/knowledge-base/files/{id}")),
        )
        .await;
    assert_eq!(file["data"]["status"], "processing");
    api.server.control().advance(30).await;
    let file = api
        .expect(
            "getKnowledgeBaseFile",
            200,
            api.ws(Method::GET, &format!("/v1/knowledge-base/files/{id}")),
        )
        .await;
    assert_eq!(file["data"]["status"], "ready");
    api.expect(
        "getKnowledgeBaseFile",
        404,
        api.ws(
            Method::GET,
            "/v1/knowledge-base/files/6690a1b2c3d4e5f6000000ff",
        ),
    )
    .await;
    let files = api
        .expect(
            "listKnowledgeBaseFiles",
            200,
            api.ws(Method::GET, "/v1/knowledge-base/files"),
        )
        .await;
    assert_eq!(files["data"].as_array().unwrap().len(), 2);

    let collection = file["data"]["collectionName"].as_str().unwrap();
    let mut uses_kb = assistant("Uses the FAQ");
    uses_kb["knowledgeBase"] = json!({ "documents": [{ "url": format!("https://kb.example.com/{collection}.txt"), "title": "FAQ", "type": "txt" }] });
    api.expect(
        "adminCreateAssistant",
        200,
        api.ws(Method::POST, "/v1/admin/assistant/create")
            .json(&uses_kb),
    )
    .await;
    let in_use = format!("/v1/knowledge-base/collection/{collection}");
    api.expect(
        "deleteKnowledgeBaseCollection",
        409,
        api.ws(Method::DELETE, &in_use),
    )
    .await;
    let unused_file = api
        .expect(
            "getKnowledgeBaseFile",
            200,
            api.ws(
                Method::GET,
                &format!(
                    "/v1/knowledge-base/files/{}",
                    unused["knowledgeBaseId"].as_str().unwrap()
                ),
            ),
        )
        .await;
    let free = format!(
        "/v1/knowledge-base/collection/{}",
        unused_file["data"]["collectionName"].as_str().unwrap()
    );
    api.expect(
        "deleteKnowledgeBaseCollection",
        200,
        api.ws(Method::DELETE, &free),
    )
    .await;
    api.expect(
        "deleteKnowledgeBaseCollection",
        404,
        api.ws(Method::DELETE, &free),
    )
    .await;
}

async fn calls(api: &Api, assistant_id: &str) {
    let initiate = |number: &str| json!({ "phoneNumber": number, "assistant": assistant_id, "payload": { "customerName": "Alex" }, "metadata": { "ref": 1 } });
    let body = api
        .expect(
            "initiateCall",
            200,
            api.ws(Method::POST, "/v2/call/initiate")
                .json(&initiate("+14155552671")),
        )
        .await;
    assert_eq!(body["status"], "initiate");
    let queued = body["callId"].as_str().unwrap().to_owned();
    api.expect(
        "initiateCall",
        400,
        api.ws(Method::POST, "/v2/call/initiate")
            .json(&json!({ "phoneNumber": "+14155552671" })),
    )
    .await;
    api.expect(
        "initiateCall",
        404,
        api.ws(Method::POST, "/v2/call/initiate")
            .json(&json!({ "phoneNumber": "+1", "assistant": "6690a1b2c3d4e5f6000000ff" })),
    )
    .await;

    api.expect(
        "initiateWebCall",
        201,
        api.ws(Method::POST, "/v2/call/web")
            .json(&json!({ "assistant": assistant_id })),
    )
    .await;
    api.expect(
        "initiateWebCall",
        400,
        api.ws(Method::POST, "/v2/call/web")
            .json(&json!({ "systemPrompt": "x" })),
    )
    .await;
    api.expect(
        "initiateWebCall",
        404,
        api.ws(Method::POST, "/v2/call/web")
            .json(&json!({ "assistant": "6690a1b2c3d4e5f6000000ff" })),
    )
    .await;

    let put = format!("/v2/call/{queued}");
    api.expect(
        "updateCallPayload",
        200,
        api.ws(Method::PUT, &put)
            .json(&json!({ "payload": { "customerName": "Sam" } })),
    )
    .await;
    api.expect(
        "updateCallPayload",
        401,
        api.bare(Method::PUT, &put).json(&json!({ "payload": {} })),
    )
    .await;
    api.expect(
        "updateCallPayload",
        404,
        api.ws(Method::PUT, "/v2/call/6690a1b2c3d4e5f6000000ff")
            .json(&json!({ "payload": {} })),
    )
    .await;
    api.server.control().advance(10).await;
    let body = api
        .expect(
            "updateCallPayload",
            400,
            api.ws(Method::PUT, &put).json(&json!({ "payload": {} })),
        )
        .await;
    assert_eq!(body["message"], "Call already in progress or completed");

    let body = api
        .expect(
            "abortCall",
            400,
            api.ws(Method::POST, "/v2/call/abort")
                .json(&json!({ "callId": queued })),
        )
        .await;
    assert_eq!(body["message"], "Call already in progress");
    let fresh = api
        .expect(
            "initiateCall",
            200,
            api.ws(Method::POST, "/v2/call/initiate")
                .json(&initiate("+14155550001")),
        )
        .await;
    let fresh = json!({ "callId": fresh["callId"] });
    api.expect(
        "abortCall",
        200,
        api.ws(Method::POST, "/v2/call/abort").json(&fresh),
    )
    .await;
    let body = api
        .expect(
            "abortCall",
            400,
            api.ws(Method::POST, "/v2/call/abort").json(&fresh),
        )
        .await;
    assert_eq!(body["message"], "Call already aborted");
    let body = api
        .expect(
            "abortCall",
            404,
            api.ws(Method::POST, "/v2/call/abort")
                .json(&json!({ "callId": "6690a1b2c3d4e5f6000000ff" })),
        )
        .await;
    assert_eq!(body["message"], "Call not found");

    // Shiprocket NDR events.
    let mut ndr = assistant("NDR follow-up");
    ndr["variant"] = json!({ "type": "ndr_followup", "config": { "ndr_followup": { "webhookToken": "shiprocket-secret" } } });
    ndr["agent"]["systemPrompt"] = json!("");
    let created = api
        .expect(
            "adminCreateAssistant",
            200,
            api.ws(Method::POST, "/v1/admin/assistant/create")
                .json(&ndr),
        )
        .await;
    let ndr_path = format!(
        "/v1/shiprocket/ndr-webhook/{}",
        created["data"]["assistantId"].as_str().unwrap()
    );
    let event = json!({ "awb": "190123456789", "courier_name": "Delhivery", "ndr_reason": "customer_unavailable", "customer_name": "John Doe", "customer_phone": "+919876543210" });
    let body = api
        .expect(
            "shiprocketNdrWebhook",
            200,
            api.bare(Method::POST, &ndr_path)
                .header("x-api-key", "shiprocket-secret")
                .json(&event),
        )
        .await;
    assert_eq!(body["status"], "queued");
    let body = api
        .expect(
            "shiprocketNdrWebhook",
            200,
            api.bare(Method::POST, &ndr_path)
                .header("x-api-key", "shiprocket-secret")
                .json(&json!({ "awb": "1" })),
        )
        .await;
    assert_eq!(body["status"], "skipped");
    api.expect(
        "shiprocketNdrWebhook",
        401,
        api.bare(Method::POST, &ndr_path).json(&event),
    )
    .await;
    api.expect(
        "shiprocketNdrWebhook",
        400,
        api.bare(
            Method::POST,
            &format!("/v1/shiprocket/ndr-webhook/{assistant_id}"),
        )
        .json(&event),
    )
    .await;
    api.expect(
        "shiprocketNdrWebhook",
        404,
        api.bare(
            Method::POST,
            "/v1/shiprocket/ndr-webhook/6690a1b2c3d4e5f6000000ff",
        )
        .json(&event),
    )
    .await;

    // The call-events webhook accepts signed events.
    let event = json!({ "metadata": {}, "event": { "type": "call.completed", "data": { "call": { "id": queued, "status": "completed" } } } });
    let raw = serde_json::to_vec(&event).unwrap();
    api.expect(
        "callEventsWebhook",
        200,
        api.bare(Method::POST, "/v2/webhooks/call-events")
            .header("content-type", "application/json")
            .header("x-public-key", &api.creds.public_key)
            .header(
                "x-signature",
                webhook_signature(&api.creds.private_key, &raw),
            )
            .body(raw),
    )
    .await;
    api.expect(
        "callEventsWebhook",
        400,
        api.keyed(&api.creds, Method::POST, "/v2/webhooks/call-events")
            .json(&json!({ "event": { "type": "call.exploded", "data": {} } })),
    )
    .await;
    assert_eq!(api.server.control().received_events().len(), 1);
}

async fn organization(api: &Api, second_workspace: &str) {
    let archive = "/v1/admin/organization/archive";
    let unarchive = "/v1/admin/organization/unarchive";
    api.expect(
        "archiveOrganizationOrWorkspace",
        400,
        api.keyed(&api.creds, Method::POST, archive)
            .json(&json!({ "type": "team", "id": second_workspace })),
    )
    .await;
    api.expect(
        "archiveOrganizationOrWorkspace",
        401,
        api.bare(Method::POST, archive)
            .json(&json!({ "type": "workspace", "id": second_workspace })),
    )
    .await;
    let member = api.server.control().create_organization(NewOrganization {
        role: Some(Role::Member),
        ..NewOrganization::default()
    });
    api.expect(
        "archiveOrganizationOrWorkspace",
        403,
        api.keyed(&member, Method::POST, archive)
            .json(&json!({ "type": "workspace", "id": member.workspace_id })),
    )
    .await;

    let other = api
        .server
        .control()
        .create_organization(NewOrganization::default());
    let org_body = json!({ "type": "organization", "id": other.organization_id });
    api.expect(
        "archiveOrganizationOrWorkspace",
        200,
        api.keyed(&other, Method::POST, archive).json(&org_body),
    )
    .await;
    let body = api
        .expect(
            "unarchiveOrganizationOrWorkspace",
            400,
            api.keyed(&other, Method::POST, unarchive)
                .json(&json!({ "type": "workspace", "id": other.workspace_id })),
        )
        .await;
    assert_eq!(
        body["message"],
        "Cannot unarchive workspace. Parent Organization is archived."
    );
    let body = api
        .expect(
            "unarchiveOrganizationOrWorkspace",
            200,
            api.keyed(&other, Method::POST, unarchive).json(&org_body),
        )
        .await;
    assert_eq!(body["data"], Value::Null);
    let body = api
        .expect(
            "unarchiveOrganizationOrWorkspace",
            200,
            api.keyed(&api.creds, Method::POST, unarchive)
                .json(&json!({ "type": "workspace", "id": second_workspace })),
        )
        .await;
    assert_eq!(body["data"]["_id"], second_workspace);
    api.expect(
        "unarchiveOrganizationOrWorkspace",
        401,
        api.bare(Method::POST, unarchive).json(&org_body),
    )
    .await;
    api.expect(
        "unarchiveOrganizationOrWorkspace",
        403,
        api.keyed(&member, Method::POST, unarchive).json(&org_body),
    )
    .await;
}

async fn catalogues(api: &Api) {
    let voices = api
        .expect(
            "getVoiceGallery",
            200,
            api.keyed(&api.creds, Method::GET, "/v1/admin/voice-gallery"),
        )
        .await;
    assert!(!voices["data"].as_array().unwrap().is_empty());
    api.expect(
        "getVoiceGallery",
        401,
        api.bare(Method::GET, "/v1/admin/voice-gallery"),
    )
    .await;

    let calls = api
        .expect(
            "listShowcaseCalls",
            200,
            api.bare(Method::GET, "/v1/showcase/calls"),
        )
        .await;
    let first = calls["data"]["calls"][0]["_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let filtered = api
        .expect(
            "listShowcaseCalls",
            200,
            api.bare(Method::GET, "/v1/showcase/calls?lang=bn&category=all"),
        )
        .await;
    assert_eq!(filtered["data"]["total"], 1);
    api.expect(
        "getShowcaseCall",
        200,
        api.bare(Method::GET, &format!("/v1/showcase/calls/{first}")),
    )
    .await;
    api.expect(
        "getShowcaseCall",
        404,
        api.bare(Method::GET, "/v1/showcase/calls/6690a1b2c3d4e5f6000000ff"),
    )
    .await;

    let flows = api
        .expect(
            "listShowcaseFlows",
            200,
            api.bare(Method::GET, "/v1/showcase/flows"),
        )
        .await;
    let first = flows["data"]["flows"][0]["_id"]
        .as_str()
        .unwrap()
        .to_owned();
    api.expect(
        "getShowcaseFlow",
        200,
        api.bare(Method::GET, &format!("/v1/showcase/flows/{first}")),
    )
    .await;
    api.expect(
        "getShowcaseFlow",
        404,
        api.bare(Method::GET, "/v1/showcase/flows/6690a1b2c3d4e5f6000000ff"),
    )
    .await;
}

#[tokio::test]
async fn every_operation_matches_its_declared_schemas() {
    let api = Api::new().await;
    setting(&api).await;
    let second_workspace = onboarding(&api).await;
    let assistant_id = assistants(&api, &second_workspace).await;
    telephony(&api).await;
    tools(&api).await;
    knowledge_base(&api).await;
    calls(&api, &assistant_id).await;
    organization(&api, &second_workspace).await;
    catalogues(&api).await;
    api.assert_everything_covered();
}

#[test]
fn the_validator_rejects_bodies_that_break_the_schemas() {
    let check = |operation: &str, status: u16, body: Value| {
        let schema = spec::response_schema(operation, status).unwrap();
        spec::validate(&schema, &body).is_err()
    };
    assert!(check(
        "adminGetAssistant",
        200,
        json!({ "data": { "variant": { "type": "bogus" } } })
    ));
    assert!(check(
        "purchaseNumber",
        201,
        json!({ "data": { "status": "gone" } })
    ));
    assert!(check(
        "getShowcaseCall",
        200,
        json!({ "success": true, "data": { "language": "en" } })
    ));
    assert!(check(
        "getKnowledgeBaseFile",
        200,
        json!({ "data": { "processingPercentage": 101 } })
    ));
    assert!(check(
        "listApiTools",
        200,
        json!({ "data": [{ "deletedAt": "yesterday" }] })
    ));
    assert!(check("initiateWebCall", 201, json!({ "success": "yes" })));
    assert!(!check(
        "initiateWebCall",
        201,
        json!({ "success": true, "token": "t", "error": null })
    ));
}
