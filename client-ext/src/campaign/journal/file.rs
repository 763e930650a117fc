//! The file journal: append-only JSON lines, each claim and result flushed to disk before it counts.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use fs4::fs_std::FileExt;
use serde::{Deserialize, Serialize};

use super::stored::{StoredEntry, StoredState};
use super::{
    ClaimOutcome, Journal, JournalEntry, JournalError, JournalFuture, RecordOutcome, RowResult,
    RowState,
};
use crate::campaign::identity::{CampaignId, WorkerId};
use crate::campaign::rows::RowKey;

/// The `journal` value of the first line.
const FORMAT: &str = "mirai-voice-campaign";
/// The format version this code writes and reads.
const VERSION: u32 = 1;

/// The first line of a journal file.
#[derive(Debug, Serialize, Deserialize)]
struct Header {
    journal: String,
    version: u32,
    campaign: CampaignId,
}

/// A journal in a local file, for one process at a time.
///
/// The file is JSON lines: a header naming the campaign, then one line per claim, result or reopening (the
/// latest line of a row wins; see the entry format in the Redis journal's documentation, which is the same).
/// Each line is written and `fsync`ed before the call returns, so a claim is on disk before its request is sent
/// and a crash at any point leaves at worst the row `dialing`, which a restart reports as
/// [`Abandoned`](RowState::Abandoned) and does not dial.
///
/// | situation | what opening does |
/// |---|---|
/// | no file | creates it with the header (and syncs the directory) |
/// | last line torn or unreadable (the process died mid-write) | cuts it off and goes on; [`FileJournal::repaired_bytes`] says how much. That line's write had not returned, so its request was not sent (a claim) or the row stays `dialing` (a result) |
/// | an earlier line unreadable | [`JournalError::Corrupt`], nothing written |
/// | header of another campaign | [`JournalError::OtherCampaign`] |
/// | another process has the file open as a journal | [`JournalError::Locked`] (an exclusive advisory lock, released by the system when that process dies, even by `kill -9`) |
///
/// A write that fails (disk full) is cut back off the file, and the journal refuses everything after it
/// (claims included), so a run stops rather than dialing without a record.
///
/// ```no_run
/// use mirai_voice::campaign::{CampaignId, FileJournal, WorkerId};
///
/// # fn run() -> Result<(), mirai_voice::campaign::JournalError> {
/// let journal = FileJournal::open("orders.csv.journal", CampaignId::named("spring-sale").unwrap(), WorkerId::generate())?;
/// # drop(journal);
/// # Ok(())
/// # }
/// ```
pub struct FileJournal {
    path: PathBuf,
    campaign: CampaignId,
    worker: WorkerId,
    repaired: u64,
    inner: Arc<Mutex<Inner>>,
}

struct Inner {
    file: File,
    /// The length of the file's complete, synced content: where the next line goes.
    len: u64,
    entries: HashMap<RowKey, StoredEntry>,
    /// Set after a failed write: the file's end is no longer known, so nothing more is written.
    failed: Option<String>,
}

impl FileJournal {
    /// Opens (or creates) the journal at `path` for `campaign`, writing as `worker`. Blocks on file I/O.
    pub fn open(
        path: impl AsRef<Path>,
        campaign: CampaignId,
        worker: WorkerId,
    ) -> Result<Self, JournalError> {
        let path = path.as_ref().to_path_buf();
        let shown = path.display().to_string();
        let io = |source| JournalError::Io {
            path: shown.clone(),
            source,
        };
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        match FileExt::try_lock_exclusive(&file) {
            Ok(true) => {}
            Ok(false) => return Err(JournalError::Locked { path: shown }),
            Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {
                return Err(JournalError::Locked { path: shown });
            }
            Err(error) => return Err(io(error)),
        }
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(io)?;
        let replay = replay(&bytes, &shown)?;
        if replay.header.is_none() && !bytes.is_empty() && !is_torn_header(&bytes) {
            // Not a journal at all (e.g. the rows file given as the journal): never cut someone else's file.
            return Err(JournalError::Corrupt {
                path: shown,
                line: 1,
                reason: "not a campaign journal".to_owned(),
            });
        }
        let mut len = replay.complete_len;
        let repaired = bytes.len() as u64 - len;
        if repaired > 0 {
            tracing::warn!(journal = %shown, bytes = repaired, "cut off a torn last line of the campaign journal");
            file.set_len(len).map_err(io)?;
            file.sync_all().map_err(io)?;
        }
        match replay.header {
            Some(header) if header.campaign != campaign => {
                return Err(JournalError::OtherCampaign {
                    path: shown,
                    found: header.campaign.to_string(),
                    expected: campaign.to_string(),
                });
            }
            Some(_) => {}
            None => {
                let header = Header {
                    journal: FORMAT.to_owned(),
                    version: VERSION,
                    campaign: campaign.clone(),
                };
                let line = format!(
                    "{}\n",
                    serde_json::to_string(&header).expect("a header serializes")
                );
                file.seek(SeekFrom::Start(len)).map_err(io)?;
                file.write_all(line.as_bytes()).map_err(io)?;
                file.sync_all().map_err(io)?;
                sync_parent(&path).map_err(io)?;
                len += line.len() as u64;
            }
        }
        Ok(FileJournal {
            path,
            campaign,
            worker,
            repaired,
            inner: Arc::new(Mutex::new(Inner {
                file,
                len,
                entries: replay.entries,
                failed: None,
            })),
        })
    }

