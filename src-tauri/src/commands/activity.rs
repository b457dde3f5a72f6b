//! The activity view: the audit log, filtered, and its export.

use gatehouse_core::activity::{self, ActivityFilter, ActivityRow};
use gatehouse_core::ports::Clock;
use tauri::State;

use crate::ipc::{ActivityQuery, ExportDone, IpcError};
use crate::state::AppState;

/// At most this many rows are shown; the export has them all.
const SHOWN: usize = 500;

/// The events matching `query`, newest first.
#[tauri::command]
pub async fn activity(
    state: State<'_, AppState>,
    query: ActivityQuery,
) -> Result<Vec<ActivityRow>, IpcError> {
    let filter = filter(&state, &query);
    Ok(activity::activity(&state.ctx, &filter, SHOWN).await?)
}

/// Writes the events matching `query` as JSON Lines into the Downloads folder.
#[tauri::command]
pub async fn export_activity(
    state: State<'_, AppState>,
    query: ActivityQuery,
) -> Result<ExportDone, IpcError> {
    let filter = filter(&state, &query);
    let home = state.ctx.env.home();
    let dir = activity::export_dir(home.as_deref(), &state.ctx.data_dir);
    let (path, count) = activity::export_activity(&state.ctx, &filter, &dir).await?;
    Ok(ExportDone {
        path: path.display().to_string(),
        count: u32::try_from(count).unwrap_or(u32::MAX),
    })
}

fn filter(state: &AppState, query: &ActivityQuery) -> ActivityFilter {
    let since = query
        .since_hours
        .map(|hours| state.ctx.clock.now() - time::Duration::hours(i64::from(hours)));
    ActivityFilter {
        server: query.server.clone().filter(|s| !s.is_empty()),
        kind: query.kind,
        since,
    }
}
