//! The projects whose own MCP configs Gatehouse reads (DESIGN.md "Every path onto the
//! machine"): those Claude Code, the VS Code family and Zed remember, the folders the person
//! added in Settings, and any named on the command line (`clients list --project DIR`).
//!
//! A project's config is listed, checked and watched like a user-level file, but it is only
//! wired when the person asks for that project (`clients wire --project DIR`, or the window's
//! per-entry action): the person may not own every repository they open, and a wired entry
//! in a shared repository would name this computer's launcher.

use std::path::{Path, PathBuf};

use gatehouse_clients::projects::{
    Editor, RECENTLY_OPENED_KEY, claude_code_projects, editor_state_databases,
    project_config_paths, recently_opened_folders, zed_databases, zed_workspace_folders,
};
use gatehouse_clients::{ClientApp, paths::config_paths};
use gatehouse_store::{AuditKind, ForeignRead, read_foreign};
use serde::Serialize;

use crate::context::Context;
use crate::error::{Error, Result};
use crate::ports::Clock;

/// The settings key of the folders the person added.
const PROJECT_FOLDERS_KEY: &str = "project_folders";

/// At most this many folders are looked into: recent-project lists can be long, and each
/// folder costs five file checks at every listing.
const MOST_PROJECTS: usize = 500;

/// Where a project folder was learnt of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum ProjectSource {
    /// Claude Code's `projects` map in `~/.claude.json`.
    ClaudeCode,
    /// VS Code's recently opened folders.
    Vscode,
    Cursor,
    Windsurf,
    /// Zed's recent workspaces.
    Zed,
    /// Added by the person in Settings.
    Settings,
    /// Named with `--project` for this command only.
    CommandLine,
}

/// One project folder and where it was learnt of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ProjectFolder {
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub path: PathBuf,
    pub found_by: Vec<ProjectSource>,
}

/// A config file to read: a user-level one (no project) or a project's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownFile {
    pub app: ClientApp,
    pub path: PathBuf,
    pub project: Option<PathBuf>,
}

/// Every project folder known now that exists, in the order found, each once.
pub async fn project_folders<C: Clock>(
    ctx: &Context<C>,
    extra: &[PathBuf],
) -> Result<Vec<ProjectFolder>> {
    let env = ctx.env.clients();
    let mut found: Vec<ProjectFolder> = Vec::new();
    let mut add = |path: PathBuf, source: ProjectSource| {
        if let Some(known) = found.iter_mut().find(|known| known.path == path) {
            if !known.found_by.contains(&source) {
                known.found_by.push(source);
            }
        } else if found.len() < MOST_PROJECTS && path.is_dir() {
            found.push(ProjectFolder {
                path,
                found_by: vec![source],
            });
        }
    };
    for path in extra {
        add(path.clone(), ProjectSource::CommandLine);
    }
    for path in saved_project_folders(ctx).await? {
        add(path, ProjectSource::Settings);
    }
    for file in config_paths(ClientApp::ClaudeCode, env.os, &env.env) {
        if let Ok(text) = std::fs::read_to_string(&file) {
            for path in claude_code_projects(&text) {
                add(path, ProjectSource::ClaudeCode);
            }
        }
    }
    for (editor, db) in editor_state_databases(env.os, &env.env) {
        let source = match editor {
            Editor::VsCode => ProjectSource::Vscode,
            Editor::Cursor => ProjectSource::Cursor,
            Editor::Windsurf => ProjectSource::Windsurf,
        };
        for value in foreign(&db, ForeignRead::ItemTableValue(RECENTLY_OPENED_KEY)).await {
            for path in recently_opened_folders(&value) {
                add(path, source);
            }
        }
    }
    for db in zed_databases(env.os, &env.env) {
        for value in foreign(&db, ForeignRead::ZedWorkspacePaths).await {
            for path in zed_workspace_folders(&value) {
                add(path, ProjectSource::Zed);
            }
        }
    }
    Ok(found)
}

/// Another app's database, read-only; one that cannot be read is logged and skipped, since
/// a damaged editor state must not stop Gatehouse from listing the rest.
async fn foreign(path: &Path, what: ForeignRead<'_>) -> Vec<String> {
    match read_foreign(path, what).await {
        Ok(values) => values.unwrap_or_default(),
        Err(error) => {
            tracing::warn!(path = %path.display(), "cannot read the app's recent projects: {error}");
            Vec::new()
        }
    }
}

/// The config files of `apps` (all when empty) to read: the user-level ones that exist,
/// then those of every known project that exist.
pub async fn known_files<C: Clock>(
    ctx: &Context<C>,
    apps: &[ClientApp],
    extra: &[PathBuf],
) -> Result<Vec<KnownFile>> {
    let mut files: Vec<KnownFile> = ctx
        .env
        .clients()
        .files(apps)
        .into_iter()
        .map(|(app, path)| KnownFile {
            app,
            path,
            project: None,
        })
        .collect();
    for folder in project_folders(ctx, extra).await? {
        for (app, path) in project_files_in(&folder.path) {
            if (apps.is_empty() || apps.contains(&app)) && !files.iter().any(|f| f.path == path) {
                files.push(KnownFile {
                    app,
                    path,
                    project: Some(folder.path.clone()),
                });
            }
        }
    }
    Ok(files)
}

