//! Knowledge-base files as the API reports them.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The processing status of a knowledge-base file.
///
/// Values added to the API later parse into [`KnowledgeBaseStatus::Unknown`].
///
/// ```
/// use mirai_voice::knowledge_base::KnowledgeBaseStatus;
/// assert_eq!(KnowledgeBaseStatus::from("ready"), KnowledgeBaseStatus::Ready);
/// assert_eq!(KnowledgeBaseStatus::from("queued").as_str(), "queued");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KnowledgeBaseStatus {
    /// `processing`: being indexed.
    Processing,
    /// `ready`: available to assistants.
    Ready,
    /// `failed`: indexing failed.
    Failed,
    /// A status this version of the SDK does not know, kept verbatim.
    Unknown(String),
}

impl KnowledgeBaseStatus {
    /// The wire value, e.g. `"ready"`.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Processing => "processing",
            Self::Ready => "ready",
            Self::Failed => "failed",
            Self::Unknown(other) => other,
        }
    }

    /// Whether processing is over (`ready` or `failed`).
    pub fn is_final(&self) -> bool {
        matches!(self, Self::Ready | Self::Failed)
    }
}

impl From<&str> for KnowledgeBaseStatus {
    fn from(value: &str) -> Self {
        match value {
            "processing" => Self::Processing,
            "ready" => Self::Ready,
            "failed" => Self::Failed,
            other => Self::Unknown(other.to_owned()),
        }
    }
}

impl fmt::Display for KnowledgeBaseStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for KnowledgeBaseStatus {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for KnowledgeBaseStatus {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Ok(Self::from(value.as_ref()))
    }
}

/// An uploaded knowledge-base file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct KnowledgeBaseFile {
    /// The file's id (`knowledgeBaseId` elsewhere).
    #[serde(rename = "_id")]
    pub id: Option<crate::ids::KnowledgeBaseFileId>,
    /// The original file name.
    pub file_name: Option<String>,
    /// The collection the search engine indexes it in.
    pub collection_name: Option<String>,
    /// Its processing status.
    pub status: Option<KnowledgeBaseStatus>,
    /// Indexing progress, 0 to 100, while `processing`.
    pub processing_percentage: Option<i64>,
    /// Its size in bytes.
    pub size: Option<i64>,
    /// Its MIME type.
    #[serde(rename = "type")]
    pub mime_type: Option<String>,
    /// The workspace it belongs to.
    pub workspace: Option<crate::ids::WorkspaceId>,
    /// When it was uploaded.
    pub created_at: Option<DateTime<Utc>>,
}

/// The answer to completing an upload session: processing has started.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UploadCompleted {
    /// The new file's id: poll it with [`KnowledgeBase::get`](crate::api::KnowledgeBase::get).
    pub knowledge_base_id: Option<crate::ids::KnowledgeBaseFileId>,
    /// Its status at completion (usually `processing`).
    pub knowledge_base_status: Option<KnowledgeBaseStatus>,
    /// The session that was completed.
    pub session_id: Option<crate::ids::UploadSessionId>,
    /// The API's message.
    pub message: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_and_keep_unknown_values() {
        for status in [
            KnowledgeBaseStatus::Processing,
            KnowledgeBaseStatus::Ready,
            KnowledgeBaseStatus::Failed,
            KnowledgeBaseStatus::Unknown("queued".into()),
        ] {
            let json = serde_json::to_string(&status).unwrap();
            assert_eq!(
                serde_json::from_str::<KnowledgeBaseStatus>(&json).unwrap(),
                status
            );
        }
        assert!(KnowledgeBaseStatus::Failed.is_final());
        assert!(!KnowledgeBaseStatus::Unknown("queued".into()).is_final());
    }

    #[test]
    fn files_decode_with_unknown_statuses() {
        let file: KnowledgeBaseFile = serde_json::from_str(
            r#"{"_id":"k1","fileName":"faq.pdf","status":"indexing","processingPercentage":40,"type":"application/pdf"}"#,
        )
        .unwrap();
        assert_eq!(file.id.as_ref().map(|id| id.as_str()), Some("k1"));
        assert_eq!(
            file.status,
            Some(KnowledgeBaseStatus::Unknown("indexing".into()))
        );
        assert_eq!(file.mime_type.as_deref(), Some("application/pdf"));
    }
}
