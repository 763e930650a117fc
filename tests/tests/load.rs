//! Load: 20,000 requests from one `mirai_voice::Client` at 128 in flight against the emulator
//! (reads mixed with `initiateCall`). Every request succeeds without a retry, the process's
//! memory and open sockets stay bounded while it runs, and afterwards the emulator holds every
//! call placed exactly once.
//!
//! Nothing here asserts on time; the duration is printed for the README's figures.

mod sdk_support;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use mirai_voice::Client;
use mirai_voice::api::{AgentIdentity, CreateAssistant, InitiateCall};
use mirai_voice::ids::AssistantId;
use mirai_voice_mock::MockServer;

/// Requests sent in all.
const REQUESTS: usize = 20_000;
/// Requests in flight at once (one worker task each, sharing one client).
const IN_FLIGHT: usize = 128;
/// One request in this many places a call; the others are reads.
const CALL_EVERY: usize = 4;
/// Growth of the resident set allowed over the level reached after warm-up. The emulator runs in
/// this process and keeps every call and request record, so some growth is expected; a leak of a
/// few KiB per request (20,000 requests) would exceed it.
const RSS_GROWTH_LIMIT_KIB: u64 = 192 * 1024;
/// Sockets allowed open at once. Both ends of each connection live in this process (client and
/// emulator), plus the listener. A pool of one connection per request in flight is
/// `2 * IN_FLIGHT + 1` sockets; a connection is back in the pool only once its response is read,
/// so more open meanwhile, and the emulator's end of a connection the client dropped closes a
/// little later (278 to 456 measured, the highest with both cores loaded by other builds). A client
/// that leaked connections would pass this within the first few hundred of the 20,000 requests.
const SOCKET_LIMIT: usize = 4 * IN_FLIGHT + 64;

/// The resident set of this process, from `/proc/self/status`.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("a VmRSS line in kB")
}

/// Open file descriptors of this process that are sockets.
fn open_sockets() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd")
        .filter_map(Result::ok)
        .filter(|entry| {
            std::fs::read_link(entry.path())
                .map(|target| target.to_string_lossy().starts_with("socket:"))
                .unwrap_or(false)
        })
        .count()
}

/// Peaks seen by a [`Sampler`].
#[derive(Debug, Default, Clone, Copy)]
struct Peaks {
    rss_kib: u64,
    sockets: usize,
    samples: usize,
}

/// Samples RSS and open sockets on its own thread until stopped, keeping the peaks.
struct Sampler {
    stop: Arc<AtomicBool>,
    peaks: Arc<Mutex<Peaks>>,
    thread: std::thread::JoinHandle<()>,
}

impl Sampler {
    fn start() -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let peaks = Arc::new(Mutex::new(Peaks::default()));
        let thread = {
            let (stop, peaks) = (Arc::clone(&stop), Arc::clone(&peaks));
            std::thread::spawn(move || {
                // Sample at least once, so a run shorter than one interval is still measured.
                loop {
                    let (rss, sockets) = (rss_kib(), open_sockets());
                    {
                        let mut peaks = peaks.lock().expect("sampler lock");
                        peaks.rss_kib = peaks.rss_kib.max(rss);
                        peaks.sockets = peaks.sockets.max(sockets);
                        peaks.samples += 1;
                    }
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
            })
        };
        Self {
            stop,
            peaks,
            thread,
        }
    }

    fn stop(self) -> Peaks {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().expect("sampler thread");
        *self.peaks.lock().expect("sampler lock")
    }
}

/// What one worker did.
#[derive(Debug, Default)]
struct WorkerReport {
    reads: usize,
    call_ids: Vec<String>,
    errors: Vec<String>,
}

