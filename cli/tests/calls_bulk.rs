//! `mirai calls bulk` against the emulator: runs killed with SIGKILL half-way and restarted dial every row
//! exactly once, with the file journal and with two workers on one Redis; rows left dialing are reported, not
//! dialed again; --wait writes each row's final outcome.

mod bulk_support;
#[path = "../../client-ext/tests/webhook_support/redis_server.rs"]
mod redis_server;

use std::time::Duration;

use bulk_support::{
    assistant, bulk, calls_per_phone, initiate_requests, kill_after, needs_check, output, phone,
    report, spawn, write_csv,
};
use mirai_voice::campaign::{CampaignId, FileJournal, WorkerId};
use mirai_voice_mock::{FaultKind, FaultMatch, FaultRule, MockServer};
use redis_server::RedisServer;

const ROWS: usize = 500;

/// Every row's number was dialed exactly once and the emulator saw exactly one request per row.
fn assert_each_row_dialed_once(server: &MockServer) {
    let per_phone = calls_per_phone(server);
    let twice: Vec<_> = per_phone.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "dialed more than once: {twice:?}");
    let missing: Vec<_> = (1..=ROWS)
        .map(phone)
        .filter(|p| !per_phone.contains_key(p))
        .collect();
    assert!(missing.is_empty(), "never dialed: {missing:?}");
    assert_eq!(initiate_requests(server), ROWS, "one initiateCall per row");
}

/// After a killed run: the rows left `dialing` are listed as abandoned, never dialed again by the restart.
/// A person then checks each against the calls (here: the emulator's), and names those never placed with
/// --retry-row. Returns the rows named.
fn rows_to_retry(server: &MockServer, listed: &[(String, String, String)]) -> Vec<String> {
    let per_phone = calls_per_phone(server);
    listed
        .iter()
        .inspect(|(row, _, state)| assert_eq!(state, "abandoned", "{row}"))
        .inspect(|(row, phone, _)| {
            assert!(
                per_phone.get(phone).copied().unwrap_or(0) <= 1,
                "{row} dialed again"
            )
        })
        .filter(|(_, phone, _)| !per_phone.contains_key(phone))
        .map(|(row, _, _)| row.clone())
        .collect()
}