/// Every place a config of a known project may be, existing or not: what to watch.
pub async fn project_watch_paths<C: Clock>(ctx: &Context<C>) -> Result<Vec<(ClientApp, PathBuf)>> {
    Ok(project_folders(ctx, &[])
        .await?
        .iter()
        .flat_map(|folder| project_config_paths(&folder.path))
        .collect())
}

/// The configs that exist in `project`.
pub fn project_files_in(project: &Path) -> Vec<(ClientApp, PathBuf)> {
    project_config_paths(project)
        .into_iter()
        .filter(|(_, path)| path.is_file())
        .collect()
}

/// The folders the person added in Settings.
pub async fn saved_project_folders<C: Clock>(ctx: &Context<C>) -> Result<Vec<PathBuf>> {
    Ok(match ctx.store.setting(PROJECT_FOLDERS_KEY).await? {
        Some(text) => serde_json::from_str::<Vec<PathBuf>>(&text).unwrap_or_default(),
        None => Vec::new(),
    })
}

/// Adds `folder` to the folders whose configs Gatehouse reads (audited as
/// `settings_changed`). It must be an existing folder, named by its full path.
pub async fn add_project_folder<C: Clock>(ctx: &Context<C>, folder: &Path) -> Result<()> {
    if !folder.is_absolute() {
        return Err(Error::Usage(format!(
            "`{}` is not a full path to a folder",
            folder.display()
        )));
    }
    if !folder.is_dir() {
        return Err(Error::Usage(format!(
            "there is no folder `{}` on this computer",
            folder.display()
        )));
    }
    let mut folders = saved_project_folders(ctx).await?;
    if folders.iter().any(|known| known == folder) {
        return Ok(());
    }
    folders.push(folder.to_owned());
    save(ctx, folders).await
}

/// Stops reading the configs of `folder` (unless an app remembers it too). Audited.
pub async fn remove_project_folder<C: Clock>(ctx: &Context<C>, folder: &Path) -> Result<()> {
    let mut folders = saved_project_folders(ctx).await?;
    let before = folders.len();
    folders.retain(|known| known != folder);
    if folders.len() == before {
        return Err(Error::Usage(format!(
            "`{}` is not one of the folders you added",
            folder.display()
        )));
    }
    save(ctx, folders).await
}

async fn save<C: Clock>(ctx: &Context<C>, folders: Vec<PathBuf>) -> Result<()> {
    let old = ctx.store.setting(PROJECT_FOLDERS_KEY).await?;
    let new = serde_json::to_string(&folders)
        .map_err(|error| Error::Usage(format!("cannot record the folders: {error}")))?;
    let mut event = ctx.event(AuditKind::SettingsChanged);
    event.detail = Some(serde_json::json!({
        "key": "project-folders",
        "old": old,
        "new": new,
    }));
    // Adding or removing a folder widens or narrows what is looked at; it never changes
    // what the policy allows, so it needs no hub's acknowledgement.
    ctx.store
        .change_setting(PROJECT_FOLDERS_KEY, Some(&new), &event, None)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_folder_the_person_adds_is_read_watched_and_audited_until_removed() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = crate::test_support::context_in(&dir).await;
        let project = dir.path().join("shop");
        std::fs::create_dir_all(project.join(".vscode")).unwrap();
        std::fs::write(
            project.join(".vscode/mcp.json"),
            r#"{"servers": {"db": {"command": "/bin/true"}}}"#,
        )
        .unwrap();

        for bad in [Path::new("shop"), &dir.path().join("missing")] {
            let error = add_project_folder(&ctx, bad).await.unwrap_err();
            assert!(matches!(error, Error::Usage(_)), "{error}");
        }
        add_project_folder(&ctx, &project).await.unwrap();
        add_project_folder(&ctx, &project).await.unwrap();
        let folders = project_folders(&ctx, &[]).await.unwrap();
        assert_eq!(
            folders,
            vec![ProjectFolder {
                path: project.clone(),
                found_by: vec![ProjectSource::Settings]
            }]
        );
        let files = known_files(&ctx, &[], &[]).await.unwrap();
        assert!(
            files.contains(&KnownFile {
                app: ClientApp::VsCode,
                path: project.join(".vscode/mcp.json"),
                project: Some(project.clone()),
            }),
            "{files:?}"
        );
        assert_eq!(
            project_watch_paths(&ctx).await.unwrap().len(),
            5,
            "every kind of project config is watched, existing or not"
        );

        remove_project_folder(&ctx, &project).await.unwrap();
        assert!(project_folders(&ctx, &[]).await.unwrap().is_empty());
        assert!(remove_project_folder(&ctx, &project).await.is_err());
        let changes = ctx
            .store
            .audit(None, 100)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.kind == AuditKind::SettingsChanged)
            .count();
        assert_eq!(
            changes, 2,
            "one event for the addition, one for the removal"
        );
    }
}
