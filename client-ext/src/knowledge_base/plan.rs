//! Pure planning of a chunked upload: limits, MIME type, chunk boundaries.

use std::ops::Range;

/// Largest chunk the API accepts: 10 MiB (10 × 1024 × 1024 bytes).
pub const MAX_CHUNK_BYTES: u64 = 10 * 1024 * 1024;
/// Most chunks one upload may have.
pub const MAX_CHUNKS: u32 = 1000;
/// Largest file the API accepts: 100 MiB (104 857 600 bytes).
pub const MAX_FILE_BYTES: u64 = 104_857_600;
/// Longest file name the API accepts, in characters.
pub const MAX_FILE_NAME_CHARS: usize = 255;

/// A document type the knowledge base can ingest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DocumentType {
    /// PDF (`.pdf`).
    Pdf,
    /// Plain text (`.txt`).
    Text,
    /// Word document (`.docx`).
    Docx,
    /// Markdown (`.md`, `.markdown`).
    Markdown,
}

impl DocumentType {
    /// The type for a file extension (without the dot, case-insensitive).
    pub fn from_extension(extension: &str) -> Option<Self> {
        match extension.to_ascii_lowercase().as_str() {
            "pdf" => Some(Self::Pdf),
            "txt" => Some(Self::Text),
            "docx" => Some(Self::Docx),
            "md" | "markdown" => Some(Self::Markdown),
            _ => None,
        }
    }

    /// The MIME type sent as `mimeType`.
    pub fn mime_type(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Text => "text/plain",
            Self::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Self::Markdown => "text/markdown",
        }
    }
}

/// Why a file cannot be uploaded. Found before any request is sent.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    /// The file name is empty.
    #[error("the file name is empty")]
    EmptyFileName,
    /// The file name is longer than [`MAX_FILE_NAME_CHARS`].
    #[error("the file name has {chars} characters; at most {max} are allowed")]
    FileNameTooLong {
        /// Its length in characters.
        chars: usize,
        /// The limit.
        max: usize,
    },
    /// The file name has no extension to derive the type from.
    #[error("`{file_name}` has no file extension: name it .pdf, .txt, .docx or .md")]
    MissingExtension {
        /// The file name.
        file_name: String,
    },
    /// The extension is not a supported document type.
    #[error("`.{extension}` files are not supported: upload .pdf, .txt, .docx or .md")]
    UnsupportedType {
        /// The extension found.
        extension: String,
    },
    /// The file has no content.
    #[error("the file is empty")]
    EmptyFile,
    /// The file is larger than [`MAX_FILE_BYTES`].
    #[error("the file has {size} bytes; at most {max} (100 MiB) are allowed")]
    FileTooLarge {
        /// Its size in bytes.
        size: u64,
        /// The limit.
        max: u64,
    },
    /// The requested chunk size is zero or larger than [`MAX_CHUNK_BYTES`].
    #[error("the chunk size must be between 1 and {max} bytes, not {requested}")]
    InvalidChunkSize {
        /// The requested size.
        requested: u64,
        /// The limit.
        max: u64,
    },
    /// The file would need more than [`MAX_CHUNKS`] chunks of the requested size.
    #[error(
        "{chunks} chunks of {chunk_size} bytes would be needed; at most {max} are allowed: use larger chunks"
    )]
    TooManyChunks {
        /// Chunks needed.
        chunks: u64,
        /// The requested chunk size.
        chunk_size: u64,
        /// The limit.
        max: u32,
    },
}

/// One chunk of an upload: its index (`chunkIndex`) and byte range in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ChunkSpec {
    /// The chunk's index, from 0.
    pub index: u32,
    /// Offset of its first byte in the file.
    pub offset: u64,
    /// Its length in bytes (never more than the plan's chunk size).
    pub len: u64,
}

impl ChunkSpec {
    /// The chunk's byte range in the file.
    pub fn range(&self) -> Range<u64> {
        self.offset..self.offset + self.len
    }
}

/// A validated plan for uploading one file in chunks.
///
/// ```
/// use mirai_voice::knowledge_base::{MAX_CHUNK_BYTES, UploadPlan};
///
/// let plan = UploadPlan::new("handbook.pdf", 25 * 1024 * 1024)?;
/// assert_eq!(plan.mime_type(), "application/pdf");
/// assert_eq!(plan.total_chunks(), 3);
/// let last = plan.chunks().last().unwrap();
/// assert_eq!((last.index, last.offset, last.len), (2, 2 * MAX_CHUNK_BYTES, 5 * 1024 * 1024));
/// # Ok::<(), mirai_voice::knowledge_base::PlanError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadPlan {
    file_name: String,
    file_size: u64,
    document_type: DocumentType,
    chunk_size: u64,
    total_chunks: u32,
}

