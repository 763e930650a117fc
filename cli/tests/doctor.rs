//! `mirai doctor` names the wrong value: one test per credential, against the emulator.

mod support;

use mirai_voice_mock::{MockServer, NewOrganization, Role};
use support::{mirai, output, texts};

/// Runs `mirai doctor` with the variables in `env` over the default organization's, and returns the exit
/// code, stdout and stderr.
async fn doctor(server: &MockServer, env: &[(&str, &str)]) -> (Option<i32>, String, String) {
    let credentials = server.credentials();
    let mut command = mirai(server, &credentials);
    command
        .env("MIRAI_ORGANIZATION", &credentials.organization_id)
        .arg("doctor");
    for (name, value) in env {
        command.env(name, value);
    }
    let out = output(command).await;
    let (stdout, stderr) = texts(&out);
    let secret = credentials.private_key.as_str();
    assert!(
        !stdout.contains(secret) && !stderr.contains(secret),
        "the private key is never printed"
    );
    (out.status.code(), stdout, stderr)
}

/// The line of `check` in the report.
fn line<'a>(stdout: &'a str, check: &str) -> &'a str {
    stdout
        .lines()
        .find(|line| line[5..].starts_with(check))
        .unwrap_or_else(|| panic!("no `{check}` line in:\n{stdout}"))
}

fn failing(stdout: &str) -> Vec<&str> {
    stdout
        .lines()
        .filter(|line| line.starts_with("FAIL"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn everything_right_passes() {
    let server = MockServer::start().await;
    let (code, stdout, stderr) = doctor(&server, &[]).await;
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    for check in [
        "reachability",
        "public key",
        "private key",
        "key pair",
        "workspace",
        "organization",
        "role",
    ] {
        assert!(line(&stdout, check).starts_with("ok"), "{stdout}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_a_wrong_public_key() {
    let server = MockServer::start().await;
    let (code, stdout, _) = doctor(
        &server,
        &[("MIRAI_PUBLIC_KEY", "pk_ffffffffffffffffffffffffffffffff")],
    )
    .await;
    assert_eq!(code, Some(1));
    assert_eq!(failing(&stdout), [line(&stdout, "public key")], "{stdout}");
    assert!(line(&stdout, "private key").starts_with("ok"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_a_wrong_private_key() {
    let server = MockServer::start().await;
    let wrong = format!("sk_{}", "f".repeat(64));
    let (code, stdout, stderr) = doctor(&server, &[("MIRAI_PRIVATE_KEY", &wrong)]).await;
    assert_eq!(code, Some(1));
    assert_eq!(failing(&stdout), [line(&stdout, "private key")], "{stdout}");
    assert!(
        !stdout.contains(&wrong) && !stderr.contains(&wrong),
        "the key is never printed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_keys_of_two_organizations() {
    let server = MockServer::start().await;
    let other = server
        .control()
        .create_organization(NewOrganization::default());
    let (code, stdout, _) = doctor(&server, &[("MIRAI_PRIVATE_KEY", &other.private_key)]).await;
    assert_eq!(code, Some(1));
    assert_eq!(failing(&stdout), [line(&stdout, "key pair")], "{stdout}");
    assert!(line(&stdout, "key pair").contains("different organizations"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_a_wrong_workspace() {
    let server = MockServer::start().await;
    let other = server
        .control()
        .create_organization(NewOrganization::default());
    for (workspace, why) in [
        ("6690a1b2c3d4e5f6000000ff", "does not exist"),
        (other.workspace_id.as_str(), "another organization"),
    ] {
        let (code, stdout, _) = doctor(&server, &[("MIRAI_WORKSPACE", workspace)]).await;
        assert_eq!(code, Some(1));
        assert_eq!(failing(&stdout), [line(&stdout, "workspace")], "{stdout}");
        assert!(line(&stdout, "workspace").contains(why), "{stdout}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_a_wrong_organization() {
    let server = MockServer::start().await;
    let other = server
        .control()
        .create_organization(NewOrganization::default());
    for (organization, why) in [
        ("6690a1b2c3d4e5f6000000ff", "does not exist"),
        (other.organization_id.as_str(), "another organization"),
    ] {
        let (code, stdout, _) = doctor(&server, &[("MIRAI_ORGANIZATION", organization)]).await;
        assert_eq!(code, Some(1));
        assert_eq!(
            failing(&stdout),
            [line(&stdout, "organization")],
            "{stdout}"
        );
        assert!(line(&stdout, "organization").contains(why), "{stdout}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_a_missing_role() {
    let server = MockServer::start().await;
    let member = server.control().create_organization(NewOrganization {
        role: Some(Role::Member),
        ..NewOrganization::default()
    });
    let (code, stdout, _) = doctor(
        &server,
        &[
            ("MIRAI_PUBLIC_KEY", &member.public_key),
            ("MIRAI_PRIVATE_KEY", &member.private_key),
            ("MIRAI_WORKSPACE", &member.workspace_id),
            ("MIRAI_ORGANIZATION", &member.organization_id),
        ],
    )
    .await;
    assert_eq!(code, Some(1));
    assert_eq!(failing(&stdout), [line(&stdout, "role")], "{stdout}");
    assert!(
        server
            .control()
            .requests()
            .iter()
            .all(|r| r.status != Some(200)
                || r.operation_id.as_deref() != Some("archiveOrganizationOrWorkspace")),
        "nothing was archived"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_api_exits_3() {
    let server = MockServer::start().await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", closed.local_addr().expect("addr"));
    drop(closed);
    let (code, stdout, _) = doctor(&server, &[("MIRAI_BASE_URL", &url)]).await;
    assert_eq!(code, Some(3));
    assert!(
        line(&stdout, "reachability").starts_with("FAIL"),
        "{stdout}"
    );
}
