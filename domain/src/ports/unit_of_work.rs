//! The write side: one transaction per use case.
//!
//! A use case opens a [`UnitOfWork`] with [`Store::begin`](super::Store::begin), does
//! every write through it (the records, their history and their events) and calls
//! [`UnitOfWork::commit`]. Dropped uncommitted, it rolls back: nothing of it is ever
//! seen. The `*_for_update` reads lock what they return until the end of the
//! transaction, so a read-modify-write cannot lose a concurrent change.
//!
//! A store may hold new leads, history entries and events and write them with its
//! next statement or at commit, to save round trips; their errors (a lead naming a
//! category removed meanwhile) then come from that call or from `commit`.
//!
//! Every method is confined to the organization it names, like the read ports.

use std::future::Future;

use chrono::{DateTime, Utc};

use crate::jobs::Secret;
use crate::{
    Activity, Agent, AgentId, ApiToken, Category, CategoryId, CategoryName, DomainError, Email,
    Event, EventId, Import, ImportId, Invitation, InvitationId, Lead, LeadId, OrgId, Organization,
    OrganizationName, PasswordHash, PasswordReset, Rejection, Role, TokenHash, TokenId, User,
    UserId, Webhook, WebhookId,
};

/// One open write transaction.
#[cfg_attr(feature = "mocks", mockall::automock)]
pub trait UnitOfWork: Send {
    /// Stores a new organization.
    fn insert_organization(
        &mut self,
        org: &Organization,
    ) -> impl Future<Output = Result<(), DomainError>> + Send;

    /// The organization `id`, locked until the end of the transaction.
    ///
    /// # Errors
    /// - MUST return [`DomainError::NotFound`] when there is none.
    fn organization_for_update(
        &mut self,
        id: OrgId,
    ) -> impl Future<Output = Result<Organization, DomainError>> + Send;

    /// Renames an organization.
    ///
    /// # Errors
    /// - MUST return [`DomainError::NotFound`] when there is none.
    fn rename_organization(
        &mut self,
        org: OrgId,
        name: &OrganizationName,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), DomainError>> + Send;

    /// Stores a new user with the hash of their password.
    ///
    /// # Errors
    /// - MUST return [`DomainError::Conflict`] on field `email` when the email is taken.
    /// - MUST return [`DomainError::NotFound`] when the organization does not exist.
    fn insert_user(
        &mut self,
        user: &User,
        password_hash: &PasswordHash,
    ) -> impl Future<Output = Result<(), DomainError>> + Send;

    /// The user `id`, locked until the end of the transaction.
    ///
    /// # Errors
    /// - MUST return [`DomainError::NotFound`] when absent or in another organization.
    fn user_for_update(
        &mut self,
        org: OrgId,
        id: UserId,
    ) -> impl Future<Output = Result<User, DomainError>> + Send;

    /// Stores the agent profile of a user already inserted in this unit of work.
    fn insert_agent(
        &mut self,
        agent: &Agent,
    ) -> impl Future<Output = Result<(), DomainError>> + Send;

    /// The agent `id`, locked until the end of the transaction.
    ///
    /// # Errors
    /// - MUST return [`DomainError::NotFound`] when absent or in another organization.
    fn agent_for_update(
        &mut self,
        org: OrgId,
        id: AgentId,
    ) -> impl Future<Output = Result<Agent, DomainError>> + Send;

    /// The agent `id`, kept from changing (e.g. being deactivated) until the end of
    /// the transaction, while others may read it the same way.
    ///
    /// # Errors
    /// - MUST return [`DomainError::NotFound`] when absent or in another organization.
    fn agent_for_share(
        &mut self,
        org: OrgId,
        id: AgentId,
    ) -> impl Future<Output = Result<Agent, DomainError>> + Send;

    /// Writes the agent's name and active flag (on profile and user) and nothing else.
    ///
    /// # Errors
    /// - MUST return [`DomainError::NotFound`] when absent or in another organization.
    fn save_agent(&mut self, agent: &Agent)
    -> impl Future<Output = Result<(), DomainError>> + Send;