/// Takes request numbers from `next` until `REQUESTS` are taken; every `CALL_EVERY`th places a
/// call, the others alternate between `/health` and reading the assistant.
async fn worker(client: Client, assistant: AssistantId, next: Arc<AtomicUsize>) -> WorkerReport {
    let mut report = WorkerReport::default();
    loop {
        let n = next.fetch_add(1, Ordering::Relaxed);
        if n >= REQUESTS {
            return report;
        }
        let outcome = if n.is_multiple_of(CALL_EVERY) {
            // Distinct numbers, so a call placed twice could not hide behind another.
            let phone = format!("+1415{:07}", 1_000_000 + n / CALL_EVERY);
            let call = InitiateCall::new(phone.parse().expect("an E.164 number"), &assistant);
            client
                .calls()
                .initiate(call)
                .await
                .map(|placed| report.call_ids.push(placed.call_id.to_string()))
        } else if n % 2 == 1 {
            client.health().await.map(|_| report.reads += 1)
        } else {
            client
                .assistants()
                .get(assistant.clone())
                .await
                .map(|_| report.reads += 1)
        };
        if let Err(error) = outcome {
            report.errors.push(format!("request {n}: {error}"));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_thousand_requests_at_128_in_flight_stay_bounded_and_consistent() {
    // The request log keeps every request of the run, so that each can be accounted for.
    let server = MockServer::builder()
        .log_cap(REQUESTS)
        .start()
        .await
        .expect("the emulator starts");
    let client =
        sdk_support::emulator_client(&server, &server.credentials(), Duration::from_secs(60));
    let assistant = client
        .assistants()
        .create(CreateAssistant::custom(
            "Load",
            AgentIdentity::new("Asha"),
            "Confirm the order.",
        ))
        .await
        .expect("assistant created")
        .id;
    // Warm-up: the spec validators, the connection pool and the allocator's arenas reach their
    // working size, so the baseline below is the level a steady client runs at.
    for _ in 0..IN_FLIGHT {
        client.health().await.expect("warm-up");
    }
    server.control().clear_requests();
    let baseline_rss = rss_kib();

    let sampler = Sampler::start();
    let started = Instant::now();
    let next = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..IN_FLIGHT)
        .map(|_| tokio::spawn(worker(client.clone(), assistant.clone(), Arc::clone(&next))))
        .collect();
    let mut reads = 0;
    let mut call_ids = Vec::new();
    let mut errors = Vec::new();
    for handle in workers {
        let report = handle.await.expect("worker finished");
        reads += report.reads;
        call_ids.extend(report.call_ids);
        errors.extend(report.errors);
    }
    let elapsed = started.elapsed();
    let peaks = sampler.stop();
    println!(
        "load: {REQUESTS} requests at {IN_FLIGHT} in flight in {elapsed:?}; \
         RSS baseline {baseline_rss} KiB, peak {} KiB (+{} KiB); peak sockets {} ({} samples)",
        peaks.rss_kib,
        peaks.rss_kib.saturating_sub(baseline_rss),
        peaks.sockets,
        peaks.samples,
    );

    // Zero errors, every request accounted for.
    assert!(
        errors.is_empty(),
        "{} errors, first: {:?}",
        errors.len(),
        errors.first()
    );
    let expected_calls = REQUESTS.div_ceil(CALL_EVERY);
    assert_eq!(call_ids.len(), expected_calls);
    assert_eq!(reads + call_ids.len(), REQUESTS);

    // Bounded memory and sockets.
    assert!(
        peaks.rss_kib <= baseline_rss + RSS_GROWTH_LIMIT_KIB,
        "RSS grew from {baseline_rss} KiB to {} KiB",
        peaks.rss_kib
    );
    assert!(
        peaks.sockets <= SOCKET_LIMIT,
        "{} sockets open at once (limit {SOCKET_LIMIT})",
        peaks.sockets
    );

    // The emulator saw each request exactly once (no retries were needed) ...
    let log = server.control().requests();
    assert_eq!(log.len(), REQUESTS, "one attempt per request");
    assert_eq!(server.control().logs().requests.dropped, 0);
    assert!(
        log.iter()
            .all(|record| record.status == Some(200) || record.status == Some(201)),
        "every attempt succeeded"
    );
    let initiations = log
        .iter()
        .filter(|record| record.operation_id.as_deref() == Some("initiateCall"))
        .count();
    assert_eq!(initiations, expected_calls);
    // ... and holds every call placed exactly once, and no other.
    let placed: BTreeSet<&str> = call_ids.iter().map(String::as_str).collect();
    assert_eq!(placed.len(), call_ids.len(), "call ids are distinct");
    let calls = server.control().calls();
    assert_eq!(calls.len(), expected_calls, "no call is missing or extra");
    let held: BTreeSet<&str> = calls.iter().map(|call| call.id.as_str()).collect();
    assert_eq!(held, placed, "the emulator holds exactly the calls placed");
    let numbers: BTreeSet<&str> = calls
        .iter()
        .map(|call| call.phone_number.as_str())
        .collect();
    assert_eq!(
        numbers.len(),
        expected_calls,
        "each number was dialled by one call"
    );
}
