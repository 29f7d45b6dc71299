//! Guest programs in WAT, using WASI preview 1 directly (preopens: fd 3 = /inputs, fd 4 =
//! /outputs). A failing WASI call makes the guest exit with the errno as its exit code.

/// WASI errno `ENOTCAPABLE`.
pub const ENOTCAPABLE: i32 = 76;
/// WASI errno `EPERM`.
pub const EPERM: i32 = 63;
/// WASI errno `EACCES`.
pub const EACCES: i32 = 2;
/// WASI errno `EROFS`.
pub const EROFS: i32 = 69;
/// WASI errno `ENOENT`.
pub const ENOENT: i32 = 44;
/// WASI errno `ELOOP`.
pub const ELOOP: i32 = 32;

/// Right to read.
pub const RIGHT_READ: u64 = 1 << 1;
/// Right to write.
pub const RIGHT_WRITE: u64 = 1 << 6;
/// `path_open` flag: create.
pub const O_CREAT: u32 = 1;
/// `path_open` flag: truncate.
pub const O_TRUNC: u32 = 8;

/// Every WASI import the guests use, and `$check` (exit with the errno unless it is 0).
const PRELUDE: &str = r#"
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_symlink"
    (func $path_symlink (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get"
    (func $clock_time_get (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get"
    (func $environ_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $environ_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll_oneoff (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (func $check (param i32) (if (local.get 0) (then (call $proc_exit (local.get 0)))))
  ;; Writes len bytes at ptr to fd (iovec at 0..8, count at 8).
  (func $write (param $fd i32) (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (call $check (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8))))
  ;; Opens path (ptr, len) under dirfd; returns the new fd (stored at 12).
  (func $open (param $dir i32) (param $ptr i32) (param $len i32) (param $oflags i32) (param $rights i64)
    (result i32)
    (call $check (call $path_open (local.get $dir) (i32.const 0) (local.get $ptr) (local.get $len)
      (local.get $oflags) (local.get $rights) (i64.const 0) (i32.const 0) (i32.const 12)))
    (i32.load (i32.const 12)))
"#;

/// A module with the prelude, one page of memory, `data` and `body` as `_start`.
pub fn module(data: &str, body: &str) -> String {
    format!(
        "(module {PRELUDE}\n (memory (export \"memory\") 1)\n {data}\n (func (export \"_start\") {body}))"
    )
}

/// A WAT string literal of `s` (ASCII).
fn lit(s: &str) -> String {
    let escaped: String = s.bytes().map(|b| format!("\\{b:02x}")).collect();
    format!("\"{escaped}\"")
}

/// Reads `/inputs/data.txt` (up to 4 KiB), writes it uppercased to `/outputs/result.txt` and
/// echoes it to stdout.
pub fn uppercase() -> String {
    uppercase_after(0)
}

/// [`uppercase`] after a busy loop of `iterations` (a job that takes a while).
pub fn uppercase_after(iterations: u64) -> String {
    let data = format!(
        "(data (i32.const 64) {}) (data (i32.const 96) {})",
        lit("data.txt"),
        lit("result.txt")
    );
    let spin = format!(
        "(local.set $spin (i64.const {iterations}))
         (block $spun (loop $again
           (br_if $spun (i64.eqz (local.get $spin)))
           (local.set $spin (i64.sub (local.get $spin) (i64.const 1)))
           (br $again)))"
    );
    let body = r#"
    (local.set $in (call $open (i32.const 3) (i32.const 64) (i32.const 8) (i32.const 0) (i64.const 2)))
    (i32.store (i32.const 16) (i32.const 1024))
    (i32.store (i32.const 20) (i32.const 4096))
    (call $check (call $fd_read (local.get $in) (i32.const 16) (i32.const 1) (i32.const 24)))
    (local.set $n (i32.load (i32.const 24)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $c (i32.load8_u (i32.add (i32.const 1024) (local.get $i))))
      (if (i32.and (i32.ge_u (local.get $c) (i32.const 97)) (i32.le_u (local.get $c) (i32.const 122)))
        (then (i32.store8 (i32.add (i32.const 1024) (local.get $i))
                          (i32.sub (local.get $c) (i32.const 32)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (local.set $out (call $open (i32.const 4) (i32.const 96) (i32.const 10) (i32.const 9) (i64.const 64)))
    (call $write (local.get $out) (i32.const 1024) (local.get $n))
    (call $check (call $fd_close (local.get $out)))
    (call $write (i32.const 1) (i32.const 1024) (local.get $n))
    "#;
    let locals = "(local $in i32) (local $out i32) (local $n i32) (local $i i32) (local $c i32) (local $spin i64)";
    module(&data, &format!("{locals} {spin} {body}"))
}

/// Opens `path` under preopen `dirfd` with `oflags` and `rights`; exits 0 if that worked, else
/// with the errno.
pub fn open(dirfd: u32, path: &str, oflags: u32, rights: u64) -> String {
    let data = format!("(data (i32.const 64) {})", lit(path));
    let body = format!(
        "(drop (call $open (i32.const {dirfd}) (i32.const 64) (i32.const {len}) (i32.const {oflags}) (i64.const {rights})))",
        len = path.len()
    );
    module(&data, &body)
}

/// Creates a symbolic link `/outputs/<link>` to `target`; exits with the errno or 0.
pub fn symlink(target: &str, link: &str) -> String {
    let data =
        format!("(data (i32.const 64) {}) (data (i32.const 512) {})", lit(target), lit(link));
    let body = format!(
        "(call $check (call $path_symlink (i32.const 64) (i32.const {tl}) (i32.const 4) (i32.const 512) (i32.const {ll})))",
        tl = target.len(),
        ll = link.len()
    );
    module(&data, &body)
}

/// Exits with `code`.
pub fn exit(code: u32) -> String {
    module("", &format!("(call $proc_exit (i32.const {code}))"))
}

/// Loops forever.
pub fn spin() -> String {
    module("", "(loop $forever (br $forever))")
}

/// Loops forever in the module's start function, before `_start`.
pub fn spin_in_start_function() -> String {
    "(module (func $spin (loop $forever (br $forever))) (start $spin) (func (export \"_start\")))"
        .to_owned()
}

/// Grows memory 1 MiB at a time; traps (like an allocator aborting) when growth is refused.
pub fn grow_memory() -> String {
    module(
        "",
        "(loop $more
           (if (i32.eq (memory.grow (i32.const 16)) (i32.const -1)) (then unreachable))
           (br $more))",
    )
}

/// Grows memory until refused, then exits 0: handling a refusal is the guest's right.
pub fn grow_memory_then_exit() -> String {
    module(
        "",
        "(block $refused (loop $more
           (br_if $refused (i32.eq (memory.grow (i32.const 16)) (i32.const -1)))
           (br $more)))",
    )
}

/// Declares 2000 pages (125 MiB) of initial memory.
pub fn big_initial_memory() -> String {
    "(module (memory 2000) (func (export \"_start\")))".to_owned()
}

/// Recurses without end.
pub fn recurse() -> String {
    "(module (func $down (call $down)) (func (export \"_start\") (call $down)))".to_owned()
}

/// Executes `unreachable`.
pub fn trap() -> String {
    module("", "unreachable")
}

/// Sleeps `nanos` in one `poll_oneoff` (a relative monotonic-clock subscription).
pub fn sleep(nanos: u64) -> String {
    // Subscription at 64 (48 bytes): userdata u64, tag u8 = 0 (clock) at +8, clock id u32 = 1
    // (monotonic) at +16, timeout u64 at +24, precision u64 at +32, flags u16 = 0 at +40.
    let body = format!(
        "(i32.store (i32.const 80) (i32.const 1))
         (i64.store (i32.const 88) (i64.const {nanos}))
         (call $check (call $poll_oneoff (i32.const 64) (i32.const 256) (i32.const 1) (i32.const 16)))"
    );
    module("", &body)
}

/// Writes `count` lines of 30 bytes to stdout and one line to stderr.
pub fn chatter(count: u32) -> String {
    let data = format!(
        "(data (i32.const 64) {}) (data (i32.const 128) {})",
        lit("0123456789abcdefghijklmnopqr\n\n"),
        lit("warning: chatty\n")
    );
    let body = format!(
        "(local $i i32)
         (block $done (loop $next
           (br_if $done (i32.ge_u (local.get $i) (i32.const {count})))
           (call $write (i32.const 1) (i32.const 64) (i32.const 30))
           (local.set $i (i32.add (local.get $i) (i32.const 1)))
           (br $next)))
         (call $write (i32.const 2) (i32.const 128) (i32.const 16))"
    );
    module(&data, &body)
}

/// Writes what the job can observe of its world to `/outputs/facts.bin`:
/// 32 random bytes, the realtime clock, two monotonic readings, argv and environ buffers.
pub fn facts() -> String {
    let data = format!("(data (i32.const 64) {})", lit("facts.bin"));
    let body = r#"
    (local $out i32) (local $argv_len i32) (local $env_len i32)
    (call $check (call $random_get (i32.const 1024) (i32.const 32)))
    (call $check (call $clock_time_get (i32.const 0) (i64.const 1) (i32.const 1056)))
    (call $check (call $clock_time_get (i32.const 1) (i64.const 1) (i32.const 1064)))
    (call $check (call $clock_time_get (i32.const 1) (i64.const 1) (i32.const 1072)))
    ;; argv: count at 128, buffer size at 132, pointers at 2048, strings at 1080
    (call $check (call $args_sizes_get (i32.const 128) (i32.const 132)))
    (local.set $argv_len (i32.load (i32.const 132)))
    (call $check (call $args_get (i32.const 2048) (i32.const 1080)))
    ;; environ: strings right after argv's
    (call $check (call $environ_sizes_get (i32.const 136) (i32.const 140)))
    (local.set $env_len (i32.load (i32.const 140)))
    (call $check (call $environ_get (i32.const 3072) (i32.add (i32.const 1080) (local.get $argv_len))))
    (local.set $out (call $open (i32.const 4) (i32.const 64) (i32.const 9) (i32.const 9) (i64.const 64)))
    (call $write (local.get $out) (i32.const 1024)
      (i32.add (i32.const 56) (i32.add (local.get $argv_len) (local.get $env_len))))
    "#;
    module(&data, body)
}
