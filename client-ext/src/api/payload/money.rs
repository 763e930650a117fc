//! [`Money`]: the one amount type every call payload uses, checked once when it is made.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An amount of money as the API takes it: a non-negative decimal string such as `"1895.00"`.
///
/// The amount is in the workspace's currency (the `currencyCode` given when the workspace was onboarded): the
/// payloads carry no currency of their own (Shopify's `shopMoney` objects hold only an `amount`), so no currency
/// is taken here that could not be sent.
///
/// Every amount of a payload uses this type: the four totals of an abandoned cart, its tax lines, a Shopify
/// order's total and discount codes, an NDR follow-up's COD amount. The text is kept exactly as given (no
/// rounding, no float), so `"499.90"` is sent as `"499.90"`.
///
/// ```
/// use mirai_voice::api::payload::{Money, MoneyError};
///
/// let price = Money::new("499.00")?;
/// assert_eq!(price.amount(), "499.00");
/// assert_eq!(Money::from_minor_units(49_950, 2).amount(), "499.50");
/// assert!(matches!(Money::new("4,99"), Err(MoneyError::NotDecimal { .. })));
/// assert!(matches!(Money::new("-1.00"), Err(MoneyError::Negative { .. })));
/// # Ok::<(), MoneyError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Money(String);

/// Why a text is not a [`Money`] amount. The rejected text is quoted: amounts are not secrets.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MoneyError {
    /// The amount is empty.
    #[error("a money amount is empty")]
    Empty,
    /// The amount is below zero; payload amounts (prices, totals, discounts) are never negative.
    #[error("the money amount `{amount}` is negative")]
    Negative {
        /// The text given.
        amount: String,
    },
    /// The amount is not a plain decimal (`digits`, optionally `.digits`): no sign, spaces, thousands separators,
    /// exponent or currency symbol.
    #[error(
        "the money amount `{amount}` is not a plain decimal such as `1895.00` (digits, optionally `.` and digits)"
    )]
    NotDecimal {
        /// The text given.
        amount: String,
    },
}

impl Money {
    /// The amount `amount`, checked: a plain non-negative decimal such as `"1895.00"`, `"0.0"` or `"12"`.
    pub fn new(amount: impl AsRef<str>) -> Result<Self, MoneyError> {
        let amount = amount.as_ref();
        if amount.is_empty() {
            return Err(MoneyError::Empty);
        }
        if let Some(rest) = amount.strip_prefix('-') {
            // Only a well-formed negative number is called negative; `-abc` is not a decimal at all.
            if is_plain_decimal(rest) {
                return Err(MoneyError::Negative {
                    amount: amount.to_owned(),
                });
            }
        }
        if !is_plain_decimal(amount) {
            return Err(MoneyError::NotDecimal {
                amount: amount.to_owned(),
            });
        }
        Ok(Self(amount.to_owned()))
    }

    /// The amount `minor` in minor units (paise, cents) with `decimals` digits after the point: `(49_950, 2)` is
    /// `"499.50"`, `(5, 2)` is `"0.05"`, `(12, 0)` is `"12"`. Exact: no float is involved.
    pub fn from_minor_units(minor: u64, decimals: u32) -> Self {
        let digits = minor.to_string();
        let decimals = decimals as usize;
        if decimals == 0 {
            return Self(digits);
        }
        let padded = format!("{digits:0>width$}", width = decimals + 1);
        let (whole, fraction) = padded.split_at(padded.len() - decimals);
        Self(format!("{whole}.{fraction}"))
    }

    /// Zero, written `"0.00"` (e.g. an abandoned cart's total discount when there is none).
    pub fn zero() -> Self {
        Self("0.00".to_owned())
    }

    /// The amount as sent.
    pub fn amount(&self) -> &str {
        &self.0
    }

    /// The amount as sent, owned.
    pub fn into_amount(self) -> String {
        self.0
    }
}

/// `digits` or `digits.digits`, ASCII only.
fn is_plain_decimal(text: &str) -> bool {
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match text.split_once('.') {
        Some((whole, fraction)) => all_digits(whole) && all_digits(fraction),
        None => all_digits(text),
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Money({})", self.0)
    }
}

impl FromStr for Money {
    type Err = MoneyError;

    fn from_str(amount: &str) -> Result<Self, MoneyError> {
        Self::new(amount)
    }
}

impl TryFrom<&str> for Money {
    type Error = MoneyError;

    fn try_from(amount: &str) -> Result<Self, MoneyError> {
        Self::new(amount)
    }
}

impl TryFrom<String> for Money {
    type Error = MoneyError;

    fn try_from(amount: String) -> Result<Self, MoneyError> {
        Self::new(amount)
    }
}

impl From<Money> for String {
    fn from(money: Money) -> Self {
        money.0
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::new(text).map_err(serde::de::Error::custom)
    }
}

