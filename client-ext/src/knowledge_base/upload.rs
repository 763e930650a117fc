//! Uploading a file to the knowledge base: plan, start, chunks in order, complete, optionally wait.

use mirai_voice_generated::operations;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use bytes::Bytes;
use tokio::io::AsyncReadExt;
use tokio::time::Instant;

use super::{
    ChunkSpec, KnowledgeBaseError, KnowledgeBaseFile, KnowledgeBaseStatus, MAX_CHUNK_BYTES,
    UploadPlan,
};
use crate::api::{KnowledgeBase, missing_field};
use crate::client::Client;
use crate::error::{Error, ValidationError};

/// What to upload: a file on disk or bytes in memory.
///
/// The file name decides the MIME type (`.pdf`, `.txt`, `.docx`, `.md`).
///
/// ```
/// use mirai_voice::knowledge_base::Upload;
///
/// let from_disk = Upload::file("docs/handbook.pdf");
/// let in_memory = Upload::bytes("faq.md", "# FAQ\n".as_bytes().to_vec());
/// let renamed = Upload::file("exports/export-17.txt").file_name("returns-policy.txt");
/// # let _ = (from_disk, in_memory, renamed);
/// ```
#[derive(Clone)]
pub struct Upload {
    source: Source,
    file_name: Option<String>,
}

#[derive(Clone)]
enum Source {
    File(PathBuf),
    Bytes(Bytes),
}

impl Upload {
    /// The file at `path`, read chunk by chunk (never all at once). Its name is the path's last component.
    pub fn file(path: impl Into<PathBuf>) -> Self {
        Self {
            source: Source::File(path.into()),
            file_name: None,
        }
    }

    /// `bytes`, uploaded under `file_name`.
    pub fn bytes(file_name: impl Into<String>, bytes: impl Into<Bytes>) -> Self {
        Self {
            source: Source::Bytes(bytes.into()),
            file_name: Some(file_name.into()),
        }
    }

    /// Uploads under `file_name` instead.
    pub fn file_name(mut self, file_name: impl Into<String>) -> Self {
        self.file_name = Some(file_name.into());
        self
    }
}

impl fmt::Debug for Upload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Upload");
        match &self.source {
            Source::File(path) => s.field("path", path),
            Source::Bytes(bytes) => s.field("bytes", &bytes.len()),
        };
        s.field("file_name", &self.file_name).finish()
    }
}

/// How far an upload has come; passed to the [`progress`](UploadRequest::progress) callback after each chunk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct UploadProgress {
    /// Bytes of the file sent so far.
    pub bytes_sent: u64,
    /// The file's size.
    pub total_bytes: u64,
    /// Chunks sent so far.
    pub chunks_sent: u32,
    /// Chunks in the upload.
    pub total_chunks: u32,
}

impl UploadProgress {
    /// The share of bytes sent, from 0.0 to 1.0.
    pub fn fraction(&self) -> f64 {
        if self.total_bytes == 0 {
            1.0
        } else {
            self.bytes_sent as f64 / self.total_bytes as f64
        }
    }
}

/// A completed upload.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct UploadedFile {
    /// The upload session's id.
    pub session_id: crate::ids::UploadSessionId,
    /// The new file's id.
    pub knowledge_base_id: crate::ids::KnowledgeBaseFileId,
    /// The last status seen: from completion, or from the last poll when waiting.
    pub status: Option<KnowledgeBaseStatus>,
    /// The file as last fetched, when [`wait_until_ready`](UploadRequest::wait_until_ready) was used.
    pub file: Option<KnowledgeBaseFile>,
}

type ProgressCallback<'a> = Box<dyn FnMut(UploadProgress) + Send + 'a>;

/// An upload to configure and [`send`](Self::send); see [`KnowledgeBase::upload`].
#[must_use = "an upload does nothing until `send` is awaited"]
pub struct UploadRequest<'a> {
    client: &'a Client,
    upload: Upload,
    chunk_size: u64,
    progress: Option<ProgressCallback<'a>>,
    wait: Option<(Duration, Duration)>,
}

impl<'a> UploadRequest<'a> {
    pub(crate) fn new(client: &'a Client, upload: Upload) -> Self {
        Self {
            client,
            upload,
            chunk_size: MAX_CHUNK_BYTES,
            progress: None,
            wait: None,
        }
    }

