//! The mails jobs send, rendered from the templates in `templates/mail/`: a plain
//! text body and the same in HTML (escaped by the template engine).

use std::ops::Deref;

use askama::Template;
use chrono::{DateTime, Utc};
use djcrm_domain::ports::Mail;
use djcrm_domain::{Email, LeadId};

use super::JobError;

/// Where the links in mails point: the public address of the server.
#[derive(Debug, Clone)]
pub struct Links {
    base: String,
}

impl Links {
    /// Links under `base` (`https://crm.example.com`).
    #[must_use]
    pub fn new(base: &str) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
        }
    }

    fn accept_invitation(&self, token: &str) -> String {
        format!("{}/accept-invitation?token={token}", self.base)
    }

    fn reset_password(&self, token: &str) -> String {
        format!("{}/reset-password?token={token}", self.base)
    }

    pub(super) fn lead(&self, id: LeadId) -> String {
        format!("{}/leads/{id}", self.base)
    }

    fn board(&self) -> String {
        format!("{}/board", self.base)
    }
}

/// The day a token stops working, as mails say it.
fn day_and_time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// What an invitation mail says.
pub(super) struct InvitationView {
    pub full_name: String,
    pub inviter: String,
    pub organization: String,
    pub link: String,
    pub token: String,
    pub expires: String,
}

impl InvitationView {
    pub(super) fn new(
        links: &Links,
        full_name: &str,
        inviter: &str,
        organization: &str,
        token: &str,
        expires_at: DateTime<Utc>,
    ) -> Self {
        Self {
            full_name: full_name.to_owned(),
            inviter: inviter.to_owned(),
            organization: organization.to_owned(),
            link: links.accept_invitation(token),
            token: token.to_owned(),
            expires: day_and_time(expires_at),
        }
    }
}

/// What a lead-assigned mail says.
pub(super) struct LeadAssignedView {
    pub agent: String,
    pub lead: String,
    pub organization: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub status: String,
    pub link: String,
}

/// What a password reset mail says.
pub(super) struct PasswordResetView {
    pub full_name: String,
    pub email: String,
    pub link: String,
    pub token: String,
    pub expires: String,
}

impl PasswordResetView {
    pub(super) fn new(
        links: &Links,
        full_name: &str,
        email: &str,
        token: &str,
        expires_at: DateTime<Utc>,
    ) -> Self {
        Self {
            full_name: full_name.to_owned(),
            email: email.to_owned(),
            link: links.reset_password(token),
            token: token.to_owned(),
            expires: day_and_time(expires_at),
        }
    }
}

/// One untouched lead, as a digest lists it.
pub(super) struct UntouchedView {
    pub name: String,
    pub since: String,
    pub link: String,
}

/// What a digest mail says.
pub(super) struct DigestView {
    pub full_name: String,
    pub organization: String,
    pub day: String,
    pub new_leads: u64,
    pub conversions: u64,
    pub untouched: u64,
    pub oldest: Vec<UntouchedView>,
    pub board: String,
}

impl DigestView {
    pub(super) fn new(
        links: &Links,
        full_name: &str,
        organization: &str,
        day: chrono::NaiveDate,
        digest: &djcrm_domain::Digest,
    ) -> Self {
        Self {
            full_name: full_name.to_owned(),
            organization: organization.to_owned(),
            day: day.format("%A %-d %B %Y").to_string(),
            new_leads: digest.new_leads,
            conversions: digest.conversions,
            untouched: digest.untouched,
            oldest: digest
                .oldest_untouched
                .iter()
                .map(|lead| UntouchedView {
                    name: lead.name.clone(),
                    since: lead.updated_at.format("%Y-%m-%d").to_string(),
                    link: links.lead(lead.id),
                })
                .collect(),
            board: links.board(),
        }
    }

    pub(super) fn mail(&self, key: &str, to: &Email) -> Result<Mail, JobError> {
        let subject = format!("{}: your digest for {}", self.organization, self.day);
        Ok(mail(key, to, &self.full_name, subject, self.bodies()?))
    }
}