/// Every generated `shopMoney` object of an abandoned cart takes the same amount; one conversion each, so a spec
/// change that adds a price set adds a line here, not a new money type for users.
macro_rules! shop_money_conversions {
    ($($set:ident => $shop:ident),* $(,)?) => {
        $(
            impl From<Money> for mirai_voice_generated::types::$shop {
                fn from(money: Money) -> Self {
                    Self { amount: Some(money.0) }
                }
            }

            impl From<Money> for mirai_voice_generated::types::$set {
                fn from(money: Money) -> Self {
                    Self { shop_money: Some(money.into()) }
                }
            }
        )*
    };
}

shop_money_conversions! {
    AbandonedCartPayloadTotalLineItemsPriceSet => AbandonedCartPayloadTotalLineItemsPriceSetShopMoney,
    AbandonedCartPayloadSubtotalPriceSet => AbandonedCartPayloadSubtotalPriceSetShopMoney,
    AbandonedCartPayloadTotalDiscountSet => AbandonedCartPayloadTotalDiscountSetShopMoney,
    AbandonedCartPayloadTotalPriceSet => AbandonedCartPayloadTotalPriceSetShopMoney,
}

#[cfg(test)]
mod tests {
    use mirai_voice_generated::types;

    use super::*;

    #[test]
    fn plain_decimals_are_kept_as_written() {
        for amount in [
            "0", "0.0", "0.00", "12", "1895.0", "1895.00", "499.90", "007.5",
        ] {
            assert_eq!(Money::new(amount).unwrap().amount(), amount);
        }
    }

    #[test]
    fn anything_else_is_a_typed_error() {
        let not_decimal = |a: &str| MoneyError::NotDecimal { amount: a.into() };
        let cases = [
            ("", MoneyError::Empty),
            (
                "-1",
                MoneyError::Negative {
                    amount: "-1".into(),
                },
            ),
            (
                "-0.50",
                MoneyError::Negative {
                    amount: "-0.50".into(),
                },
            ),
            ("-abc", not_decimal("-abc")),
            ("+1", not_decimal("+1")),
            (" 1.00", not_decimal(" 1.00")),
            ("1.00 ", not_decimal("1.00 ")),
            ("1,000.00", not_decimal("1,000.00")),
            ("4,99", not_decimal("4,99")),
            ("1e3", not_decimal("1e3")),
            (".5", not_decimal(".5")),
            ("5.", not_decimal("5.")),
            ("1.2.3", not_decimal("1.2.3")),
            ("₹499", not_decimal("₹499")),
            ("499 INR", not_decimal("499 INR")),
            ("NaN", not_decimal("NaN")),
            ("١٢", not_decimal("١٢")),
        ];
        for (amount, expected) in cases {
            assert_eq!(Money::new(amount), Err(expected), "{amount:?}");
        }
    }

    #[test]
    fn errors_say_what_is_wrong() {
        assert_eq!(
            Money::new("4,99").unwrap_err().to_string(),
            "the money amount `4,99` is not a plain decimal such as `1895.00` (digits, optionally `.` and digits)"
        );
        assert_eq!(
            Money::new("-2").unwrap_err().to_string(),
            "the money amount `-2` is negative"
        );
    }

    #[test]
    fn minor_units_are_exact() {
        let cases = [
            ((49_950, 2), "499.50"),
            ((5, 2), "0.05"),
            ((0, 2), "0.00"),
            ((12, 0), "12"),
            ((1, 3), "0.001"),
            ((u64::MAX, 2), "184467440737095516.15"),
        ];
        for ((minor, decimals), expected) in cases {
            let money = Money::from_minor_units(minor, decimals);
            assert_eq!(money.amount(), expected);
            assert_eq!(Money::new(expected).unwrap(), money, "round trip");
        }
    }

    #[test]
    fn serde_is_a_checked_string() {
        let money = Money::new("1895.00").unwrap();
        assert_eq!(serde_json::to_value(&money).unwrap(), "1895.00");
        let back: Money = serde_json::from_str("\"1895.00\"").unwrap();
        assert_eq!(back, money);
        assert!(serde_json::from_str::<Money>("\"1,895\"").is_err());
        assert!(serde_json::from_str::<Money>("1895").is_err());
    }

    #[test]
    fn every_price_set_takes_the_same_money() {
        let money = Money::new("1895.00").unwrap();
        let expected = serde_json::json!({"shopMoney": {"amount": "1895.00"}});
        let sets = [
            serde_json::to_value(types::AbandonedCartPayloadTotalLineItemsPriceSet::from(
                money.clone(),
            )),
            serde_json::to_value(types::AbandonedCartPayloadSubtotalPriceSet::from(
                money.clone(),
            )),
            serde_json::to_value(types::AbandonedCartPayloadTotalDiscountSet::from(
                money.clone(),
            )),
            serde_json::to_value(types::AbandonedCartPayloadTotalPriceSet::from(money)),
        ];
        for set in sets {
            assert_eq!(set.unwrap(), expected);
        }
    }
}
