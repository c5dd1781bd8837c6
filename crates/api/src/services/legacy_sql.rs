//! Legacy Databricks SQL handlers (`/api/2.0/preview/sql/*`): the list of legacy dashboards,
//! paged by page number. Nothing here writes: brickport reports legacy objects, it does not
//! re-create them. The SDK warns that ten or more concurrent calls to these lists may get a
//! caller throttled or banned for a while, so a list is read one page after another.

use crate::paginate;
use crate::types::legacy_sql::LegacyDashboard;
use crate::{ApiStream, WorkspaceClient};

/// The page size asked for (the service's maximum is not documented: a modest one).
pub const PAGE_SIZE: usize = 100;

/// `/api/2.0/preview/sql`.
#[derive(Debug, Clone)]
pub struct LegacySql {
    pub(crate) client: WorkspaceClient,
}

impl LegacySql {
    /// Every legacy dashboard (trashed ones are not listed), one page at a time.
    pub fn dashboards(&self) -> ApiStream<LegacyDashboard> {
        paginate::numbered(
            self.client.clone(),
            "/api/2.0/preview/sql/dashboards".into(),
            PAGE_SIZE,
        )
    }
}
