//! Campaigns with the file journal against the emulator: each row dialed once, across reruns, faults, a crashed
//! run and a stop.
#![cfg(feature = "campaign")]

mod campaign_support;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use campaign_support::{assistant, calls_per_phone, client, csv, initiate_requests, phone};
use mirai_voice::campaign::{
    Campaign, CampaignId, CampaignOptions, CampaignReport, FileJournal, Journal, RowKey, RowState,
    StopSignal, WorkerId, parse_csv,
};
use mirai_voice::ids::AssistantId;
use mirai_voice_mock::{FaultKind, FaultMatch, FaultRule, MockServer};

async fn run(
    server: &MockServer,
    assistant: &AssistantId,
    text: &str,
    journal: &Path,
    options: CampaignOptions,
) -> CampaignReport {
    let id = CampaignId::derive(text.as_bytes(), assistant);
    let journal = FileJournal::open(journal, id, WorkerId::generate()).expect("journal opens");
    let campaign = Campaign::new(client(server), assistant.clone(), journal, options);
    let rows = parse_csv(text.as_bytes()).expect("a valid file");
    campaign
        .run(&rows, &StopSignal::new(), |_| {})
        .await
        .expect("journal readable")
}

fn state<'a>(report: &'a CampaignReport, key: &str) -> &'a RowState {
    report
        .rows
        .iter()
        .find(|r| r.key == RowKey::new(key))
        .and_then(|r| r.state.as_ref())
        .expect("row settled")
}

#[tokio::test]
async fn every_row_is_dialed_once_and_a_rerun_dials_nothing() {
    let server = MockServer::start().await;
    let assistant = assistant(&client(&server)).await;
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal");
    // 40 rows: row 7 has a number that is not E.164, row 12 a payload that is not JSON.
    let mut text = String::from("phone,payload,metadata.shop\n");
    for n in 1..=40 {
        match n {
            7 => text.push_str("5550107,,north\n"),
            12 => text.push_str(&format!("{},{{oops,north\n", phone(n))),
            _ => text.push_str(&format!("{},\"{{\"\"orderId\"\":{n}}}\",north\n", phone(n))),
        }
    }
    let options = CampaignOptions::new().concurrency(8);
    let first = run(&server, &assistant, &text, &journal, options.clone()).await;
    let summary = first.summary();
    assert_eq!(
        (summary.placed, summary.failed, summary.unknown),
        (38, 2, 0)
    );
    assert_eq!(summary.this_run, 40);
    assert!(
        matches!(state(&first, "row-7"), RowState::Failed { reason } if reason.contains("E.164"))
    );
    assert!(
        matches!(state(&first, "row-12"), RowState::Failed { reason } if reason.contains("JSON"))
    );
    assert_eq!(
        initiate_requests(&server),
        38,
        "nothing sent for invalid rows"
    );

    let calls = server.control().calls();
    assert_eq!(calls.len(), 38);
    assert!(calls_per_phone(&server).values().all(|&n| n == 1));
    let campaign = CampaignId::derive(text.as_bytes(), &assistant);
    for call in &calls {
        let n: usize = call.phone_number[8..].parse().unwrap();
        assert_eq!(
            call.metadata["campaignRow"],
            format!("row-{n}"),
            "the row is on the call"
        );
        assert_eq!(call.metadata["campaign"], campaign.as_str());
        assert_eq!(call.metadata["shop"], "north");
        assert_eq!(
            call.payload["orderId"], n,
            "the JSON payload keeps its types"
        );
    }

    let second = run(&server, &assistant, &text, &journal, options).await;
    assert_eq!(initiate_requests(&server), 38, "a rerun dials nothing");
    assert_eq!(second.summary().this_run, 0);
    assert_eq!(second.summary().placed, 38);
    assert_eq!(second.summary().failed, 2);
}

#[tokio::test]
async fn an_unknown_outcome_is_listed_and_dialed_again_only_on_request() {
    let server = MockServer::start().await;
    let assistant = assistant(&client(&server)).await;
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal");
    let text = csv(3);
    // The first request creates its call, and the connection drops before the answer: outcome unknown.
    server
        .control()
        .add_fault(FaultRule {
            matcher: FaultMatch::operation("initiateCall"),
            fault: FaultKind::ConnectionReset {
                after_handler: true,
            },
            count: 1,
        })
        .unwrap();
    let options = CampaignOptions::new().concurrency(1);
    let first = run(&server, &assistant, &text, &journal, options.clone()).await;
    assert!(matches!(state(&first, "row-1"), RowState::Unknown { .. }));
    assert_eq!(
        first
            .needs_check()
            .map(|r| r.key.as_str())
            .collect::<Vec<_>>(),
        ["row-1"]
    );
    assert_eq!(first.summary().unknown, 1);
    assert_eq!(
        calls_per_phone(&server)[&phone(1)],
        1,
        "the unknown call was in fact placed"
    );

    let rerun = run(&server, &assistant, &text, &journal, options.clone()).await;
    assert_eq!(rerun.summary().this_run, 0);
    assert_eq!(rerun.needs_check().count(), 1, "still listed for a person");
    assert_eq!(
        calls_per_phone(&server)[&phone(1)],
        1,
        "never dialed again on its own"
    );

    // A person checked and asks for it to be dialed again.
    let retried = run(
        &server,
        &assistant,
        &text,
        &journal,
        options.retry_unknown(true),
    )
    .await;
    assert_eq!(retried.reopened, [RowKey::new("row-1")]);
    assert!(matches!(state(&retried, "row-1"), RowState::Placed { .. }));
    assert_eq!(retried.summary().this_run, 1);
    assert_eq!(calls_per_phone(&server)[&phone(1)], 2);
}

