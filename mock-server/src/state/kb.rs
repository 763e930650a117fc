//! Knowledge base: chunked upload sessions, files and their processing on the virtual clock.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::World;
use crate::clock::rfc3339_at;
use crate::error::ApiError;

/// Largest file an upload session accepts: 100 MB.
pub const MAX_FILE_BYTES: u64 = 104_857_600;
/// Largest chunk: 10 MB.
pub const MAX_CHUNK_BYTES: u64 = 10 * 1024 * 1024;
/// Most chunks a session may declare.
pub const MAX_CHUNKS: u64 = 1000;
/// Virtual seconds a completed upload spends in `processing` before it is `ready`.
pub const PROCESSING_SECS: u64 = 30;

/// Supported MIME types and the file extensions they are inferred from.
const SUPPORTED_TYPES: [(&str, &[&str]); 4] = [
    ("application/pdf", &["pdf"]),
    ("text/plain", &["txt"]),
    (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        &["docx"],
    ),
    ("text/markdown", &["md", "markdown"]),
];

fn resolve_mime_type(declared: Option<&str>, file_name: &str) -> Option<String> {
    match declared {
        Some(mime) => SUPPORTED_TYPES
            .iter()
            .find(|(known, _)| known.eq_ignore_ascii_case(mime.trim()))
            .map(|(known, _)| (*known).to_owned()),
        None => {
            let extension = file_name.rsplit_once('.')?.1.to_ascii_lowercase();
            SUPPORTED_TYPES
                .iter()
                .find(|(_, extensions)| extensions.contains(&extension.as_str()))
                .map(|(known, _)| (*known).to_owned())
        }
    }
}

/// A chunked upload in progress.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct UploadSession {
    pub(crate) workspace: String,
    pub(crate) file_name: String,
    pub(crate) total_chunks: u64,
    pub(crate) file_size: u64,
    pub(crate) mime_type: String,
    /// Received chunk sizes by index; re-sending an index replaces it.
    pub(crate) chunks: BTreeMap<u64, u64>,
    pub(crate) knowledge_base: Option<String>,
}

/// A knowledge base file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct KbFile {
    pub(crate) id: String,
    pub(crate) workspace: String,
    pub(crate) file_name: String,
    pub(crate) collection_name: String,
    pub(crate) mime_type: String,
    pub(crate) size: u64,
    pub(crate) created_at: u64,
    /// Processing of files whose name contains `corrupt` ends in `failed`.
    pub(crate) fails: bool,
    pub(crate) deleted: bool,
}

impl KbFile {
    /// `(status, processingPercentage)` at virtual instant `now`.
    pub(crate) fn progress(&self, now: u64) -> (&'static str, u64) {
        let elapsed = now.saturating_sub(self.created_at);
        if elapsed >= PROCESSING_SECS {
            (if self.fails { "failed" } else { "ready" }, 100)
        } else {
            ("processing", elapsed * 100 / PROCESSING_SECS)
        }
    }

    /// The `KnowledgeBaseFile` schema of the spec.
    pub(crate) fn to_json(&self, now: u64) -> Value {
        let (status, percentage) = self.progress(now);
        json!({
            "_id": self.id,
            "fileName": self.file_name,
            "collectionName": self.collection_name,
            "type": self.mime_type,
            "size": self.size,
            "status": status,
            "processingPercentage": percentage,
            "workspace": self.workspace,
            "createdAt": rfc3339_at(self.created_at),
        })
    }
}

/// A validated `StartUploadSessionRequest`.
#[derive(Debug, Clone)]
pub(crate) struct NewUpload {
    pub(crate) file_name: String,
    pub(crate) total_chunks: u64,
    pub(crate) file_size: u64,
    pub(crate) mime_type: Option<String>,
}

fn collection_name(file_name: &str, id: &str) -> String {
    let stem = file_name
        .rsplit_once('.')
        .map_or(file_name, |(stem, _)| stem);
    let words = crate::ids::ascii_slugify(stem).replace('-', "_");
    let suffix = &id[id.len().saturating_sub(6)..];
    if words.is_empty() {
        format!("rag_{suffix}")
    } else {
        format!("rag_{words}_{suffix}")
    }
}

impl World {
    /// Opens an upload session, enforcing the size, chunk-count and MIME rules.
    pub(crate) fn start_upload(
        &mut self,
        workspace_id: &str,
        upload: NewUpload,
    ) -> Result<String, ApiError> {
        self.ensure_workspace_writable(workspace_id)?;
        if upload.file_size > MAX_FILE_BYTES {
            return Err(ApiError::bad_request("File size exceeds 100 MB limit"));
        }
        let mime_type = resolve_mime_type(upload.mime_type.as_deref(), &upload.file_name)
            .ok_or_else(|| ApiError::bad_request("MIME type not supported"))?;
        if upload.total_chunks > upload.file_size {
            return Err(ApiError::bad_request(
                "Validation error: totalChunks cannot exceed fileSize",
            ));
        }
        if upload.file_size > upload.total_chunks * MAX_CHUNK_BYTES {
            return Err(ApiError::bad_request(
                "Validation error: chunks may be at most 10 MB each, declare more totalChunks",
            ));
        }
        let now = self.clock.unix_now();
        let id = self.ids.session_id(now);
        self.upload_sessions.insert(
            id.clone(),
            UploadSession {
                workspace: workspace_id.to_owned(),
                file_name: upload.file_name,
                total_chunks: upload.total_chunks,
                file_size: upload.file_size,
                mime_type,
                chunks: BTreeMap::new(),
                knowledge_base: None,
            },
        );
        Ok(id)
    }