macro_rules! bodies {
    ($($view:ident: $text:ident = $text_path:literal, $html:ident = $html_path:literal;)*) => {$(
        #[derive(Template)]
        #[template(path = $text_path)]
        struct $text<'a> {
            view: &'a $view,
        }

        #[derive(Template)]
        #[template(path = $html_path)]
        struct $html<'a> {
            view: &'a $view,
        }

        impl Deref for $text<'_> {
            type Target = $view;
            fn deref(&self) -> &$view {
                self.view
            }
        }

        impl Deref for $html<'_> {
            type Target = $view;
            fn deref(&self) -> &$view {
                self.view
            }
        }

        impl $view {
            /// The text and HTML bodies.
            fn bodies(&self) -> Result<(String, String), JobError> {
                let text = $text { view: self }.render().map_err(unrenderable)?;
                let html = $html { view: self }.render().map_err(unrenderable)?;
                Ok((text, html))
            }
        }
    )*};
}

bodies! {
    InvitationView: InvitationText = "mail/invitation.txt", InvitationHtml = "mail/invitation.html";
    LeadAssignedView: LeadAssignedText = "mail/lead_assigned.txt", LeadAssignedHtml = "mail/lead_assigned.html";
    PasswordResetView: PasswordResetText = "mail/password_reset.txt", PasswordResetHtml = "mail/password_reset.html";
    DigestView: DigestText = "mail/digest.txt", DigestHtml = "mail/digest.html";
}

fn unrenderable(error: askama::Error) -> JobError {
    JobError::Permanent {
        context: "rendering a mail".to_owned(),
        source: Some(Box::new(error)),
    }
}

/// A mail from its parts.
fn mail(
    key: &str,
    to: &Email,
    to_name: &str,
    subject: String,
    (text, html): (String, String),
) -> Mail {
    Mail {
        key: key.to_owned(),
        to: to.clone(),
        to_name: Some(to_name.to_owned()),
        subject,
        text,
        html,
    }
}

impl InvitationView {
    pub(super) fn mail(&self, key: &str, to: &Email) -> Result<Mail, JobError> {
        let subject = format!("Join {} on DJ CRM", self.organization);
        Ok(mail(key, to, &self.full_name, subject, self.bodies()?))
    }
}

impl LeadAssignedView {
    pub(super) fn mail(&self, key: &str, to: &Email) -> Result<Mail, JobError> {
        let subject = format!("New lead: {}", self.lead);
        Ok(mail(key, to, &self.agent, subject, self.bodies()?))
    }
}

impl PasswordResetView {
    pub(super) fn mail(&self, key: &str, to: &Email) -> Result<Mail, JobError> {
        let subject = "Reset your DJ CRM password".to_owned();
        Ok(mail(key, to, &self.full_name, subject, self.bodies()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_html_body_escapes_what_users_typed() {
        let view = LeadAssignedView {
            agent: "Ada".into(),
            lead: "<script>x</script>".into(),
            organization: "Acme & Co".into(),
            email: None,
            phone: Some("+1 555".into()),
            status: "new".into(),
            link: "http://x/leads/1".into(),
        };
        let (text, html) = view.bodies().expect("renders");
        assert!(text.contains("<script>x</script> is yours now in Acme & Co."));
        assert!(html.contains("&#60;script&#62;") || html.contains("&lt;script&gt;"));
        assert!(!html.contains("<script>"));
        assert!(text.contains("Phone: +1 555") && !text.contains("Email:"));
    }

    #[test]
    fn an_invitation_carries_its_link_and_token() {
        let links = Links::new("https://crm.example.com/");
        let view = InvitationView::new(
            &links,
            "Ivy",
            "Olive",
            "Acme",
            "djcrm_abc",
            DateTime::UNIX_EPOCH,
        );
        let (text, html) = view.bodies().expect("renders");
        let link = "https://crm.example.com/accept-invitation?token=djcrm_abc";
        assert!(text.contains(link) && html.contains(link));
        assert!(text.contains("1970-01-01 00:00 UTC"));
    }
}
