//! Cost of the request path: `mirai_voice::Client` against a hand-written `reqwest` + `serde_json` call to the same
//! loopback server, decoding into the same generated types.
//!
//! Two parts:
//! 1. interleaved rounds measuring the client's CPU time per request (the client and its connections run on one
//!    current-thread runtime, read with that thread's CPU clock) and wall time; the medians and ratios go to
//!    `target/bench-results/request_path.md`, which `cargo xtask bench` copies into `BENCHMARKS.md`;
//! 2. criterion wall-time benchmarks of the same calls, for criterion's usual reports.
//!
//! The server runs on its own thread and runtime, so its CPU is not counted. `REQUEST_PATH_ROUNDS` (default 41)
//! sets the number of interleaved rounds.

#[path = "support/bench_results.rs"]
mod bench_results;
#[path = "support/bench_server.rs"]
mod bench_server;

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::Criterion;
use futures::StreamExt;
use mirai_voice::api::InitiateCall;
use mirai_voice::generated::prelude::*;
use mirai_voice::generated::{ClientContext, ClientInfo, Credentials};
use mirai_voice::retry::RetryConfig;
use mirai_voice::{Client, PhoneNumber, types};
use reqwest::header::{ACCEPT, HeaderValue};
use serde::de::DeserializeOwned;

use bench_server::{ASSISTANT_ID, PRIVATE_KEY, PUBLIC_KEY, WORKSPACE};

/// Requests in flight in the concurrent workload.
const IN_FLIGHT: usize = 64;
/// The SDK's defaults, given to the raw side "with timeouts".
const CONNECT_TIMEOUT: Duration = mirai_voice::config::DEFAULT_CONNECT_TIMEOUT;
const ATTEMPT_TIMEOUT: Duration = mirai_voice::executor::DEFAULT_ATTEMPT_TIMEOUT;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Side {
    /// `reqwest::Client` with the SDK's headers and user agent, no timeouts.
    Raw,
    /// The same, with the SDK's connect timeout and per-request timeout.
    RawTimeouts,
    /// The generated (progenitor) client alone: its builders, its hooks attaching the credentials, each request
    /// sent once by `SendOnce` on the *raw + timeouts* side's `reqwest::Client`; no executor. Between *raw +
    /// timeouts* and the SDK, so that each step of the chain adds one layer: the limits, progenitor's client, the
    /// SDK's own layers.
    Generated,
    /// `mirai_voice::Client` with retries disabled: no copy of the request is kept for a retry.
    SdkNoRetries,
    /// `mirai_voice::Client` as users call it.
    Sdk,
}

impl Side {
    const ALL: [Side; 5] = [
        Side::Raw,
        Side::RawTimeouts,
        Side::Generated,
        Side::SdkNoRetries,
        Side::Sdk,
    ];

    fn name(self) -> &'static str {
        match self {
            Side::Raw => "raw",
            Side::RawTimeouts => "raw + timeouts",
            Side::Generated => "generated client",
            Side::SdkNoRetries => "SDK, retries off",
            Side::Sdk => "SDK",
        }
    }

    /// The name `REQUEST_PATH_PROFILE` takes.
    fn id(self) -> &'static str {
        match self {
            Side::Raw => "raw",
            Side::RawTimeouts => "raw-timeouts",
            Side::Generated => "generated",
            Side::SdkNoRetries => "sdk-no-retries",
            Side::Sdk => "sdk",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Workload {
    Health,
    Assistant,
    Initiate,
    Initiate64,
}

impl Workload {
    const ALL: [Workload; 4] = [
        Workload::Health,
        Workload::Assistant,
        Workload::Initiate,
        Workload::Initiate64,
    ];

    fn name(self) -> &'static str {
        match self {
            Workload::Health => "small GET (`/health`)",
            Workload::Assistant => "5 KiB GET (`adminGetAssistant`)",
            Workload::Initiate => "`initiateCall`",
            Workload::Initiate64 => "`initiateCall`, 64 in flight",
        }
    }

    fn id(self) -> &'static str {
        match self {
            Workload::Health => "health",
            Workload::Assistant => "admin_get_assistant_5KiB",
            Workload::Initiate => "initiate_call",
            Workload::Initiate64 => "initiate_call_64_in_flight",
        }
    }

    /// Requests per measured round.
    fn requests(self) -> usize {
        match self {
            Workload::Assistant => 1_000,
            Workload::Initiate64 => 4_096,
            _ => 2_000,
        }
    }
}