impl UploadPlan {
    /// Plans the upload of `file_size` bytes named `file_name`, in chunks of [`MAX_CHUNK_BYTES`].
    pub fn new(file_name: &str, file_size: u64) -> Result<Self, PlanError> {
        Self::with_chunk_size(file_name, file_size, MAX_CHUNK_BYTES)
    }

    /// Plans the upload with chunks of `chunk_size` bytes (at most [`MAX_CHUNK_BYTES`]); smaller chunks give
    /// finer progress and cheaper retries.
    pub fn with_chunk_size(
        file_name: &str,
        file_size: u64,
        chunk_size: u64,
    ) -> Result<Self, PlanError> {
        let document_type = document_type_of(file_name)?;
        if file_size == 0 {
            return Err(PlanError::EmptyFile);
        }
        if file_size > MAX_FILE_BYTES {
            return Err(PlanError::FileTooLarge {
                size: file_size,
                max: MAX_FILE_BYTES,
            });
        }
        if chunk_size == 0 || chunk_size > MAX_CHUNK_BYTES {
            return Err(PlanError::InvalidChunkSize {
                requested: chunk_size,
                max: MAX_CHUNK_BYTES,
            });
        }
        let chunks = file_size.div_ceil(chunk_size);
        let total_chunks = u32::try_from(chunks)
            .ok()
            .filter(|n| *n <= MAX_CHUNKS)
            .ok_or(PlanError::TooManyChunks {
                chunks,
                chunk_size,
                max: MAX_CHUNKS,
            })?;
        Ok(Self {
            file_name: file_name.to_owned(),
            file_size,
            document_type,
            chunk_size,
            total_chunks,
        })
    }

    /// The file name sent as `fileName`.
    pub fn file_name(&self) -> &str {
        &self.file_name
    }

    /// The file size in bytes, sent as `fileSize`.
    pub fn file_size(&self) -> u64 {
        self.file_size
    }

    /// The document type.
    pub fn document_type(&self) -> DocumentType {
        self.document_type
    }

    /// The MIME type sent as `mimeType`.
    pub fn mime_type(&self) -> &'static str {
        self.document_type.mime_type()
    }

    /// The size of every chunk but the last.
    pub fn chunk_size(&self) -> u64 {
        self.chunk_size
    }

    /// The number of chunks, sent as `totalChunks`.
    pub fn total_chunks(&self) -> u32 {
        self.total_chunks
    }

    /// The chunk with `index`, if it exists.
    pub fn chunk(&self, index: u32) -> Option<ChunkSpec> {
        (index < self.total_chunks).then(|| self.spec(index))
    }

    /// All chunks, in upload order.
    pub fn chunks(&self) -> impl ExactSizeIterator<Item = ChunkSpec> + '_ {
        (0..self.total_chunks).map(|index| self.spec(index))
    }

    /// The chunk with `index`, which must be below `total_chunks`.
    fn spec(&self, index: u32) -> ChunkSpec {
        let offset = u64::from(index) * self.chunk_size;
        ChunkSpec {
            index,
            offset,
            len: self.chunk_size.min(self.file_size.saturating_sub(offset)),
        }
    }
}

