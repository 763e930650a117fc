//! The number pool: searching, purchasing and releasing telephony numbers.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::World;
use crate::clock::rfc3339_at;
use crate::error::ApiError;

/// Recurring monthly rate of every number, in cents.
pub(crate) const MONTHLY_RATE_CENTS: u64 = 100;

/// Whether a number is still held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum NumberStatus {
    Active,
    Released,
}

/// A telephony number owned by an organization.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct TelephonyNumber {
    pub(crate) id: String,
    pub(crate) number: String,
    pub(crate) provider: String,
    pub(crate) organization: String,
    pub(crate) workspace: Option<String>,
    pub(crate) status: NumberStatus,
    pub(crate) provider_number_id: String,
    pub(crate) setup_fee_cents: u64,
    pub(crate) country_code: String,
    pub(crate) created_at: u64,
    pub(crate) updated_at: u64,
}

impl TelephonyNumber {
    /// The `TelephonyNumber` schema of the spec.
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "_id": self.id,
            "number": self.number,
            "provider": self.provider,
            "organization": self.organization,
            "workspace": self.workspace,
            "status": match self.status { NumberStatus::Active => "active", NumberStatus::Released => "released" },
            "providerNumberId": self.provider_number_id,
            "monthlyRateCents": MONTHLY_RATE_CENTS,
            "setupFeeCents": self.setup_fee_cents,
            "countryCode": self.country_code,
            "numberType": "local",
            "createdAt": rfc3339_at(self.created_at),
            "updatedAt": rfc3339_at(self.updated_at),
        })
    }
}

/// The dialling prefix under which the pool offers numbers for a country.
fn country_prefix(country_code: &str) -> Option<&'static str> {
    Some(match country_code.to_ascii_uppercase().as_str() {
        "US" => "+1415555",
        "CA" => "+1416555",
        "IN" => "+91815555",
        "GB" => "+4420795",
        "AU" => "+6128555",
        "DE" => "+4930555",
        _ => return None,
    })
}

/// Every number the pool can sell for a country: the prefix followed by `0101` to `0199`.
fn pool(country_code: &str) -> Vec<String> {
    country_prefix(country_code)
        .map(|prefix| (101..=199).map(|n| format!("{prefix}{n:04}")).collect())
        .unwrap_or_default()
}

/// A validated `GET /v1/number-pool/search` query.
#[derive(Debug, Clone)]
pub(crate) struct NumberSearch {
    pub(crate) country_code: String,
    pub(crate) pattern: Option<String>,
    pub(crate) limit: usize,
}

/// A validated `POST /v1/number-pool/purchase` body.
#[derive(Debug, Clone)]
pub(crate) struct NumberPurchase {
    pub(crate) number: String,
    pub(crate) provider: String,
    pub(crate) country_code: String,
    pub(crate) setup_fee_cents: u64,
}

impl World {
    fn number_is_held(&self, number: &str) -> bool {
        self.numbers
            .values()
            .any(|n| n.number == number && n.status == NumberStatus::Active)
    }

    /// Numbers available for purchase, as `AvailableNumber` objects.
    pub(crate) fn search_numbers(&self, query: &NumberSearch) -> Vec<Value> {
        let country = query.country_code.to_ascii_uppercase();
        pool(&country)
            .into_iter()
            .filter(|n| !self.number_is_held(n))
            .filter(|n| {
                query
                    .pattern
                    .as_ref()
                    .is_none_or(|p| n.contains(p.as_str()))
            })
            .take(query.limit)
            .map(|number| {
                json!({
                    "number": number,
                    "countryCode": country,
                    "numberType": "local",
                    "monthlyRateCents": MONTHLY_RATE_CENTS,
                    "setupFeeCents": 0,
                })
            })
            .collect()
    }

    /// Buys a number for an organization, charging its setup fee and first month.
    pub(crate) fn purchase_number(
        &mut self,
        organization_id: &str,
        purchase: NumberPurchase,
    ) -> Result<Value, ApiError> {
        self.ensure_organization_writable(organization_id)?;
        let country = purchase.country_code.to_ascii_uppercase();
        if !pool(&country).contains(&purchase.number) || self.number_is_held(&purchase.number) {
            return Err(ApiError::bad_request(
                "Phone number is not available for purchase",
            ));
        }
        let cost = (purchase.setup_fee_cents + MONTHLY_RATE_CENTS) as f64 / 100.0;
        let org = self
            .orgs
            .get_mut(organization_id)
            .ok_or_else(|| ApiError::not_found("Organization not found"))?;
        if org.credit_balance < cost {
            return Err(ApiError::payment_required(
                "Insufficient credit balance to purchase this number",
            ));
        }
        org.credit_balance -= cost;
        let id = self.new_id();
        let provider_number_id = self.new_id();
        let now = self.now();
        let record = TelephonyNumber {
            id: id.clone(),
            number: purchase.number,
            provider: purchase.provider,
            organization: organization_id.to_owned(),
            workspace: None,
            status: NumberStatus::Active,
            provider_number_id,
            setup_fee_cents: purchase.setup_fee_cents,
            country_code: country,
            created_at: now,
            updated_at: now,
        };
        let body = record.to_json();
        self.numbers.insert(id, record);
        Ok(body)
    }

