//! Peak memory of one client with 10,000 requests in flight, SDK against a raw `reqwest` client.
//!
//! The server is this binary run again as a child process (10,000 connections on each side would not fit in one
//! process's file limit), holding every `initiateCall` until all 10,000 have arrived, so the client provably has
//! them all in flight at once. A counting global allocator records the bytes live on the client's thread (the
//! client and its connections run on one current-thread runtime); the peak above the level before the requests,
//! per request, is the figure reported. The process's peak RSS (`VmHWM`, reset through `/proc/self/clear_refs`)
//! is reported beside it. Results go to `target/bench-results/request_memory.md`.

#[path = "support/bench_results.rs"]
mod bench_results;
#[path = "support/bench_server.rs"]
mod bench_server;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use mirai_voice::api::InitiateCall;
use mirai_voice::retry::RetryConfig;
use mirai_voice::{Client, PhoneNumber, types};

use bench_server::{ASSISTANT_ID, PRIVATE_KEY, PUBLIC_KEY, WORKSPACE};

const IN_FLIGHT: usize = 10_000;
/// The SDK's default connect timeout, given to the raw client "with timeouts".
const CONNECT_TIMEOUT: Duration = mirai_voice::config::DEFAULT_CONNECT_TIMEOUT;
/// Long enough that no request waiting for the other 9,999 times out.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(300);
const SERVE_ENV: &str = "REQUEST_MEMORY_SERVE";

/// Counts the bytes allocated and freed by threads that opted in (the client's).
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);

thread_local! {
    static COUNTED: Cell<bool> = const { Cell::new(false) };
}

fn counted() -> bool {
    COUNTED.try_with(Cell::get).unwrap_or(false)
}

fn record(delta: isize) {
    let live = LIVE.fetch_add(delta, Ordering::Relaxed) + delta;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

// SAFETY: every call is forwarded unchanged to the system allocator; counting touches only atomics and a
// const-initialised thread-local, neither of which allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() && counted() {
            record(layout.size() as isize);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        if counted() {
            record(-(layout.size() as isize));
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() && counted() {
            record(layout.size() as isize);
        }
        ptr
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() && counted() {
            record(new_size as isize - layout.size() as isize);
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The child process: serves on a free loopback port, prints it, and exits when its stdin closes.
fn serve(hold: usize) {
    std::thread::spawn(|| {
        let _ = std::io::stdin().read_to_end(&mut Vec::new());
        std::process::exit(0);
    });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("the server's runtime");
    rt.block_on(async move {
        let socket = tokio::net::TcpSocket::new_v4().expect("a socket");
        socket
            .bind("127.0.0.1:0".parse().expect("an address"))
            .expect("a free loopback port");
        let listener = socket.listen(4096).expect("listening");
        println!("{}", listener.local_addr().expect("the bound address"));
        std::io::stdout().flush().expect("stdout");
        axum::serve(listener, bench_server::router(Some(hold)))
            .await
            .expect("serving");
    });
}

/// Raises the soft open-file limit to the hard one: 10,000 sockets are more than the usual 1,024.
fn raise_file_limit() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `limit` is a valid, writable rlimit.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}

/// How many file descriptors this process has open.
fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, Iterator::count)
}

/// Runs the runtime until the connections of a dropped client are closed, so the next phase neither inherits
/// their sockets nor frees their memory while it is measured. A dropped client's connections close only when
/// the runtime next runs their tasks; without this, the second client measured paid for closing the first
/// one's 10,000 connections (and began near the file limit).
fn settle(rt: &tokio::runtime::Runtime, fds_before: usize) {
    let started = Instant::now();
    rt.block_on(async {
        while open_fds() > fds_before {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "{} sockets of the previous phase still open after 60 s",
                open_fds() - fds_before
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    });
}

/// A field of `/proc/self/status` in KiB (0 where unavailable).
fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

struct Measured {
    peak_bytes: isize,
    rss_kib: u64,
    elapsed: Duration,
}

/// Runs `n` requests made by `one` all at once and measures the client thread's peak live bytes.
async fn measure<F, Fut>(n: usize, one: F) -> Measured
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let rss_before = status_kib("VmRSS:");
    let baseline = LIVE.load(Ordering::Relaxed);
    PEAK.store(baseline, Ordering::Relaxed);
    let started = Instant::now();
    let mut in_flight: FuturesUnordered<_> = (0..n).map(|_| one()).collect();
    while in_flight.next().await.is_some() {}
    Measured {
        peak_bytes: PEAK.load(Ordering::Relaxed) - baseline,
        rss_kib: status_kib("VmHWM:").saturating_sub(rss_before),
        elapsed: started.elapsed(),
    }
}

