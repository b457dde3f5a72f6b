#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use std::io::Write as _;

use flate2::Compression;
use flate2::write::GzEncoder;
use tar::{EntryType, Header};

use super::*;

/// One tar entry written from a raw header, so that names and sizes the builder would
/// refuse (`..`, `/etc/x`, a declared 2 GiB) can be made.
fn raw(name: &str, kind: EntryType, mode: u32, declared: u64, data: &[u8]) -> Vec<u8> {
    let mut header = Header::new_gnu();
    let field = &mut header.as_gnu_mut().unwrap().name;
    field[..name.len()].copy_from_slice(name.as_bytes());
    header.set_entry_type(kind);
    header.set_mode(mode);
    header.set_size(declared);
    if kind == EntryType::Symlink || kind == EntryType::Link {
        header.set_link_name("target").unwrap();
    }
    header.set_cksum();
    let mut bytes = header.as_bytes().to_vec();
    bytes.extend_from_slice(data);
    bytes.resize(bytes.len().div_ceil(512) * 512, 0);
    bytes
}

fn gz(entries: &[Vec<u8>]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    for entry in entries {
        encoder.write_all(entry).unwrap();
    }
    encoder.write_all(&[0; 1024]).unwrap();
    encoder.finish().unwrap()
}

fn file(name: &str, mode: u32, data: &[u8]) -> Vec<u8> {
    raw(name, EntryType::Regular, mode, data.len() as u64, data)
}

fn extract(bytes: &[u8]) -> (tempfile::TempDir, Result<Extracted>) {
    let dir = tempfile::tempdir().unwrap();
    let result = extract_tar_gz(bytes, dir.path(), MAX_EXTRACTED_BYTES);
    (dir, result)
}

#[test]
fn files_and_directories_are_unpacked_with_their_executable_bit() {
    let bundle = gz(&[
        raw("bin/", EntryType::Directory, 0o755, 0, b""),
        file("bin/server", 0o750, b"#!/bin/sh\necho hi\n"),
        file("./README.md", 0o600, b"readme"),
        file("lib/deep/data.json", 0o644, b"{}"),
    ]);
    let (dir, result) = extract(&bundle);
    let done = result.unwrap();
    assert_eq!((done.files, done.bytes), (3, 26));
    assert_eq!(
        std::fs::read(dir.path().join("bin/server")).unwrap(),
        b"#!/bin/sh\necho hi\n"
    );
    assert_eq!(
        std::fs::read(dir.path().join("lib/deep/data.json")).unwrap(),
        b"{}",
        "parents of a file are made even without their own entries"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = |p: &str| {
            std::fs::metadata(dir.path().join(p))
                .unwrap()
                .permissions()
                .mode()
                & 0o777
        };
        assert_eq!(mode("bin/server"), 0o755, "an executable stays executable");
        assert_eq!(mode("README.md"), 0o644, "others are plain readable files");
    }
}

#[test]
fn paths_that_climb_out_or_start_at_a_root_are_refused() {
    for name in [
        "../evil",
        "a/../../evil",
        "/etc/evil",
        "a\\..\\evil",
        "C:evil",
    ] {
        let (dir, result) = extract(&gz(&[file(name, 0o644, b"x")]));
        assert!(
            matches!(result, Err(Error::Unsafe { .. })),
            "`{name}` must be refused: {result:?}"
        );
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "`{name}`: nothing written"
        );
    }
    assert!(
        !std::path::Path::new("/etc/evil").exists(),
        "nothing escaped to the root"
    );
}

#[test]
fn links_devices_and_fifos_are_refused() {
    for (kind, words) in [
        (EntryType::Symlink, "symbolic"),
        (EntryType::Link, "hard link"),
        (EntryType::Char, "device"),
        (EntryType::Block, "device"),
        (EntryType::Fifo, "pipe"),
    ] {
        let (_dir, result) = extract(&gz(&[raw("thing", kind, 0o644, 0, b"")]));
        let error = result.unwrap_err().to_string();
        assert!(error.contains(words), "{kind:?}: {error}");
    }
}

#[test]
fn a_declared_size_over_the_cap_is_refused_before_writing() {
    // The header claims 2 GiB; no data follows. Writing would have created the file.
    let two_gib = 2 * 1024 * 1024 * 1024;
    let (dir, result) = extract(&gz(&[raw(
        "huge.bin",
        EntryType::Regular,
        0o644,
        two_gib,
        b"",
    )]));
    assert!(matches!(result, Err(Error::TooLarge { .. })), "{result:?}");
    assert!(
        !dir.path().join("huge.bin").exists(),
        "refused before writing"
    );
}