    /// Releases a number and takes it off every assistant that used it.
    pub(crate) fn release_number(
        &mut self,
        organization_id: &str,
        number_id: &str,
    ) -> Result<Value, ApiError> {
        let now = self.now();
        let record = self
            .numbers
            .get_mut(number_id)
            .filter(|n| n.organization == organization_id)
            .ok_or_else(|| ApiError::not_found("Phone number not found for this organization"))?;
        if record.status == NumberStatus::Released {
            return Err(ApiError::conflict("Phone number is already released"));
        }
        record.status = NumberStatus::Released;
        record.updated_at = now;
        let body = record.to_json();
        for assistant in self.assistants.values_mut() {
            assistant.forget_number(number_id);
        }
        Ok(body)
    }

    /// Gives a new workspace its default outbound number, as production does.
    pub(crate) fn assign_default_number(&mut self, organization_id: &str, workspace_id: &str) {
        let id = self.new_id();
        let provider_number_id = self.new_id();
        let now = self.now();
        let number = format!("+1415555{:04}", 9000 + self.numbers.len());
        self.numbers.insert(
            id.clone(),
            TelephonyNumber {
                id,
                number,
                provider: "miraiminds".to_owned(),
                organization: organization_id.to_owned(),
                workspace: Some(workspace_id.to_owned()),
                status: NumberStatus::Active,
                provider_number_id,
                setup_fee_cents: 0,
                country_code: "US".to_owned(),
                created_at: now,
                updated_at: now,
            },
        );
    }

    /// The workspace's auto-assigned default number, if it is still held.
    pub(crate) fn default_number_of(&self, workspace_id: &str) -> Option<String> {
        self.numbers
            .values()
            .find(|n| {
                n.workspace.as_deref() == Some(workspace_id) && n.status == NumberStatus::Active
            })
            .map(|n| n.id.clone())
    }

    /// `400` unless `number_id` is an active number of the organization.
    pub(crate) fn ensure_usable_number(
        &self,
        organization_id: &str,
        number_id: &str,
    ) -> Result<(), ApiError> {
        match self.numbers.get(number_id) {
            Some(n) if n.organization == organization_id && n.status == NumberStatus::Active => {
                Ok(())
            }
            _ => Err(ApiError::bad_request(format!(
                "Telephony number {number_id} not found for this organization"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::org::DEFAULT_ORGANIZATION_ID;
    use axum::http::StatusCode;

    fn search(world: &World, pattern: Option<&str>, limit: usize) -> Vec<Value> {
        world.search_numbers(&NumberSearch {
            country_code: "in".into(),
            pattern: pattern.map(str::to_owned),
            limit,
        })
    }

    fn purchase(number: &str, fee: u64) -> NumberPurchase {
        NumberPurchase {
            number: number.into(),
            provider: "miraiminds".into(),
            country_code: "IN".into(),
            setup_fee_cents: fee,
        }
    }

    #[test]
    fn search_purchase_release() {
        let mut world = World::seeded();
        let found = search(&world, None, 2);
        assert_eq!(found[0]["number"], "+918155550101");
        assert_eq!(found[0]["countryCode"], "IN");
        assert_eq!(search(&world, Some("0150"), 20).len(), 1);

        let bought = world
            .purchase_number(DEFAULT_ORGANIZATION_ID, purchase("+918155550101", 0))
            .unwrap();
        assert_eq!(bought["status"], "active");
        assert_eq!(search(&world, None, 1)[0]["number"], "+918155550102");
        let again = world
            .purchase_number(DEFAULT_ORGANIZATION_ID, purchase("+918155550101", 0))
            .unwrap_err();
        assert_eq!(again.status, StatusCode::BAD_REQUEST);
        assert!((world.orgs[DEFAULT_ORGANIZATION_ID].credit_balance - 99.0).abs() < 1e-9);

        let id = bought["_id"].as_str().unwrap();
        assert_eq!(
            world.release_number(DEFAULT_ORGANIZATION_ID, id).unwrap()["status"],
            "released"
        );
        assert_eq!(
            world
                .release_number(DEFAULT_ORGANIZATION_ID, id)
                .unwrap_err()
                .status,
            StatusCode::CONFLICT
        );
        assert_eq!(
            world
                .release_number(DEFAULT_ORGANIZATION_ID, "nope")
                .unwrap_err()
                .status,
            StatusCode::NOT_FOUND
        );
    }

    #[test]
    fn purchases_need_credit() {
        let mut world = World::seeded();
        let err = world
            .purchase_number(
                DEFAULT_ORGANIZATION_ID,
                purchase("+918155550103", 1_000_000),
            )
            .unwrap_err();
        assert_eq!(err.status, StatusCode::PAYMENT_REQUIRED);
    }
}
