//! Events as the API shows them: each domain change as its typed data.

use djcrm_domain::Change;
use djcrm_domain::events::{AgentField, LoginFailure, Revocation};

#[allow(clippy::wildcard_imports)]
use super::data::*;

impl From<Change> for EventData {
    fn from(change: Change) -> Self {
        match change {
            Change::LeadCreated { lead } => {
                Self::LeadCreated(LeadCreatedData { lead: lead.into() })
            }
            Change::LeadUpdated { fields, lead } => Self::LeadUpdated(LeadUpdatedData {
                fields: fields.into_iter().map(Into::into).collect(),
                lead: lead.into(),
            }),
            Change::LeadAssigned {
                agent_id,
                previous_agent_id,
                version,
            } => Self::LeadAssigned(LeadAssignedData {
                agent_id: agent_id.as_uuid(),
                previous_agent_id: previous_agent_id.map(|a| a.as_uuid()),
                version,
            }),
            Change::LeadUnassigned {
                previous_agent_id,
                version,
            } => Self::LeadUnassigned(LeadUnassignedData {
                previous_agent_id: previous_agent_id.as_uuid(),
                version,
            }),
            Change::LeadStatusChanged {
                from,
                to,
                note,
                version,
            } => Self::LeadStatusChanged(LeadStatusChangedData {
                from: from.into(),
                to: to.into(),
                note,
                version,
            }),
            Change::LeadDeleted { version } => Self::LeadDeleted(LeadDeletedData { version }),
            Change::NoteAdded { activity_id, body } => Self::NoteAdded(NoteAddedData {
                activity_id: activity_id.as_uuid(),
                body,
            }),
            Change::AgentCreated { agent } => Self::AgentCreated(AgentCreatedData {
                agent: agent.into(),
            }),
            Change::AgentUpdated { fields, agent } => Self::AgentUpdated(AgentUpdatedData {
                fields: fields
                    .into_iter()
                    .map(|field| match field {
                        AgentField::FullName => AgentFieldDto::FullName,
                        AgentField::Active => AgentFieldDto::Active,
                    })
                    .collect(),
                agent: agent.into(),
            }),
            Change::AgentDeactivated { agent } => Self::AgentDeactivated(AgentDeactivatedData {
                agent: agent.into(),
            }),
            Change::AgentDeleted { agent } => Self::AgentDeleted(AgentDeletedData {
                agent: agent.into(),
            }),
            Change::CategoryCreated { name } => Self::CategoryCreated(CategoryCreatedData { name }),
            Change::CategoryRenamed { from, to } => {
                Self::CategoryRenamed(CategoryRenamedData { from, to })
            }
            Change::CategoryDeleted {
                name,
                leads_uncategorised,
            } => Self::CategoryDeleted(CategoryDeletedData {
                name,
                leads_uncategorised,
            }),
            Change::OrganizationUpdated {
                previous_name,
                name,
            } => Self::OrganizationUpdated(OrganizationUpdatedData {
                previous_name,
                name,
            }),
            Change::UserSignedUp {
                organization_name,
                email,
                full_name,
            } => Self::UserSignedUp(UserSignedUpData {
                organization_name,
                email,
                full_name,
            }),
            Change::UserCreated {
                email,
                full_name,
                role,
            } => Self::UserCreated(UserCreatedData {
                email,
                full_name,
                role: role.into(),
            }),
            Change::UserLoggedIn { token_id } => Self::UserLoggedIn(UserLoggedInData {
                token_id: token_id.as_uuid(),
            }),
            Change::UserLoggedOut { token_id } => Self::UserLoggedOut(UserLoggedOutData {
                token_id: token_id.as_uuid(),
            }),
            Change::UserLoginFailed { reason } => Self::UserLoginFailed(UserLoginFailedData {
                reason: match reason {
                    LoginFailure::WrongPassword => LoginFailureDto::WrongPassword,
                    LoginFailure::Deactivated => LoginFailureDto::Deactivated,
                },
            }),
            Change::TokenIssued {
                user_id,
                expires_at,
            } => Self::TokenIssued(TokenIssuedData {
                user_id: user_id.as_uuid(),
                expires_at,
            }),
            Change::TokenRevoked { user_id, reason } => Self::TokenRevoked(TokenRevokedData {
                user_id: user_id.as_uuid(),
                reason: match reason {
                    Revocation::Logout => RevocationDto::Logout,
                    Revocation::Deactivated => RevocationDto::Deactivated,
                    Revocation::PasswordReset => RevocationDto::PasswordReset,
                    Revocation::Operator => RevocationDto::Operator,
                },
            }),
            Change::InvitationSent {
                email,
                full_name,
                expires_at,
                resent,
            } => Self::InvitationSent(InvitationSentData {
                email,
                full_name,
                expires_at,
                resent,
            }),
            Change::InvitationRevoked { email } => {
                Self::InvitationRevoked(InvitationRevokedData { email })
            }
            Change::InvitationAccepted { email, agent_id } => {
                Self::InvitationAccepted(InvitationAcceptedData {
                    email,
                    agent_id: agent_id.as_uuid(),
                })
            }
            Change::PasswordResetRequested { expires_at } => {
                Self::PasswordResetRequested(PasswordResetRequestedData { expires_at })
            }
            Change::PasswordChanged { tokens_revoked } => {
                Self::PasswordChanged(PasswordChangedData { tokens_revoked })
            }
            Change::UserRoleChanged { from, to } => Self::UserRoleChanged(UserRoleChangedData {
                from: from.into(),
                to: to.into(),
            }),
            Change::UserDeactivated { role } => {
                Self::UserDeactivated(UserDeactivatedData { role: role.into() })
            }
            Change::WebhookCreated { url, events } => {
                Self::WebhookCreated(WebhookCreatedData { url, events })
            }
            Change::WebhookUpdated {
                url,
                events,
                active,
            } => Self::WebhookUpdated(WebhookUpdatedData {
                url,
                events,
                active,
            }),
            Change::WebhookDeleted { url } => Self::WebhookDeleted(WebhookDeletedData { url }),
            Change::WebhookDisabled { reason } => {
                Self::WebhookDisabled(WebhookDisabledData { reason })
            }
            Change::ImportCreated {
                file_name,
                origin,
                duplicates,
                size_bytes,
            } => Self::ImportCreated(ImportCreatedData {
                file_name,
                origin: origin.into(),
                duplicates: duplicates.into(),
                size_bytes,
            }),
            Change::ImportCompleted { counts } => Self::ImportCompleted(ImportCompletedData {
                counts: counts.into(),
            }),
            Change::ImportFailed { reason, counts } => Self::ImportFailed(ImportFailedData {
                reason,
                counts: counts.into(),
            }),
            Change::ImportReverted { leads_deleted } => {
                Self::ImportReverted(ImportRevertedData { leads_deleted })
            }
        }
    }
}
