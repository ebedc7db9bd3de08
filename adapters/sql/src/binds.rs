//! Binding records to SQL parameters, written once for every database. Each
//! function binds one record's columns in a fixed order; the per-store SQL names
//! them by position (`?N` on SQLite, `$N` on PostgreSQL).

use std::marker::PhantomData;

use chrono::{DateTime, Utc};
use djcrm_domain::{Activity, ApiToken, Lead, User};
use sqlx::query::Query;
use sqlx::{Database, Encode, Type};
use uuid::Uuid;

use crate::rows::{ActivityColumns, lead_search_text};

/// The parameter binders for database `DB`.
pub struct Binds<DB>(PhantomData<DB>);

type Q<'q, DB> = Query<'q, DB, <DB as Database>::Arguments>;

impl<DB> Binds<DB>
where
    DB: Database,
    for<'t> Uuid: Encode<'t, DB> + Type<DB>,
    for<'t> Option<Uuid>: Encode<'t, DB> + Type<DB>,
    for<'t> String: Encode<'t, DB> + Type<DB>,
    for<'t> Option<String>: Encode<'t, DB> + Type<DB>,
    for<'t> i64: Encode<'t, DB> + Type<DB>,
    for<'t> Option<i64>: Encode<'t, DB> + Type<DB>,
    for<'t> bool: Encode<'t, DB> + Type<DB>,
    for<'t> DateTime<Utc>: Encode<'t, DB> + Type<DB>,
    for<'t> Option<DateTime<Utc>>: Encode<'t, DB> + Type<DB>,
{
    /// 16 parameters: id, organization_id, first_name, last_name, email, phone,
    /// description, status, category_id, agent_id, version, created_at, updated_at,
    /// first_contacted_at, seconds_to_first_contact, search_text.
    pub fn lead<'q>(query: Q<'q, DB>, lead: &Lead) -> Q<'q, DB> {
        query
            .bind(lead.id.as_uuid())
            .bind(lead.org_id.as_uuid())
            .bind(lead.first_name.as_str().to_owned())
            .bind(lead.last_name.as_str().to_owned())
            .bind(lead.email.as_ref().map(|e| e.as_str().to_owned()))
            .bind(lead.phone.as_ref().map(|p| p.as_str().to_owned()))
            .bind(lead.description.as_ref().map(|d| d.as_str().to_owned()))
            .bind(lead.status.as_str().to_owned())
            .bind(lead.category_id.map(|c| c.as_uuid()))
            .bind(lead.agent_id.map(|a| a.as_uuid()))
            .bind(lead.version)
            .bind(lead.created_at)
            .bind(lead.updated_at)
            .bind(lead.first_contacted_at)
            .bind(lead.seconds_to_first_contact())
            .bind(lead_search_text(lead))
    }

    /// 9 parameters: id, organization_id, email, full_name, role, password_hash,
    /// active, created_at, updated_at.
    pub fn user<'q>(query: Q<'q, DB>, user: &User, password_hash: &str) -> Q<'q, DB> {
        query
            .bind(user.id.as_uuid())
            .bind(user.org_id.as_uuid())
            .bind(user.email.as_str().to_owned())
            .bind(user.full_name.as_str().to_owned())
            .bind(user.role.as_str().to_owned())
            .bind(password_hash.to_owned())
            .bind(user.active)
            .bind(user.created_at)
            .bind(user.updated_at)
    }

    /// 6 parameters: id, organization_id, user_id, token_hash, created_at, expires_at.
    pub fn token<'q>(query: Q<'q, DB>, token: &ApiToken) -> Q<'q, DB> {
        query
            .bind(token.id.as_uuid())
            .bind(token.org_id.as_uuid())
            .bind(token.user_id.as_uuid())
            .bind(token.hash.as_str().to_owned())
            .bind(token.created_at)
            .bind(token.expires_at)
    }

    /// 11 parameters: id, organization_id, lead_id, actor_id, kind, from_status,
    /// to_status, agent_id, body, fields, created_at.
    pub fn activity<'q>(query: Q<'q, DB>, activity: &Activity) -> Q<'q, DB> {
        let columns = ActivityColumns::of(&activity.kind);
        query
            .bind(activity.id.as_uuid())
            .bind(activity.org_id.as_uuid())
            .bind(activity.lead_id.as_uuid())
            .bind(activity.actor_id.as_uuid())
            .bind(activity.kind.name().to_owned())
            .bind(columns.from_status.map(str::to_owned))
            .bind(columns.to_status.map(str::to_owned))
            .bind(columns.agent_id)
            .bind(columns.body)
            .bind(columns.fields)
            .bind(activity.created_at)
    }
}
