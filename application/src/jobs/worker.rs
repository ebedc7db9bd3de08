//! The worker: does one job, once.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};

use djcrm_domain::jobs::{Job, JobRun, RunState, Secret, Work};
use djcrm_domain::ports::{
    AgentRepository, Clock, InvitationRepository, JobLog, LeadRepository, Mailer,
    OrganizationRepository, Store, UserRepository, WebhookSender,
};
use djcrm_domain::{AgentId, DomainError, InvitationId, LeadId, OrgId, UserId};

use super::JobError;
use super::mails::{DigestView, InvitationView, LeadAssignedView, Links, PasswordResetView};
use crate::tokens::hash_secret;

/// How a job ended, when it did not fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Its effect happened now.
    Done,
    /// Its key was already done: nothing happened.
    AlreadyDone,
    /// There was nothing left to do (why): a revoked invitation, a deleted lead.
    Skipped(&'static str),
}

/// How the worker delivers webhooks.
#[derive(Clone)]
pub struct WebhookSettings {
    /// Sends deliveries; without one, deliveries wait (retried) for a worker that has.
    pub sender: Option<Arc<dyn WebhookSender>>,
    /// Failed deliveries in a row after which a webhook is turned off.
    pub disable_after: u32,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            sender: None,
            disable_after: 10,
        }
    }
}

/// Does jobs: renders and sends their mail, delivers webhooks, and records each job
/// that ends.
pub struct Worker<S: Store> {
    pub(super) store: S,
    mailer: Arc<dyn Mailer>,
    pub(super) clock: Arc<dyn Clock>,
    links: Links,
    pub(super) webhooks: WebhookSettings,
}

impl<S: Store> Worker<S> {
    /// A worker over `store`, sending with `mailer`, with links under `links`.
    pub fn new(store: S, mailer: Arc<dyn Mailer>, clock: Arc<dyn Clock>, links: Links) -> Self {
        Self {
            store,
            mailer,
            clock,
            links,
            webhooks: WebhookSettings::default(),
        }
    }

    /// The worker, delivering webhooks as `webhooks` says.
    #[must_use]
    pub fn with_webhooks(mut self, webhooks: WebhookSettings) -> Self {
        self.webhooks = webhooks;
        self
    }

    /// Does `job` (attempt number `attempt` of at most `max_attempts`), unless its
    /// key is done. A job that ends is recorded: done, so it is never done again; or
    /// failed (permanently, or at its last attempt) with its error, to be seen and
    /// retried.
    ///
    /// # Errors
    /// [`JobError`] when it failed; [`JobError::is_permanent`] says whether a retry
    /// can help.
    #[tracing::instrument(skip_all, fields(job = %job.key, kind = job.work.kind(), attempt))]
    pub async fn perform(
        &self,
        job: &Job,
        attempt: u32,
        max_attempts: u32,
    ) -> Result<Outcome, JobError> {
        if self.store.jobs().is_done(&job.key).await? {
            return Ok(Outcome::AlreadyDone);
        }
        match self.execute(job, attempt >= max_attempts).await {
            Ok(outcome) => {
                self.record(job, RunState::Done, attempt, None).await?;
                Ok(outcome)
            }
            Err(error) => {
                if error.is_permanent() || attempt >= max_attempts {
                    let text = error.chain();
                    tracing::warn!(error = %text, "job failed for good");
                    self.record(job, RunState::Failed, attempt, Some(text))
                        .await?;
                } else {
                    tracing::info!(error = %error.chain(), "job failed; it will be retried");
                }
                Err(error)
            }
        }
    }

    async fn record(
        &self,
        job: &Job,
        state: RunState,
        attempts: u32,
        error: Option<String>,
    ) -> Result<(), JobError> {
        let run = JobRun {
            job: job.clone(),
            state,
            attempts,
            error,
            finished_at: self.clock.now(),
        };
        self.store.jobs().record(&run).await.map_err(Into::into)
    }

    async fn execute(&self, job: &Job, last_attempt: bool) -> Result<Outcome, JobError> {
        let key = job.key.as_str();
        match &job.work {
            Work::InvitationMail {
                invitation_id,
                token,
            } => {
                self.invitation(key, job.org_id, *invitation_id, token)
                    .await
            }
            Work::LeadAssignedMail {
                lead_id,
                agent_id,
                by,
            } => {
                self.lead_assigned(key, job.org_id, *lead_id, *agent_id, *by)
                    .await
            }
            Work::PasswordResetMail {
                user_id,
                token,
                expires_at,
            } => {
                self.password_reset(key, job.org_id, *user_id, token, *expires_at)
                    .await
            }
            Work::DigestMail { user_id, day } => self.digest(key, job.org_id, *user_id, *day).await,
            Work::WebhookDelivery {
                webhook_id,
                event_id,
            } => self.deliver(job.org_id, *webhook_id, *event_id).await,
            Work::Import { import_id } => self.import(job.org_id, *import_id, last_attempt).await,
        }
    }