    /// Marks the agent deleted: it leaves every read, list and stat; its user stays,
    /// so the history still names who acted.
    ///
    /// # Errors
    /// - MUST return [`DomainError::NotFound`] when absent, already deleted or in
    ///   another organization.
    fn delete_agent(
        &mut self,
        org: OrgId,
        id: AgentId,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), DomainError>> + Send;

    /// The live leads assigned to an agent, locked until the end of the transaction.
    fn leads_of_agent_for_update(
        &mut self,
        org: OrgId,
        agent: AgentId,
    ) -> impl Future<Output = Result<Vec<Lead>, DomainError>> + Send;

    /// Stores a newly issued token.
    fn insert_token(
        &mut self,
        token: &ApiToken,
    ) -> impl Future<Output = Result<(), DomainError>> + Send;

    /// Revokes the token with this hash if it belongs to `user`; its id, or `None`
    /// when there was no such token.
    fn revoke_token(
        &mut self,
        user: UserId,
        hash: &TokenHash,
    ) -> impl Future<Output = Result<Option<TokenId>, DomainError>> + Send;

    /// Revokes every token of `user`; the ids revoked.
    fn revoke_tokens_of(
        &mut self,
        org: OrgId,
        user: UserId,
    ) -> impl Future<Output = Result<Vec<TokenId>, DomainError>> + Send;

    /// Stores a new category.
    ///
    /// # Errors
    /// - MUST return [`DomainError::Conflict`] on field `name` when the organization
    ///   has a category of that name, ignoring case.
    fn insert_category(
        &mut self,
        category: &Category,
    ) -> impl Future<Output = Result<(), DomainError>> + Send;

    /// The category `id`, locked until the end of the transaction.
    ///
    /// # Errors
    /// - MUST return [`DomainError::NotFound`] when absent or in another organization.
    fn category_for_update(
        &mut self,
        org: OrgId,
        id: CategoryId,
    ) -> impl Future<Output = Result<Category, DomainError>> + Send;

    /// Renames a category.
    ///
    /// # Errors
    /// - MUST return [`DomainError::NotFound`] when absent or in another organization.
    /// - MUST return [`DomainError::Conflict`] on field `name` for a taken name.
    fn rename_category(
        &mut self,
        org: OrgId,
        id: CategoryId,
        name: &CategoryName,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), DomainError>> + Send;

    /// Deletes a category whose live leads were already moved out of it; deleted
    /// leads that still name it lose the reference.
    ///
    /// # Errors
    /// - MUST return [`DomainError::NotFound`] when absent or in another organization.
    fn delete_category(
        &mut self,
        org: OrgId,
        id: CategoryId,
    ) -> impl Future<Output = Result<(), DomainError>> + Send;

    /// Stores a new lead. A store may write it later in the unit of work (see the
    /// module's documentation).
    fn insert_lead(&mut self, lead: &Lead) -> impl Future<Output = Result<(), DomainError>> + Send;

    /// The live lead `id`, locked until the end of the transaction.
    ///
    /// # Errors
    /// - MUST return [`DomainError::NotFound`] when absent, deleted or in another organization.
    fn lead_for_update(
        &mut self,
        org: OrgId,
        id: LeadId,
    ) -> impl Future<Output = Result<Lead, DomainError>> + Send;

    /// The live leads of a category, locked until the end of the transaction.
    fn leads_in_category_for_update(
        &mut self,
        org: OrgId,
        category: CategoryId,
    ) -> impl Future<Output = Result<Vec<Lead>, DomainError>> + Send;

    /// Saves `lead` (already changed through its methods) only if the stored version
    /// is still `expected_version`.
    ///
    /// # Errors
    /// - MUST return [`DomainError::NotFound`] when absent, deleted or in another organization.
    /// - MUST return [`DomainError::PreconditionFailed`] when the stored version
    ///   differs; nothing is written then.
    fn save_lead(
        &mut self,
        lead: &Lead,
        expected_version: i64,
    ) -> impl Future<Output = Result<(), DomainError>> + Send;

