//! Organizations, users and API tokens, as operators manage them.

use djcrm_application::auth::{ProvisionUserRequest, SignupRequest};
use djcrm_application::{Crm, PageParams};
use djcrm_domain::ports::Store;
use djcrm_domain::{Census, PipelineCounts, TokenId, User};
use serde_json::{Value, json};

use super::{Failure, OrgCommand, Report, TokenCommand, UserCommand, organization_id};

fn user_json(user: &User) -> Value {
    json!({
        "id": user.id,
        "organization_id": user.org_id,
        "email": user.email.as_str(),
        "full_name": user.full_name.as_str(),
        "role": user.role.as_str(),
        "active": user.active,
        "created_at": user.created_at,
    })
}

fn user_line(user: &User) -> String {
    format!(
        "{}  {}  {}  {}{}",
        user.id,
        user.email,
        user.role,
        user.full_name,
        if user.active { "" } else { "  (deactivated)" }
    )
}

fn counts_json(counts: &PipelineCounts) -> Value {
    json!({
        "new": counts.new,
        "contacted": counts.contacted,
        "qualified": counts.qualified,
        "converted": counts.converted,
        "lost": counts.lost,
        "total": counts.total(),
    })
}

fn counts_line(counts: &PipelineCounts) -> String {
    format!(
        "leads: {} (new {}, contacted {}, qualified {}, converted {}, lost {})",
        counts.total(),
        counts.new,
        counts.contacted,
        counts.qualified,
        counts.converted,
        counts.lost
    )
}

fn page(limit: i64, cursor: Option<String>) -> PageParams {
    PageParams {
        limit: Some(limit),
        cursor,
    }
}

pub(super) async fn org<S: Store>(crm: &Crm<S>, command: OrgCommand) -> Result<Report, Failure> {
    Ok(match command {
        OrgCommand::Create {
            name,
            owner_email,
            owner_name,
            password,
        } => {
            let signed_up = crm
                .signup(SignupRequest {
                    organization_name: name,
                    email: owner_email,
                    password,
                    full_name: owner_name,
                })
                .await?;
            Report {
                json: json!({
                    "organization_id": signed_up.organization.id,
                    "owner_id": signed_up.user.id,
                    "token": signed_up.token,
                }),
                text: format!(
                    "organization_id={}\nowner_id={}\ntoken={}",
                    signed_up.organization.id, signed_up.user.id, signed_up.token
                ),
            }
        }
        OrgCommand::List { limit, cursor } => {
            let page = crm.all_organizations(&page(limit, cursor)).await?;
            let next = page.next_cursor.map(|c| c.to_string());
            let lines: Vec<String> = page
                .items
                .iter()
                .map(|o| {
                    format!(
                        "{}  {}  created {}",
                        o.id,
                        o.name,
                        o.created_at.to_rfc3339()
                    )
                })
                .chain(next.iter().map(|c| format!("more: --cursor {c}")))
                .collect();
            let items: Vec<Value> = page
                .items
                .iter()
                .map(|o| json!({ "id": o.id, "name": o.name.as_str(), "created_at": o.created_at }))
                .collect();
            Report {
                json: json!({ "items": items, "next_cursor": next }),
                text: lines.join("\n"),
            }
        }
        OrgCommand::Show { organization } => {
            let org = organization_id(&organization)?;
            let overview = crm.organization_overview(org).await?;
            let users = crm.users_of(org, &page(100, None)).await?;
            let mut lines = vec![
                format!(
                    "{}  {}",
                    overview.organization.id, overview.organization.name
                ),
                counts_line(&overview.leads),
                format!("users (newest first, at most 100): {}", users.items.len()),
            ];
            lines.extend(users.items.iter().map(|u| format!("  {}", user_line(u))));
            Report {
                json: json!({
                    "id": overview.organization.id,
                    "name": overview.organization.name.as_str(),
                    "created_at": overview.organization.created_at,
                    "leads": counts_json(&overview.leads),
                    "users": users.items.iter().map(user_json).collect::<Vec<_>>(),
                }),
                text: lines.join("\n"),
            }
        }
    })
}

