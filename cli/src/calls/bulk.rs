//! `mirai calls bulk`: one call per CSV row, with a journal that never dials a row twice.

mod journal;
mod progress;
mod report;
mod wait;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;
use mirai_voice::campaign::{
    Campaign, CampaignId, CampaignOptions, CampaignRow, Rate, RowKey, StopSignal, WorkerId,
    parse_csv,
};
use mirai_voice::ids::AssistantId;

use crate::exit::Exit;
use crate::failure::Failure;
use crate::global::GlobalArgs;

/// The help shown after `mirai calls bulk --help`: the file format, the journal and the exit codes.
const BULK_HELP: &str = "\
The CSV file has a header row. Columns: phone (required, E.164), id (optional row name, unique; default
row-<n>), payload (the whole payload as a JSON object), payload.<key> (one payload key), metadata.<key> (one
metadata key). Every call also carries metadata campaign=<campaign id> and campaignRow=<row>.

Each row is claimed in the journal (written to disk, or to Redis) before its call is sent, and its result is
recorded after. A restart skips placed and failed rows, dials the rows never claimed, and never dials a row
whose outcome is unknown (sent without a clear answer, or claimed by a run that died): those are listed for a
person to check, then dialed again only with --retry-unknown or --retry-row ROW.

Exit codes:
  0  every row placed (or being dialed by another worker)
  1  some rows failed (invalid, or refused by the API) or were not reached (stopped)
  2  usage error: bad flags, unreadable file, a journal of another campaign or in use; nothing was sent
  3  the journal's Redis could not be reached, or a journal write failed mid-run (no row was dialed after it)
  4  some rows have an unknown outcome: check them before dialing them again";

/// Places one call per row of a CSV file, at a bounded concurrency and rate, with a journal that makes a
/// restart after Ctrl-C, kill -9 or a crash resume the rest without dialing any row twice.
#[derive(Debug, Args)]
#[command(after_help = BULK_HELP)]
pub struct BulkArgs {
    /// The rows: a CSV file with a `phone` column (see below for the others).
    #[arg(long, value_name = "FILE")]
    pub csv: PathBuf,
    /// The assistant that places the calls.
    #[arg(long, value_name = "ID")]
    pub assistant: String,
    /// The most calls in flight at once.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub concurrency: u16,
    /// The most calls started per second or minute, e.g. `5/s`, `120/m` (default: no limit).
    #[arg(long, value_name = "R/s")]
    pub rate: Option<Rate>,
    /// Where the campaign is recorded: a file (default `<csv>.journal`), or `redis://host:port/db` to share the
    /// campaign between workers on several machines.
    #[arg(long, value_name = "PATH|redis://…")]
    pub journal: Option<String>,
    /// Names the campaign (default: a digest of the CSV file and the assistant, so an edited file is a new
    /// campaign). With a name, edits keep the journal: give the rows an `id` column then.
    #[arg(long, value_name = "NAME")]
    pub campaign: Option<String>,
    /// The URL that receives each call's webhook events (with --wait, default: the local receiver).
    #[arg(long, value_name = "URL")]
    pub callback_url: Option<String>,
    /// Dial rows that failed in an earlier run again (they were never placed).
    #[arg(long)]
    pub retry_failed: bool,
    /// Dial rows whose outcome is unknown again: only after checking that none of them was placed.
    #[arg(long)]
    pub retry_unknown: bool,
    /// Dial this row again if it failed or its outcome is unknown (after checking it); repeatable.
    #[arg(long = "retry-row", value_name = "ROW")]
    pub retry_rows: Vec<String>,
    /// Redis journal: seconds a worker may go silent before its unfinished rows count as abandoned.
    #[arg(long, value_name = "SECS", default_value_t = 15, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub heartbeat_ttl: u64,
    /// Wait for each placed call's final outcome (webhooks to a local receiver, see --listen) and write the
    /// results CSV.
    #[arg(long)]
    pub wait: bool,
    /// With --wait: how long to wait for the calls to end, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 3600)]
    pub wait_timeout: u64,
    /// With --wait: the address of the local webhook receiver. Without --callback-url the calls send their
    /// events to it directly, which only an API on this machine (the emulator) can reach; otherwise forward
    /// the public --callback-url to it (e.g. with a tunnel).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// Write one line per row (state, call id and, with --wait, the final status) to this CSV file (default
    /// with --wait: `<csv>.results.csv`).
    #[arg(long, value_name = "FILE")]
    pub results: Option<PathBuf>,
}