async fn retry(server: &MockServer, base: &[&str], rows: &[String]) {
    if rows.is_empty() {
        return;
    }
    let mut args = base.to_vec();
    for row in rows {
        args.extend(["--retry-row", row]);
    }
    let out = output(bulk(server, &args)).await;
    let (json, stderr) = report(&out);
    assert_eq!(
        json["reopened"].as_array().unwrap().len(),
        rows.len(),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_killed_half_way_and_restarted_dials_every_row_once_with_the_file_journal() {
    let server = MockServer::start().await;
    let assistant = assistant(&server).await;
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("orders.csv");
    write_csv(&csv, ROWS);
    let csv = csv.to_str().unwrap();
    let base = [
        "--csv",
        csv,
        "--assistant",
        &assistant,
        "--concurrency",
        "8",
        "--rate",
        "250/s",
    ];

    let mut first = spawn(bulk(&server, &base));
    let at_kill = kill_after(&server, &mut first, ROWS / 2).await;
    assert!(at_kill < ROWS, "killed half-way ({at_kill} requests)");

    let out = output(bulk(&server, &base)).await;
    let (json, stderr) = report(&out);
    let listed = needs_check(&json);
    assert_eq!(
        out.status.code(),
        Some(if listed.is_empty() { 0 } else { 4 }),
        "{stderr}"
    );
    assert_eq!(
        json["placed"].as_u64().unwrap() as usize + listed.len(),
        ROWS,
        "{json}"
    );
    assert_eq!(json["failed"], 0);
    assert!(listed.len() <= 8, "at most the rows in flight: {listed:?}");
    for (row, _, _) in &listed {
        assert!(
            stderr.contains(row.as_str()),
            "{row} is listed on stderr: {stderr}"
        );
    }
    // The restart dialed only rows the killed run never claimed.
    let restarted = json["thisRun"].as_u64().unwrap() as usize;
    assert!(restarted >= ROWS - at_kill - listed.len(), "{restarted}");

    // Runs after that dial nothing on their own.
    let requests = initiate_requests(&server);
    let again = output(bulk(&server, &base)).await;
    assert_eq!(report(&again).0["thisRun"], 0);
    assert_eq!(initiate_requests(&server), requests);

    let retry_rows = rows_to_retry(&server, &listed);
    eprintln!(
        "killed at {at_kill} requests; the restart listed {} abandoned row(s), {} of them never placed and retried",
        listed.len(),
        retry_rows.len()
    );
    retry(&server, &base, &retry_rows).await;
    assert_each_row_dialed_once(&server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_on_one_redis_one_killed_half_way_dial_every_row_once() {
    let redis = RedisServer::start();
    let server = MockServer::start().await;
    let assistant = assistant(&server).await;
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("orders.csv");
    write_csv(&csv, ROWS);
    let csv = csv.to_str().unwrap();
    let url = redis.url();
    let base = [
        "--csv",
        csv,
        "--assistant",
        &assistant,
        "--journal",
        &url,
        "--concurrency",
        "4",
        "--rate",
        "150/s",
        "--heartbeat-ttl",
        "1",
    ];

    // Each call takes 30 ms to answer, so each worker has calls in flight when one is killed.
    server
        .control()
        .add_fault(FaultRule {
            matcher: FaultMatch::operation("initiateCall"),
            fault: FaultKind::Latency { delay_ms: 30 },
            count: 10 * ROWS as u32,
        })
        .unwrap();
    let mut killed = spawn(bulk(&server, &base));
    let survivor = tokio::task::spawn_blocking({
        let command = bulk(&server, &base);
        move || {
            let mut command = command;
            command.output().expect("mirai runs")
        }
    });
    let at_kill = kill_after(&server, &mut killed, ROWS / 2).await;
    assert!(at_kill < ROWS, "killed half-way ({at_kill} requests)");
    let survivor = survivor.await.unwrap();
    let (json, stderr) = report(&survivor);
    assert!(
        matches!(survivor.status.code(), Some(0 | 4)),
        "{:?} {stderr}",
        survivor.status
    );
    assert!(json["thisRun"].as_u64().unwrap() > 0, "both workers dialed");

    // The killed worker's heartbeat lapses; a restarted worker finds its unfinished rows abandoned.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let out = output(bulk(&server, &base)).await;
    let (json, stderr) = report(&out);
    let listed = needs_check(&json);
    assert_eq!(
        json["placed"].as_u64().unwrap() as usize + listed.len(),
        ROWS,
        "{json} {stderr}"
    );
    assert_eq!(
        json["thisRun"], 0,
        "the survivor finished every row it could claim"
    );
    assert_eq!(
        out.status.code(),
        Some(if listed.is_empty() { 0 } else { 4 })
    );
    assert!(
        !stderr.contains(&url) && !json.to_string().contains(&url),
        "the Redis URL is not printed"
    );

    let retry_rows = rows_to_retry(&server, &listed);
    eprintln!(
        "killed at {at_kill} requests; the restart listed {} abandoned row(s), {} of them never placed and retried",
        listed.len(),
        retry_rows.len()
    );
    retry(&server, &base, &retry_rows).await;
    assert_each_row_dialed_once(&server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_run_finishes_its_calls_in_flight_and_the_next_run_the_rest() {
    let server = MockServer::start().await;
    let assistant = assistant(&server).await;
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("orders.csv");
    write_csv(&csv, ROWS);
    let csv = csv.to_str().unwrap();
    let base = [
        "--csv",
        csv,
        "--assistant",
        &assistant,
        "--concurrency",
        "8",
        "--rate",
        "250/s",
    ];
    server
        .control()
        .add_fault(FaultRule {
            matcher: FaultMatch::operation("initiateCall"),
            fault: FaultKind::Latency { delay_ms: 30 },
            count: 10 * ROWS as u32,
        })
        .unwrap();
    let child = bulk(&server, &base)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    while initiate_requests(&server) < ROWS / 4 {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    // What Ctrl-C sends to the process.
    let interrupt = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupt.success());
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    let (json, stderr) = report(&out);
    assert_eq!(out.status.code(), Some(1), "rows not reached: {stderr}");
    assert!(stderr.contains("stopping: no new calls"), "{stderr}");
    assert_eq!(json["stopped"], true);
    assert_eq!(
        json["unknown"], 0,
        "every call in flight finished and was recorded: {json}"
    );
    let placed = json["placed"].as_u64().unwrap() as usize;
    assert_eq!(placed + json["notStarted"].as_u64().unwrap() as usize, ROWS);
    assert_eq!(calls_per_phone(&server).len(), placed);

    let rest = output(bulk(&server, &base)).await;
    assert_eq!(rest.status.code(), Some(0));
    assert_eq!(
        report(&rest).0["thisRun"].as_u64().unwrap() as usize,
        ROWS - placed
    );
    assert_each_row_dialed_once(&server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_reports_each_call_s_final_outcome_in_the_results_file() {
    let server = MockServer::start().await;
    let assistant = assistant(&server).await;
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("orders.csv");
    // Answered, never answered (re-attempted, then given up), answered on the re-attempt.
    std::fs::write(
        &csv,
        "id,phone,payload.orderId\nA,+14155552671,1\nB,+14155550001,2\nC,+14155550008,3\n",
    )
    .unwrap();
    // The emulator's clock stands still until moved: run every call to its end, repeatedly.
    let clock = {
        let control = server.control();
        tokio::spawn(async move {
            loop {
                control.run_until_idle().await;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    };
    let out = output(bulk(
        &server,
        &[
            "--csv",
            csv.to_str().unwrap(),
            "--assistant",
            &assistant,
            "--wait",
            "--wait-timeout",
            "60",
        ],
    ))
    .await;
    clock.abort();
    let (json, stderr) = report(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(json["placed"], 3);
    let results_path = dir.path().join("orders.csv.results.csv");
    assert_eq!(json["results"], results_path.to_str().unwrap());
    let mut reader = csv::Reader::from_path(&results_path).unwrap();
    let header = reader.headers().unwrap().clone();
    let column = |name| header.iter().position(|h| h == name).unwrap();
    let rows: Vec<_> = reader.records().map(Result::unwrap).collect();
    let by_row = |id: &str| {
        rows.iter()
            .find(|r| &r[column("row")] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(&by_row("A")[column("finalStatus")], "completed");
    assert_eq!(&by_row("A")[column("answered")], "true");
    assert_eq!(&by_row("A")[column("state")], "placed");
    assert!(!by_row("A")[column("callId")].is_empty());
    assert_eq!(&by_row("B")[column("answered")], "false");
    assert_eq!(
        &by_row("B")[column("attempts")],
        "3",
        "two re-attempts after no pickup"
    );
    assert_eq!(&by_row("C")[column("answered")], "true");
    assert_eq!(&by_row("C")[column("attempts")], "2");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_rows_fail_alone_and_usage_errors_send_nothing() {
    let server = MockServer::start().await;
    let assistant = assistant(&server).await;
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("rows.csv");
    std::fs::write(
        &csv,
        "phone,payload\n+14155552671,\n5550100,\n+14155552672,[1]\n",
    )
    .unwrap();
    let csv = csv.to_str().unwrap();
    let private_key = server.credentials().private_key;

    // --dry-run reads the file only.
    let dry = output(bulk(
        &server,
        &["--csv", csv, "--assistant", &assistant, "--dry-run"],
    ))
    .await;
    let (plan, _) = report(&dry);
    assert_eq!(dry.status.code(), Some(0));
    assert_eq!(
        (plan["rows"].as_u64(), plan["valid"].as_u64()),
        (Some(3), Some(1))
    );
    assert_eq!(initiate_requests(&server), 0);
    assert!(!dir.path().join("rows.csv.journal").exists());

    // A journal held by another process is refused before anything is sent.
    let campaign = CampaignId::derive(&std::fs::read(csv).unwrap(), &assistant.as_str().into());
    let held = FileJournal::open(
        dir.path().join("rows.csv.journal"),
        campaign,
        WorkerId::generate(),
    )
    .unwrap();
    let refused = output(bulk(&server, &["--csv", csv, "--assistant", &assistant])).await;
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("in use by another process"));
    assert_eq!(initiate_requests(&server), 0);
    drop(held);

    let out = output(bulk(&server, &["--csv", csv, "--assistant", &assistant])).await;
    let (json, stderr) = report(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(
        (json["placed"].as_u64(), json["failed"].as_u64()),
        (Some(1), Some(2))
    );
    assert_eq!(
        initiate_requests(&server),
        1,
        "nothing sent for the bad rows"
    );
    let failed = json["failedRows"].to_string();
    assert!(
        failed.contains("E.164") && failed.contains("JSON object"),
        "{failed}"
    );
    assert!(!stderr.contains(&private_key) && !json.to_string().contains(&private_key));

    // A file with an unknown column is refused whole.
    let typo = dir.path().join("typo.csv");
    std::fs::write(&typo, "phon\n+14155552671\n").unwrap();
    let out = output(bulk(
        &server,
        &["--csv", typo.to_str().unwrap(), "--assistant", &assistant],
    ))
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("`phon`"));
}