    /// The session with this id in this workspace, or `404`.
    pub(crate) fn upload_session(
        &self,
        workspace_id: &str,
        session_id: &str,
    ) -> Result<&UploadSession, ApiError> {
        self.upload_sessions
            .get(session_id)
            .filter(|s| s.workspace == workspace_id)
            .ok_or_else(|| ApiError::not_found("Upload session not found"))
    }

    /// Records a received chunk of `size` bytes at `index`.
    pub(crate) fn store_chunk(
        &mut self,
        workspace_id: &str,
        session_id: &str,
        index: i64,
        size: u64,
    ) -> Result<(), ApiError> {
        let session = self.upload_session(workspace_id, session_id)?;
        if session.knowledge_base.is_some() {
            return Err(ApiError::bad_request(
                "Upload session is not in uploading state",
            ));
        }
        let index = u64::try_from(index)
            .map_err(|_| ApiError::bad_request("chunkIndex must be a non-negative integer"))?;
        if index >= session.total_chunks {
            return Err(ApiError::bad_request(format!(
                "chunkIndex {index} is out of range: the session has {} chunks",
                session.total_chunks
            )));
        }
        if size > MAX_CHUNK_BYTES {
            return Err(ApiError::bad_request("Chunk exceeds 10 MB limit"));
        }
        if size == 0 {
            return Err(ApiError::bad_request("Missing chunk file"));
        }
        if let Some(session) = self.upload_sessions.get_mut(session_id) {
            session.chunks.insert(index, size);
        }
        Ok(())
    }

    /// Closes a session and starts processing its file.
    pub(crate) fn complete_upload(
        &mut self,
        workspace_id: &str,
        session_id: &str,
    ) -> Result<Value, ApiError> {
        let session = self.upload_session(workspace_id, session_id)?.clone();
        if session.knowledge_base.is_some() {
            return Err(ApiError::bad_request(
                "Upload session is already linked to a knowledge base",
            ));
        }
        let missing: Vec<String> = (0..session.total_chunks)
            .filter(|i| !session.chunks.contains_key(i))
            .map(|i| i.to_string())
            .collect();
        if !missing.is_empty() {
            return Err(ApiError::bad_request(format!(
                "Upload session is not in uploading state: missing chunks {}",
                missing.join(", ")
            )));
        }
        let received: u64 = session.chunks.values().sum();
        if received != session.file_size {
            return Err(ApiError::bad_request(format!(
                "Received {received} bytes but the session declared fileSize {}",
                session.file_size
            )));
        }
        let id = self.new_id();
        let file = KbFile {
            id: id.clone(),
            workspace: workspace_id.to_owned(),
            collection_name: collection_name(&session.file_name, &id),
            fails: session.file_name.to_ascii_lowercase().contains("corrupt"),
            file_name: session.file_name,
            mime_type: session.mime_type,
            size: session.file_size,
            created_at: self.now(),
            deleted: false,
        };
        self.kb_files.insert(id.clone(), file);
        if let Some(s) = self.upload_sessions.get_mut(session_id) {
            s.knowledge_base = Some(id.clone());
        }
        Ok(json!({
            "message": "Upload completed. Processing has started in the background.",
            "sessionId": session_id,
            "knowledgeBaseId": id,
            "knowledgeBaseStatus": "processing",
        }))
    }

    /// The knowledge base files of a workspace.
    pub(crate) fn list_kb_files(&self, workspace_id: &str) -> Vec<Value> {
        let now = self.now();
        self.kb_files
            .values()
            .filter(|f| f.workspace == workspace_id && !f.deleted)
            .map(|f| f.to_json(now))
            .collect()
    }

    /// One knowledge base file, or `404`.
    pub(crate) fn kb_file(&self, workspace_id: &str, id: &str) -> Result<Value, ApiError> {
        self.kb_files
            .get(id)
            .filter(|f| f.workspace == workspace_id && !f.deleted)
            .map(|f| f.to_json(self.now()))
            .ok_or_else(|| ApiError::not_found("Knowledge base file not found"))
    }

