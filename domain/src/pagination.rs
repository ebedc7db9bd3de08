//! Keyset pagination. Pages are cut on the time-ordered id, newest first, so a
//! page never skips or repeats a record while new ones are added, and no page
//! needs an `OFFSET` or a `COUNT(*)`.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

/// How many items one page may hold: 1 to 100, 25 when not given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit(u32);

/// A requested page size outside 1..=100.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be between 1 and {max}", max = Limit::MAX)]
pub struct LimitOutOfRange;

impl Limit {
    /// The page size when none is asked for.
    pub const DEFAULT: Self = Self(25);
    /// The largest page a client may ask for.
    pub const MAX: u32 = 100;

    /// Checks a requested page size.
    ///
    /// # Errors
    /// [`LimitOutOfRange`] outside 1..=100.
    pub const fn new(limit: i64) -> Result<Self, LimitOutOfRange> {
        if limit >= 1 && limit <= Self::MAX as i64 {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            Ok(Self(limit as u32))
        } else {
            Err(LimitOutOfRange)
        }
    }

    /// The size as a number.
    #[must_use]
    pub const fn get(self) -> u32 {
        self.0
    }
}

impl Default for Limit {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// An opaque position in a listing: "continue after this record". Clients get it
/// as `next_cursor` and hand it back unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Cursor(Uuid);

/// A cursor string that this server did not hand out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("is not a cursor returned by this API")]
pub struct InvalidCursor;

impl Cursor {
    /// The cursor that continues after the record with this id.
    #[must_use]
    pub const fn after(id: Uuid) -> Self {
        Self(id)
    }

    /// The id of the last record of the previous page.
    #[must_use]
    pub const fn last_id(self) -> Uuid {
        self.0
    }
}

// The printed form is the id's hex digits, reversed byte-wise so that clients do not
// mistake it for an id they can build themselves.
impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.0.as_bytes().iter().rev() {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl FromStr for Cursor {
    type Err = InvalidCursor;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.len() != 32 || !s.is_ascii() {
            return Err(InvalidCursor);
        }
        let mut bytes = [0u8; 16];
        for (i, slot) in bytes.iter_mut().rev().enumerate() {
            let pair = s.get(i * 2..i * 2 + 2).ok_or(InvalidCursor)?;
            *slot = u8::from_str_radix(pair, 16).map_err(|_| InvalidCursor)?;
        }
        Ok(Self(Uuid::from_bytes(bytes)))
    }
}

/// Which page to fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PageRequest {
    /// At most this many items.
    pub limit: Limit,
    /// Start after this position; the first page when `None`.
    pub after: Option<Cursor>,
}

/// One page of a listing, newest first.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Where the next page starts; `None` on the last page.
    pub next_cursor: Option<Cursor>,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` rows fetched newest first: the extra row,
    /// when present, only proves that another page exists.
    #[must_use]
    pub fn from_overfetched(mut rows: Vec<T>, limit: Limit, id_of: impl Fn(&T) -> Uuid) -> Self {
        let limit = limit.get() as usize;
        let next_cursor = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(|last| Cursor::after(id_of(last)))
        } else {
            None
        };
        Self {
            items: rows,
            next_cursor,
        }
    }

    /// Transforms every item, keeping the cursor.
    #[must_use]
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_accepts_1_to_100() {
        assert!(Limit::new(0).is_err());
        assert_eq!(Limit::new(1).map(Limit::get), Ok(1));
        assert_eq!(Limit::new(100).map(Limit::get), Ok(100));
        assert!(Limit::new(101).is_err());
        assert!(Limit::new(-5).is_err());
    }

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        let cursor = Cursor::after(Uuid::now_v7());
        assert_eq!(cursor.to_string().parse::<Cursor>(), Ok(cursor));
        for bad in ["", "zz", "ü".repeat(16).as_str(), &"g".repeat(32)] {
            assert_eq!(bad.parse::<Cursor>(), Err(InvalidCursor), "{bad}");
        }
    }

    #[test]
    fn an_overfetched_row_yields_a_cursor_at_the_last_kept_item() {
        let ids: Vec<Uuid> = (0..4).map(|_| Uuid::now_v7()).collect();
        let limit = Limit::new(3).expect("valid");
        let page = Page::from_overfetched(ids.clone(), limit, |id| *id);
        assert_eq!(page.items.len(), 3);
        assert_eq!(page.next_cursor, Some(Cursor::after(ids[2])));

        let last = Page::from_overfetched(ids[..3].to_vec(), limit, |id| *id);
        assert_eq!(last.next_cursor, None);
    }
}