    /// The journal's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How many bytes of a torn last line opening cut off (0 when the file ended cleanly).
    pub fn repaired_bytes(&self) -> u64 {
        self.repaired
    }

    /// Runs `op` on the journal's state on a blocking thread (file writes and `fsync` block).
    fn with_inner<'a, T, F>(&'a self, op: F) -> JournalFuture<'a, T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Inner, &Ctx) -> Result<T, JournalError> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        let ctx = Ctx {
            path: self.path.display().to_string(),
            worker: self.worker.clone(),
        };
        Box::pin(async move {
            tokio::task::spawn_blocking(move || {
                let mut guard = lock(&inner);
                op(&mut guard, &ctx)
            })
            .await
            .map_err(|e| JournalError::Store(format!("journal task failed: {e}")))?
        })
    }
}

/// What a blocking operation needs of the journal handle.
struct Ctx {
    path: String,
    worker: WorkerId,
}

impl Ctx {
    /// A claim is in flight only if this process made it: the lock keeps every other process out.
    fn view(&self, entry: &StoredEntry) -> Option<JournalEntry> {
        entry.view(|worker| *worker == self.worker)
    }
}

fn lock(inner: &Mutex<Inner>) -> MutexGuard<'_, Inner> {
    // A panic while holding the lock cannot leave `Inner` half-updated: the map changes only after the write.
    inner
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Inner {
    /// Appends `entry` as one line and syncs it; on failure cuts the file back and refuses further writes.
    fn append(&mut self, entry: StoredEntry, ctx: &Ctx) -> Result<(), JournalError> {
        if let Some(reason) = &self.failed {
            return Err(JournalError::Store(format!(
                "campaign journal {} refused a write after an earlier one failed ({reason})",
                ctx.path
            )));
        }
        let line = format!("{}\n", entry.to_json());
        let written = self
            .file
            .seek(SeekFrom::Start(self.len))
            .and_then(|_| self.file.write_all(line.as_bytes()))
            .and_then(|()| self.file.sync_data());
        if let Err(source) = written {
            // The line may be partly on disk: cut it off so the next opening reads a clean file.
            let _ = self
                .file
                .set_len(self.len)
                .and_then(|()| self.file.sync_all());
            self.failed = Some(source.to_string());
            return Err(JournalError::Io {
                path: ctx.path.clone(),
                source,
            });
        }
        self.len += line.len() as u64;
        if entry.state == StoredState::Reopened {
            self.entries.remove(&entry.row);
        } else {
            self.entries.insert(entry.row.clone(), entry);
        }
        Ok(())
    }
}

impl std::fmt::Debug for FileJournal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileJournal")
            .field("path", &self.path)
            .field("campaign", &self.campaign)
            .field("worker", &self.worker)
            .finish_non_exhaustive()
    }
}

impl Journal for FileJournal {
    fn campaign(&self) -> &CampaignId {
        &self.campaign
    }

    fn worker(&self) -> &WorkerId {
        &self.worker
    }