/// The clients under test, all pointed at the same server.
struct Clients {
    base: String,
    sdk: Client,
    sdk_no_retries: Client,
    generated: mirai_voice::generated::Client,
    raw: reqwest::Client,
    raw_timeouts: reqwest::Client,
    phone: PhoneNumber,
}

impl Clients {
    fn new(base: String) -> Self {
        let sdk_with = |retry: RetryConfig| {
            Client::builder()
                .public_key(PUBLIC_KEY)
                .private_key(PRIVATE_KEY)
                .workspace(WORKSPACE)
                .base_url(base.clone())
                .retry(retry)
                .build()
                .expect("a valid configuration")
        };
        let sdk = sdk_with(RetryConfig::default());
        let sdk_no_retries = sdk_with(RetryConfig::disabled());
        let user_agent = mirai_voice::config::DEFAULT_USER_AGENT;
        let raw = reqwest::Client::builder()
            .user_agent(user_agent)
            .build()
            .expect("a reqwest client");
        // The SDK's limits, set the way a hand-written client would set them (and the SDK's own client does).
        let raw_timeouts = reqwest::Client::builder()
            .user_agent(user_agent)
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(ATTEMPT_TIMEOUT)
            .build()
            .expect("a reqwest client");
        let credentials = Credentials::new(PUBLIC_KEY, PRIVATE_KEY)
            .and_then(|c| c.with_workspace(WORKSPACE))
            .expect("valid credentials");
        let generated = mirai_voice::generated::Client::new_with_client(
            &base,
            raw_timeouts.clone(),
            ClientContext::with_credentials(credentials),
        );
        Self {
            base,
            sdk,
            sdk_no_retries,
            generated,
            raw,
            raw_timeouts,
            phone: "+15550100".parse().expect("a valid number"),
        }
    }

    /// One request of `workload` through `side`; panics on any failure, so a broken side cannot look fast.
    async fn one(&self, side: Side, workload: Workload) {
        match side {
            Side::Sdk => self.sdk_one(&self.sdk, workload).await,
            Side::SdkNoRetries => self.sdk_one(&self.sdk_no_retries, workload).await,
            Side::Generated => self.generated_one(workload).await,
            Side::Raw => self.raw_one(&self.raw, workload).await,
            Side::RawTimeouts => self.raw_one(&self.raw_timeouts, workload).await,
        }
    }

    async fn sdk_one(&self, sdk: &Client, workload: Workload) {
        match workload {
            Workload::Health => {
                black_box(sdk.health().await.expect("health"));
            }
            Workload::Assistant => {
                black_box(
                    sdk.assistants()
                        .get(ASSISTANT_ID)
                        .await
                        .expect("adminGetAssistant"),
                );
            }
            Workload::Initiate | Workload::Initiate64 => {
                let call = InitiateCall::new(self.phone.clone(), ASSISTANT_ID);
                black_box(sdk.calls().initiate(call).await.expect("initiateCall"));
            }
        }
    }

    async fn generated_one(&self, workload: Workload) {
        let client = &self.generated;
        match workload {
            Workload::Health => {
                black_box(client.get_health_monitor().send().await.expect("health"));
            }
            Workload::Assistant => {
                black_box(
                    client
                        .admin_get_assistant()
                        .assistant_id(ASSISTANT_ID)
                        .send()
                        .await
                        .expect("adminGetAssistant"),
                );
            }
            Workload::Initiate | Workload::Initiate64 => {
                let body = types::InitiateCallRequest::new(self.phone.as_str(), ASSISTANT_ID);
                black_box(
                    client
                        .initiate_call()
                        .body(body)
                        .send()
                        .await
                        .expect("initiateCall"),
                );
            }
        }
    }

