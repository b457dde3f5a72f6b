//! The launcher path that wired client entries call, chosen so that it outlives the build
//! that wrote them (DESIGN.md "Install, update, enroll").
//!
//! An installed Gatehouse (`/usr/bin/gatehouse` from the package) is called where it is. A
//! build run from a checkout is not: its `target/debug/gatehouse` disappears with a `cargo
//! clean`, a deleted folder or a rebuild that fails, and every client app's servers would
//! break with it. Such a build keeps its own copy in `<data>/bin/` and entries call the copy;
//! the copy is refreshed when the tray app starts and whenever entries are wired (Repair).

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use crate::context::{Context, Platform};
use crate::error::{Error, Result};
use crate::ports::Clock;

/// The `gatehouse` that client entries should call: the launcher itself when it is
/// installed, else this data directory's copy of it, made or refreshed now.
pub fn stable_launcher<C: Clock>(ctx: &Context<C>) -> Result<PathBuf> {
    let launcher = ctx.env.launcher()?;
    let copy = copy_path(ctx, &launcher);
    if is_installed(ctx.env.platform(), &launcher, |name| ctx.env.var(name))
        || is_the_copy(&launcher, &copy)
    {
        return Ok(launcher);
    }
    refresh(&launcher, &copy)?;
    Ok(copy)
}

/// Brings this data directory's copy of the launcher up to date, when there is one and the
/// launcher is not installed: what the tray app does when it starts, so entries wired by an
/// earlier build run this build's launcher. Returns whether the copy was replaced.
pub fn refresh_copy<C: Clock>(ctx: &Context<C>) -> Result<bool> {
    let launcher = ctx.env.launcher()?;
    let copy = copy_path(ctx, &launcher);
    if is_installed(ctx.env.platform(), &launcher, |name| ctx.env.var(name))
        || is_the_copy(&launcher, &copy)
        || !copy.exists()
    {
        return Ok(false);
    }
    refresh(&launcher, &copy)
}

fn copy_path<C: Clock>(ctx: &Context<C>, launcher: &Path) -> PathBuf {
    let name = launcher
        .file_name()
        .map_or_else(|| "gatehouse".into(), ToOwned::to_owned);
    ctx.data_dir.join("bin").join(name)
}

/// Whether this process runs from the copy itself (a client app started it).
fn is_the_copy(launcher: &Path, copy: &Path) -> bool {
    copy.canonicalize().is_ok_and(|copy| copy == launcher)
}

/// Whether `path` is where a package or installer puts programs: a folder only an
/// administrator can write, which no checkout lives in.
fn is_installed<'a>(
    platform: Platform,
    path: &Path,
    var: impl Fn(&str) -> Option<&'a std::ffi::OsStr>,
) -> bool {
    match platform {
        Platform::Linux => ["/usr/", "/opt/"].iter().any(|dir| path.starts_with(dir)),
        Platform::MacOs => ["/Applications/", "/usr/local/"]
            .iter()
            .any(|dir| path.starts_with(dir)),
        Platform::Windows => ["ProgramFiles", "ProgramFiles(x86)"]
            .iter()
            .filter_map(|name| var(name))
            .any(|dir| {
                let dir = dir.to_string_lossy().to_lowercase();
                !dir.is_empty() && path.to_string_lossy().to_lowercase().starts_with(&dir)
            }),
    }
}

/// Makes `copy` hold the same bytes as `launcher`. Nothing is written when it already does;
/// otherwise the new copy is written beside it and renamed over it, so an app starting a
/// server meanwhile runs either the old copy or the new one, never half of one.
fn refresh(launcher: &Path, copy: &Path) -> Result<bool> {
    if same_bytes(launcher, copy).map_err(|source| io(launcher, source))? {
        return Ok(false);
    }
    let dir = copy.parent().unwrap_or(Path::new("."));
    create_private_dir(dir)?;
    let partial = dir.join(format!(".gatehouse-{}.partial", std::process::id()));
    let written = std::fs::copy(launcher, &partial)
        .map_err(|source| io(&partial, source))
        .and_then(|_| executable(&partial))
        .and_then(|()| {
            File::open(&partial)
                .and_then(|file| file.sync_all())
                .map_err(|source| io(&partial, source))
        })
        .and_then(|()| std::fs::rename(&partial, copy).map_err(|source| io(copy, source)));
    if written.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    written.map(|()| true)
}