    /// Uses chunks of `chunk_size` bytes (default and maximum [`MAX_CHUNK_BYTES`]); smaller chunks give finer
    /// progress and cheaper retries, within the 1000-chunk limit.
    pub fn chunk_size(mut self, chunk_size: u64) -> Self {
        self.chunk_size = chunk_size;
        self
    }

    /// Calls `callback` after each chunk is accepted.
    pub fn progress(mut self, callback: impl FnMut(UploadProgress) + Send + 'a) -> Self {
        self.progress = Some(Box::new(callback));
        self
    }

    /// After completing, polls the file every `poll_interval` until it is `ready`, for at most `timeout`.
    /// A `failed` file gives [`KnowledgeBaseError::ProcessingFailed`], a file still processing at the end
    /// [`KnowledgeBaseError::NotReady`].
    pub fn wait_until_ready(mut self, poll_interval: Duration, timeout: Duration) -> Self {
        self.wait = Some((poll_interval, timeout));
        self
    }

    /// Runs the upload: checks the limits and credentials (nothing is sent if they fail), starts a session,
    /// sends every chunk in order, completes the session and, if asked, waits for processing.
    ///
    /// Each chunk goes through the client's executor and is retried like an idempotent request (its
    /// `chunkIndex` makes a repeat harmless). Should a chunk fail for good, the session is left unfinished and
    /// the error is returned.
    pub async fn send(mut self) -> crate::Result<UploadedFile> {
        let kb = KnowledgeBase::new(self.client);
        let mut needed = vec![
            operations::START_KNOWLEDGE_BASE_UPLOAD,
            operations::UPLOAD_KNOWLEDGE_BASE_CHUNK,
            operations::COMPLETE_KNOWLEDGE_BASE_UPLOAD,
        ];
        if self.wait.is_some() {
            needed.push(operations::GET_KNOWLEDGE_BASE_FILE);
        }
        for operation in needed {
            self.client.credentials().check(operation)?;
        }

        let mut reader = ChunkReader::open(&self.upload).await?;
        let file_name = match &self.upload.file_name {
            Some(name) => name.clone(),
            None => reader.default_name()?,
        };
        let plan = UploadPlan::with_chunk_size(&file_name, reader.size, self.chunk_size)?;

        let session_id = kb.start_upload(&plan).await?;
        let mut progress = UploadProgress {
            bytes_sent: 0,
            total_bytes: plan.file_size(),
            chunks_sent: 0,
            total_chunks: plan.total_chunks(),
        };
        for chunk in plan.chunks() {
            let bytes = reader.read(chunk).await?;
            if let Err(error) = kb
                .upload_chunk(&session_id, &plan, chunk.index, bytes)
                .await
            {
                tracing::warn!(
                    session_id = %session_id,
                    chunk_index = chunk.index,
                    "knowledge-base chunk upload failed; the session is left unfinished"
                );
                return Err(error);
            }
            progress.bytes_sent += chunk.len;
            progress.chunks_sent += 1;
            if let Some(callback) = self.progress.as_mut() {
                callback(progress);
            }
        }

        let (status, completed) = kb.complete_upload_with_status(&session_id).await?;
        let knowledge_base_id = completed
            .knowledge_base_id
            .filter(|id| !id.as_str().is_empty())
            .ok_or_else(|| {
                missing_field(
                    operations::COMPLETE_KNOWLEDGE_BASE_UPLOAD,
                    status,
                    "knowledgeBaseId",
                )
            })?;
        let mut uploaded = UploadedFile {
            session_id,
            knowledge_base_id,
            status: completed.knowledge_base_status,
            file: None,
        };
        if uploaded.status == Some(KnowledgeBaseStatus::Failed) {
            return Err(processing_failed(&uploaded.knowledge_base_id));
        }
        if let Some((poll_interval, timeout)) = self.wait {
            let file =
                wait_until_ready(&kb, &uploaded.knowledge_base_id, poll_interval, timeout).await?;
            uploaded.status = file.status.clone();
            uploaded.file = Some(file);
        }
        Ok(uploaded)
    }
}