/// Runs `mirai calls bulk`.
pub async fn run(args: BulkArgs, global: &GlobalArgs) -> Result<(), Failure> {
    let bytes = std::fs::read(&args.csv)
        .map_err(|e| Failure::usage(format!("cannot read {}: {e}", args.csv.display())))?;
    let rows =
        parse_csv(&bytes).map_err(|e| Failure::usage(format!("{}: {e}", args.csv.display())))?;
    let assistant: AssistantId = args
        .assistant
        .parse()
        .map_err(|e| Failure::usage(format!("--assistant: {e}")))?;
    let campaign_id = match &args.campaign {
        Some(name) => CampaignId::named(name.clone()).map_err(|e| Failure::usage(e.to_string()))?,
        None => CampaignId::derive(&bytes, &assistant),
    };
    if global.dry_run {
        report::print_plan(&campaign_id, &rows);
        return Ok(());
    }
    let config = global.config()?;
    let client = mirai_voice::Client::new(config.clone())?;

    let receiver = if args.wait {
        Some(wait::Receiver::start(args.listen, config.private_key().clone()).await?)
    } else {
        None
    };
    let callback_url = args
        .callback_url
        .clone()
        .or_else(|| receiver.as_ref().map(wait::Receiver::callback_url));

    let worker = WorkerId::generate();
    let journal_spec = args
        .journal
        .clone()
        .unwrap_or_else(|| default_path(&args.csv, "journal").display().to_string());
    let journal = journal::open(
        &journal_spec,
        campaign_id.clone(),
        worker.clone(),
        Duration::from_secs(args.heartbeat_ttl),
    )
    .await?;

    let mut options = CampaignOptions::new()
        .concurrency(usize::from(args.concurrency))
        .rate(args.rate)
        .retry_failed(args.retry_failed)
        .retry_unknown(args.retry_unknown)
        .retry_rows(args.retry_rows.iter().map(RowKey::new));
    if let Some(url) = callback_url {
        options = options.callback_url(url);
    }
    let campaign = Campaign::new(client, assistant, journal, options);

    eprintln!(
        "campaign {campaign_id}: {} rows, journal {}, worker {worker}",
        rows.len(),
        journal::describe(&journal_spec)
    );
    let stop = StopSignal::new();
    watch_interrupts(stop.clone());
    let bar = progress::Progress::new(rows.len() as u64, "dialing");
    let report = campaign
        .run(&rows, &stop, |row| bar.row(row))
        .await
        .map_err(journal::failure)?;
    bar.finish();

    let outcomes = match &receiver {
        Some(receiver) => {
            receiver
                .outcomes(&report, Duration::from_secs(args.wait_timeout))
                .await
        }
        None => Default::default(),
    };
    let results_path = args
        .results
        .clone()
        .or_else(|| args.wait.then(|| default_path(&args.csv, "results.csv")));
    if let Some(path) = &results_path {
        report::write_results(path, &report, &outcomes)
            .map_err(|e| Failure::usage(format!("cannot write {}: {e}", path.display())))?;
    }
    report::print_summary(&report, &outcomes, results_path.as_deref());
    verdict(&report, &rows, &args)
}

/// The exit status of a finished run.
fn verdict(
    report: &mirai_voice::campaign::CampaignReport,
    rows: &[CampaignRow],
    args: &BulkArgs,
) -> Result<(), Failure> {
    let summary = report.summary();
    for name in &args.retry_rows {
        if !report.reopened.iter().any(|key| key.as_str() == name) {
            let known = rows.iter().any(|row| row.key.as_str() == name);
            eprintln!(
                "warning: --retry-row {name} was not reopened: {}",
                if known {
                    "it is placed, being dialed, or had no entry"
                } else {
                    "no such row in the file"
                }
            );
        }
    }
    if let Some(error) = &report.journal_error {
        return Err(Failure::Other {
            exit: Exit::Transport,
            message: format!("{error}; the run stopped and no row was dialed after it"),
        });
    }
    if summary.unknown > 0 {
        return Err(Failure::Other {
            exit: Exit::OutcomeUnknown,
            message: format!(
                "{} row(s) have an unknown outcome: check each (listed above; the call's metadata has campaignRow) before dialing it again with --retry-row ROW",
                summary.unknown
            ),
        });
    }
    if summary.failed > 0 || summary.not_started > 0 {
        return Err(Failure::Other {
            exit: Exit::Api,
            message: format!(
                "{} row(s) failed and {} were not reached",
                summary.failed, summary.not_started
            ),
        });
    }
    Ok(())
}

/// `<csv>.<suffix>` next to the rows file.
fn default_path(csv: &Path, suffix: &str) -> PathBuf {
    let mut name = csv.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}

/// The first Ctrl-C (or SIGTERM) stops starting calls (those in flight finish and are recorded); a second one
/// exits at once, leaving the calls in flight `dialing` in the journal (reported as unknown by the next run).
fn watch_interrupts(stop: StopSignal) {
    tokio::spawn(async move {
        if !interrupted().await {
            return;
        }
        eprintln!(
            "\nstopping: no new calls; waiting for the calls in flight (Ctrl-C again to quit now)"
        );
        stop.stop();
        if interrupted().await {
            eprintln!(
                "quitting: rows in flight stay `dialing` and the next run lists them to check"
            );
            std::process::exit(130);
        }
    });
}

/// Waits for Ctrl-C or, on Unix, SIGTERM; `false` if neither can be watched.
async fn interrupted() -> bool {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut terminate) = signal(SignalKind::terminate()) else {
            return tokio::signal::ctrl_c().await.is_ok();
        };
        tokio::select! {
            result = tokio::signal::ctrl_c() => result.is_ok(),
            received = terminate.recv() => received.is_some(),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await.is_ok()
    }
}
