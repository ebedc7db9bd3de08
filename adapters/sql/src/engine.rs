//! The bridge between the store and sqlx, written once for every database.
//!
//! The store builds [`Sql`] (text with `$N` placeholders, which sqlx accepts on
//! SQLite and PostgreSQL alike, and the [`Param`]s they name) and runs it through
//! [`SqlDatabase`]; rows come back as [`ReadRow`]s with typed getters. The sqlx trait
//! bounds this needs are stated once, on the blanket implementations below, instead
//! of on every function of the store.

use std::future::Future;

use chrono::{DateTime, Utc};
use sqlx::{Arguments, AssertSqlSafe};
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Row, Type};
use uuid::Uuid;

/// One bound value.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    /// A UUID (an id).
    Uuid(Option<Uuid>),
    /// Text.
    Text(Option<String>),
    /// An integer.
    Int(Option<i64>),
    /// A flag.
    Bool(bool),
    /// An instant.
    Time(Option<DateTime<Utc>>),
    /// Raw bytes (an uploaded file's parts).
    Bytes(Vec<u8>),
}

macro_rules! param_from {
    ($($ty:ty => |$v:ident| $e:expr;)*) => {$(
        impl From<$ty> for Param {
            fn from($v: $ty) -> Self {
                $e
            }
        }
    )*};
}

param_from! {
    Uuid => |v| Self::Uuid(Some(v));
    Option<Uuid> => |v| Self::Uuid(v);
    String => |v| Self::Text(Some(v));
    &str => |v| Self::Text(Some(v.to_owned()));
    Option<String> => |v| Self::Text(v);
    Option<&str> => |v| Self::Text(v.map(str::to_owned));
    i64 => |v| Self::Int(Some(v));
    Option<i64> => |v| Self::Int(v);
    bool => |v| Self::Bool(v);
    DateTime<Utc> => |v| Self::Time(Some(v));
    Option<DateTime<Utc>> => |v| Self::Time(v);
    Vec<u8> => |v| Self::Bytes(v);
}

macro_rules! param_from_id {
    ($($id:ty),*) => {$(
        impl From<$id> for Param {
            fn from(id: $id) -> Self {
                Self::Uuid(Some(id.as_uuid()))
            }
        }
        impl From<Option<$id>> for Param {
            fn from(id: Option<$id>) -> Self {
                Self::Uuid(id.map(|id| id.as_uuid()))
            }
        }
    )*};
}

param_from_id!(
    djcrm_domain::OrgId,
    djcrm_domain::UserId,
    djcrm_domain::AgentId,
    djcrm_domain::LeadId,
    djcrm_domain::CategoryId,
    djcrm_domain::ActivityId,
    djcrm_domain::TokenId,
    djcrm_domain::EventId,
    djcrm_domain::InvitationId,
    djcrm_domain::ResetId,
    djcrm_domain::WebhookId,
    djcrm_domain::DeliveryId,
    djcrm_domain::ImportId
);

/// How [`Sql::push_bind`] writes a placeholder.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Placeholders {
    /// `$1`, `$2`, ...: what both databases accept, and what text written by hand
    /// uses.
    #[default]
    Numbered,
    /// `?`, each the next value: SQLite's anonymous parameters, which sqlx binds
    /// without looking a name up (see [`Dialect::BULK_PLACEHOLDERS`](crate::Dialect::BULK_PLACEHOLDERS)).
    Anonymous,
}

/// A statement and its parameters. Text pushed with [`push_bind`](Self::push_bind)
/// gets the next placeholder; static text may name parameters itself (`$N`) and
/// add them with [`bind`](Self::bind).
#[derive(Debug, Clone, Default)]
pub struct Sql {
    text: String,
    params: Vec<Param>,
    placeholders: Placeholders,
}

impl Sql {
    /// A statement starting with `text`.
    #[must_use]
    pub fn new(text: &str) -> Self {
        Self {
            text: text.to_owned(),
            params: Vec::new(),
            placeholders: Placeholders::Numbered,
        }
    }

