//! Imports, read: their progress, their rejected rows and their uploaded files.

use std::future::Future;

use crate::{DomainError, Import, ImportId, OrgId, Page, PageRequest, Rejection};

/// Imports of leads, read outside a unit of work.
#[cfg_attr(feature = "mocks", mockall::automock)]
pub trait ImportRepository: Send + Sync + 'static {
    /// The import `id` of organization `org`.
    ///
    /// # Errors
    /// - MUST return [`DomainError::NotFound`] when absent or in another organization.
    fn get(
        &self,
        org: OrgId,
        id: ImportId,
    ) -> impl Future<Output = Result<Import, DomainError>> + Send;

    /// The organization's imports, newest first.
    fn list(
        &self,
        org: OrgId,
        page: PageRequest,
    ) -> impl Future<Output = Result<Page<Import>, DomainError>> + Send;

    /// At most `limit` rejected rows of the import, from the line after `after`, in
    /// line order.
    fn rejections(
        &self,
        org: OrgId,
        id: ImportId,
        after: u64,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<Rejection>, DomainError>> + Send;

    /// Part `part` (from 0) of the import's uploaded file; `None` past its end or
    /// once the import has ended and the file is gone.
    fn upload_part(
        &self,
        org: OrgId,
        id: ImportId,
        part: u64,
    ) -> impl Future<Output = Result<Option<Vec<u8>>, DomainError>> + Send;
}
