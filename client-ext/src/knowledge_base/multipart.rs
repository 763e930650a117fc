//! The `multipart/form-data` body of one chunk, built in memory so the executor can resend it on a retry.

/// A chunk's request body and its `Content-Type`.
pub(crate) struct ChunkForm {
    pub(crate) content_type: String,
    pub(crate) body: Vec<u8>,
}

/// Encodes `chunkIndex` and `chunk` (with the file name and MIME type) as `multipart/form-data`.
pub(crate) fn chunk_form(index: u32, file_name: &str, mime_type: &str, chunk: &[u8]) -> ChunkForm {
    let boundary = loop {
        let candidate = format!("mirai-voice-{:032x}", rand::random::<u128>());
        // A random 128-bit boundary practically never occurs in the data; checking makes it certain.
        if !contains(chunk, candidate.as_bytes()) {
            break candidate;
        }
    };
    let head = format!(
        "--{boundary}\r\n\
         Content-Disposition: form-data; name=\"chunkIndex\"\r\n\r\n\
         {index}\r\n\
         --{boundary}\r\n\
         Content-Disposition: form-data; name=\"chunk\"; filename=\"{}\"\r\n\
         Content-Type: {mime_type}\r\n\r\n",
        escape_quoted(file_name)
    );
    let tail = format!("\r\n--{boundary}--\r\n");
    let mut body = Vec::with_capacity(head.len() + chunk.len() + tail.len());
    body.extend_from_slice(head.as_bytes());
    body.extend_from_slice(chunk);
    body.extend_from_slice(tail.as_bytes());
    ChunkForm {
        content_type: format!("multipart/form-data; boundary={boundary}"),
        body,
    }
}

/// Escapes a quoted header parameter the way browsers do for form data: `"`, CR and LF are percent-encoded.
fn escape_quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '"' => out.push_str("%22"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            other => out.push(other),
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_has_both_fields_in_order() {
        let form = chunk_form(3, "a\"b.txt", "text/plain", b"hello");
        let boundary = form
            .content_type
            .strip_prefix("multipart/form-data; boundary=")
            .unwrap();
        let text = String::from_utf8(form.body).unwrap();
        let expected = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"chunkIndex\"\r\n\r\n3\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"chunk\"; filename=\"a%22b.txt\"\r\n\
             Content-Type: text/plain\r\n\r\nhello\r\n--{boundary}--\r\n"
        );
        assert_eq!(text, expected);
    }

    #[test]
    fn boundaries_differ_between_forms() {
        let a = chunk_form(0, "a.txt", "text/plain", b"x");
        let b = chunk_form(0, "a.txt", "text/plain", b"x");
        assert_ne!(a.content_type, b.content_type);
    }
}