impl fmt::Debug for UploadRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UploadRequest")
            .field("upload", &self.upload)
            .field("chunk_size", &self.chunk_size)
            .field("progress", &self.progress.is_some())
            .field("wait", &self.wait)
            .finish()
    }
}

fn processing_failed(knowledge_base_id: &crate::ids::KnowledgeBaseFileId) -> Error {
    KnowledgeBaseError::ProcessingFailed {
        knowledge_base_id: knowledge_base_id.to_owned(),
    }
    .into()
}

/// Polls the file until it is `ready`; at least one poll is made.
async fn wait_until_ready(
    kb: &KnowledgeBase<'_>,
    knowledge_base_id: &crate::ids::KnowledgeBaseFileId,
    poll_interval: Duration,
    timeout: Duration,
) -> crate::Result<KnowledgeBaseFile> {
    let started = Instant::now();
    let deadline = started + timeout;
    loop {
        let file = kb.get(knowledge_base_id).await?;
        match &file.status {
            Some(KnowledgeBaseStatus::Ready) => return Ok(file),
            Some(KnowledgeBaseStatus::Failed) => return Err(processing_failed(knowledge_base_id)),
            _ => {}
        }
        let now = Instant::now();
        if now >= deadline {
            return Err(KnowledgeBaseError::NotReady {
                knowledge_base_id: knowledge_base_id.to_owned(),
                waited: now.duration_since(started),
                last_status: file.status,
            }
            .into());
        }
        tokio::time::sleep(poll_interval.min(deadline - now)).await;
    }
}

/// Reads the chunks of an [`Upload`] in order.
struct ChunkReader {
    source: ReaderSource,
    size: u64,
}

enum ReaderSource {
    File {
        path: PathBuf,
        file: tokio::fs::File,
    },
    Bytes(Bytes),
}

impl ChunkReader {
    async fn open(upload: &Upload) -> crate::Result<Self> {
        match &upload.source {
            Source::Bytes(bytes) => Ok(Self {
                size: bytes.len() as u64,
                source: ReaderSource::Bytes(bytes.clone()),
            }),
            Source::File(path) => {
                let io_error = |e: std::io::Error| unreadable(path, e.to_string());
                let file = tokio::fs::File::open(path).await.map_err(io_error)?;
                let metadata = file.metadata().await.map_err(io_error)?;
                if !metadata.is_file() {
                    return Err(unreadable(path, "not a regular file"));
                }
                Ok(Self {
                    size: metadata.len(),
                    source: ReaderSource::File {
                        path: path.clone(),
                        file,
                    },
                })
            }
        }
    }

    /// The name of the file on disk, when none was given.
    fn default_name(&self) -> crate::Result<String> {
        let ReaderSource::File { path, .. } = &self.source else {
            // `Upload::bytes` always has a name.
            return Err(ValidationError::KnowledgeBase(super::PlanError::EmptyFileName).into());
        };
        path.file_name()
            .and_then(|name| name.to_str())
            .map(str::to_owned)
            .ok_or_else(|| {
                ValidationError::InvalidRequest {
                    operation_id: Some("startKnowledgeBaseUpload"),
                    message:
                        "the file name is not valid UTF-8: name the upload with Upload::file_name"
                            .into(),
                }
                .into()
            })
    }

    /// The bytes of `chunk`; chunks must be read in order.
    async fn read(&mut self, chunk: ChunkSpec) -> crate::Result<Bytes> {
        match &mut self.source {
            ReaderSource::Bytes(bytes) => {
                // The plan was made from this length, so the range is inside it.
                let range = chunk.range();
                Ok(bytes.slice(range.start as usize..range.end as usize))
            }
            ReaderSource::File { path, file } => {
                let len = usize::try_from(chunk.len)
                    .map_err(|_| unreadable(path, "chunk too large for memory"))?;
                let mut buf = vec![0; len];
                file.read_exact(&mut buf).await.map_err(|e| {
                    unreadable(
                        path,
                        format!("{e} (did the file change during the upload?)"),
                    )
                })?;
                Ok(Bytes::from(buf))
            }
        }
    }
}

fn unreadable(path: &std::path::Path, detail: impl Into<String>) -> Error {
    KnowledgeBaseError::Unreadable {
        path: path.display().to_string(),
        detail: detail.into(),
    }
    .into()
}
