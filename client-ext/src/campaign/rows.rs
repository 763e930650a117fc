//! The rows of a campaign, read from CSV: one call per row.

use std::collections::HashMap;
use std::fmt;

use serde_json::{Map, Value};

use crate::phone::PhoneNumber;

/// The column holding the number to dial (required).
pub const PHONE_COLUMN: &str = "phone";
/// The optional column naming each row; without it a row is named by its position (`row-1`, `row-2`, ...).
pub const ID_COLUMN: &str = "id";
/// The optional column holding the whole payload as a JSON object.
pub const PAYLOAD_COLUMN: &str = "payload";
/// Columns `payload.<key>` add one payload key each (a text value).
pub const PAYLOAD_PREFIX: &str = "payload.";
/// Columns `metadata.<key>` add one metadata key each (a text value), echoed on every webhook event.
pub const METADATA_PREFIX: &str = "metadata.";
/// Metadata key naming the campaign on every call it places.
pub const CAMPAIGN_METADATA_KEY: &str = "campaign";
/// Metadata key naming the row on every call a campaign places, to reconcile a row whose outcome is unknown
/// against webhook events or the dashboard.
pub const ROW_METADATA_KEY: &str = "campaignRow";

/// Names one row within a campaign: the journal's key. The `id` column's value, or `row-<n>` for the `n`-th data
/// row (1-based, the header not counted).
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct RowKey(String);

impl RowKey {
    /// A key from text.
    pub fn new(key: impl Into<String>) -> Self {
        RowKey(key.into())
    }

    /// The key of the `index`-th data row (1-based) of a file without an `id` column.
    pub fn positional(index: usize) -> Self {
        RowKey(format!("row-{index}"))
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RowKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One data row of a campaign file.
#[derive(Clone, Debug, PartialEq)]
pub struct CampaignRow {
    /// The row's key in the journal.
    pub key: RowKey,
    /// The line of the file where the row starts (the header is line 1).
    pub line: u64,
    /// The `phone` cell as written.
    pub phone: String,
    /// What to send, or why the row cannot be sent.
    pub call: Result<RowCall, RowError>,
}

/// What a valid row sends.
#[derive(Clone, Debug, PartialEq)]
pub struct RowCall {
    /// The number to dial.
    pub phone: PhoneNumber,
    /// The payload (from the `payload` column, then the `payload.<key>` columns), when the row sets any key.
    pub payload: Option<Map<String, Value>>,
    /// The metadata from the `metadata.<key>` columns.
    pub metadata: Map<String, Value>,
}

/// Why one row cannot be sent; the row is recorded as failed and nothing is sent for it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RowError {
    /// The `phone` cell is not an E.164 number.
    #[error("{0}")]
    Phone(#[from] crate::phone::InvalidPhoneNumber),
    /// The `payload` cell is not a JSON object.
    #[error("the payload column is not a JSON object: {0}")]
    Payload(String),
    /// The row's `id` is empty, or repeats an earlier row's.
    #[error("{0}")]
    Id(String),
    /// The record could not be read (a field count that differs from the header, bad UTF-8).
    #[error("unreadable record: {0}")]
    Record(String),
}

/// A campaign file that cannot be read as a whole: nothing is sent.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CsvError {
    /// The header row is missing or unreadable.
    #[error("the CSV header cannot be read: {0}")]
    Header(String),
    /// The header has no `phone` column.
    #[error("the CSV header has no `phone` column (columns: {0})")]
    NoPhoneColumn(String),
    /// A column is neither `phone`, `id`, `payload`, `payload.<key>` nor `metadata.<key>`; its values would be
    /// dropped, so the file is refused.
    #[error(
        "the CSV column `{0}` is not one of phone, id, payload, payload.<key>, metadata.<key>: rename or remove it"
    )]
    UnknownColumn(String),
    /// A column appears twice.
    #[error("the CSV column `{0}` appears twice")]
    DuplicateColumn(String),
    /// A metadata column names a key the campaign sets itself.
    #[error("the CSV column `metadata.{0}` is reserved: the campaign sets it on every call")]
    ReservedMetadata(String),
}

