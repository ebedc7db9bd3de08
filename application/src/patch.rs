//! Partial updates.

/// One field of a partial update: leave it, clear it, or set it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Patch<T> {
    /// Not mentioned: keep the current value.
    #[default]
    Keep,
    /// Explicitly emptied (JSON `null`).
    Clear,
    /// A new value.
    Set(T),
}

impl<T> Patch<T> {
    /// Applies `f` to a new value, keeping `Keep` and `Clear`.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Patch<U> {
        match self {
            Self::Keep => Patch::Keep,
            Self::Clear => Patch::Clear,
            Self::Set(value) => Patch::Set(f(value)),
        }
    }

    /// `None` for `Keep`, otherwise the new optional value.
    pub fn into_change(self) -> Option<Option<T>> {
        match self {
            Self::Keep => None,
            Self::Clear => Some(None),
            Self::Set(value) => Some(Some(value)),
        }
    }
}

impl<T> From<Option<T>> for Patch<T> {
    /// `None` becomes [`Patch::Clear`], for callers that always send the field.
    fn from(value: Option<T>) -> Self {
        value.map_or(Self::Clear, Self::Set)
    }
}
