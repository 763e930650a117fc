//! The retry budget: a token bucket shared by every request of a client.

/// Settings of the [`RetryBudget`] token bucket (the scheme the AWS SDKs use).
///
/// Every retry withdraws tokens; a request that succeeds puts some back. With the defaults (500 tokens, 5 per
/// retry, 10 per retry after a timeout, 1 back per success) about 100 retries in a row without successes empty the
/// bucket, after which failures are returned at once until successes refill it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryBudgetConfig {
    /// Tokens in a full bucket (and at start).
    pub capacity: u32,
    /// Tokens a retry costs.
    pub retry_cost: u32,
    /// Tokens a retry after a timeout costs (timeouts hint at an overloaded server, so they drain faster).
    pub timeout_retry_cost: u32,
    /// Tokens a success on the first attempt returns. A success after retries returns the cost of the last retry.
    pub success_refund: u32,
}

impl Default for RetryBudgetConfig {
    fn default() -> Self {
        Self {
            capacity: 500,
            retry_cost: 5,
            timeout_retry_cost: 10,
            success_refund: 1,
        }
    }
}

/// A token bucket limiting how many retries a client makes while the API is failing.
///
/// ```
/// use mirai_voice::retry::{RetryBudget, RetryBudgetConfig};
///
/// let mut budget = RetryBudget::new(RetryBudgetConfig { capacity: 10, ..Default::default() });
/// assert!(budget.try_acquire(5));
/// assert!(budget.try_acquire(5));
/// assert!(!budget.try_acquire(5), "empty");
/// budget.record_success(None);
/// assert_eq!(budget.available(), Some(1));
/// ```
#[derive(Clone, Debug)]
pub struct RetryBudget {
    config: Option<RetryBudgetConfig>,
    available: u32,
}

impl RetryBudget {
    /// A full bucket with the given settings.
    pub fn new(config: RetryBudgetConfig) -> Self {
        Self {
            available: config.capacity,
            config: Some(config),
        }
    }

    /// A budget that never refuses a retry.
    pub fn unlimited() -> Self {
        Self {
            config: None,
            available: 0,
        }
    }

    /// A bucket for `config`, or an unlimited budget when it is `None`.
    pub fn from_config(config: Option<&RetryBudgetConfig>) -> Self {
        config.cloned().map_or_else(Self::unlimited, Self::new)
    }

    /// Takes `cost` tokens if that many are left; returns whether the retry may go ahead.
    pub fn try_acquire(&mut self, cost: u32) -> bool {
        if self.config.is_none() {
            return true;
        }
        match self.available.checked_sub(cost) {
            Some(left) => {
                self.available = left;
                true
            }
            None => false,
        }
    }

    /// Records a successful request. `last_retry_cost` is what its last retry cost, or `None` when it succeeded
    /// on the first attempt.
    pub fn record_success(&mut self, last_retry_cost: Option<u32>) {
        if let Some(config) = &self.config {
            let refund = last_retry_cost.unwrap_or(config.success_refund);
            self.available = self.available.saturating_add(refund).min(config.capacity);
        }
    }

    /// Tokens left, or `None` for an unlimited budget.
    pub fn available(&self) -> Option<u32> {
        self.config.as_ref().map(|_| self.available)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_bucket_allows_a_hundred_plain_retries() {
        let mut budget = RetryBudget::new(RetryBudgetConfig::default());
        let granted = (0..1000).take_while(|_| budget.try_acquire(5)).count();
        assert_eq!(granted, 100);
        assert_eq!(budget.available(), Some(0));
    }

    #[test]
    fn refunds_never_exceed_capacity() {
        let mut budget = RetryBudget::new(RetryBudgetConfig {
            capacity: 20,
            ..Default::default()
        });
        budget.record_success(None);
        assert_eq!(budget.available(), Some(20));
        assert!(budget.try_acquire(10));
        budget.record_success(Some(10));
        assert_eq!(budget.available(), Some(20));
        assert!(budget.try_acquire(15));
        budget.record_success(None);
        assert_eq!(budget.available(), Some(6));
    }

    #[test]
    fn unlimited_budget_always_grants() {
        let mut budget = RetryBudget::from_config(None);
        assert!((0..10_000).all(|_| budget.try_acquire(u32::MAX)));
        assert_eq!(budget.available(), None);
    }
}