/// The meaning of one header column.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Column {
    Phone,
    Id,
    Payload,
    PayloadKey(String),
    MetadataKey(String),
}

impl Column {
    fn parse(name: &str) -> Result<Self, CsvError> {
        let name = name.trim();
        let keyed = |prefix: &str| {
            name.strip_prefix(prefix)
                .filter(|key| !key.is_empty())
                .map(str::to_owned)
        };
        match name {
            PHONE_COLUMN => Ok(Column::Phone),
            ID_COLUMN => Ok(Column::Id),
            PAYLOAD_COLUMN => Ok(Column::Payload),
            _ => {
                if let Some(key) = keyed(PAYLOAD_PREFIX) {
                    Ok(Column::PayloadKey(key))
                } else if let Some(key) = keyed(METADATA_PREFIX) {
                    if key == CAMPAIGN_METADATA_KEY || key == ROW_METADATA_KEY {
                        Err(CsvError::ReservedMetadata(key))
                    } else {
                        Ok(Column::MetadataKey(key))
                    }
                } else {
                    Err(CsvError::UnknownColumn(name.to_owned()))
                }
            }
        }
    }
}

/// Reads a campaign file: a header row, then one call per row.
///
/// | column | meaning |
/// |---|---|
/// | `phone` | the number to dial, E.164 (required) |
/// | `id` | the row's name in the journal (optional; unique; default `row-<n>`) |
/// | `payload` | the whole payload as a JSON object (optional) |
/// | `payload.<key>` | one payload key, a text value; set after the `payload` column's keys |
/// | `metadata.<key>` | one metadata key, a text value, echoed on every webhook event |
///
/// An empty cell sets nothing. A file-level problem (no `phone` column, an unknown or repeated column) is a
/// [`CsvError`]; a problem in one row (a bad number, a payload that is not a JSON object, a repeated `id`, a
/// record with the wrong number of fields) makes that row a [`RowError`] and the others are read.
///
/// ```
/// use mirai_voice::campaign::{parse_csv, RowKey};
///
/// let rows = parse_csv(b"phone,payload.orderId,metadata.shop\n+15550100,1001,north\n12345,1002,south\n")?;
/// assert_eq!(rows[0].key, RowKey::new("row-1"));
/// let call = rows[0].call.as_ref().unwrap();
/// assert_eq!(call.payload.as_ref().unwrap()["orderId"], "1001");
/// assert_eq!(call.metadata["shop"], "north");
/// assert!(rows[1].call.is_err(), "not an E.164 number");
/// # Ok::<(), mirai_voice::campaign::CsvError>(())
/// ```
pub fn parse_csv(bytes: &[u8]) -> Result<Vec<CampaignRow>, CsvError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        // A record with the wrong number of fields is a row error, reported below, not an abort.
        .flexible(true)
        .from_reader(bytes);
    let header = reader
        .byte_headers()
        .map_err(|e| CsvError::Header(e.to_string()))?
        .clone();
    let mut columns = Vec::with_capacity(header.len());
    let mut names = Vec::with_capacity(header.len());
    for raw in header.iter() {
        let name = std::str::from_utf8(raw)
            .map_err(|_| CsvError::Header("a column name is not UTF-8".to_owned()))?;
        // A UTF-8 byte-order mark from spreadsheet exports is not part of the first name.
        let name = name.trim_start_matches('\u{feff}').trim();
        if names.iter().any(|n: &String| n == name) {
            return Err(CsvError::DuplicateColumn(name.to_owned()));
        }
        columns.push(Column::parse(name)?);
        names.push(name.to_owned());
    }
    if !columns.contains(&Column::Phone) {
        return Err(CsvError::NoPhoneColumn(names.join(", ")));
    }
    let has_id = columns.contains(&Column::Id);

    let mut rows = Vec::new();
    let mut seen_ids: HashMap<String, usize> = HashMap::new();
    let mut record = csv::ByteRecord::new();
    let mut index = 0;
    loop {
        let line = reader.position().line();
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(error) => {
                // Unreadable at the parser level (e.g. an I/O error on a reader): nothing after it is trustworthy.
                index += 1;
                rows.push(CampaignRow {
                    key: RowKey::positional(index),
                    line,
                    phone: String::new(),
                    call: Err(RowError::Record(error.to_string())),
                });
                break;
            }
        }
        let line = record.position().map_or(line, csv::Position::line);
        if record.iter().all(|cell| cell.trim_ascii().is_empty()) {
            // Blank lines between records are not rows.
            continue;
        }
        index += 1;
        rows.push(read_row(
            &columns,
            &record,
            index,
            line,
            has_id,
            &mut seen_ids,
        ));
    }
    Ok(rows)
}

