use std::fs;
use std::path::Path;

use rigshare_types::output::{LEAF_DOMAIN, NODE_DOMAIN, empty_root};

use super::*;

fn write(dir: &Path, rel: &str, contents: &[u8]) {
    let path = dir.join(rel);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).unwrap();
    }
    fs::write(path, contents).unwrap();
}

fn sample(dir: &Path) {
    write(dir, "model.bin", &[1, 2, 3, 4]);
    write(dir, "metrics.json", b"{\"loss\":0.5}");
    write(dir, "logs/epoch-1.txt", b"ok\n");
}

fn root(dir: &Path) -> Hash32 {
    output_root(dir).unwrap()
}

#[test]
fn matches_the_documented_definition() {
    let dir = tempfile::tempdir().unwrap();
    sample(dir.path());
    let leaf = |path: &str, contents: &[u8]| {
        let mut bytes = LEAF_DOMAIN.to_vec();
        bytes.extend_from_slice(&u32::try_from(path.len()).unwrap().to_le_bytes());
        bytes.extend_from_slice(path.as_bytes());
        bytes.extend_from_slice(blake3::hash(contents).as_bytes());
        Hash32(*blake3::hash(&bytes).as_bytes())
    };
    let node = |l: Hash32, r: Hash32| {
        let mut bytes = NODE_DOMAIN.to_vec();
        bytes.extend_from_slice(l.as_bytes());
        bytes.extend_from_slice(r.as_bytes());
        Hash32(*blake3::hash(&bytes).as_bytes())
    };
    // Sorted: "logs/epoch-1.txt" < "metrics.json" < "model.bin".
    let expected = node(
        node(leaf("logs/epoch-1.txt", b"ok\n"), leaf("metrics.json", b"{\"loss\":0.5}")),
        leaf("model.bin", &[1, 2, 3, 4]),
    );
    assert_eq!(root(dir.path()), expected);

    let files = scan_outputs(dir.path(), &OutputLimits::default()).unwrap();
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["logs/epoch-1.txt", "metrics.json", "model.bin"]);
    assert_eq!(files[2].size, 4);
}

#[test]
fn same_files_same_root_in_any_creation_order() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    sample(a.path());
    write(b.path(), "logs/epoch-1.txt", b"ok\n");
    write(b.path(), "model.bin", &[1, 2, 3, 4]);
    write(b.path(), "metrics.json", b"{\"loss\":0.5}");
    assert_eq!(root(a.path()), root(b.path()));
}

#[test]
fn root_changes_with_any_byte_name_or_file_set() {
    let dir = tempfile::tempdir().unwrap();
    sample(dir.path());
    let base = root(dir.path());

    write(dir.path(), "model.bin", &[1, 2, 3, 5]);
    assert_ne!(root(dir.path()), base, "one byte changed");
    write(dir.path(), "model.bin", &[1, 2, 3, 4]);
    assert_eq!(root(dir.path()), base);

    fs::rename(dir.path().join("model.bin"), dir.path().join("model.bim")).unwrap();
    assert_ne!(root(dir.path()), base, "a name changed");
    fs::rename(dir.path().join("model.bim"), dir.path().join("model.bin")).unwrap();

    fs::rename(dir.path().join("logs"), dir.path().join("logz")).unwrap();
    assert_ne!(root(dir.path()), base, "a directory name changed");
    fs::rename(dir.path().join("logz"), dir.path().join("logs")).unwrap();
    assert_eq!(root(dir.path()), base);

    write(dir.path(), "empty", b"");
    assert_ne!(root(dir.path()), base, "an empty file added");
    fs::remove_file(dir.path().join("empty")).unwrap();

    fs::remove_file(dir.path().join("metrics.json")).unwrap();
    assert_ne!(root(dir.path()), base, "a file removed");
}

#[test]
fn empty_directories_contribute_nothing() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(root(dir.path()), empty_root());
    fs::create_dir_all(dir.path().join("a/b")).unwrap();
    assert_eq!(root(dir.path()), empty_root());
}

#[test]
fn symlinks_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    sample(dir.path());
    std::os::unix::fs::symlink("/etc/passwd", dir.path().join("logs/passwd")).unwrap();
    let err = output_root(dir.path()).unwrap_err();
    assert!(matches!(&err, OutputError::Symlink { path } if path == "logs/passwd"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink("/etc", dir.path().join("etc")).unwrap();
    assert!(matches!(output_root(dir.path()), Err(OutputError::Symlink { .. })));
}

#[test]
fn non_utf8_names_are_refused() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join(std::ffi::OsStr::from_bytes(b"bad\xff")), b"x").unwrap();
    assert!(matches!(output_root(dir.path()), Err(OutputError::NonUtf8Name { .. })));
}

#[test]
fn limits_are_typed_errors() {
    let dir = tempfile::tempdir().unwrap();
    sample(dir.path());
    let limits = OutputLimits::default();

    let few = OutputLimits { max_files: 2, ..limits };
    assert!(matches!(
        output_root_with(dir.path(), &few),
        Err(OutputError::TooManyFiles { limit: 2 })
    ));

    let small = OutputLimits { max_total_bytes: 10, ..limits };
    assert!(matches!(
        output_root_with(dir.path(), &small),
        Err(OutputError::TooLarge { limit: 10 })
    ));
    let exact = OutputLimits { max_total_bytes: 4 + 12 + 3, ..limits };
    assert!(output_root_with(dir.path(), &exact).is_ok());

    let short = OutputLimits { max_path_bytes: 10, ..limits };
    assert!(matches!(
        output_root_with(dir.path(), &short),
        Err(OutputError::PathTooLong { limit: 10, .. })
    ));

    let flat = OutputLimits { max_depth: 0, ..limits };
    assert!(matches!(
        output_root_with(dir.path(), &flat),
        Err(OutputError::TooDeep { limit: 0, .. })
    ));
}

#[test]
fn a_file_is_not_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "f", b"x");
    assert!(matches!(output_root(&dir.path().join("f")), Err(OutputError::NotADirectory { .. })));
    assert!(matches!(output_root(&dir.path().join("missing")), Err(OutputError::Io { .. })));
}