pub(super) async fn user<S: Store>(crm: &Crm<S>, command: UserCommand) -> Result<Report, Failure> {
    Ok(match command {
        UserCommand::Create {
            organization,
            email,
            full_name,
            role,
            password,
        } => {
            let user = crm
                .provision_user(ProvisionUserRequest {
                    org_id: organization_id(&organization)?,
                    email,
                    full_name,
                    role: role.into(),
                    password,
                })
                .await?;
            Report {
                json: json!({ "user_id": user.id, "role": user.role.as_str() }),
                text: format!("user_id={}\nrole={}", user.id, user.role),
            }
        }
        UserCommand::List {
            organization,
            limit,
            cursor,
        } => {
            let users = crm
                .users_of(organization_id(&organization)?, &page(limit, cursor))
                .await?;
            let next = users.next_cursor.map(|c| c.to_string());
            Report {
                json: json!({
                    "items": users.items.iter().map(user_json).collect::<Vec<_>>(),
                    "next_cursor": next,
                }),
                text: users
                    .items
                    .iter()
                    .map(user_line)
                    .chain(next.iter().map(|c| format!("more: --cursor {c}")))
                    .collect::<Vec<_>>()
                    .join("\n"),
            }
        }
        UserCommand::SetPassword { email, password } => {
            let user = crm.user_by_email(&email).await?;
            crm.set_password_of(&user, &password).await?;
            Report {
                json: json!({ "user_id": user.id, "password_set": true, "signed_out": true }),
                text: format!("password set for {}; signed out everywhere", user.email),
            }
        }
        UserCommand::SetRole { email, role } => {
            let user = crm.user_by_email(&email).await?;
            let user = crm.set_role_of(&user, role.into()).await?;
            Report {
                json: user_json(&user),
                text: format!("{} is now {}", user.email, user.role),
            }
        }
        UserCommand::Deactivate { email } => {
            let user = crm.user_by_email(&email).await?;
            crm.deactivate_user(&user).await?;
            Report {
                json: json!({ "user_id": user.id, "active": false }),
                text: format!("{} is deactivated and signed out everywhere", user.email),
            }
        }
    })
}

pub(super) async fn token<S: Store>(
    crm: &Crm<S>,
    command: TokenCommand,
) -> Result<Report, Failure> {
    Ok(match command {
        TokenCommand::Issue { email, days } => {
            let user = crm.user_by_email(&email).await?;
            let issued = crm.issue_api_token(&user, days).await?;
            Report {
                json: json!({
                    "id": issued.token.id,
                    "token": issued.secret,
                    "expires_at": issued.token.expires_at,
                }),
                text: format!(
                    "token_id={}\ntoken={}\nexpires_at={}\n(the token is shown this once)",
                    issued.token.id,
                    issued.secret,
                    issued.token.expires_at.to_rfc3339()
                ),
            }
        }
        TokenCommand::List { email } => {
            let user = crm.user_by_email(&email).await?;
            let tokens = crm.api_tokens_of(&user).await?;
            Report {
                json: json!({
                    "items": tokens
                        .iter()
                        .map(|t| json!({ "id": t.id, "created_at": t.created_at, "expires_at": t.expires_at }))
                        .collect::<Vec<_>>(),
                }),
                text: tokens
                    .iter()
                    .map(|t| {
                        format!(
                            "{}  created {}  expires {}",
                            t.id,
                            t.created_at.to_rfc3339(),
                            t.expires_at.to_rfc3339()
                        )
                    })
                    .chain(std::iter::once(format!("{} token(s)", tokens.len())))
                    .collect::<Vec<_>>()
                    .join("\n"),
            }
        }
        TokenCommand::Revoke { email, token } => {
            let user = crm.user_by_email(&email).await?;
            let id: TokenId = token
                .parse()
                .map_err(|_| Failure("the token id must be a UUID".to_owned()))?;
            crm.revoke_api_token(user.org_id, id).await?;
            Report {
                json: json!({ "revoked": id }),
                text: format!("token {id} revoked"),
            }
        }
    })
}

pub(super) fn stats(census: &Census, waiting_jobs: u64) -> Report {
    Report {
        json: json!({
            "organizations": census.organizations,
            "users": census.users,
            "leads": counts_json(&census.leads),
            "jobs_waiting": waiting_jobs,
            "store_bytes": census.store_bytes,
        }),
        text: format!(
            "organizations: {}\nusers: {}\n{}\njobs waiting: {waiting_jobs}\nstore size: {:.1} MiB",
            census.organizations,
            census.users,
            counts_line(&census.leads),
            census.store_bytes as f64 / f64::from(1u32 << 20)
        ),
    }
}

pub(super) fn purged(p: &djcrm_domain::ports::Purged, dry_run: bool) -> Report {
    let rows = [
        ("tokens", p.tokens),
        ("invitations", p.invitations),
        ("password_resets", p.password_resets),
        ("idempotency_keys", p.idempotency_keys),
        ("leads", p.leads),
        ("activities", p.activities),
        ("events", p.events),
        ("job_runs", p.job_runs),
        ("deliveries", p.deliveries),
    ];
    let verb = if dry_run { "would remove" } else { "removed" };
    let mut json = serde_json::Map::new();
    json.insert("dry_run".to_owned(), Value::Bool(dry_run));
    for (name, n) in rows {
        json.insert(name.to_owned(), Value::from(n));
    }
    Report {
        json: Value::Object(json),
        text: rows
            .iter()
            .map(|(name, n)| format!("{verb} {n} {}", name.replace('_', " ")))
            .collect::<Vec<_>>()
            .join("\n"),
    }
}
