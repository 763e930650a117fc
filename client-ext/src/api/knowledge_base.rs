//! The knowledge base: files, collections and chunked uploads.

use bytes::Bytes;
use mirai_voice_generated::prelude::*;
use mirai_voice_generated::types;
use mirai_voice_generated::{OperationSpec, operations};
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, CONTENT_TYPE};

use super::{Envelope, ListEnvelope, missing_data, missing_field, require_id};
use crate::client::Client;
use crate::error::ValidationError;
use crate::ids::{KnowledgeBaseFileId, UploadSessionId};
use crate::knowledge_base::multipart::chunk_form;
use crate::knowledge_base::{
    KnowledgeBaseFile, Upload, UploadCompleted, UploadPlan, UploadRequest,
};
use crate::operation::{Idempotency, OperationContext};

/// The knowledge-base operations; see [`Client::knowledge_base`].
#[derive(Clone, Copy, Debug)]
pub struct KnowledgeBase<'a> {
    client: &'a Client,
}

impl<'a> KnowledgeBase<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Self { client }
    }

    /// Lists the workspace's files (`listKnowledgeBaseFiles`).
    pub async fn list(&self) -> crate::Result<Vec<KnowledgeBaseFile>> {
        let list: ListEnvelope<KnowledgeBaseFile> = self
            .client
            .run_tolerant(operations::LIST_KNOWLEDGE_BASE_FILES, |c| {
                c.list_knowledge_base_files().send()
            })
            .await?;
        Ok(list.into_items())
    }

    /// Fetches one file, e.g. to see whether it is `ready` (`getKnowledgeBaseFile`).
    ///
    /// ```no_run
    /// # async fn example(client: mirai_voice::Client) -> mirai_voice::Result<()> {
    /// let file = client.knowledge_base().get("6650f0c2a1b2c3d4e5f60718").await?;
    /// println!("{:?} {:?}%", file.status, file.processing_percentage);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get(
        &self,
        knowledge_base_id: impl Into<KnowledgeBaseFileId>,
    ) -> crate::Result<KnowledgeBaseFile> {
        static OP: &OperationSpec = operations::GET_KNOWLEDGE_BASE_FILE;
        let id = knowledge_base_id.into();
        require_id(OP.operation_id, "knowledge_base_id", id.as_str())?;
        let (status, envelope): (_, Envelope<KnowledgeBaseFile>) = self
            .client
            .run_tolerant_status(OP, |c| {
                c.get_knowledge_base_file().knowledge_base_id(&id).send()
            })
            .await?;
        envelope.data.ok_or_else(|| missing_data(OP, status))
    }

    /// Deletes a collection (`deleteKnowledgeBaseCollection`); one an assistant uses cannot be deleted (409).
    pub async fn delete_collection(
        &self,
        collection_name: impl AsRef<str>,
    ) -> crate::Result<types::DeleteKnowledgeBaseCollectionResponse> {
        static OP: &OperationSpec = operations::DELETE_KNOWLEDGE_BASE_COLLECTION;
        let name = collection_name.as_ref();
        require_id(OP.operation_id, "collection_name", name)?;
        let response = self
            .client
            .run(OP, |c| {
                c.delete_knowledge_base_collection()
                    .collection_name(name)
                    .send()
            })
            .await?;
        Ok(response.into_inner())
    }

    /// Uploads a file: plans the chunks, starts a session, sends the chunks in order and completes it. Limits
    /// (100 MiB per file, 10 MiB per chunk, 1000 chunks, supported types) are checked before any request.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use mirai_voice::knowledge_base::Upload;
    ///
    /// # async fn example(client: mirai_voice::Client) -> mirai_voice::Result<()> {
    /// let uploaded = client
    ///     .knowledge_base()
    ///     .upload(Upload::file("handbook.pdf"))
    ///     .progress(|p| println!("{}/{} chunks", p.chunks_sent, p.total_chunks))
    ///     .wait_until_ready(Duration::from_secs(2), Duration::from_secs(300))
    ///     .send()
    ///     .await?;
    /// println!("{} is {:?}", uploaded.knowledge_base_id, uploaded.status);
    /// # Ok(())
    /// # }
    /// ```
    pub fn upload(&self, upload: Upload) -> UploadRequest<'a> {
        UploadRequest::new(self.client, upload)
    }

    /// Starts an upload session for `plan` (`startKnowledgeBaseUpload`) and returns its id. Most callers want
    /// [`upload`](Self::upload), which runs the whole sequence.
    pub async fn start_upload(&self, plan: &UploadPlan) -> crate::Result<UploadSessionId> {
        static OP: &OperationSpec = operations::START_KNOWLEDGE_BASE_UPLOAD;
        let response = self
            .client
            .run(OP, |c| {
                c.start_knowledge_base_upload()
                    .body_map(|body| {
                        body.file_name(plan.file_name().to_owned())
                            .file_size(plan.file_size())
                            .mime_type(plan.mime_type())
                            .total_chunks(u64::from(plan.total_chunks()))
                    })
                    .send()
            })
            .await?;
        let status = response.status();
        response
            .into_inner()
            .session_id
            .filter(|id| !id.as_str().is_empty())
            .ok_or_else(|| missing_field(OP, status, "sessionId"))
    }

    /// Sends chunk `index` of `plan` (`uploadKnowledgeBaseChunk`, a `multipart/form-data` request with the
    /// fields `chunkIndex` and `chunk`). `bytes` must be exactly that chunk; anything else is rejected before
    /// sending.
    ///
    /// Retried like an idempotent request: the server files the chunk under its index, so a repeat replaces it.
    pub async fn upload_chunk(
        &self,
        session_id: impl Into<UploadSessionId>,
        plan: &UploadPlan,
        index: u32,
        bytes: impl Into<Bytes>,
    ) -> crate::Result<()> {
        static OP: &OperationSpec = operations::UPLOAD_KNOWLEDGE_BASE_CHUNK;
        let session_id = session_id.into();
        let session_id = session_id.as_str();
        require_id(OP.operation_id, "session_id", session_id)?;
        let invalid = |message: String| ValidationError::InvalidRequest {
            operation_id: Some(OP.operation_id),
            message,
        };
        let chunk = plan.chunk(index).ok_or_else(|| {
            invalid(format!(
                "chunk index {index} is outside the plan's {} chunks",
                plan.total_chunks()
            ))
        })?;
        let bytes = bytes.into();
        if bytes.len() as u64 != chunk.len {
            return Err(invalid(format!(
                "chunk {index} must have {} bytes, not {}",
                chunk.len,
                bytes.len()
            ))
            .into());
        }
        let spec = OP;
        let operation = OperationContext::from(spec).with_idempotency(Idempotency::Idempotent);
        let form = chunk_form(index, plan.file_name(), plan.mime_type(), &bytes);
        let path = spec
            .path
            .replace("{sessionId}", &progenitor_client::encode_path(session_id));
        self.client
            .send_raw(spec, operation, |http, base_url| {
                http.post(format!("{base_url}{path}"))
                    .header(ACCEPT, "application/json")
                    .header(CONTENT_TYPE, form.content_type)
                    .body(form.body)
            })
            .await?;
        Ok(())
    }

    /// Completes an upload session (`completeKnowledgeBaseUpload`); processing starts.
    pub async fn complete_upload(
        &self,
        session_id: impl Into<UploadSessionId>,
    ) -> crate::Result<UploadCompleted> {
        Ok(self.complete_upload_with_status(session_id).await?.1)
    }

    pub(crate) async fn complete_upload_with_status(
        &self,
        session_id: impl Into<UploadSessionId>,
    ) -> crate::Result<(StatusCode, UploadCompleted)> {
        static OP: &OperationSpec = operations::COMPLETE_KNOWLEDGE_BASE_UPLOAD;
        let session_id = session_id.into();
        require_id(OP.operation_id, "session_id", session_id.as_str())?;
        self.client
            .run_tolerant_status(OP, |c| {
                c.complete_knowledge_base_upload()
                    .session_id(&session_id)
                    .send()
            })
            .await
    }
}