    /// Saves `lead` as [`save_lead`](Self::save_lead) does and marks it deleted: it
    /// leaves every read, list and stat; its history stays.
    ///
    /// # Errors
    /// As [`save_lead`](Self::save_lead).
    fn delete_lead(
        &mut self,
        lead: &Lead,
        expected_version: i64,
    ) -> impl Future<Output = Result<(), DomainError>> + Send;

    /// Appends an entry to a lead's history. A store may write it later in the
    /// unit of work (see the module's documentation).
    fn append_activity(
        &mut self,
        activity: &Activity,
    ) -> impl Future<Output = Result<(), DomainError>> + Send;

    /// Appends an event to the outbox, after those appended before it. A store may
    /// write it later in the unit of work (see the module's documentation).
    fn append_event(
        &mut self,
        event: &Event,
    ) -> impl Future<Output = Result<(), DomainError>> + Send;

    /// Keeps `secret` beside the event `event` (appended in this unit of work) for
    /// the relay, which puts it in the job that mails it and then forgets it. The
    /// event itself never carries a secret.
    fn seal(
        &mut self,
        event: EventId,
        secret: &Secret,
    ) -> impl Future<Output = Result<(), DomainError>> + Send;

    /// Stores a new invitation.
    ///
    /// # Errors
    /// - MUST return [`DomainError::Conflict`] on field `email` when the organization
    ///   has an open invitation to that email.
    fn insert_invitation(
        &mut self,
        invitation: &Invitation,
    ) -> impl Future<Output = Result<(), DomainError>> + Send;

    /// The invitation `id`, locked until the end of the transaction.
    ///
    /// # Errors
    /// - MUST return [`DomainError::NotFound`] when absent or in another organization.
    fn invitation_for_update(
        &mut self,
        org: OrgId,
        id: InvitationId,
    ) -> impl Future<Output = Result<Invitation, DomainError>> + Send;

    /// The invitation whose current token has this hash, locked until the end of the
    /// transaction; `None` when there is none.
    fn invitation_by_token_for_update(
        &mut self,
        hash: &TokenHash,
    ) -> impl Future<Output = Result<Option<Invitation>, DomainError>> + Send;

    /// Writes an invitation's token, times and outcome.
    ///
    /// # Errors
    /// - MUST return [`DomainError::NotFound`] when absent or in another organization.
    fn save_invitation(
        &mut self,
        invitation: &Invitation,
    ) -> impl Future<Output = Result<(), DomainError>> + Send;

    /// Stores a new password reset request.
    fn insert_password_reset(
        &mut self,
        reset: &PasswordReset,
    ) -> impl Future<Output = Result<(), DomainError>> + Send;

    /// The password reset whose token has this hash, locked until the end of the
    /// transaction; `None` when there is none.
    fn password_reset_by_token_for_update(
        &mut self,
        hash: &TokenHash,
    ) -> impl Future<Output = Result<Option<PasswordReset>, DomainError>> + Send;

    /// Marks every unused password reset of `user` used at `now`: the one just used
    /// and any older one still in a mailbox.
    fn use_password_resets(
        &mut self,
        user: UserId,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), DomainError>> + Send;

    /// Replaces a user's password hash.
    ///
    /// # Errors
    /// - MUST return [`DomainError::NotFound`] when absent or in another organization.
    fn set_password(
        &mut self,
        org: OrgId,
        user: UserId,
        hash: &PasswordHash,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), DomainError>> + Send;

    /// Changes a user's role.
    ///
    /// # Errors
    /// - MUST return [`DomainError::NotFound`] when absent or in another organization.
    fn set_user_role(
        &mut self,
        org: OrgId,
        user: UserId,
        role: Role,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), DomainError>> + Send;

    /// Deactivates or reactivates a user (and so their agent profile).
    ///
    /// # Errors
    /// - MUST return [`DomainError::NotFound`] when absent or in another organization.
    fn set_user_active(
        &mut self,
        org: OrgId,
        user: UserId,
        active: bool,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), DomainError>> + Send;

