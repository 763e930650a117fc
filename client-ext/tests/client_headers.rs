//! Through `mirai_voice::Client`, every operation sends exactly the headers the operation table records; a
//! missing workspace or organization fails before sending; derived clients change one header and share the
//! connection pool and the retry budget.

mod client_support;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use client_support::*;
use mirai_voice::Error;
use mirai_voice::api::{InitiateCall, NumberSearch};
use mirai_voice::config::ConfigError;
use mirai_voice::error::ValidationError;
use mirai_voice::retry::RetryConfig;
use mirai_voice_generated::operations::OPERATIONS;
use mirai_voice_generated::{CredentialRole, OperationSpec};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

async fn server_answering_everything() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(EveryOperation)
        .mount(&server)
        .await;
    server
}

fn header<'r>(request: &'r Request, name: &str) -> Option<&'r str> {
    request.headers.get(name).map(|v| v.to_str().unwrap())
}

/// The operations the SDK can send: all but the inbound webhook.
fn sendable_operations() -> BTreeSet<&'static str> {
    OPERATIONS
        .iter()
        .filter(|op| op.operation_id != "callEventsWebhook")
        .map(|op| op.operation_id)
        .collect()
}

#[tokio::test]
async fn every_operation_sends_exactly_the_headers_it_needs() {
    let server = server_answering_everything().await;
    let client = full_client(&server.uri());
    for (label, result) in call_every_operation(&client).await {
        assert!(result.is_ok(), "{label}: {:?}", result.err());
    }
    let requests = server.received_requests().await.unwrap();
    let sent: Vec<&OperationSpec> = requests.iter().map(operation_of).collect();
    let distinct: BTreeSet<_> = sent.iter().map(|op| op.operation_id).collect();
    assert_eq!(
        distinct,
        sendable_operations(),
        "every operation is reachable"
    );
    assert_eq!(sent.len(), distinct.len(), "each operation was sent once");
    assert_eq!(
        sent.len(),
        32,
        "31 generated operations and the chunk upload"
    );

    for (request, spec) in requests.iter().zip(&sent) {
        let id = spec.operation_id;
        let checks = [
            ("x-public-key", CredentialRole::PublicKey, PUBLIC_KEY),
            ("x-private-key", CredentialRole::PrivateKey, PRIVATE_KEY),
            ("workspace", CredentialRole::Workspace, WORKSPACE),
            ("organization", CredentialRole::Organization, ORGANIZATION),
        ];
        for (name, role, value) in checks {
            if spec.needs(role) {
                assert_eq!(header(request, name), Some(value), "{id} must send {name}");
            } else {
                assert_eq!(header(request, name), None, "{id} must not send {name}");
            }
        }
        assert_eq!(header(request, "x-api-key"), None, "{id}");
    }
    // Spot checks of the table's intent.
    let needs = |id: &str, role| OperationSpec::find(id).unwrap().needs(role);
    assert!(needs("uploadKnowledgeBaseChunk", CredentialRole::Workspace));
    assert!(needs("purchaseNumber", CredentialRole::Organization));
    assert!(!needs("listShowcaseCalls", CredentialRole::PublicKey));
}

#[tokio::test]
async fn a_missing_workspace_fails_before_sending() {
    let server = server_answering_everything().await;
    let client = builder(&server.uri())
        .organization(ORGANIZATION)
        .build()
        .unwrap();
    let results = call_every_operation(&client).await;
    let mut refused = 0;
    for (label, result) in &results {
        match result {
            Ok(()) => {}
            Err(Error::Validation(ValidationError::MissingWorkspace { operation_id })) => {
                assert!(
                    OperationSpec::find(operation_id)
                        .unwrap()
                        .needs(CredentialRole::Workspace),
                    "{label}"
                );
                refused += 1;
            }
            Err(other) => panic!("{label}: {other:?}"),
        }
    }
    assert_eq!(
        refused, 16,
        "assistants 4, tools 4, knowledge base 4, calls 4"
    );
    let requests = server.received_requests().await.unwrap();
    let sent: BTreeSet<_> = requests
        .iter()
        .map(|r| operation_of(r).operation_id)
        .collect();
    let without_workspace: BTreeSet<_> = sendable_operations()
        .into_iter()
        .filter(|id| {
            !OperationSpec::find(id)
                .unwrap()
                .needs(CredentialRole::Workspace)
        })
        .collect();
    assert_eq!(sent, without_workspace, "nothing workspace-scoped was sent");

    let error = client
        .calls()
        .initiate(InitiateCall::new("+15550100".parse().unwrap(), OBJECT_ID))
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "initiateCall needs a workspace: set MIRAI_WORKSPACE, call ClientBuilder::workspace, or use a client from with_workspace(..)"
    );
}

