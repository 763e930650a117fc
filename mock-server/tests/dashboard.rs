//! The dashboard in a real headless Chromium, driven over WebDriver by chromedriver: a call
//! placed after the page loaded shows up with its states and deliveries without a reload.
//!
//! Needs `chromium` and `chromedriver` (Debian packages `chromium` and `chromium-driver`,
//! installed by `cargo xtask test`); `CHROMIUM` and `CHROMEDRIVER` override their paths.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use mirai_voice_mock::{
    ClockMode, DEFAULT_PRIVATE_KEY, DEFAULT_PUBLIC_KEY, DEFAULT_WORKSPACE_ID, MockServer,
};
use serde_json::{Value, json};

/// Chromium flags that work in containers and CI, without network beyond loopback.
const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--no-proxy-server",
    "--window-size=1400,900",
];

struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn program(env: &str, default: &str) -> PathBuf {
    std::env::var_os(env).map_or_else(|| PathBuf::from(default), PathBuf::from)
}

/// A browser opened through a chromedriver this test started.
struct Browser {
    http: reqwest::Client,
    /// The WebDriver URL of the opened browser.
    browser: String,
    _driver: KillOnDrop,
    _profile: tempfile::TempDir,
}

impl Browser {
    async fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let chromedriver = program("CHROMEDRIVER", "chromedriver");
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot run {}: {e} (install the Debian package chromium-driver, or run cargo xtask test)",
                    chromedriver.display()
                )
            });
        let driver = KillOnDrop(driver);
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let ready = match http.get(format!("{base}/status")).send().await {
                Ok(response) => response
                    .json::<Value>()
                    .await
                    .is_ok_and(|status| status["value"]["ready"] == true),
                Err(_) => false,
            };
            if ready {
                break;
            }
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = tempfile::tempdir().unwrap();
        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|f| (*f).to_owned()).collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        let created: Value = http
            .post(format!("{base}/session"))
            .json(
                &json!({ "capabilities": { "alwaysMatch": { "goog:chromeOptions": {
                    "binary": program("CHROMIUM", "/usr/bin/chromium"),
                    "args": args,
                }}}}),
            )
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = created["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("chromedriver opened no browser: {created}"))
            .to_owned();
        Self {
            http,
            browser: format!("{base}/session/{id}"),
            _driver: driver,
            _profile: profile,
        }
    }

    async fn command(&self, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.browser);
        let request = match body {
            Some(body) => self.http.post(url).json(&body),
            None => self.http.get(url),
        };
        let answer: Value = request.send().await.unwrap().json().await.unwrap();
        assert!(
            answer["value"].get("error").is_none(),
            "WebDriver {path}: {answer}"
        );
        answer["value"].clone()
    }

    async fn open(&self, url: &str) {
        self.command("/url", Some(json!({ "url": url }))).await;
    }

    /// Runs `script` in the page and returns its result.
    async fn eval(&self, script: &str, args: Value) -> Value {
        self.command(
            "/execute/sync",
            Some(json!({ "script": script, "args": args })),
        )
        .await
    }

    /// Polls `script` until `done` accepts its result, for at most `limit`.
    async fn wait_for(
        &self,
        what: &str,
        script: &str,
        args: Value,
        limit: Duration,
        done: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = Instant::now() + limit;
        loop {
            let value = self.eval(script, args.clone()).await;
            if done(&value) {
                return value;
            }
            assert!(Instant::now() < deadline, "{what}; last seen: {value}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    async fn screenshot(&self) -> Vec<u8> {
        let encoded = self.command("/screenshot", None).await;
        base64::engine::general_purpose::STANDARD
            .decode(encoded.as_str().unwrap())
            .unwrap()
    }

    async fn close(self) {
        let _ = self.http.delete(&self.browser).send().await;
    }
}

async fn api(server: &MockServer, path: &str, body: Value) -> Value {
    let response = reqwest::Client::new()
        .post(format!("{}{path}", server.base_url()))
        .header("x-public-key", DEFAULT_PUBLIC_KEY)
        .header("x-private-key", DEFAULT_PRIVATE_KEY)
        .header("workspace", DEFAULT_WORKSPACE_ID)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    response.json().await.unwrap()
}

const CALL_TEXT: &str = "const card = document.querySelector(`[data-call-id=\"${arguments[0]}\"]`);\
                         return card ? card.innerText : '';";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_shows_a_call_placed_after_it_loaded_with_its_states_and_deliveries() {
    let server = MockServer::builder()
        .clock(ClockMode::Realtime { speed: 40.0 })
        .start()
        .await
        .unwrap();
    let assistant = api(
        &server,
        "/v1/admin/assistant/create",
        json!({
            "name": "Support",
            "variant": { "type": "custom" },
            "agent": { "identity": { "name": "Priya" }, "systemPrompt": "Be helpful." },
        }),
    )
    .await["data"]["assistantId"]
        .as_str()
        .unwrap()
        .to_owned();

    let browser = Browser::start().await;
    browser
        .open(&format!("{}/__dashboard", server.base_url()))
        .await;
    let organizations = browser
        .wait_for(
            "the page loads its first view",
            "return document.body.dataset.refreshed ? document.getElementById('organizations').innerText : '';",
            json!([]),
            Duration::from_secs(20),
            |text| text.as_str().is_some_and(|t| !t.is_empty()),
        )
        .await;
    let organizations = organizations.as_str().unwrap();
    assert!(
        organizations.contains("Mock Organization"),
        "{organizations}"
    );
    assert!(
        organizations.contains("Default Workspace"),
        "{organizations}"
    );
    assert!(organizations.contains("1 assistant(s)"), "{organizations}");

    // Placed only now: the page must pick it up by itself.
    let placed = |phone: &'static str| {
        let assistant = assistant.clone();
        let server = &server;
        async move {
            api(
                server,
                "/v2/call/initiate",
                json!({
                    "phoneNumber": phone,
                    "assistant": assistant,
                    "callbackUrl": format!("{}/v2/webhooks/call-events", server.base_url()),
                    "metadata": { "orderId": "A-1001" },
                }),
            )
            .await["callId"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let answered = placed("+14155550123").await;
    let unanswered = placed("+14155550001").await;
    let card = browser
        .wait_for(
            "the answered call reaches the end of its lifecycle on the page",
            CALL_TEXT,
            json!([answered]),
            Duration::from_secs(30),
            |text| {
                text.as_str()
                    .is_some_and(|t| t.contains("call.lifecycle-ended"))
            },
        )
        .await;
    let card = card.as_str().unwrap().to_owned();
    for state in [
        "call.initiate",
        "call.in-progress",
        "call.ended",
        "call.completed",
        "end-of-call",
    ] {
        assert!(
            card.contains(state),
            "{state} missing from the timeline: {card}"
        );
    }
    assert!(card.contains("delivered"), "{card}");
    assert!(
        card.contains("Event received"),
        "the receiver's answer is shown: {card}"
    );
    let card = browser
        .wait_for(
            "the unanswered call shows its missed attempt",
            CALL_TEXT,
            json!([unanswered]),
            Duration::from_secs(15),
            |text| text.as_str().is_some_and(|t| t.contains("call.no-answer")),
        )
        .await;
    assert!(card.as_str().unwrap().contains("+14155550001"));

    let png = browser.screenshot().await;
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG screenshot");
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("dashboard.png");
    std::fs::write(&path, &png).unwrap();
    println!("screenshot: {}", path.display());
    browser.close().await;
}