fn read_row(
    columns: &[Column],
    record: &csv::ByteRecord,
    index: usize,
    line: u64,
    has_id: bool,
    seen_ids: &mut HashMap<String, usize>,
) -> CampaignRow {
    let cell = |column: &Column| {
        columns
            .iter()
            .position(|c| c == column)
            .and_then(|i| record.get(i))
            .map(|bytes| String::from_utf8_lossy(bytes).trim().to_owned())
            .unwrap_or_default()
    };
    let phone = cell(&Column::Phone);
    let id = has_id.then(|| cell(&Column::Id));
    let key = match &id {
        Some(id) if !id.is_empty() => RowKey::new(id.clone()),
        _ => RowKey::positional(index),
    };
    let mut row = CampaignRow {
        key,
        line,
        phone,
        call: Err(RowError::Record(String::new())),
    };
    row.call = (|| {
        if record.len() != columns.len() {
            return Err(RowError::Record(format!(
                "{} fields where the header has {}",
                record.len(),
                columns.len()
            )));
        }
        if std::str::from_utf8(record.as_slice()).is_err() {
            return Err(RowError::Record("a field is not UTF-8".to_owned()));
        }
        if let Some(id) = &id {
            if id.is_empty() {
                return Err(RowError::Id("the id cell is empty".to_owned()));
            }
            if let Some(first) = seen_ids.insert(id.clone(), index) {
                seen_ids.insert(id.clone(), first);
                return Err(RowError::Id(format!(
                    "id `{id}` repeats data row {first}; ids must be unique"
                )));
            }
        }
        let phone = PhoneNumber::parse(&row.phone)?;
        let mut payload: Option<Map<String, Value>> = None;
        let mut metadata = Map::new();
        for (column, raw) in columns.iter().zip(record.iter()) {
            let value = String::from_utf8_lossy(raw).trim().to_owned();
            if value.is_empty() {
                continue;
            }
            match column {
                Column::Payload => match serde_json::from_str::<Value>(&value) {
                    Ok(Value::Object(object)) => {
                        // The `payload.<key>` columns are applied after, so they win over the object's keys.
                        let merged = payload.get_or_insert_with(Map::new);
                        for (k, v) in object {
                            merged.entry(k).or_insert(v);
                        }
                    }
                    Ok(other) => {
                        return Err(RowError::Payload(format!("found {}", json_kind(&other))));
                    }
                    Err(error) => return Err(RowError::Payload(error.to_string())),
                },
                Column::PayloadKey(key) => {
                    payload
                        .get_or_insert_with(Map::new)
                        .insert(key.clone(), Value::String(value));
                }
                Column::MetadataKey(key) => {
                    metadata.insert(key.clone(), Value::String(value));
                }
                Column::Phone | Column::Id => {}
            }
        }
        Ok(RowCall {
            phone,
            payload,
            metadata,
        })
    })();
    row
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(row: &CampaignRow) -> &RowCall {
        row.call.as_ref().expect("a valid row")
    }

    #[test]
    fn reads_phone_payload_and_metadata_columns() {
        let rows = parse_csv(
            b"phone,payload,payload.name,metadata.orderId\n\
              +15550100,\"{\"\"name\"\":\"\"x\"\",\"\"n\"\":2}\",Jane,8842\n\
              +15550101,,,\n",
        )
        .unwrap();
        assert_eq!(rows.len(), 2);
        let first = ok(&rows[0]);
        assert_eq!(first.phone.as_str(), "+15550100");
        let payload = first.payload.as_ref().unwrap();
        assert_eq!(payload["name"], "Jane", "a payload.<key> column wins");
        assert_eq!(payload["n"], 2, "the JSON column keeps its types");
        assert_eq!(first.metadata["orderId"], "8842");
        assert_eq!(rows[0].line, 2);
        let second = ok(&rows[1]);
        assert_eq!(second.payload, None, "empty cells set nothing");
        assert!(second.metadata.is_empty());
        assert_eq!(rows[1].key, RowKey::new("row-2"));
    }

    #[test]
    fn a_bad_row_is_a_row_error_and_the_rest_are_read() {
        let rows = parse_csv(
            b"phone,payload\n\
              5550100,\n\
              +15550101,[1]\n\
              +15550102,{oops\n\
              +15550103\n\
              +15550104,\"{\"\"a\"\":1}\"\n",
        )
        .unwrap();
        assert_eq!(rows.len(), 5);
        assert!(matches!(rows[0].call, Err(RowError::Phone(_))));
        assert_eq!(
            rows[1].call.as_ref().unwrap_err().to_string(),
            "the payload column is not a JSON object: found an array"
        );
        assert!(matches!(rows[2].call, Err(RowError::Payload(_))));
        assert_eq!(
            rows[3].call.as_ref().unwrap_err().to_string(),
            "unreadable record: 1 fields where the header has 2"
        );
        assert_eq!(ok(&rows[4]).payload.as_ref().unwrap()["a"], 1);
        assert_eq!(rows[4].line, 6);
    }

    #[test]
    fn ids_name_rows_and_must_be_unique() {
        let rows =
            parse_csv(b"id,phone\nA,+15550100\n,+15550101\nA,+15550102\nB,+15550103\n").unwrap();
        assert_eq!(rows[0].key, RowKey::new("A"));
        assert!(matches!(rows[1].call, Err(RowError::Id(_))));
        assert_eq!(rows[1].key, RowKey::new("row-2"));
        assert_eq!(
            rows[2].call.as_ref().unwrap_err().to_string(),
            "id `A` repeats data row 1; ids must be unique"
        );
        assert_eq!(rows[3].key, RowKey::new("B"));
        assert!(rows[3].call.is_ok());
    }

    #[test]
    fn file_level_problems_refuse_the_file() {
        assert!(matches!(
            parse_csv(b"number\n+15550100\n"),
            Err(CsvError::UnknownColumn(c)) if c == "number"
        ));
        assert!(matches!(
            parse_csv(b"payload.x\nfoo\n"),
            Err(CsvError::NoPhoneColumn(_))
        ));
        assert!(matches!(
            parse_csv(b"phone,phone\n+1555,+1555\n"),
            Err(CsvError::DuplicateColumn(_))
        ));
        assert!(matches!(
            parse_csv(b"phone,metadata.campaignRow\n+15550100,x\n"),
            Err(CsvError::ReservedMetadata(_))
        ));
        assert!(matches!(
            parse_csv(b"phone,payload.\n+15550100,x\n"),
            Err(CsvError::UnknownColumn(_))
        ));
        assert!(matches!(parse_csv(b""), Err(CsvError::NoPhoneColumn(_))));
    }

    #[test]
    fn blank_lines_a_bom_and_crlf_are_tolerated() {
        let rows = parse_csv(b"\xef\xbb\xbfphone\r\n+15550100\r\n\r\n+15550101\r\n").unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].key, RowKey::new("row-2"));
        assert_eq!(ok(&rows[1]).phone.as_str(), "+15550101");
    }

    #[test]
    fn bad_utf8_is_a_row_error() {
        let rows = parse_csv(b"phone,metadata.x\n+15550100,\xff\xfe\n").unwrap();
        assert!(matches!(rows[0].call, Err(RowError::Record(_))));
    }
}
