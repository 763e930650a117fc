//! Knowledge-base uploads.
//!
//! The API takes a file in numbered chunks: start a session (`fileName`, `fileSize`, `totalChunks`, `mimeType`),
//! send each chunk (`chunkIndex` from 0), then complete. [`UploadPlan`] checks the documented limits and computes
//! the chunks before any request is sent.

#![warn(missing_docs)]

mod plan;

pub use plan::{
    ChunkSpec, DocumentType, MAX_CHUNK_BYTES, MAX_CHUNKS, MAX_FILE_BYTES, MAX_FILE_NAME_CHARS,
    PlanError, UploadPlan,
};