fn main() {
    let quick = std::env::args().any(|a| a == "--test" || a == "--list");
    let n = if quick { 64 } else { IN_FLIGHT };
    if std::env::var_os(SERVE_ENV).is_some() {
        let hold = std::env::var(SERVE_ENV)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(IN_FLIGHT);
        serve(hold);
        return;
    }
    raise_file_limit();
    let mut child = Command::new(std::env::current_exe().expect("this binary"))
        .env(SERVE_ENV, n.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("starting the server process");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("piped stdout"))
        .read_line(&mut line)
        .expect("the server's address");
    let base = format!("http://{}", line.trim());

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime");
    COUNTED.with(|c| c.set(true));
    let phone: PhoneNumber = "+15550100".parse().expect("a valid number");
    let fds_before = open_fds();

    let raw_with = |timeouts: bool| {
        let builder =
            reqwest::Client::builder().user_agent(mirai_voice::config::DEFAULT_USER_AGENT);
        let builder = if timeouts {
            builder
                .connect_timeout(CONNECT_TIMEOUT)
                .timeout(ATTEMPT_TIMEOUT)
        } else {
            builder
        };
        builder.build().expect("a reqwest client")
    };
    let raw_phase = |http: reqwest::Client| {
        let result = rt.block_on(measure(n, || async {
            let body = types::InitiateCallRequest::new(phone.as_str(), ASSISTANT_ID);
            let response = http
                .post(format!("{base}/v2/call/initiate"))
                .header("accept", "application/json")
                .header("x-public-key", PUBLIC_KEY)
                .header("x-private-key", PRIVATE_KEY)
                .header("workspace", WORKSPACE)
                .json(&body)
                .send()
                .await
                .expect("loopback request");
            assert!(response.status().is_success());
            let bytes = response.bytes().await.expect("body");
            let _: types::InitiateCallResponse = serde_json::from_slice(&bytes).expect("decodable");
        }));
        drop(http);
        settle(&rt, fds_before);
        result
    };
    let sdk_phase = |retry: RetryConfig| {
        let sdk = Client::builder()
            .public_key(PUBLIC_KEY)
            .private_key(PRIVATE_KEY)
            .workspace(WORKSPACE)
            .base_url(base.clone())
            .attempt_timeout(ATTEMPT_TIMEOUT)
            .total_deadline(ATTEMPT_TIMEOUT * 2)
            .retry(retry)
            .build()
            .expect("a valid configuration");
        let result = rt.block_on(measure(n, || async {
            let call = InitiateCall::new(phone.clone(), ASSISTANT_ID);
            sdk.calls().initiate(call).await.expect("initiateCall");
        }));
        drop(sdk);
        settle(&rt, fds_before);
        result
    };
    let raw_result = raw_phase(raw_with(false));
    let raw_timeouts_result = raw_phase(raw_with(true));
    let sdk_no_retries_result = sdk_phase(RetryConfig::disabled());
    let sdk_result = sdk_phase(RetryConfig::default());
    COUNTED.with(|c| c.set(false));
    drop(child.stdin.take());
    let _ = child.wait();

    let row = |name: &str, m: &Measured| {
        format!(
            "| {name} | {:.1} MiB | {:.1} KiB | {:.1} MiB | {:.1} s |\n",
            m.peak_bytes as f64 / (1024.0 * 1024.0),
            m.peak_bytes as f64 / 1024.0 / n as f64,
            m.rss_kib as f64 / 1024.0,
            m.elapsed.as_secs_f64(),
        )
    };
    let table = format!(
        "| Client | Peak heap (client thread) | Per request | Peak RSS growth (process) | Time for all |\n\
         | --- | --- | --- | --- | --- |\n{}{}{}{}",
        row("raw `reqwest`", &raw_result),
        row("raw `reqwest` + timeouts", &raw_timeouts_result),
        row("SDK, retries off", &sdk_no_retries_result),
        row("SDK", &sdk_result),
    );
    print!("{table}");
    if quick {
        return;
    }
    let section = format!(
        "## Request path: memory at 10,000 in flight\n\n\
`cargo bench -p mirai-voice --bench request_memory` (`client-ext/benches/request_memory.rs`).\n\n\
One client sends 10,000 `initiateCall` requests at once; the server (a child process) answers none until all \
10,000 have arrived, so all are in flight together, each on its own HTTP/1.1 connection. Peak heap is the \
peak of bytes live on the client's thread (a counting global allocator) above the level before the requests; \
peak RSS growth is the process's `VmHWM` above its RSS before. The clients run one after another, in the order \
of the table, on one runtime; after each, the runtime runs until that client's connections are closed (the \
process's open descriptors are back to their level before the first), so no client pays for closing another's \
connections or frees another's memory while it is measured. *+ timeouts* sets the SDK's connect and attempt \
limits on the raw client.\n\n{table}\n\
SDK / raw (peak heap): **{:.2}×**; SDK / raw + timeouts: **{:.2}×**.\n",
        sdk_result.peak_bytes as f64 / raw_result.peak_bytes as f64,
        sdk_result.peak_bytes as f64 / raw_timeouts_result.peak_bytes as f64,
    );
    let path = bench_results::write_section("request_memory", &section);
    println!("wrote {}", path.display());
}
