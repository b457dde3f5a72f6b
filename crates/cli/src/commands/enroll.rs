//! `gatehouse enroll <link-or-file>`: join an organization from the admin's enrollment link
//! or file. It shows the organization, hub and signing key fingerprint, asks, signs in
//! (a token, or the registry's user name and password), pins the key and syncs at once.

use std::io::{IsTerminal as _, Read as _};

use gatehouse_core::Sensitive;
use gatehouse_core::settings::{self, Credentials, Enrollment};
use gatehouse_desktop::keyring::OsKeyring;

use super::hub::{confirm, sync_now};
use super::{fail, runtime};
use crate::cli::EnrollArgs;
use crate::exit::Exit;

pub fn run(args: EnrollArgs) -> Exit {
    let enrollment = match read(&args.link) {
        Ok(enrollment) => enrollment,
        Err(error) => return fail(&error),
    };
    runtime::with_context(|ctx| async move {
        let offer = match settings::offer(&ctx, enrollment).await {
            Ok(offer) => offer,
            Err(error) => return fail(&error),
        };
        let wanted = &offer.enrollment;
        eprintln!("Join {}?", wanted.organization);
        eprintln!("  hub:          {}", wanted.hub_url);
        if let Some(area) = &wanted.area {
            eprintln!("  area:         {area}");
        }
        eprintln!("  signing key:  {}", wanted.key_id);
        eprintln!("  fingerprint:  {}", wanted.fingerprint_groups());
        eprintln!("  The hub's key has this fingerprint; compare it with the one your admin sent.");
        if let Some(leaving) = &offer.leaving {
            eprintln!("  This computer follows `{leaving}` now; joining replaces it.");
        }
        if !args.yes {
            if !std::io::stdin().is_terminal() {
                eprintln!(
                    "gatehouse: no terminal to ask on: pass --yes once you have compared the fingerprint"
                );
                return Exit::Usage;
            }
            if !confirm(&format!("join {}? [y/N] ", wanted.organization)) {
                eprintln!("gatehouse: nothing changed");
                return Exit::Failure;
            }
        }
        let credentials = match credentials(&args) {
            Ok(credentials) => credentials,
            Err(exit) => return exit,
        };
        match settings::join(&ctx, &OsKeyring, &offer, credentials).await {
            Ok(account) => {
                eprintln!(
                    "gatehouse: joined `{}`; the key is pinned and the sign-in for `{account}` is in the OS keyring",
                    wanted.organization
                );
            }
            Err(error) => return fail(&error),
        }
        sync_now(&ctx, false).await
    })
}

/// The enrollment in `link`: a `gatehouse:` link, or the path of a file holding one.
fn read(link: &str) -> gatehouse_core::Result<Enrollment> {
    if link.starts_with(&format!("{}:", settings::LINK_SCHEME)) {
        return Enrollment::parse(link);
    }
    let path = std::path::Path::new(link);
    let text = std::fs::read_to_string(path).map_err(|error| {
        gatehouse_core::Error::Usage(format!(
            "`{link}` is neither a gatehouse://enroll link nor a file that can be read ({error})"
        ))
    })?;
    Enrollment::parse(&text)
}

/// The sign-in the flags give, else asked at the terminal.
fn credentials(args: &EnrollArgs) -> Result<Credentials, Exit> {
    let secret = |flag: Option<&str>, prompt: &str| -> Result<Sensitive<String>, Exit> {
        let text = match flag {
            Some("-") => {
                let mut text = String::new();
                std::io::stdin()
                    .read_to_string(&mut text)
                    .map_err(|error| {
                        eprintln!("gatehouse: cannot read stdin: {error}");
                        Exit::Failure
                    })?;
                text
            }
            Some(value) => value.to_owned(),
            None if std::io::stdin().is_terminal() => {
                rpassword::prompt_password(prompt).map_err(|error| {
                    eprintln!("gatehouse: cannot read from the terminal: {error}");
                    Exit::Failure
                })?
            }
            None => {
                eprintln!(
                    "gatehouse: no terminal to ask on: pass --token (or --username with --password -)"
                );
                return Err(Exit::Usage);
            }
        };
        Ok(Sensitive::new(text.trim().to_owned()))
    };
    if let Some(username) = &args.username {
        let password = secret(args.password.as_deref(), "password (not shown): ")?;
        return Ok(Credentials::Password {
            username: username.clone(),
            password,
        });
    }
    if args.token.is_none() && std::io::stdin().is_terminal() {
        eprint!("user name (leave empty to paste a token instead): ");
        let mut name = String::new();
        if std::io::stdin().read_line(&mut name).is_ok() && !name.trim().is_empty() {
            let password = secret(None, "password (not shown): ")?;
            return Ok(Credentials::Password {
                username: name.trim().to_owned(),
                password,
            });
        }
    }
    Ok(Credentials::Token(secret(
        args.token.as_deref(),
        "token (not shown): ",
    )?))
}
