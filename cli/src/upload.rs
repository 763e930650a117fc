//! `mirai upload-knowledge-base`: a whole file into the knowledge base. The API splits an upload into three
//! operations (`startKnowledgeBaseUpload`, `uploadKnowledgeBaseChunk` per chunk, `completeKnowledgeBaseUpload`);
//! the chunk upload is multipart, which the generated client cannot send, so this command uses the SDK's upload,
//! which runs all three.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use mirai_voice::knowledge_base::Upload;

use crate::failure::Failure;
use crate::global::GlobalArgs;
use crate::output;

/// The flags of `mirai upload-knowledge-base`.
#[derive(Debug, Args)]
pub struct UploadArgs {
    /// The file (.pdf, .txt, .docx or .md; the extension decides the MIME type).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Upload under this file name instead of the path's.
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Wait until the file is processed, for at most this many seconds.
    #[arg(long, value_name = "SECONDS")]
    pub wait: Option<u64>,
}

/// Uploads the file and prints its ids and status as JSON.
pub async fn run(args: UploadArgs, global: &GlobalArgs) -> Result<(), Failure> {
    if global.dry_run {
        return Err(Failure::usage(
            "--dry-run is not supported by upload-knowledge-base (it sends several requests)",
        ));
    }
    let client = global.client()?;
    let mut upload = Upload::file(&args.file);
    if let Some(name) = args.name {
        upload = upload.file_name(name);
    }
    let mut request = client.knowledge_base().upload(upload);
    if let Some(seconds) = args.wait {
        request = request.wait_until_ready(Duration::from_secs(2), Duration::from_secs(seconds));
    }
    let uploaded = request.send().await?;
    output::json(&serde_json::json!({
        "sessionId": uploaded.session_id.to_string(),
        "knowledgeBaseId": uploaded.knowledge_base_id.to_string(),
        "status": uploaded.status.as_ref().map(|status| status.as_str()),
    }));
    Ok(())
}
