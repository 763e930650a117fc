//! The voice gallery.
//!
//! The spec declares no body for the gallery's `200` response (its schema sits on the `401`), so the generated
//! method discards the body. This area sends the request itself, with the same credentials and executor, and reads
//! the body it documents elsewhere: `{status_code, message, data: [{_id, slug, sampleAudio}]}`.

use mirai_voice_generated::operations;
use mirai_voice_generated::types::VoiceGalleryItem;
use serde::Deserialize;

use crate::client::Client;
use crate::error::{DecodeError, RawBody};
use crate::operation::OperationContext;

/// The voice-gallery operation; see [`Client::voices`].
#[derive(Clone, Copy, Debug)]
pub struct Voices<'a> {
    client: &'a Client,
}

/// The bodies the gallery may answer with: the documented envelope, or a bare list.
#[derive(Deserialize)]
#[serde(untagged)]
enum GalleryBody {
    Envelope {
        #[serde(default)]
        data: Option<Vec<VoiceGalleryItem>>,
    },
    List(Vec<VoiceGalleryItem>),
}

impl<'a> Voices<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Self { client }
    }

    /// Lists the voices (`getVoiceGallery`). Put a voice's `slug` in an assistant's `agent.identity.voice`.
    ///
    /// ```no_run
    /// # async fn example(client: mirai_voice::Client) -> mirai_voice::Result<()> {
    /// for voice in client.voices().list().await? {
    ///     println!("{:?}: {:?}", voice.slug, voice.sample_audio);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn list(&self) -> crate::Result<Vec<VoiceGalleryItem>> {
        let spec = operations::GET_VOICE_GALLERY;
        let operation = OperationContext::from(spec);
        let (status, body) = self
            .client
            .send_raw(spec, operation, |http, base_url| {
                http.get(format!("{base_url}{}", spec.path))
                    .header(reqwest::header::ACCEPT, "application/json")
            })
            .await?;
        match serde_json::from_slice::<GalleryBody>(&body) {
            Ok(GalleryBody::Envelope { data }) => Ok(data.unwrap_or_default()),
            Ok(GalleryBody::List(items)) => Ok(items),
            Err(e) => Err(DecodeError::new(
                operation,
                Some(status),
                RawBody::bounded(&body, false),
                e.to_string(),
            )
            .into()),
        }
    }
}