    async fn raw_one(&self, http: &reqwest::Client, workload: Workload) {
        match workload {
            Workload::Health => {
                let request = http.get(format!("{}/health", self.base));
                black_box(send_raw::<types::GetHealthMonitorResponse>(request, Tenant::None).await);
            }
            Workload::Assistant => {
                let request = http.get(format!(
                    "{}/v1/admin/assistant/get/{ASSISTANT_ID}",
                    self.base
                ));
                black_box(
                    send_raw::<types::AssistantAdminGetResponse>(request, Tenant::Workspace).await,
                );
            }
            Workload::Initiate | Workload::Initiate64 => {
                let body = types::InitiateCallRequest::new(self.phone.as_str(), ASSISTANT_ID);
                let request = http
                    .post(format!("{}/v2/call/initiate", self.base))
                    .json(&body);
                black_box(
                    send_raw::<types::InitiateCallResponse>(request, Tenant::Workspace).await,
                );
            }
        }
    }

    /// `n` requests, one at a time or `IN_FLIGHT` at a time.
    async fn round(&self, side: Side, workload: Workload, n: usize) {
        if workload == Workload::Initiate64 {
            futures::stream::iter(0..n)
                .map(|_| self.one(side, workload))
                .buffer_unordered(IN_FLIGHT)
                .for_each(|()| async {})
                .await;
        } else {
            for _ in 0..n {
                self.one(side, workload).await;
            }
        }
    }
}

/// Which tenant header a request carries besides the key pair.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tenant {
    None,
    Workspace,
}

/// The hand-written call: the SDK's headers (the credentials each operation needs, as the spec names them), the
/// body sent as JSON, the response read whole and decoded into the generated type.
async fn send_raw<T: DeserializeOwned>(request: reqwest::RequestBuilder, tenant: Tenant) -> T {
    let mut request = request
        .header(ACCEPT, HeaderValue::from_static("application/json"))
        .header(
            "api-version",
            HeaderValue::from_static(mirai_voice::generated::Client::api_version()),
        );
    // The key pair on every workload, `/health` included: the spec gives it no `security` override, so it
    // inherits the global key requirement and the SDK sends the keys there too.
    request = request
        .header("x-public-key", HeaderValue::from_static(PUBLIC_KEY))
        .header("x-private-key", HeaderValue::from_static(PRIVATE_KEY));
    if tenant == Tenant::Workspace {
        request = request.header("workspace", HeaderValue::from_static(WORKSPACE));
    }
    let response = request.send().await.expect("loopback request");
    assert!(response.status().is_success(), "{}", response.status());
    let body = response.bytes().await.expect("response body");
    serde_json::from_slice(&body).expect("a decodable body")
}

/// CPU time consumed by the calling thread so far.
fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; CLOCK_THREAD_CPUTIME_ID exists on every Linux.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// The median over rounds of `a[round] / b[round]`.
fn paired_median_ratio(a: &[f64], b: &[f64]) -> f64 {
    let mut ratios: Vec<f64> = a.iter().zip(b).map(|(a, b)| a / b).collect();
    median(&mut ratios)
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}

/// Per-request CPU and wall time, in microseconds, of every round of one workload and side.
#[derive(Default)]
struct Samples {
    cpu_us: Vec<f64>,
    wall_us: Vec<f64>,
}

