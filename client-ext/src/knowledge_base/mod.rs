//! Knowledge-base uploads.
//!
//! The API takes a file in numbered chunks: start a session (`fileName`, `fileSize`, `totalChunks`, `mimeType`),
//! send each chunk (`chunkIndex` from 0), then complete. [`UploadPlan`] checks the documented limits and computes
//! the chunks before any request is sent; [`KnowledgeBase::upload`](crate::api::KnowledgeBase::upload) runs the
//! whole sequence with an [`Upload`]:
//!
//! ```no_run
//! use mirai_voice::knowledge_base::Upload;
//!
//! # async fn example(client: mirai_voice::Client) -> mirai_voice::Result<()> {
//! let uploaded = client
//!     .knowledge_base()
//!     .upload(Upload::bytes("faq.md", "# Returns\nWithin 30 days.\n".as_bytes().to_vec()))
//!     .send()
//!     .await?;
//! println!("processing {}", uploaded.knowledge_base_id);
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

mod error;
mod file;
pub(crate) mod multipart;
mod plan;
mod upload;

pub use error::KnowledgeBaseError;
pub use file::{KnowledgeBaseFile, KnowledgeBaseStatus, UploadCompleted};
pub use plan::{
    ChunkSpec, DocumentType, MAX_CHUNK_BYTES, MAX_CHUNKS, MAX_FILE_BYTES, MAX_FILE_NAME_CHARS,
    PlanError, UploadPlan,
};
pub use upload::{Upload, UploadProgress, UploadRequest, UploadedFile};
