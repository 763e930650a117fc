//! Knowledge-base upload failures that are not API errors.

use std::time::Duration;

use super::KnowledgeBaseStatus;

/// An upload could not be carried out, or its file did not become ready.
///
/// Limit violations are found earlier, before any request, as
/// [`ValidationError::KnowledgeBase`](crate::error::ValidationError::KnowledgeBase).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KnowledgeBaseError {
    /// The file to upload could not be read.
    #[error("cannot read the file to upload ({path}): {detail}")]
    Unreadable {
        /// The file's path.
        path: String,
        /// What went wrong.
        detail: String,
    },
    /// The API could not process the uploaded file.
    #[error(
        "knowledge-base file {knowledge_base_id} failed processing: check that it is a readable .pdf, .txt, .docx or .md file and upload it again"
    )]
    ProcessingFailed {
        /// The file's id.
        knowledge_base_id: crate::ids::KnowledgeBaseFileId,
    },
    /// The file was still not ready when the wait ended.
    #[error(
        "knowledge-base file {knowledge_base_id} was not ready after {waited:?} (last status: {}): check it later with getKnowledgeBaseFile",
        last_status.as_ref().map_or("none", KnowledgeBaseStatus::as_str)
    )]
    NotReady {
        /// The file's id.
        knowledge_base_id: crate::ids::KnowledgeBaseFileId,
        /// How long the client waited.
        waited: Duration,
        /// The last status seen.
        last_status: Option<KnowledgeBaseStatus>,
    },
}

impl KnowledgeBaseError {
    /// The operation the failure was observed in, if it was an API operation.
    pub fn operation_id(&self) -> Option<&'static str> {
        match self {
            Self::Unreadable { .. } => None,
            Self::ProcessingFailed { .. } | Self::NotReady { .. } => Some("getKnowledgeBaseFile"),
        }
    }
}