    /// Revokes the token `id` of `org`; whose it was, or `None` when there was none.
    fn revoke_token_by_id(
        &mut self,
        org: OrgId,
        id: TokenId,
    ) -> impl Future<Output = Result<Option<UserId>, DomainError>> + Send;

    /// Stores a new webhook.
    fn insert_webhook(
        &mut self,
        webhook: &Webhook,
    ) -> impl Future<Output = Result<(), DomainError>> + Send;

    /// The webhook `id`, locked until the end of the transaction.
    ///
    /// # Errors
    /// - MUST return [`DomainError::NotFound`] when absent or in another organization.
    fn webhook_for_update(
        &mut self,
        org: OrgId,
        id: WebhookId,
    ) -> impl Future<Output = Result<Webhook, DomainError>> + Send;

    /// Writes a webhook's URL, events, state and failure count.
    ///
    /// # Errors
    /// - MUST return [`DomainError::NotFound`] when absent or in another organization.
    fn save_webhook(
        &mut self,
        webhook: &Webhook,
    ) -> impl Future<Output = Result<(), DomainError>> + Send;

    /// Removes a webhook and its delivery log.
    ///
    /// # Errors
    /// - MUST return [`DomainError::NotFound`] when absent or in another organization.
    fn delete_webhook(
        &mut self,
        org: OrgId,
        id: WebhookId,
    ) -> impl Future<Output = Result<(), DomainError>> + Send;

    /// Stores a new import.
    fn insert_import(
        &mut self,
        import: &Import,
    ) -> impl Future<Output = Result<(), DomainError>> + Send;

    /// The import `id`, locked until the end of the transaction.
    ///
    /// # Errors
    /// - MUST return [`DomainError::NotFound`] when absent or in another organization.
    fn import_for_update(
        &mut self,
        org: OrgId,
        id: ImportId,
    ) -> impl Future<Output = Result<Import, DomainError>> + Send;

    /// Writes an import's state, counts, error and times.
    ///
    /// # Errors
    /// - MUST return [`DomainError::NotFound`] when absent or in another organization.
    fn save_import(
        &mut self,
        import: &Import,
    ) -> impl Future<Output = Result<(), DomainError>> + Send;

    /// Stores part `part` of an import's uploaded file.
    fn insert_upload_part(
        &mut self,
        org: OrgId,
        import: ImportId,
        part: u64,
        bytes: &[u8],
    ) -> impl Future<Output = Result<(), DomainError>> + Send;

    /// Removes an import's uploaded file, once the import has ended.
    fn delete_upload(
        &mut self,
        org: OrgId,
        import: ImportId,
    ) -> impl Future<Output = Result<(), DomainError>> + Send;

    /// Stores new leads read by `import`, as few statements as the store allows,
    /// each remembered as the import's (for [`revert_import`](Self::revert_import)).
    fn insert_imported_leads(
        &mut self,
        import: ImportId,
        leads: &[Lead],
    ) -> impl Future<Output = Result<(), DomainError>> + Send;

    /// The live leads of `org` whose email is one of `emails`, locked until the end
    /// of the transaction.
    fn leads_by_email_for_update(
        &mut self,
        org: OrgId,
        emails: &[Email],
    ) -> impl Future<Output = Result<Vec<Lead>, DomainError>> + Send;

    /// Records rows an import refused.
    fn insert_rejections(
        &mut self,
        org: OrgId,
        import: ImportId,
        rejections: &[Rejection],
    ) -> impl Future<Output = Result<(), DomainError>> + Send;

    /// Marks deleted every live lead `import` created, bumping its version, each
    /// with a `deleted` history entry by `actor`; how many. Leads the import only
    /// updated are left as they are.
    fn revert_import(
        &mut self,
        org: OrgId,
        import: ImportId,
        actor: Option<UserId>,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<u64, DomainError>> + Send;

    /// Makes every write of this unit of work durable and visible, all at once.
    fn commit(self) -> impl Future<Output = Result<(), DomainError>> + Send;
}