/// Whether the two files hold the same bytes (false when `copy` is missing).
fn same_bytes(launcher: &Path, copy: &Path) -> std::io::Result<bool> {
    let copy_file = match File::open(copy) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(error) => return Err(error),
    };
    let launcher_file = File::open(launcher)?;
    if launcher_file.metadata()?.len() != copy_file.metadata()?.len() {
        return Ok(false);
    }
    let (mut a, mut b) = (BufReader::new(launcher_file), BufReader::new(copy_file));
    let (mut left, mut right) = (vec![0u8; 1 << 16], vec![0u8; 1 << 16]);
    loop {
        let n = a.read(&mut left)?;
        if n == 0 {
            return Ok(true);
        }
        b.read_exact(&mut right[..n])?;
        if left[..n] != right[..n] {
            return Ok(false);
        }
    }
}

fn create_private_dir(dir: &Path) -> Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(|source| io(dir, source))
}

fn executable(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700))
            .map_err(|source| io(path, source))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

fn io(path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::{Environment, Program};
    use crate::ports::SystemClock;
    use crate::settings::managed::ManagedSettings;

    async fn context(dir: &Path, exe: &Path) -> Context<SystemClock> {
        let env = Environment::confined_to(Platform::Linux, dir).running(Program::Cli, exe.into());
        Context::open(env, ManagedSettings::default(), SystemClock)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn a_checkout_build_is_called_through_its_own_copy_which_follows_rebuilds() {
        let dir = tempfile::tempdir().unwrap();
        let checkout = dir.path().join("checkout/target/debug");
        std::fs::create_dir_all(&checkout).unwrap();
        let exe = checkout.join("gatehouse");
        std::fs::write(&exe, b"build one").unwrap();
        let ctx = context(dir.path(), &exe).await;
        assert!(
            !refresh_copy(&ctx).unwrap(),
            "no copy is made before anything is wired"
        );

        let stable = stable_launcher(&ctx).unwrap();
        assert_eq!(stable, ctx.data_dir.join("bin/gatehouse"));
        assert_eq!(std::fs::read(&stable).unwrap(), b"build one");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&stable).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o700, "runnable by its owner only");
        }
        assert!(
            !refresh_copy(&ctx).unwrap(),
            "an up-to-date copy is left alone"
        );

        std::fs::write(&exe, b"build two, longer").unwrap();
        assert!(refresh_copy(&ctx).unwrap(), "a rebuild replaces the copy");
        assert_eq!(std::fs::read(&stable).unwrap(), b"build two, longer");
        std::fs::write(&exe, b"build 3, longer!!").unwrap();
        assert_eq!(stable_launcher(&ctx).unwrap(), stable);
        assert_eq!(
            std::fs::read(&stable).unwrap(),
            b"build 3, longer!!",
            "same size, other bytes: replaced too"
        );
        let leftovers: Vec<_> = std::fs::read_dir(stable.parent().unwrap())
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(leftovers, vec![std::ffi::OsString::from("gatehouse")]);

        std::fs::remove_dir_all(dir.path().join("checkout")).unwrap();
        assert_eq!(
            std::fs::read(&stable).unwrap(),
            b"build 3, longer!!",
            "the copy outlives the checkout"
        );
    }

    #[tokio::test]
    async fn the_copy_itself_and_an_installed_launcher_are_called_where_they_are() {
        let dir = tempfile::tempdir().unwrap();
        let probe = context(dir.path(), Path::new("/nonexistent")).await;
        let copy = probe.data_dir.join("bin/gatehouse");
        std::fs::create_dir_all(copy.parent().unwrap()).unwrap();
        std::fs::write(&copy, b"copy").unwrap();
        let from_copy = context(dir.path(), &copy).await;
        assert_eq!(
            stable_launcher(&from_copy).unwrap(),
            copy.canonicalize().unwrap()
        );

        assert!(is_installed(
            Platform::Linux,
            Path::new("/usr/bin/gatehouse"),
            |_| None
        ));
        assert!(is_installed(
            Platform::Linux,
            Path::new("/opt/gatehouse/gatehouse"),
            |_| None
        ));
        assert!(!is_installed(
            Platform::Linux,
            Path::new("/home/a/src/target/debug/gatehouse"),
            |_| None
        ));
        assert!(!is_installed(
            Platform::Linux,
            Path::new("/usrx/gatehouse"),
            |_| None
        ));
        let program_files = std::ffi::OsStr::new("C:\\Program Files");
        assert!(is_installed(
            Platform::Windows,
            Path::new("c:\\program files\\Gatehouse\\gatehouse.exe"),
            |name| (name == "ProgramFiles").then_some(program_files)
        ));
        assert!(!is_installed(
            Platform::Windows,
            Path::new("C:\\Users\\a\\gatehouse.exe"),
            |name| (name == "ProgramFiles").then_some(program_files)
        ));
    }
}
