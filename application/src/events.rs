//! The organization's change feed: every committed change, oldest first.

use djcrm_domain::ports::{EventLog, Store};
use djcrm_domain::{
    Actor, DomainError, EventType, Feed, FeedQuery, Limit, Position, ValidationErrors,
};

use crate::Crm;
use crate::policy::require_organizer;

/// A feed read as a client asks for it: unchecked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeedParams {
    /// Only events after this position (0 or absent: from the start).
    pub after: Option<i64>,
    /// At most this many; 25 when absent, at most 100.
    pub limit: Option<i64>,
    /// Only events of these types (`lead.created`, ...); empty for all.
    pub types: Vec<String>,
}

impl<S: Store> Crm<S> {
    /// The caller's organization's events after `params.after`, oldest first. A
    /// client that polls with the last position it saw never misses or repeats one.
    ///
    /// # Errors
    /// - [`DomainError::Forbidden`] unless the caller is an organizer.
    /// - [`DomainError::Validation`] on `after`, `limit` or `type`.
    pub async fn events(&self, actor: &Actor, params: &FeedParams) -> Result<Feed, DomainError> {
        require_organizer(actor, "only organizers can read the change feed")?;
        let mut errors = ValidationErrors::new();
        let after = match params.after {
            Some(n) if n < 0 => {
                errors.add("after", "must be a position (0 or more)");
                Position::START
            }
            Some(n) => Position::new(n),
            None => Position::START,
        };
        let limit = errors.check("limit", params.limit.map_or(Ok(Limit::DEFAULT), Limit::new));
        let mut types = Vec::new();
        for raw in params.types.iter().flat_map(|t| t.split(',')) {
            if let Some(t) = errors.check("type", raw.trim().parse::<EventType>()) {
                types.push(t);
            }
        }
        let Some(limit) = limit else {
            return Err(errors.into());
        };
        errors.into_result()?;
        let query = FeedQuery {
            after,
            limit,
            types,
        };
        self.store.events().feed(actor.org_id, &query).await
    }
}