    async fn invitation(
        &self,
        key: &str,
        org: OrgId,
        id: InvitationId,
        token: &Secret,
    ) -> Result<Outcome, JobError> {
        let Some(invitation) = found(self.store.invitations().get(org, id).await)? else {
            return Ok(Outcome::Skipped("the invitation is gone"));
        };
        if !invitation.is_open() {
            return Ok(Outcome::Skipped("the invitation was accepted or revoked"));
        }
        if invitation.token_hash != hash_secret(token.expose()) {
            return Ok(Outcome::Skipped("the invitation was sent again since"));
        }
        let organization = self.store.organizations().get(org).await?;
        let inviter = match invitation.invited_by {
            Some(user) => found(self.store.users().get(org, user).await)?.map_or_else(
                || organization.name.as_str().to_owned(),
                |u| u.full_name.as_str().to_owned(),
            ),
            None => organization.name.as_str().to_owned(),
        };
        let view = InvitationView::new(
            &self.links,
            invitation.full_name.as_str(),
            &inviter,
            organization.name.as_str(),
            token.expose(),
            invitation.expires_at,
        );
        self.mailer
            .send(&view.mail(key, &invitation.email)?)
            .await?;
        Ok(Outcome::Done)
    }

    async fn lead_assigned(
        &self,
        key: &str,
        org: OrgId,
        lead_id: LeadId,
        agent_id: AgentId,
        by: Option<UserId>,
    ) -> Result<Outcome, JobError> {
        let Some(lead) = found(self.store.leads().get(org, lead_id).await)? else {
            return Ok(Outcome::Skipped("the lead was deleted"));
        };
        let Some(agent) = found(self.store.agents().get(org, agent_id).await)? else {
            return Ok(Outcome::Skipped("the agent was deleted"));
        };
        if !agent.active {
            return Ok(Outcome::Skipped("the agent was deactivated"));
        }
        if by == Some(agent.user_id) {
            return Ok(Outcome::Skipped("the agent took the lead themselves"));
        }
        let organization = self.store.organizations().get(org).await?;
        let view = LeadAssignedView {
            agent: agent.full_name.as_str().to_owned(),
            lead: format!("{} {}", lead.first_name.as_str(), lead.last_name.as_str()),
            organization: organization.name.as_str().to_owned(),
            email: lead.email.as_ref().map(|e| e.as_str().to_owned()),
            phone: lead.phone.as_ref().map(|p| p.as_str().to_owned()),
            status: lead.status().as_str().to_owned(),
            link: self.links.lead(lead.id),
        };
        self.mailer.send(&view.mail(key, &agent.email)?).await?;
        Ok(Outcome::Done)
    }

    async fn password_reset(
        &self,
        key: &str,
        org: OrgId,
        user_id: UserId,
        token: &Secret,
        expires_at: DateTime<Utc>,
    ) -> Result<Outcome, JobError> {
        let Some(user) = found(self.store.users().get(org, user_id).await)? else {
            return Ok(Outcome::Skipped("the user is gone"));
        };
        if !user.active {
            return Ok(Outcome::Skipped("the user was deactivated"));
        }
        let view = PasswordResetView::new(
            &self.links,
            user.full_name.as_str(),
            user.email.as_str(),
            token.expose(),
            expires_at,
        );
        self.mailer.send(&view.mail(key, &user.email)?).await?;
        Ok(Outcome::Done)
    }
}

impl<S: Store> Worker<S> {
    async fn digest(
        &self,
        key: &str,
        org: OrgId,
        user_id: UserId,
        day: NaiveDate,
    ) -> Result<Outcome, JobError> {
        let Some(user) = found(self.store.users().get(org, user_id).await)? else {
            return Ok(Outcome::Skipped("the organizer is gone"));
        };
        if !user.active || !user.role.is_organizer() {
            return Ok(Outcome::Skipped("no longer an active organizer"));
        }
        let from = day.and_time(NaiveTime::MIN).and_utc();
        let to = from + TimeDelta::days(1);
        let untouched_before = self.clock.now() - TimeDelta::days(7);
        let digest = self
            .store
            .leads()
            .digest(org, from, to, untouched_before)
            .await?;
        let organization = self.store.organizations().get(org).await?;
        let view = DigestView::new(
            &self.links,
            user.full_name.as_str(),
            organization.name.as_str(),
            day,
            &digest,
        );
        self.mailer.send(&view.mail(key, &user.email)?).await?;
        Ok(Outcome::Done)
    }
}

/// A read that may find nothing: `NotFound` is `None`, other errors stay errors.
pub(super) fn found<T>(result: Result<T, DomainError>) -> Result<Option<T>, JobError> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(DomainError::NotFound { .. }) => Ok(None),
        Err(error) => Err(error.into()),
    }
}