    /// Deletes a collection unless an assistant's `knowledgeBase.documents` references it.
    pub(crate) fn delete_collection(
        &mut self,
        workspace_id: &str,
        name: &str,
    ) -> Result<(), ApiError> {
        let exists = self
            .kb_files
            .values()
            .any(|f| f.workspace == workspace_id && !f.deleted && f.collection_name == name);
        if !exists {
            return Err(ApiError::not_found(
                "Collection not found for this workspace",
            ));
        }
        let in_use = self.assistants.values().any(|a| {
            a.workspace == workspace_id
                && a.knowledge_base
                    .get("documents")
                    .and_then(Value::as_array)
                    .is_some_and(|docs| {
                        docs.iter().any(|d| {
                            d.get("url")
                                .and_then(Value::as_str)
                                .is_some_and(|url| url.contains(name))
                        })
                    })
        });
        if in_use {
            return Err(ApiError::conflict(
                "Collection is in use by an assistant and cannot be deleted",
            ));
        }
        for file in self.kb_files.values_mut() {
            if file.workspace == workspace_id && file.collection_name == name {
                file.deleted = true;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::org::DEFAULT_WORKSPACE_ID as WS;
    use axum::http::StatusCode;

    fn upload(name: &str, size: u64, chunks: u64) -> NewUpload {
        NewUpload {
            file_name: name.into(),
            total_chunks: chunks,
            file_size: size,
            mime_type: None,
        }
    }

    #[test]
    fn start_enforces_limits() {
        let mut world = World::seeded();
        let status = |r: Result<String, ApiError>| r.unwrap_err().status;
        assert_eq!(
            status(world.start_upload(WS, upload("a.pdf", MAX_FILE_BYTES + 1, 11))),
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            status(world.start_upload(WS, upload("a.exe", 10, 1))),
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            status(world.start_upload(WS, upload("a.pdf", MAX_CHUNK_BYTES + 1, 1))),
            StatusCode::BAD_REQUEST
        );
        assert!(
            world
                .start_upload(WS, upload("a.pdf", MAX_FILE_BYTES, 10))
                .is_ok()
        );
        assert!(world.start_upload(WS, upload("notes.md", 5, 1)).is_ok());
    }

    #[test]
    fn a_complete_upload_becomes_ready_on_the_virtual_clock() {
        let mut world = World::seeded();
        let session = world
            .start_upload(WS, upload("Product Catalog.pdf", 15, 2))
            .unwrap();
        world.store_chunk(WS, &session, 0, 10).unwrap();
        assert_eq!(
            world.store_chunk(WS, &session, 2, 5).unwrap_err().status,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            world.store_chunk(WS, &session, -1, 5).unwrap_err().status,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            world
                .store_chunk(WS, &session, 1, MAX_CHUNK_BYTES + 1)
                .unwrap_err()
                .status,
            StatusCode::BAD_REQUEST
        );
        assert!(
            world.complete_upload(WS, &session).is_err(),
            "chunk 1 is missing"
        );
        world.store_chunk(WS, &session, 1, 4).unwrap();
        assert!(
            world.complete_upload(WS, &session).is_err(),
            "14 of 15 bytes"
        );
        world.store_chunk(WS, &session, 1, 5).unwrap();
        let done = world.complete_upload(WS, &session).unwrap();
        assert_eq!(done["knowledgeBaseStatus"], "processing");
        assert!(
            world.complete_upload(WS, &session).is_err(),
            "already linked"
        );

        let id = done["knowledgeBaseId"].as_str().unwrap();
        assert_eq!(world.kb_file(WS, id).unwrap()["processingPercentage"], 0);
        world.clock.move_to(15);
        assert_eq!(world.kb_file(WS, id).unwrap()["processingPercentage"], 50);
        world.clock.move_to(30);
        let file = world.kb_file(WS, id).unwrap();
        assert_eq!(file["status"], "ready");
        assert!(
            file["collectionName"]
                .as_str()
                .unwrap()
                .starts_with("rag_product_catalog_")
        );
    }

    #[test]
    fn collections_in_use_cannot_be_deleted() {
        let mut world = World::seeded();
        let session = world.start_upload(WS, upload("faq.txt", 3, 1)).unwrap();
        world.store_chunk(WS, &session, 0, 3).unwrap();
        let done = world.complete_upload(WS, &session).unwrap();
        let file = world
            .kb_file(WS, done["knowledgeBaseId"].as_str().unwrap())
            .unwrap();
        let collection = file["collectionName"].as_str().unwrap().to_owned();
        let body = json!({
            "name": "Uses KB", "variant": {"type": "custom"},
            "agent": {"identity": {}, "systemPrompt": "x"},
            "knowledgeBase": {"documents": [{"url": format!("https://kb.example/{collection}"), "title": "FAQ", "type": "txt"}]}
        });
        let assistant = world.create_assistant(WS, &body).unwrap();
        assert_eq!(
            world.delete_collection(WS, &collection).unwrap_err().status,
            StatusCode::CONFLICT
        );
        world
            .update_assistant(WS, &assistant, &json!({"knowledgeBase": {"documents": []}}))
            .unwrap();
        world.delete_collection(WS, &collection).unwrap();
        assert_eq!(
            world.delete_collection(WS, &collection).unwrap_err().status,
            StatusCode::NOT_FOUND
        );
        assert!(world.list_kb_files(WS).is_empty());
    }
}