fn interleaved(rt: &tokio::runtime::Runtime, clients: &Clients, rounds: usize) -> String {
    // Warm-up: open the connections and fill the allocator's caches for every side.
    for workload in Workload::ALL {
        for side in Side::ALL {
            rt.block_on(clients.round(side, workload, 256));
        }
    }
    let mut target = String::new();
    target.push_str("| Workload | raw CPU/req | SDK CPU/req | **SDK / raw (CPU)** | raw wall/req | SDK wall/req | SDK / raw (wall) |\n");
    target.push_str("| --- | --- | --- | --- | --- | --- | --- |\n");
    let mut layers = String::new();
    layers.push_str("| Workload (CPU/req, and / raw) | raw + timeouts | generated client | SDK, retries off | SDK | generated client / raw + timeouts | **SDK / generated client** |\n");
    layers.push_str("| --- | --- | --- | --- | --- | --- | --- |\n");
    for workload in Workload::ALL {
        let mut samples: [Samples; Side::ALL.len()] = Default::default();
        let n = workload.requests();
        for round in 0..rounds {
            // Rotate the order so no side always runs first (after a cache-cold switch) or last.
            for k in 0..Side::ALL.len() {
                let index = (round + k) % Side::ALL.len();
                let side = Side::ALL[index];
                let cpu = thread_cpu_time();
                let wall = Instant::now();
                rt.block_on(clients.round(side, workload, n));
                let wall = wall.elapsed();
                let cpu = thread_cpu_time() - cpu;
                samples[index]
                    .cpu_us
                    .push(cpu.as_secs_f64() * 1e6 / n as f64);
                samples[index]
                    .wall_us
                    .push(wall.as_secs_f64() * 1e6 / n as f64);
            }
        }
        // Ratios are taken within each round, where the sides ran back to back, and then their median: a change in
        // the shared machine's speed between rounds cancels out of a ratio, not out of a ratio of medians.
        let [raw_i, raw_t_i, generated_i, no_retries_i, sdk_i] = [0, 1, 2, 3, 4];
        let cpu_ratio =
            |a: usize, b: usize| paired_median_ratio(&samples[a].cpu_us, &samples[b].cpu_us);
        let wall_ratio =
            |a: usize, b: usize| paired_median_ratio(&samples[a].wall_us, &samples[b].wall_us);
        let ratios = [raw_t_i, generated_i, no_retries_i, sdk_i].map(|side| cpu_ratio(side, raw_i));
        let sdk_wall_ratio = wall_ratio(sdk_i, raw_i);
        let progenitor_ratio = cpu_ratio(generated_i, raw_t_i);
        let own_ratio = cpu_ratio(sdk_i, generated_i);
        let medians = samples
            .each_mut()
            .map(|s| (median(&mut s.cpu_us), median(&mut s.wall_us)));
        let [raw, raw_t, generated, no_retries, sdk] = medians;
        let line = format!(
            "| {} | {:.1} µs | {:.1} µs | **{:.2}×** | {:.1} µs | {:.1} µs | {:.2}× |\n",
            workload.name(),
            raw.0,
            sdk.0,
            ratios[3],
            raw.1,
            sdk.1,
            sdk_wall_ratio,
        );
        print!("{line}");
        target.push_str(&line);
        let cell = |side: (f64, f64), ratio: f64| format!("{:.1} µs ({ratio:.2}×)", side.0);
        let line = format!(
            "| {} | {} | {} | {} | {} | {:.2}× | **{:.2}×** |\n",
            workload.name(),
            cell(raw_t, ratios[0]),
            cell(generated, ratios[1]),
            cell(no_retries, ratios[2]),
            cell(sdk, ratios[3]),
            progenitor_ratio,
            own_ratio,
        );
        print!("{line}");
        layers.push_str(&line);
    }
    format!(
        "{target}\nWhere the difference goes, measured in the same rounds: each layer's CPU per request and its ratio \
to raw. Each side adds one layer to the one before: *raw + timeouts* the SDK's limits (a timer per request); \
*generated client* progenitor's client on that same `reqwest::Client` (its builders, the hooks attaching the \
credentials, each request sent once, no executor); *SDK, retries off* is `mirai_voice::Client` with \
`RetryConfig::disabled()`, so the policy never asks for another attempt; *SDK* as users call it. The last two \
columns split the SDK's cost over the raw call into progenitor's client (generated client / raw + timeouts) and \
the SDK's own layers over it (SDK / generated client: the executor, the call's future, the typed results).\n\n{layers}"
    )
}