fn document_type_of(file_name: &str) -> Result<DocumentType, PlanError> {
    if file_name.trim().is_empty() {
        return Err(PlanError::EmptyFileName);
    }
    let chars = file_name.chars().count();
    if chars > MAX_FILE_NAME_CHARS {
        return Err(PlanError::FileNameTooLong {
            chars,
            max: MAX_FILE_NAME_CHARS,
        });
    }
    let extension = match file_name.rsplit_once('.') {
        Some((stem, extension)) if !stem.is_empty() && !extension.is_empty() => extension,
        _ => {
            return Err(PlanError::MissingExtension {
                file_name: file_name.to_owned(),
            });
        }
    };
    DocumentType::from_extension(extension).ok_or_else(|| PlanError::UnsupportedType {
        extension: extension.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1024 * 1024;

    #[test]
    fn mime_types_follow_the_extension() {
        let cases = [
            ("a.pdf", "application/pdf"),
            ("A.PDF", "application/pdf"),
            ("notes.txt", "text/plain"),
            (
                "spec.docx",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ),
            ("README.md", "text/markdown"),
            ("guide.v2.markdown", "text/markdown"),
        ];
        for (name, mime) in cases {
            assert_eq!(
                UploadPlan::new(name, 1).unwrap().mime_type(),
                mime,
                "{name}"
            );
        }
    }

    #[test]
    fn unsupported_or_missing_extensions() {
        assert_eq!(
            UploadPlan::new("sheet.xlsx", 1),
            Err(PlanError::UnsupportedType {
                extension: "xlsx".into()
            })
        );
        assert_eq!(
            UploadPlan::new("doc", 1),
            Err(PlanError::MissingExtension {
                file_name: "doc".into()
            })
        );
        assert_eq!(
            UploadPlan::new(".pdf", 1),
            Err(PlanError::MissingExtension {
                file_name: ".pdf".into()
            })
        );
        assert_eq!(
            UploadPlan::new("trailing.", 1),
            Err(PlanError::MissingExtension {
                file_name: "trailing.".into()
            })
        );
        assert_eq!(UploadPlan::new("  ", 1), Err(PlanError::EmptyFileName));
    }

    #[test]
    fn file_name_limit_counts_characters() {
        let ok = format!("{}.pdf", "é".repeat(MAX_FILE_NAME_CHARS - 4));
        assert!(UploadPlan::new(&ok, 1).is_ok());
        let long = format!("{}.pdf", "é".repeat(MAX_FILE_NAME_CHARS - 3));
        assert_eq!(
            UploadPlan::new(&long, 1),
            Err(PlanError::FileNameTooLong {
                chars: 256,
                max: 255
            })
        );
    }

    #[test]
    fn size_limits_are_inclusive() {
        assert_eq!(UploadPlan::new("a.pdf", 0), Err(PlanError::EmptyFile));
        let max = UploadPlan::new("a.pdf", MAX_FILE_BYTES).unwrap();
        assert_eq!(max.total_chunks(), 10);
        assert_eq!(
            UploadPlan::new("a.pdf", MAX_FILE_BYTES + 1),
            Err(PlanError::FileTooLarge {
                size: MAX_FILE_BYTES + 1,
                max: MAX_FILE_BYTES
            })
        );
    }

    #[test]
    fn chunk_size_limits() {
        assert_eq!(
            UploadPlan::with_chunk_size("a.txt", 10, 0),
            Err(PlanError::InvalidChunkSize {
                requested: 0,
                max: MAX_CHUNK_BYTES
            })
        );
        assert!(UploadPlan::with_chunk_size("a.txt", 10, MAX_CHUNK_BYTES).is_ok());
        assert!(UploadPlan::with_chunk_size("a.txt", 10, MAX_CHUNK_BYTES + 1).is_err());
        let plan = UploadPlan::with_chunk_size("a.txt", 1000 * 1024, 1024).unwrap();
        assert_eq!(plan.total_chunks(), MAX_CHUNKS);
        assert_eq!(
            UploadPlan::with_chunk_size("a.txt", 1000 * 1024 + 1, 1024),
            Err(PlanError::TooManyChunks {
                chunks: 1001,
                chunk_size: 1024,
                max: MAX_CHUNKS
            })
        );
    }

    #[test]
    fn chunks_cover_the_file_exactly_in_order() {
        for size in [
            1,
            MIB,
            MAX_CHUNK_BYTES - 1,
            MAX_CHUNK_BYTES,
            MAX_CHUNK_BYTES + 1,
            25 * MIB,
            MAX_FILE_BYTES,
        ] {
            let plan = UploadPlan::new("f.pdf", size).unwrap();
            let chunks: Vec<_> = plan.chunks().collect();
            assert_eq!(chunks.len() as u32, plan.total_chunks());
            let mut next = 0;
            for (i, chunk) in chunks.iter().enumerate() {
                assert_eq!(chunk.index as usize, i);
                assert_eq!(chunk.offset, next);
                assert!(chunk.len > 0 && chunk.len <= MAX_CHUNK_BYTES);
                next = chunk.range().end;
            }
            assert_eq!(next, size, "size {size}");
        }
        let plan = UploadPlan::new("f.pdf", MAX_CHUNK_BYTES + 1).unwrap();
        assert_eq!(plan.chunk(1).unwrap().len, 1);
        assert_eq!(plan.chunk(2), None);
    }

    #[test]
    fn error_messages_are_actionable() {
        assert_eq!(
            PlanError::UnsupportedType {
                extension: "xlsx".into()
            }
            .to_string(),
            "`.xlsx` files are not supported: upload .pdf, .txt, .docx or .md"
        );
        assert_eq!(
            UploadPlan::new("a.pdf", MAX_FILE_BYTES + 1)
                .unwrap_err()
                .to_string(),
            "the file has 104857601 bytes; at most 104857600 (100 MiB) are allowed"
        );
    }
}
