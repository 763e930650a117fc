//! Fixed catalogues: the voice gallery and the showcase calls and flows.

use serde_json::{Value, json};

/// The voices of `GET /v1/admin/voice-gallery`.
pub(crate) fn voices() -> Vec<Value> {
    ["neha", "priya", "sagar", "arjun", "meera", "rohan"]
        .iter()
        .enumerate()
        .map(|(i, slug)| {
            json!({
                "_id": format!("66f0a1b2c3d4e5f6000001{i:02x}"),
                "slug": slug,
                "sampleAudio": format!("https://audio.mock.invalid/voices/{slug}.mp3"),
            })
        })
        .collect()
}

/// `(language, label)` of the showcase calls, in order.
const CALL_LANGUAGES: [(&str, &str); 5] = [
    ("hi", "Hindi"),
    ("bn", "Bengali"),
    ("en", "English"),
    ("ta", "Tamil"),
    ("te", "Telugu"),
];

/// Showcase call categories, in order.
pub(crate) const CALL_CATEGORIES: [&str; 5] = [
    "abandoned_cart",
    "bot_navigation",
    "uncertainty_handling",
    "bad_connection",
    "cod_confirmation",
];

/// The real-call recordings of the showcase: one per category, each in a different language.
pub(crate) fn showcase_calls() -> Vec<Value> {
    CALL_CATEGORIES
        .iter()
        .zip(CALL_LANGUAGES)
        .enumerate()
        .map(|(i, (category, (lang, label)))| {
            json!({
                "_id": format!("507f1f77bcf86cd7994390{:02x}", 0x11 + i),
                "title": format!("{} call", category.replace('_', " ")),
                "language": lang,
                "languageLabel": label,
                "category": category,
                "brandName": "StyleKart",
                "brandLogoUrl": null,
                "description": format!("A {label} customer call showing {}.", category.replace('_', " ")),
                "durationSecs": 45 + 6 * i,
                "audioUrl": format!("https://audio.mock.invalid/showcase/calls/{i}.wav"),
                "waveformUrl": null,
                "transcriptPreview": "Namaste, I am calling about your order...",
                "highlightMoments": [{ "atSecs": 12, "label": "Customer objection" }],
                "whatToNotice": "The assistant stays in one language throughout.",
                "tags": [lang, category],
                "sortOrder": i + 1,
            })
        })
        .collect()
}

/// Showcase demo flow types, in order.
const FLOW_TYPES: [&str; 5] = [
    "abandoned_cart",
    "cod_to_prepaid",
    "ndr_followup",
    "address_confirmation",
    "post_delivery_feedback",
];

/// The demo flows of the showcase.
pub(crate) fn showcase_flows() -> Vec<Value> {
    FLOW_TYPES
        .iter()
        .enumerate()
        .map(|(i, flow)| {
            json!({
                "_id": format!("507f1f77bcf86cd7994391{:02x}", 0x11 + i),
                "flowType": flow,
                "title": flow.replace('_', " "),
                "tagline": "Demo flow",
                "description": format!("A produced demo of the {} flow.", flow.replace('_', " ")),
                "iconColor": "#E1F5EE",
                "durationSecs": 50 + i,
                "audioUrl": format!("https://audio.mock.invalid/showcase/flows/{flow}.wav"),
                "waveformUrl": null,
                "highlightMoments": [{ "atSecs": 20, "label": "Objection handled" }],
                "whatToNotice": null,
                "tags": [flow],
                "sortOrder": i + 1,
                "workspace": "507f1f77bcf86cd799439011",
                "organization": "507f1f77bcf86cd799439010",
                "assistant_id": "507f1f77bcf86cd799439013",
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_object_ids() {
        for item in voices()
            .iter()
            .chain(&showcase_calls())
            .chain(&showcase_flows())
        {
            assert!(
                crate::ids::is_object_id(item["_id"].as_str().unwrap()),
                "{item}"
            );
        }
    }
}