#[test]
fn the_cap_counts_all_files_together() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = gz(&[file("a", 0o644, &[1; 600]), file("b", 0o644, &[2; 600])]);
    let result = extract_tar_gz(bundle.as_slice(), dir.path(), 1000);
    assert!(
        matches!(result, Err(Error::TooLarge { limit: 1000 })),
        "{result:?}"
    );
    assert!(!dir.path().join("b").exists());
}

#[test]
fn a_path_twice_and_broken_archives_are_refused() {
    let (_dir, result) = extract(&gz(&[file("a", 0o644, b"1"), file("a", 0o644, b"2")]));
    assert!(result.unwrap_err().to_string().contains("twice"));
    let (_dir, result) = extract(b"not gzip at all");
    assert!(matches!(result, Err(Error::Corrupt(_))), "{result:?}");
    // A body shorter than its header says.
    let mut short = raw("cut", EntryType::Regular, 0o644, 4096, b"abc");
    short.truncate(512 + 3);
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    encoder.write_all(&short).unwrap();
    let (_dir, result) = extract(&encoder.finish().unwrap());
    assert!(result.is_err(), "a truncated archive is refused");
}

#[test]
fn relative_paths_keep_only_plain_names() {
    assert_eq!(
        safe_relative(b"./a//b/").unwrap(),
        std::path::PathBuf::from("a/b")
    );
    assert_eq!(safe_relative(b".").unwrap(), std::path::PathBuf::new());
    assert!(safe_relative(b"a/..").is_err());
    assert!(safe_relative(&[0xff, b'a']).is_err());
}

fn zip_of(entries: &[(&str, &[u8], u32)]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data, mode) in entries {
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .unix_permissions(*mode);
        if name.ends_with('/') {
            writer.add_directory(*name, options).unwrap();
        } else {
            writer.start_file(*name, options).unwrap();
            writer.write_all(data).unwrap();
        }
    }
    writer.finish().unwrap().into_inner()
}

#[test]
fn a_zip_unpacks_its_files_and_keeps_the_executable_bit() {
    let dest = tempfile::tempdir().unwrap();
    let bytes = zip_of(&[
        ("pkg/", b"", 0o755),
        ("pkg/__init__.py", b"x = 1\n", 0o644),
        ("bin/run", b"#!/bin/sh\n", 0o755),
    ]);
    let done = extract_zip(
        std::io::Cursor::new(bytes),
        dest.path(),
        MAX_EXTRACTED_BYTES,
    )
    .unwrap();
    assert_eq!((done.files, done.directories), (2, 1));
    assert_eq!(
        fs::read(dest.path().join("pkg/__init__.py")).unwrap(),
        b"x = 1\n"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = fs::metadata(dest.path().join("bin/run"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o755);
    }
}

#[test]
fn a_zip_that_climbs_out_or_repeats_a_path_is_refused() {
    for entries in [
        vec![("../evil", &b"x"[..], 0o644)],
        vec![("/etc/evil", &b"x"[..], 0o644)],
        vec![("a:b", &b"x"[..], 0o644)],
    ] {
        let dest = tempfile::tempdir().unwrap();
        let result = extract_zip(
            std::io::Cursor::new(zip_of(&entries)),
            dest.path(),
            MAX_EXTRACTED_BYTES,
        );
        assert!(
            matches!(result, Err(Error::Unsafe { .. })),
            "{entries:?}: {result:?}"
        );
    }
}

#[test]
fn a_zip_over_the_cap_or_not_a_zip_is_refused() {
    let dest = tempfile::tempdir().unwrap();
    let big = zip_of(&[("a", &[0u8; 100][..], 0o644)]);
    assert!(matches!(
        extract_zip(std::io::Cursor::new(big), dest.path(), 10),
        Err(Error::TooLarge { .. })
    ));
    let other = tempfile::tempdir().unwrap();
    assert!(matches!(
        extract_zip(
            std::io::Cursor::new(b"not a zip".to_vec()),
            other.path(),
            10
        ),
        Err(Error::Corrupt(_))
    ));
}

#[test]
fn a_zip_symlink_is_refused() {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    writer
        .add_symlink(
            "link",
            "/etc/passwd",
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
    let bytes = writer.finish().unwrap().into_inner();
    let dest = tempfile::tempdir().unwrap();
    assert!(matches!(
        extract_zip(
            std::io::Cursor::new(bytes),
            dest.path(),
            MAX_EXTRACTED_BYTES
        ),
        Err(Error::Unsafe { .. })
    ));
}
