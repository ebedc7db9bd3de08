//! The import job: reads an uploaded file into leads, resuming where an earlier
//! attempt stopped (the import counts the rows it committed).

use djcrm_domain::ports::{ImportRepository, Store, UnitOfWork};
use djcrm_domain::{ImportId, ImportState, OrgId};

use super::JobError;
use super::worker::{Outcome, Worker, found};
use crate::imports::{ImportError, Importer, upload_reader};

impl<S: Store> Worker<S> {
    pub(super) async fn import(
        &self,
        org: OrgId,
        id: ImportId,
        last_attempt: bool,
    ) -> Result<Outcome, JobError> {
        let Some(mut import) = found(self.store.imports().get(org, id).await)? else {
            return Ok(Outcome::Skipped("the import is gone"));
        };
        if !import.state.is_open() {
            return Ok(Outcome::Skipped("the import has ended"));
        }
        if import.state == ImportState::Queued {
            let mut uow = self.store.begin().await?;
            import = uow.import_for_update(org, id).await?;
            if import.state == ImportState::Queued {
                import.state = ImportState::Running;
                import.updated_at = self.clock.now();
                uow.save_import(&import).await?;
                uow.commit().await?;
            }
        }
        let importer = Importer::new(&self.store, self.clock.as_ref());
        let source = upload_reader(&self.store, org, id);
        match importer.run(import.clone(), source, false, &mut ()).await {
            Ok(_) => Ok(Outcome::Done),
            Err(ImportError::Stopped(_)) => Ok(Outcome::Skipped("the import was stopped")),
            Err(ImportError::Columns(error)) => Err(JobError::Permanent {
                context: "the file's header cannot be imported".to_owned(),
                source: Some(Box::new(error)),
            }),
            Err(error) => {
                // The rows committed so far stay; a retry goes on after them. After
                // the last attempt the import is marked failed, so it can be seen
                // and reverted rather than look forever running.
                if last_attempt {
                    importer.fail(&import, &error.to_string()).await?;
                }
                Err(JobError::Retry {
                    context: "importing an uploaded file".to_owned(),
                    source: Some(Box::new(error)),
                })
            }
        }
    }
}