    /// A statement starting with `text`, which names no parameter, whose values are
    /// all added by [`push_bind`](Self::push_bind) as `placeholders` says.
    #[must_use]
    pub fn bulk(text: &str, placeholders: Placeholders) -> Self {
        debug_assert!(!text.contains('$'), "bulk statements name no parameter");
        Self {
            placeholders,
            ..Self::new(text)
        }
    }

    /// Adds the parameter that the text names next (`$1`, `$2`, ... in order).
    #[must_use]
    pub fn bind(mut self, value: impl Into<Param>) -> Self {
        self.params.push(value.into());
        self
    }

    /// Appends text.
    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder for `value`.
    pub fn push_bind(&mut self, value: impl Into<Param>) -> &mut Self {
        self.params.push(value.into());
        match self.placeholders {
            Placeholders::Numbered => {
                self.text.push('$');
                self.text.push_str(&self.params.len().to_string());
            }
            Placeholders::Anonymous => self.text.push('?'),
        }
        self
    }

    /// The statement text.
    #[must_use]
    pub fn text(&self) -> &str {
        &self.text
    }
}

/// A fetched row, read by column name.
pub trait ReadRow {
    /// A UUID column.
    fn uuid(&self, column: &str) -> Result<Uuid, sqlx::Error>;
    /// A nullable UUID column.
    fn opt_uuid(&self, column: &str) -> Result<Option<Uuid>, sqlx::Error>;
    /// A text column.
    fn text(&self, column: &str) -> Result<String, sqlx::Error>;
    /// A nullable text column.
    fn opt_text(&self, column: &str) -> Result<Option<String>, sqlx::Error>;
    /// An integer column.
    fn int(&self, column: &str) -> Result<i64, sqlx::Error>;
    /// A nullable integer column.
    fn opt_int(&self, column: &str) -> Result<Option<i64>, sqlx::Error>;
    /// A boolean column.
    fn flag(&self, column: &str) -> Result<bool, sqlx::Error>;
    /// A nullable floating-point column.
    fn opt_float(&self, column: &str) -> Result<Option<f64>, sqlx::Error>;
    /// An instant column.
    fn time(&self, column: &str) -> Result<DateTime<Utc>, sqlx::Error>;
    /// A nullable instant column.
    fn opt_time(&self, column: &str) -> Result<Option<DateTime<Utc>>, sqlx::Error>;
    /// A bytes column.
    fn bytes(&self, column: &str) -> Result<Vec<u8>, sqlx::Error>;
}

impl<R> ReadRow for R
where
    R: Row,
    for<'a> &'a str: ColumnIndex<R>,
    for<'r> Uuid: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> f64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> bool: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> DateTime<Utc>: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Vec<u8>: Decode<'r, R::Database> + Type<R::Database>,
{
    fn uuid(&self, column: &str) -> Result<Uuid, sqlx::Error> {
        self.try_get(column)
    }
    fn opt_uuid(&self, column: &str) -> Result<Option<Uuid>, sqlx::Error> {
        self.try_get(column)
    }
    fn text(&self, column: &str) -> Result<String, sqlx::Error> {
        self.try_get(column)
    }
    fn opt_text(&self, column: &str) -> Result<Option<String>, sqlx::Error> {
        self.try_get(column)
    }
    fn int(&self, column: &str) -> Result<i64, sqlx::Error> {
        self.try_get(column)
    }
    fn opt_int(&self, column: &str) -> Result<Option<i64>, sqlx::Error> {
        self.try_get(column)
    }
    fn flag(&self, column: &str) -> Result<bool, sqlx::Error> {
        self.try_get(column)
    }
    fn opt_float(&self, column: &str) -> Result<Option<f64>, sqlx::Error> {
        self.try_get(column)
    }
    fn time(&self, column: &str) -> Result<DateTime<Utc>, sqlx::Error> {
        self.try_get(column)
    }
    fn opt_time(&self, column: &str) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
        self.try_get(column)
    }
    fn bytes(&self, column: &str) -> Result<Vec<u8>, sqlx::Error> {
        self.try_get(column)
    }
}

