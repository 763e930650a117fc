use std::io::Write;

use super::*;
use crate::ids::CallId;

fn campaign() -> CampaignId {
    CampaignId::named("test").unwrap()
}

fn key(n: usize) -> RowKey {
    RowKey::positional(n)
}

fn placed(id: &str) -> RowResult {
    RowResult::Placed {
        call_id: CallId::new(id),
    }
}

fn open(path: &Path, worker: &str) -> FileJournal {
    FileJournal::open(path, campaign(), WorkerId::new(worker)).unwrap()
}

async fn state(journal: &FileJournal, row: usize) -> Option<RowState> {
    journal
        .entries()
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.row == key(row))
        .map(|e| e.state)
}

#[tokio::test]
async fn a_claim_is_taken_once_and_results_replay_after_reopening_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.jsonl");
    {
        let journal = open(&path, "w1");
        assert_eq!(
            journal.claim(&key(1), "+15550100").await.unwrap(),
            ClaimOutcome::Claimed
        );
        assert!(matches!(
            journal.claim(&key(1), "+15550100").await.unwrap(),
            ClaimOutcome::Taken(JournalEntry {
                state: RowState::Dialing,
                ..
            })
        ));
        assert_eq!(
            journal.record(&key(1), &placed("call_1")).await.unwrap(),
            RecordOutcome::Recorded
        );
        journal.claim(&key(2), "+15550101").await.unwrap();
        journal
            .record(
                &key(2),
                &RowResult::Failed {
                    reason: "bad".into(),
                },
            )
            .await
            .unwrap();
        journal.claim(&key(3), "+15550102").await.unwrap();
        journal
            .record(
                &key(3),
                &RowResult::Unknown {
                    reason: "timeout".into(),
                },
            )
            .await
            .unwrap();
        // Row 4 is claimed and the process "dies" before its result.
        journal.claim(&key(4), "+15550103").await.unwrap();
    }
    let journal = open(&path, "w2");
    assert_eq!(
        state(&journal, 1).await,
        Some(RowState::Placed {
            call_id: CallId::new("call_1")
        })
    );
    assert_eq!(
        state(&journal, 2).await,
        Some(RowState::Failed {
            reason: "bad".into()
        })
    );
    assert_eq!(
        state(&journal, 3).await,
        Some(RowState::Unknown {
            reason: "timeout".into()
        })
    );
    assert_eq!(
        state(&journal, 4).await,
        Some(RowState::Abandoned),
        "a claim of a process that stopped is abandoned, not in flight"
    );
    for row in 1..=4 {
        assert!(
            matches!(
                journal.claim(&key(row), "+1").await.unwrap(),
                ClaimOutcome::Taken(_)
            ),
            "row {row} is never claimed again"
        );
    }
    assert_eq!(
        journal.record(&key(4), &placed("x")).await.unwrap(),
        RecordOutcome::NotHeld(
            journal
                .entries()
                .await
                .unwrap()
                .into_iter()
                .find(|e| e.row == key(4))
        ),
        "a worker records only over its own claim"
    );
    assert_eq!(journal.repaired_bytes(), 0);
}

#[tokio::test]
async fn a_second_process_on_the_same_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.jsonl");
    let _held = open(&path, "w1");
    let error = FileJournal::open(&path, campaign(), WorkerId::new("w2")).unwrap_err();
    assert!(matches!(error, JournalError::Locked { .. }), "{error}");
    assert!(error.to_string().contains("in use by another process"));
}

#[tokio::test]
async fn a_journal_of_another_campaign_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.jsonl");
    drop(open(&path, "w1"));
    let error = FileJournal::open(
        &path,
        CampaignId::named("other").unwrap(),
        WorkerId::new("w"),
    )
    .unwrap_err();
    assert!(
        matches!(error, JournalError::OtherCampaign { .. }),
        "{error}"
    );
}

#[tokio::test]
async fn a_torn_last_line_is_cut_off_and_the_rest_replayed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.jsonl");
    {
        let journal = open(&path, "w1");
        journal.claim(&key(1), "+15550100").await.unwrap();
        journal.record(&key(1), &placed("call_1")).await.unwrap();
        journal.claim(&key(2), "+15550101").await.unwrap();
    }
    let full = std::fs::read(&path).unwrap();
    // A result line for row 2 cut mid-write, then the same with its newline but garbage (a zero-filled block).
    for tail in [&br#"{"row":"row-2","state":"pla"#[..], &b"\0\0\0\0\n"[..]] {
        let mut file = std::fs::File::create(&path).unwrap();
        file.write_all(&full).unwrap();
        file.write_all(tail).unwrap();
        drop(file);
        let journal = open(&path, "w2");
        assert_eq!(journal.repaired_bytes(), tail.len() as u64);
        assert_eq!(state(&journal, 2).await, Some(RowState::Abandoned));
        // Appending after the cut gives a clean file.
        journal.claim(&key(3), "+15550102").await.unwrap();
        drop(journal);
        let journal = open(&path, "w3");
        assert_eq!(journal.repaired_bytes(), 0);
        assert_eq!(state(&journal, 3).await, Some(RowState::Abandoned));
        assert_eq!(
            state(&journal, 1).await,
            Some(RowState::Placed {
                call_id: CallId::new("call_1")
            })
        );
    }
}

