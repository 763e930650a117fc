//! Phone numbers in E.164 form, checked when made, so a call is never placed to a malformed number.

#![warn(missing_docs)]

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize};

/// A phone number in E.164 form: `+`, then 2 to 15 digits, the first not `0` (e.g. `+15550100`,
/// `+919876543210`).
///
/// Spaces, dots, dashes and parentheses between digits are accepted and removed (`+1 (555) 010-0199`), since
/// people copy numbers that way; anything else is an [`InvalidPhoneNumber`] naming what is wrong.
///
/// ```
/// use mirai_voice::PhoneNumber;
///
/// let to: PhoneNumber = "+91 98765 43210".parse()?;
/// assert_eq!(to.as_str(), "+919876543210");
///
/// let error = PhoneNumber::parse("9876543210").unwrap_err();
/// assert_eq!(error.to_string(), "`9876543210` is not an E.164 phone number: it must start with `+` and the country code");
/// # Ok::<(), mirai_voice::phone::InvalidPhoneNumber>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct PhoneNumber(String);

/// Why a text is not an E.164 phone number.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{input}` is not an E.164 phone number: {reason}")]
pub struct InvalidPhoneNumber {
    /// The text as given.
    pub input: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// The fewest digits of an E.164 number (country code and subscriber number).
const MIN_DIGITS: usize = 2;
/// The most digits E.164 allows.
const MAX_DIGITS: usize = 15;

impl PhoneNumber {
    /// Checks `input` and keeps its E.164 form.
    pub fn parse(input: impl AsRef<str>) -> Result<Self, InvalidPhoneNumber> {
        let input = input.as_ref();
        let fail = |reason| InvalidPhoneNumber {
            input: input.to_owned(),
            reason,
        };
        let rest = input
            .trim()
            .strip_prefix('+')
            .ok_or_else(|| fail("it must start with `+` and the country code"))?;
        let mut digits = String::with_capacity(rest.len());
        for c in rest.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '.' | '-' | '(' | ')' => {}
                _ => return Err(fail("it may only hold digits after the `+`")),
            }
        }
        if digits.starts_with('0') {
            return Err(fail("a country code never starts with 0"));
        }
        if digits.len() < MIN_DIGITS {
            return Err(fail("it has too few digits"));
        }
        if digits.len() > MAX_DIGITS {
            return Err(fail("it has more than 15 digits"));
        }
        Ok(Self(format!("+{digits}")))
    }

    /// The number, `+` and digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for PhoneNumber {
    type Err = InvalidPhoneNumber;
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        Self::parse(input)
    }
}

impl TryFrom<&str> for PhoneNumber {
    type Error = InvalidPhoneNumber;
    fn try_from(input: &str) -> Result<Self, Self::Error> {
        Self::parse(input)
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = InvalidPhoneNumber;
    fn try_from(input: String) -> Result<Self, Self::Error> {
        Self::parse(input)
    }
}

impl AsRef<str> for PhoneNumber {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<PhoneNumber> for String {
    fn from(number: PhoneNumber) -> Self {
        number.0
    }
}

impl<'de> Deserialize<'de> for PhoneNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_e164_and_common_separators() {
        let cases = [
            ("+15550100", "+15550100"),
            ("+919876543210", "+919876543210"),
            (" +1 (555) 010-0199 ", "+15550100199"),
            ("+44.20.7946.0958", "+442079460958"),
            ("+123456789012345", "+123456789012345"),
        ];
        for (input, expected) in cases {
            assert_eq!(
                PhoneNumber::parse(input).unwrap().as_str(),
                expected,
                "{input}"
            );
        }
    }

    #[test]
    fn rejects_with_the_reason() {
        let cases = [
            ("15550100", "it must start with `+` and the country code"),
            ("", "it must start with `+` and the country code"),
            ("+", "it has too few digits"),
            ("+1", "it has too few digits"),
            ("+0123456", "a country code never starts with 0"),
            ("+1555abc", "it may only hold digits after the `+`"),
            ("+1234567890123456", "it has more than 15 digits"),
            ("++15550100", "it may only hold digits after the `+`"),
        ];
        for (input, reason) in cases {
            let error = PhoneNumber::parse(input).unwrap_err();
            assert_eq!(error.reason, reason, "{input}");
            assert_eq!(error.input, input);
        }
    }

    #[test]
    fn serde_round_trips_and_checks() {
        let number: PhoneNumber = serde_json::from_str("\"+15550100\"").unwrap();
        assert_eq!(serde_json::to_string(&number).unwrap(), "\"+15550100\"");
        let error = serde_json::from_str::<PhoneNumber>("\"555\"").unwrap_err();
        assert!(
            error.to_string().contains("not an E.164 phone number"),
            "{error}"
        );
    }
}
