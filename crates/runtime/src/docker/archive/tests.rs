use super::*;

/// A tar with the given entries, written by hand so that hostile names survive.
struct TarBuilder(Vec<u8>);

impl TarBuilder {
    fn new() -> TarBuilder {
        TarBuilder(Vec::new())
    }

    fn entry(mut self, name: &[u8], kind: tar::EntryType, data: &[u8]) -> TarBuilder {
        let mut header = tar::Header::new_gnu();
        header.as_old_mut().name[..name.len()].copy_from_slice(name);
        header.set_entry_type(kind);
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        if kind == tar::EntryType::Symlink {
            header.set_link_name("/etc/hostname").unwrap();
        }
        header.set_cksum();
        self.0.extend_from_slice(header.as_bytes());
        self.0.extend_from_slice(data);
        self.0.resize(self.0.len().next_multiple_of(512), 0);
        self
    }

    fn dir(self, name: &str) -> TarBuilder {
        self.entry(name.as_bytes(), tar::EntryType::Directory, b"")
    }

    fn file(self, name: &str, data: &[u8]) -> TarBuilder {
        self.entry(name.as_bytes(), tar::EntryType::Regular, data)
    }

    fn finish(mut self) -> Vec<u8> {
        self.0.extend_from_slice(&[0; 1024]);
        self.0
    }
}

fn unpack(
    tar: &[u8],
    limits: &OutputLimits,
) -> (tempfile::TempDir, Result<CopiedOut, CopyOutError>) {
    let dest = tempfile::tempdir().unwrap();
    let result = unpack_outputs(tar, "outputs", dest.path(), limits);
    (dest, result)
}

fn rejection(tar: &[u8], limits: &OutputLimits) -> String {
    match unpack(tar, limits).1 {
        Err(CopyOutError::Rejected(reason)) => reason,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

#[test]
fn unpacks_files_and_directories() {
    let tar = TarBuilder::new()
        .dir("outputs/")
        .file("outputs/a.txt", b"alpha")
        .dir("outputs/sub/")
        .file("outputs/sub/b.bin", b"\x00\x01")
        .finish();
    let (dest, result) = unpack(&tar, &OutputLimits::default());
    assert_eq!(result.unwrap(), CopiedOut { files: 2, bytes: 7 });
    assert_eq!(fs::read(dest.path().join("a.txt")).unwrap(), b"alpha");
    assert_eq!(fs::read(dest.path().join("sub/b.bin")).unwrap(), b"\x00\x01");
}

#[test]
fn rejects_paths_out_of_the_directory() {
    let limits = OutputLimits::default();
    let climb = TarBuilder::new().dir("outputs/").file("outputs/../escape", b"x").finish();
    assert!(rejection(&climb, &limits).contains(".."));
    let absolute = TarBuilder::new().file("/etc/passwd", b"x").finish();
    assert!(rejection(&absolute, &limits).contains("absolute"));
    let elsewhere = TarBuilder::new().file("inputs/x", b"x").finish();
    assert!(rejection(&elsewhere, &limits).contains("outside"));
    let non_utf8 = TarBuilder::new().entry(b"outputs/\xff", tar::EntryType::Regular, b"").finish();
    assert!(rejection(&non_utf8, &limits).contains("UTF-8"));
}

#[test]
fn rejects_links_and_special_files() {
    let limits = OutputLimits::default();
    for (kind, word) in [
        (tar::EntryType::Symlink, "symbolic link"),
        (tar::EntryType::Link, "hard link"),
        (tar::EntryType::Char, "not a regular file"),
        (tar::EntryType::Block, "not a regular file"),
        (tar::EntryType::Fifo, "not a regular file"),
    ] {
        let tar = TarBuilder::new().dir("outputs/").entry(b"outputs/x", kind, b"").finish();
        let (dest, result) = unpack(&tar, &limits);
        match result {
            Err(CopyOutError::Rejected(reason)) => assert!(reason.contains(word), "{reason}"),
            other => panic!("{kind:?}: expected a rejection, got {other:?}"),
        }
        assert!(fs::symlink_metadata(dest.path().join("x")).is_err(), "{kind:?} was created");
    }
}

#[test]
fn enforces_the_limits() {
    let tar = TarBuilder::new()
        .file("outputs/a", b"12345")
        .file("outputs/b", b"67890")
        .file("outputs/c/d/e", b"")
        .finish();
    let tight = |f: fn(&mut OutputLimits)| {
        let mut limits = OutputLimits::default();
        f(&mut limits);
        rejection(&tar, &limits)
    };
    assert!(tight(|l| l.max_total_bytes = 9).contains("exceed 9 bytes"));
    assert!(tight(|l| l.max_files = 2).contains("more than 2"));
    assert!(tight(|l| l.max_depth = 1).contains("deeper"));
    assert!(tight(|l| l.max_path_bytes = 4).contains("longer"));
    let (_, fits) = unpack(&tar, &OutputLimits { max_total_bytes: 10, ..OutputLimits::default() });
    assert_eq!(fits.unwrap(), CopiedOut { files: 3, bytes: 10 });
}

#[test]
fn rejects_a_file_twice() {
    let tar = TarBuilder::new().file("outputs/a", b"1").file("outputs/a", b"2").finish();
    assert!(rejection(&tar, &OutputLimits::default()).contains("twice"));
}

#[test]
fn chunk_reader_reads_across_chunks() {
    let (tx, rx) = mpsc::channel(4);
    tx.try_send(Bytes::from_static(b"ab")).unwrap();
    tx.try_send(Bytes::new()).unwrap();
    tx.try_send(Bytes::from_static(b"cde")).unwrap();
    drop(tx);
    let mut text = String::new();
    ChunkReader::new(rx).read_to_string(&mut text).unwrap();
    assert_eq!(text, "abcde");
}