#[tokio::test]
async fn a_torn_header_is_rewritten() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.jsonl");
    std::fs::write(&path, br#"{"journal":"mirai-voice-cam"#).unwrap();
    let journal = open(&path, "w1");
    assert!(journal.repaired_bytes() > 0);
    journal.claim(&key(1), "+15550100").await.unwrap();
    drop(journal);
    let journal = open(&path, "w2");
    assert_eq!(state(&journal, 1).await, Some(RowState::Abandoned));
}

#[test]
fn a_damaged_middle_line_or_a_foreign_file_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.jsonl");
    drop(open(&path, "w1"));
    let mut content = std::fs::read(&path).unwrap();
    content.extend_from_slice(b"not json\n");
    content.extend_from_slice(
        br#"{"row":"row-1","state":"dialing","phone":"+1","worker":"w","at":"2026-01-01T00:00:00.000Z"}"#,
    );
    content.push(b'\n');
    std::fs::write(&path, &content).unwrap();
    let error = FileJournal::open(&path, campaign(), WorkerId::new("w")).unwrap_err();
    assert!(
        matches!(error, JournalError::Corrupt { line: 2, .. }),
        "{error}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), content, "nothing written");

    let rows = dir.path().join("rows.csv");
    std::fs::write(&rows, "phone\n+15550100").unwrap();
    let error = FileJournal::open(&rows, campaign(), WorkerId::new("w")).unwrap_err();
    assert!(
        matches!(error, JournalError::Corrupt { line: 1, .. }),
        "{error}"
    );
    assert_eq!(std::fs::read(&rows).unwrap(), b"phone\n+15550100");
}

#[tokio::test]
async fn reopening_needs_the_exact_entry_and_a_state_a_person_may_retry() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.jsonl");
    {
        let journal = open(&path, "w1");
        for row in 1..=3 {
            journal.claim(&key(row), "+15550100").await.unwrap();
        }
        journal.record(&key(1), &placed("call_1")).await.unwrap();
        journal
            .record(
                &key(2),
                &RowResult::Unknown {
                    reason: "timeout".into(),
                },
            )
            .await
            .unwrap();
    }
    let journal = open(&path, "w2");
    let entries = journal.entries().await.unwrap();
    let entry = |row| entries.iter().find(|e| e.row == key(row)).unwrap().clone();
    assert!(
        !journal.reopen(&entry(1)).await.unwrap(),
        "a placed row is never reopened"
    );
    let mut stale = entry(2);
    stale.at += chrono::Duration::milliseconds(1);
    assert!(
        !journal.reopen(&stale).await.unwrap(),
        "only the entry that was seen"
    );
    assert!(journal.reopen(&entry(2)).await.unwrap());
    assert!(journal.reopen(&entry(3)).await.unwrap(), "an abandoned row");
    assert_eq!(
        journal.claim(&key(2), "+15550100").await.unwrap(),
        ClaimOutcome::Claimed
    );
    drop(journal);
    let journal = open(&path, "w3");
    assert_eq!(state(&journal, 3).await, None, "the reopening is replayed");
    assert_eq!(state(&journal, 2).await, Some(RowState::Abandoned));
}

#[cfg(unix)]
#[tokio::test]
async fn a_failed_write_stops_every_later_write() {
    // /dev/full accepts the open and fails every write with ENOSPC.
    let full = Path::new("/dev/full");
    if !full.exists() {
        return;
    }
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(full)
        .unwrap();
    let journal = FileJournal {
        path: full.to_path_buf(),
        campaign: campaign(),
        worker: WorkerId::new("w"),
        repaired: 0,
        inner: Arc::new(Mutex::new(Inner {
            file,
            len: 0,
            entries: HashMap::new(),
            failed: None,
        })),
    };
    assert!(matches!(
        journal.claim(&key(1), "+1").await,
        Err(JournalError::Io { .. })
    ));
    let error = journal.claim(&key(2), "+1").await.unwrap_err();
    assert!(error.to_string().contains("refused a write"), "{error}");
    assert!(
        journal.entries().await.unwrap().is_empty(),
        "no claim without a record"
    );
}