fn section(table: &str, rounds: usize) -> String {
    let names: Vec<String> = Side::ALL.iter().map(|s| s.name().to_owned()).collect();
    format!(
        "## Request path\n\n\
`cargo bench -p mirai-voice --bench request_path` (`client-ext/benches/request_path.rs`).\n\n\
Client CPU time per request: the client and its connections run on one current-thread tokio runtime, whose \
thread's CPU clock (`CLOCK_THREAD_CPUTIME_ID`) is read around each round; the loopback server runs on another \
thread and is not counted. Sides ({sides}) run in interleaved rounds ({rounds} rounds, order rotated each \
round); each time is the median over rounds, and each ratio the median of the ratios within each round (the \
sides of a round run back to back, so a change in the shared machine's speed between rounds cancels out). *raw* is a hand-written `reqwest` call with the SDK's headers \
and user agent, the body sent as JSON and the response decoded with `serde_json` into the same generated type; \
*raw + timeouts* also sets the SDK's connect timeout and per-attempt timeout on its `reqwest::Client`, as the \
SDK's own client does. The 5 KiB GET answers with the \
spec's example (5,188 bytes). Target: SDK / raw ≤ 1.05× CPU on every workload. Wall time on a shared machine \
moves ±30 % between runs; CPU time much less.\n\n{table}",
        sides = names.join(", "),
    )
}

fn criterion_benches(c: &mut Criterion, rt: &tokio::runtime::Runtime, clients: &Clients) {
    for workload in Workload::ALL {
        let mut group = c.benchmark_group(format!("request_path/{}", workload.id()));
        group
            .measurement_time(Duration::from_secs(3))
            .sample_size(20);
        for side in Side::ALL {
            let n = if workload == Workload::Initiate64 {
                IN_FLIGHT * 4
            } else {
                1
            };
            group.bench_function(side.name(), |b| {
                b.to_async(rt).iter(|| clients.round(side, workload, n))
            });
        }
        group.finish();
    }
}

/// Sends 200,000 requests (after a warm-up) of one workload through one side; see `REQUEST_PATH_PROFILE`.
fn profile(rt: &tokio::runtime::Runtime, clients: &Clients, target: &str) {
    let (workload, side) = target
        .split_once(':')
        .expect("REQUEST_PATH_PROFILE is <workload id>:<side id>");
    let workload = Workload::ALL
        .into_iter()
        .find(|w| w.id() == workload)
        .expect("a workload id: health, admin_get_assistant_5KiB, initiate_call, initiate_call_64_in_flight");
    let side = Side::ALL
        .into_iter()
        .find(|s| s.id() == side)
        .expect("a side: raw, raw-timeouts, generated, sdk-no-retries or sdk");
    let requests = std::env::var("REQUEST_PATH_PROFILE_REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    rt.block_on(clients.round(side, workload, 1_000));
    let cpu = thread_cpu_time();
    rt.block_on(clients.round(side, workload, requests));
    let cpu = thread_cpu_time() - cpu;
    println!(
        "{} through {}: {:.2} µs CPU per request",
        workload.id(),
        side.name(),
        cpu.as_secs_f64() * 1e6 / requests as f64
    );
}

fn main() {
    let server = bench_server::start();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime");
    let clients = Clients::new(server.base_url());

    // `REQUEST_PATH_PROFILE=<workload id>:<side id>` only sends that workload's requests through one side, for a
    // profiler to attribute the client's time (`scripts/profile-request-path.sh` runs it under callgrind).
    if let Ok(target) = std::env::var("REQUEST_PATH_PROFILE") {
        profile(&rt, &clients, &target);
        return;
    }

    // `cargo bench -- --test` (and filters) only check that the benchmarks run.
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--test" || a == "--list");
    if !quick {
        let rounds = std::env::var("REQUEST_PATH_ROUNDS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(41);
        let table = interleaved(&rt, &clients, rounds);
        let path = bench_results::write_section("request_path", &section(&table, rounds));
        println!("wrote {}", path.display());
    }

    let mut criterion = Criterion::default().configure_from_args();
    criterion_benches(&mut criterion, &rt, &clients);
    criterion.final_summary();
}