#[tokio::test]
async fn a_missing_organization_fails_before_sending() {
    let server = server_answering_everything().await;
    let client = builder(&server.uri()).workspace(WORKSPACE).build().unwrap();
    let results = call_every_operation(&client).await;
    let refused: Vec<_> = results
        .iter()
        .filter_map(|(label, result)| match result {
            Ok(()) => None,
            Err(Error::Validation(ValidationError::MissingOrganization { operation_id })) => {
                Some((*label, *operation_id))
            }
            Err(other) => panic!("{label}: {other:?}"),
        })
        .collect();
    assert_eq!(
        refused,
        [
            ("numbers.search", "searchAvailableNumbers"),
            ("numbers.purchase", "purchaseNumber"),
            ("numbers.release", "releaseNumber")
        ]
    );
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 32 - 3);
    assert!(
        requests
            .iter()
            .all(|r| !operation_of(r).needs(CredentialRole::Organization))
    );
}

#[tokio::test]
async fn with_workspace_changes_only_the_workspace_header() {
    let server = server_answering_everything().await;
    let client = full_client(&server.uri());
    let other = client.with_workspace(OTHER_WORKSPACE).unwrap();
    assert_eq!(other.workspace(), Some(OTHER_WORKSPACE));
    assert_eq!(client.workspace(), Some(WORKSPACE));

    other.tools().list().await.unwrap();
    client.tools().list().await.unwrap();
    other
        .numbers()
        .search(NumberSearch::new("IN"))
        .await
        .unwrap();
    let requests = server.received_requests().await.unwrap();
    let expect = |request: &Request, workspace: Option<&str>, organization: Option<&str>| {
        assert_eq!(header(request, "x-public-key"), Some(PUBLIC_KEY));
        assert_eq!(header(request, "x-private-key"), Some(PRIVATE_KEY));
        assert_eq!(header(request, "workspace"), workspace);
        assert_eq!(header(request, "organization"), organization);
    };
    expect(&requests[0], Some(OTHER_WORKSPACE), None);
    expect(&requests[1], Some(WORKSPACE), None);
    expect(&requests[2], None, Some(ORGANIZATION));

    let other_org = client
        .with_organization("6650f0c2a1b2c3d4e5f6aaaa")
        .unwrap();
    other_org
        .numbers()
        .search(NumberSearch::new("IN"))
        .await
        .unwrap();
    other_org.tools().list().await.unwrap();
    let requests = server.received_requests().await.unwrap();
    expect(&requests[3], None, Some("6650f0c2a1b2c3d4e5f6aaaa"));
    expect(&requests[4], Some(WORKSPACE), None);

    let error = client.with_workspace("bad\nvalue").unwrap_err();
    assert!(
        matches!(
            error,
            Error::Config(ConfigError::InvalidSetting {
                setting: "workspace",
                ..
            })
        ),
        "{error:?}"
    );
}

/// A loopback HTTP/1.1 server that counts the connections it accepts and answers every request with an empty
/// list.
async fn connection_counting_server() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut pending = Vec::new();
                let mut buf = [0u8; 4096];
                loop {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => pending.extend_from_slice(&buf[..n]),
                    }
                    // The requests are GETs without a body: a blank line ends each one.
                    while let Some(end) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
                        pending.drain(..end + 4);
                        let body = br#"{"message":"ok","data":[]}"#;
                        let head = format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                            body.len()
                        );
                        if socket.write_all(head.as_bytes()).await.is_err()
                            || socket.write_all(body).await.is_err()
                        {
                            return;
                        }
                    }
                }
            });
        }
    });
    (format!("http://{address}"), accepted)
}

#[tokio::test]
async fn derived_clients_share_one_connection_pool() {
    let (url, accepted) = connection_counting_server().await;
    let client = full_client(&url);
    let other = client.with_workspace(OTHER_WORKSPACE).unwrap();
    let clone = other.clone();
    client.tools().list().await.unwrap();
    other.tools().list().await.unwrap();
    clone.knowledge_base().list().await.unwrap();
    client.tools().list().await.unwrap();
    assert_eq!(accepted.load(Ordering::SeqCst), 1, "one pooled connection");

    // A client built separately has its own pool: the count can move.
    full_client(&url).tools().list().await.unwrap();
    assert_eq!(accepted.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn derived_clients_share_one_retry_budget() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let retry = RetryConfig::default()
        .with_max_retries(1)
        .with_initial_backoff(Duration::from_millis(5));
    let client = builder(&server.uri())
        .workspace(WORKSPACE)
        .retry(retry.clone())
        .build()
        .unwrap();
    let other = client.with_workspace(OTHER_WORKSPACE).unwrap();
    assert_eq!(client.executor().budget_available(), Some(500));

    let error = other.tools().list().await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
    assert_eq!(other.executor().budget_available(), Some(495));
    assert_eq!(
        client.executor().budget_available(),
        Some(495),
        "the retry drew on the shared budget"
    );
    let separate = builder(&server.uri()).retry(retry).build().unwrap();
    assert_eq!(separate.executor().budget_available(), Some(500));
}