#[tokio::test]
async fn a_refused_row_is_failed_and_retried_only_on_request() {
    let server = MockServer::start().await;
    let assistant = assistant(&client(&server)).await;
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal");
    let text = csv(2);
    server
        .control()
        .add_fault(FaultRule {
            matcher: FaultMatch::operation("initiateCall"),
            fault: FaultKind::Status {
                status: 400,
                body: Default::default(),
            },
            count: 1,
        })
        .unwrap();
    let options = CampaignOptions::new().concurrency(1);
    let first = run(&server, &assistant, &text, &journal, options.clone()).await;
    assert!(matches!(state(&first, "row-1"), RowState::Failed { .. }));
    assert_eq!(first.summary().placed, 1);
    let rerun = run(&server, &assistant, &text, &journal, options.clone()).await;
    assert_eq!(rerun.summary().this_run, 0);
    let retried = run(
        &server,
        &assistant,
        &text,
        &journal,
        options.retry_failed(true),
    )
    .await;
    assert_eq!(retried.reopened, [RowKey::new("row-1")]);
    assert_eq!(retried.summary().placed, 2);
    assert_eq!(
        calls_per_phone(&server)[&phone(1)],
        1,
        "a refused row had not been placed"
    );
}

#[tokio::test]
async fn a_claim_left_by_a_crashed_run_is_reported_not_dialed() {
    let server = MockServer::start().await;
    let assistant = assistant(&client(&server)).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal");
    let text = csv(5);
    let id = CampaignId::derive(text.as_bytes(), &assistant);
    {
        // A run that claimed row 3 and died before sending or recording.
        let crashed = FileJournal::open(&path, id, WorkerId::new("crashed")).unwrap();
        crashed
            .claim(&RowKey::new("row-3"), &phone(3))
            .await
            .unwrap();
    }
    let report = run(&server, &assistant, &text, &path, CampaignOptions::new()).await;
    assert_eq!(state(&report, "row-3"), &RowState::Abandoned);
    assert_eq!(report.summary().placed, 4);
    assert_eq!(report.summary().unknown, 1);
    assert!(!calls_per_phone(&server).contains_key(&phone(3)));

    // A person found no call to row 3's number and names it, with a placed row that must stay alone.
    let options = CampaignOptions::new().retry_rows([RowKey::new("row-3"), RowKey::new("row-1")]);
    let retried = run(&server, &assistant, &text, &path, options).await;
    assert_eq!(retried.reopened, [RowKey::new("row-3")]);
    assert_eq!(retried.summary().placed, 5);
    assert_eq!(retried.summary().this_run, 1);
    assert_eq!(calls_per_phone(&server).len(), 5);
    assert!(calls_per_phone(&server).values().all(|&n| n == 1));
}

#[tokio::test]
async fn a_stopped_run_leaves_the_rest_to_the_next() {
    let server = MockServer::start().await;
    let assistant = assistant(&client(&server)).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal");
    let text = csv(20);
    let rows = parse_csv(text.as_bytes()).unwrap();
    let id = CampaignId::derive(text.as_bytes(), &assistant);
    let stop = StopSignal::new();
    let seen = AtomicUsize::new(0);
    let report = {
        let journal = FileJournal::open(&path, id, WorkerId::generate()).unwrap();
        let options = CampaignOptions::new().concurrency(2);
        let campaign = Campaign::new(client(&server), assistant.clone(), journal, options);
        campaign
            .run(&rows, &stop, |_| {
                if seen.fetch_add(1, Ordering::SeqCst) + 1 == 5 {
                    stop.stop();
                }
            })
            .await
            .unwrap()
    };
    assert!(report.stopped);
    let summary = report.summary();
    assert!(summary.placed >= 5 && summary.placed < 20, "{summary:?}");
    assert_eq!(summary.placed + summary.not_started, 20);
    assert_eq!(initiate_requests(&server), summary.placed);

    let rest = run(&server, &assistant, &text, &path, CampaignOptions::new()).await;
    assert_eq!(rest.summary().placed, 20);
    assert_eq!(rest.summary().this_run, summary.not_started);
    assert!(calls_per_phone(&server).values().all(|&n| n == 1));
    assert_eq!(calls_per_phone(&server).len(), 20);
}

#[tokio::test]
async fn the_rate_limit_spaces_the_calls() {
    let server = MockServer::start().await;
    let assistant = assistant(&client(&server)).await;
    let dir = tempfile::tempdir().unwrap();
    let text = csv(6);
    let options = CampaignOptions::new()
        .concurrency(6)
        .rate("10/s".parse::<mirai_voice::campaign::Rate>().unwrap());
    let start = Instant::now();
    let report = run(&server, &assistant, &text, &dir.path().join("j"), options).await;
    // Six starts 100 ms apart: the last starts 500 ms after the first.
    assert!(
        start.elapsed() >= Duration::from_millis(500),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(report.summary().placed, 6);
}

#[tokio::test]
async fn a_changed_file_is_another_campaign_and_its_journal_is_refused() {
    let server = MockServer::start().await;
    let assistant = assistant(&client(&server)).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal");
    run(&server, &assistant, &csv(2), &path, CampaignOptions::new()).await;
    let changed = CampaignId::derive(csv(3).as_bytes(), &assistant);
    let error = FileJournal::open(&path, changed, WorkerId::generate()).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("rows file or the assistant changed"),
        "{error}"
    );
}