/// A database the store can run [`Sql`] on.
pub trait SqlDatabase: Database<Row: ReadRow> {
    /// Runs a statement. (Statements that must report what they changed say so
    /// with `RETURNING`, which both databases support, and are fetched instead.)
    fn execute(
        conn: &mut Self::Connection,
        sql: Sql,
    ) -> impl Future<Output = Result<(), sqlx::Error>> + Send;

    /// Runs a query; every row.
    fn fetch_all(
        conn: &mut Self::Connection,
        sql: Sql,
    ) -> impl Future<Output = Result<Vec<Self::Row>, sqlx::Error>> + Send;

    /// Runs a query; its first row, if any.
    fn fetch_optional(
        conn: &mut Self::Connection,
        sql: Sql,
    ) -> impl Future<Output = Result<Option<Self::Row>, sqlx::Error>> + Send;
}

fn arguments<DB>(params: Vec<Param>) -> Result<DB::Arguments, sqlx::Error>
where
    DB: Database,
    for<'q> Option<Uuid>: Encode<'q, DB> + Type<DB>,
    for<'q> Option<String>: Encode<'q, DB> + Type<DB>,
    for<'q> Option<i64>: Encode<'q, DB> + Type<DB>,
    for<'q> bool: Encode<'q, DB> + Type<DB>,
    for<'q> Option<DateTime<Utc>>: Encode<'q, DB> + Type<DB>,
    for<'q> Vec<u8>: Encode<'q, DB> + Type<DB>,
{
    let mut arguments = DB::Arguments::default();
    for param in params {
        match param {
            Param::Uuid(v) => arguments.add(v),
            Param::Text(v) => arguments.add(v),
            Param::Int(v) => arguments.add(v),
            Param::Bool(v) => arguments.add(v),
            Param::Time(v) => arguments.add(v),
            Param::Bytes(v) => arguments.add(v),
        }
        .map_err(sqlx::Error::Encode)?;
    }
    Ok(arguments)
}

impl<DB> SqlDatabase for DB
where
    DB: Database,
    DB::Row: ReadRow,
    DB::Arguments: IntoArguments<DB>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> Option<Uuid>: Encode<'q, DB> + Type<DB>,
    for<'q> Option<String>: Encode<'q, DB> + Type<DB>,
    for<'q> Option<i64>: Encode<'q, DB> + Type<DB>,
    for<'q> bool: Encode<'q, DB> + Type<DB>,
    for<'q> Option<DateTime<Utc>>: Encode<'q, DB> + Type<DB>,
    for<'q> Vec<u8>: Encode<'q, DB> + Type<DB>,
{
    async fn execute(conn: &mut Self::Connection, sql: Sql) -> Result<(), sqlx::Error> {
        let arguments = arguments::<DB>(sql.params)?;
        sqlx::query_with(AssertSqlSafe(sql.text), arguments)
            .execute(conn)
            .await
            .map(|_| ())
    }

    async fn fetch_all(conn: &mut Self::Connection, sql: Sql) -> Result<Vec<DB::Row>, sqlx::Error> {
        let arguments = arguments::<DB>(sql.params)?;
        sqlx::query_with(AssertSqlSafe(sql.text), arguments)
            .fetch_all(conn)
            .await
    }

    async fn fetch_optional(
        conn: &mut Self::Connection,
        sql: Sql,
    ) -> Result<Option<DB::Row>, sqlx::Error> {
        let arguments = arguments::<DB>(sql.params)?;
        sqlx::query_with(AssertSqlSafe(sql.text), arguments)
            .fetch_optional(conn)
            .await
    }
}
