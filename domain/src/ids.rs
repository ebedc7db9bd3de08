//! Typed identifiers. Each entity has its own id type so a [`LeadId`] can never be
//! passed where an [`AgentId`] is expected. Ids are UUIDv7: time-ordered, so the
//! newest record has the greatest id and ids double as a stable pagination key.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A new, time-ordered (v7) id.
            #[must_use]
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// Wraps an existing UUID (from storage or from a request).
            #[must_use]
            pub const fn from_uuid(id: Uuid) -> Self {
                Self(id)
            }

            /// The underlying UUID.
            #[must_use]
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                Self(id)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Self {
                id.0
            }
        }
    };
}

typed_id!(
    /// Identifies an [`Organization`](crate::Organization), the tenant.
    OrgId
);
typed_id!(
    /// Identifies a [`User`](crate::User) (owner, organizer or agent).
    UserId
);
typed_id!(
    /// Identifies an [`Agent`](crate::Agent) profile (not the user behind it).
    AgentId
);
typed_id!(
    /// Identifies a [`Lead`](crate::Lead).
    LeadId
);
typed_id!(
    /// Identifies a [`Category`](crate::Category).
    CategoryId
);
typed_id!(
    /// Identifies an [`Activity`](crate::Activity) in a lead's history.
    ActivityId
);
typed_id!(
    /// Identifies an [`ApiToken`](crate::ApiToken).
    TokenId
);
typed_id!(
    /// Identifies an [`Event`](crate::Event) of the outbox.
    EventId
);
typed_id!(
    /// Identifies an [`Invitation`](crate::Invitation) of an agent.
    InvitationId
);
typed_id!(
    /// Identifies a [`PasswordReset`](crate::PasswordReset) request.
    ResetId
);
typed_id!(
    /// Identifies a [`Webhook`](crate::Webhook).
    WebhookId
);
typed_id!(
    /// Identifies one [`Delivery`](crate::Delivery) to a webhook.
    DeliveryId
);
typed_id!(
    /// Identifies an [`Import`](crate::Import): one batch of leads read from a file.
    ImportId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_created_later_sort_after_earlier_ones() {
        let ids: Vec<LeadId> = (0..1000).map(|_| LeadId::new()).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted);
    }

    #[test]
    fn id_round_trips_through_its_string_form() {
        let id = OrgId::new();
        let parsed: OrgId = id.to_string().parse().expect("a printed id parses");
        assert_eq!(parsed, id);
    }
}