    fn claim<'a>(&'a self, row: &'a RowKey, phone: &'a str) -> JournalFuture<'a, ClaimOutcome> {
        let row = row.clone();
        let phone = phone.to_owned();
        self.with_inner(move |inner, ctx| {
            if let Some(existing) = inner.entries.get(&row).and_then(|e| ctx.view(e)) {
                return Ok(ClaimOutcome::Taken(existing));
            }
            let entry = StoredEntry::now(&row, &phone, StoredState::Dialing, &ctx.worker);
            inner.append(entry, ctx)?;
            Ok(ClaimOutcome::Claimed)
        })
    }

    fn record<'a>(
        &'a self,
        row: &'a RowKey,
        result: &'a RowResult,
    ) -> JournalFuture<'a, RecordOutcome> {
        let row = row.clone();
        let state = StoredState::from(result);
        self.with_inner(move |inner, ctx| {
            let phone = match inner.entries.get(&row) {
                Some(held) if held.state == StoredState::Dialing && held.worker == ctx.worker => {
                    held.phone.clone()
                }
                other => return Ok(RecordOutcome::NotHeld(other.and_then(|e| ctx.view(e)))),
            };
            inner.append(StoredEntry::now(&row, &phone, state, &ctx.worker), ctx)?;
            Ok(RecordOutcome::Recorded)
        })
    }

    fn reopen<'a>(&'a self, entry: &'a JournalEntry) -> JournalFuture<'a, bool> {
        let entry = entry.clone();
        self.with_inner(move |inner, ctx| {
            let reopenable = inner.entries.get(&entry.row).is_some_and(|held| {
                held.is(&entry)
                    && ctx.view(held).is_some_and(|view| {
                        matches!(
                            view.state,
                            RowState::Failed { .. }
                                | RowState::Unknown { .. }
                                | RowState::Abandoned
                        )
                    })
            });
            if !reopenable {
                return Ok(false);
            }
            let line =
                StoredEntry::now(&entry.row, &entry.phone, StoredState::Reopened, &ctx.worker);
            inner.append(line, ctx)?;
            Ok(true)
        })
    }

    fn entries(&self) -> JournalFuture<'_, Vec<JournalEntry>> {
        self.with_inner(|inner, ctx| {
            Ok(inner.entries.values().filter_map(|e| ctx.view(e)).collect())
        })
    }
}

/// What the lines of a journal file hold.
#[derive(Debug)]
struct Replay {
    header: Option<Header>,
    entries: HashMap<RowKey, StoredEntry>,
    /// The length of the lines that were read; anything after is a torn last line.
    complete_len: u64,
}

/// Reads a journal file's lines: the header, then the latest entry of each row. An unreadable last line (torn
/// by a crash, with or without its newline) ends the content; an unreadable earlier line is corruption.
fn replay(bytes: &[u8], path: &str) -> Result<Replay, JournalError> {
    let mut replay = Replay {
        header: None,
        entries: HashMap::new(),
        complete_len: 0,
    };
    let mut offset = 0usize;
    let mut number = 0usize;
    while offset < bytes.len() {
        number += 1;
        let end = bytes[offset..]
            .iter()
            .position(|&b| b == b'\n')
            .map(|i| offset + i);
        let line = &bytes[offset..end.unwrap_or(bytes.len())];
        let is_last = end.is_none_or(|end| end + 1 >= bytes.len());
        let parsed = read_line(line, replay.header.is_none());
        match (parsed, end) {
            (Ok(line), Some(end)) => {
                match line {
                    Line::Header(header) => {
                        if header.journal != FORMAT || header.version != VERSION {
                            return Err(JournalError::Corrupt {
                                path: path.to_owned(),
                                line: number,
                                reason: format!(
                                    "not a version {VERSION} campaign journal (found {} version {})",
                                    header.journal, header.version
                                ),
                            });
                        }
                        replay.header = Some(header);
                    }
                    Line::Entry(entry) if entry.state == StoredState::Reopened => {
                        replay.entries.remove(&entry.row);
                    }
                    Line::Entry(entry) => {
                        replay.entries.insert(entry.row.clone(), entry);
                    }
                }
                offset = end + 1;
                replay.complete_len = offset as u64;
            }
            // No newline: the write never finished, whether or not the text happens to parse.
            (_, None) => break,
            (Err(_), Some(_)) if is_last => break,
            (Err(reason), Some(_)) => {
                return Err(JournalError::Corrupt {
                    path: path.to_owned(),
                    line: number,
                    reason,
                });
            }
        }
    }
    Ok(replay)
}

enum Line {
    Header(Header),
    Entry(StoredEntry),
}

fn read_line(line: &[u8], expect_header: bool) -> Result<Line, String> {
    if expect_header {
        serde_json::from_slice::<Header>(line)
            .map(Line::Header)
            .map_err(|e| format!("expected the journal header: {e}"))
    } else {
        serde_json::from_slice::<StoredEntry>(line)
            .map(Line::Entry)
            .map_err(|e| e.to_string())
    }
}

/// Whether `bytes` is the start of a header line cut short, the one thing a file without a header may hold.
fn is_torn_header(bytes: &[u8]) -> bool {
    let start = format!(r#"{{"journal":"{FORMAT}""#);
    let n = bytes.len().min(start.len());
    !bytes[..n].contains(&b'\n') && bytes[..n] == start.as_bytes()[..n]
}

/// Makes a new file's directory entry durable, so a created journal survives a power cut.
fn sync_parent(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let parent = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        File::open(parent)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(())
    }
}

#[cfg(test)]
mod tests;
