//! The profile lock and the compare-and-swap under it: exclusion within a
//! process, across processes, and no lost or backward writes under contention.
#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

mod store_support;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::Barrier;
use std::time::Duration;

use oci_iam_sso_adapters_store::{KeySource, SqliteTokenStore, StoreOptions};
use oci_iam_sso_domain::{Generation, StoreError, TokenStore};
use store_support::*;

fn g(value: u64) -> Option<Generation> {
    Some(Generation::new(value))
}

fn assert_conflict(result: Result<(), StoreError>, attempted: u64, found: u64) {
    match result {
        Err(StoreError::Conflict {
            attempted: a,
            found: f,
        }) => assert_eq!((a, f), (attempted, found)),
        other => panic!("expected Conflict {{ {attempted}, {found} }}, got {other:?}"),
    }
}

#[tokio::test]
async fn replace_is_a_compare_and_swap_on_the_generation() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&store_path(dir.path()));
    let mut lock = store.lock(&name("p")).await.unwrap();

    assert_conflict(lock.replace(g(5), &tokens("p", 6), T_AUDIT).await, 6, 0);
    lock.replace(None, &tokens("p", 1), T_AUDIT).await.unwrap();
    assert_conflict(lock.replace(None, &tokens("p", 2), T_AUDIT).await, 2, 1);
    assert_conflict(lock.replace(g(0), &tokens("p", 2), T_AUDIT).await, 2, 1);
    assert_conflict(lock.replace(g(2), &tokens("p", 3), T_AUDIT).await, 3, 1);
    assert_conflict(lock.replace(g(1), &tokens("p", 1), T_AUDIT).await, 1, 1);
    assert_conflict(lock.replace(g(1), &tokens("p", 0), T_AUDIT).await, 0, 1);

    assert_eq!(
        lock.tokens().await.unwrap(),
        Some(tokens("p", 1)),
        "conflicts write nothing"
    );
    assert_eq!(
        store.rotations(&name("p"), 10).await.unwrap().len(),
        1,
        "nor audit rows"
    );

    lock.replace(g(1), &tokens("p", 5), T_AUDIT).await.unwrap();
    assert_eq!(
        lock.tokens().await.unwrap(),
        Some(tokens("p", 5)),
        "generations may jump"
    );
    lock.clear().await.unwrap();
    lock.replace(None, &tokens("p", 6), T_AUDIT).await.unwrap();
}

#[tokio::test]
async fn reads_under_the_lock_see_other_connections_writes() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_path(dir.path());
    let first = open(&path);
    let second = open(&path);
    store_first(&first, "p", 1).await;
    assert_eq!(
        second.tokens(&name("p")).await.unwrap(),
        Some(tokens("p", 1))
    );

    let mut lock = second.lock(&name("p")).await.unwrap();
    lock.replace(g(1), &tokens("p", 2), T_AUDIT).await.unwrap();
    drop(lock);

    let mut lock = first.lock(&name("p")).await.unwrap();
    assert_eq!(lock.tokens().await.unwrap(), Some(tokens("p", 2)));
    assert_conflict(lock.replace(g(1), &tokens("p", 2), T_AUDIT).await, 2, 2);
}

#[tokio::test]
async fn a_held_lock_excludes_other_guards_of_the_same_process() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_path(dir.path());
    let store = SqliteTokenStore::open(&path, key_a(), short_timeout()).unwrap();
    let other_connection = SqliteTokenStore::open(&path, key_a(), short_timeout()).unwrap();

    let held = store.lock(&name("p")).await.unwrap();
    for contender in [&store, &other_connection] {
        match contender.lock(&name("p")).await {
            Err(StoreError::LockTimeout { waited }) => {
                assert_eq!(waited, short_timeout().lock_timeout)
            }
            Err(other) => panic!("expected LockTimeout, got {other:?}"),
            Ok(_) => panic!("a second guard got a held lock"),
        }
    }
    // Other profiles are not affected.
    drop(store.lock(&name("q")).await.unwrap());
    drop(held);
    drop(store.lock(&name("p")).await.unwrap());
}

#[tokio::test]
async fn a_waiting_lock_is_granted_once_the_holder_drops_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&store_path(dir.path()));
    let mut held = store.lock(&name("p")).await.unwrap();

    let holder = async move {
        // Give the waiter time to start polling, then write and release.
        tokio::time::sleep(Duration::from_millis(100)).await;
        held.replace(None, &tokens("p", 1), T_AUDIT).await.unwrap();
        drop(held);
    };
    let waiter = async {
        let mut lock = store
            .lock(&name("p"))
            .await
            .expect("granted after the drop");
        lock.tokens().await.unwrap()
    };
    let ((), seen) = tokio::join!(holder, waiter);
    assert_eq!(
        seen,
        Some(tokens("p", 1)),
        "the waiter got the lock only after the write"
    );
}

const CHILD_STORE: &str = "STORE_TEST_CHILD_STORE";

/// Not a test on its own: the child process of `the_lock_excludes_other_processes`.
/// Takes the lock, says so on stdout, and holds it until stdin closes.
#[tokio::test]
#[ignore = "run as a child process by the_lock_excludes_other_processes"]
#[allow(clippy::print_stdout)]
async fn child_holds_lock_until_stdin_closes() {
    let Some(path) = std::env::var_os(CHILD_STORE) else {
        return;
    };
    let store = open(std::path::Path::new(&path));
    let _held = store.lock(&name("p")).await.unwrap();
    println!("LOCKED");
    std::io::stdout().flush().unwrap();
    let mut rest = String::new();
    let _ = std::io::stdin().read_line(&mut rest);
}

#[tokio::test]
async fn the_lock_excludes_other_processes() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_path(dir.path());
    drop(open(&path));
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_holds_lock_until_stdin_closes",
            "--ignored",
            "--nocapture",
        ])
        .env(CHILD_STORE, &path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    assert!(
        lines.any(|line| line.unwrap().contains("LOCKED")),
        "the child never took the lock"
    );

    let store = SqliteTokenStore::open(&path, key_a(), short_timeout()).unwrap();
    assert!(matches!(
        store.lock(&name("p")).await,
        Err(StoreError::LockTimeout { .. })
    ));
    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());
    drop(
        store
            .lock(&name("p"))
            .await
            .expect("free once the child exited"),
    );
}

#[test]
fn many_openers_of_a_new_store_agree_on_schema_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_path(dir.path());
    let key_file = dir.path().join("keys").join("store.key");
    const OPENERS: usize = 8;
    let barrier = Barrier::new(OPENERS);
    std::thread::scope(|scope| {
        for i in 0..OPENERS {
            let (path, key_file, barrier) = (&path, &key_file, &barrier);
            scope.spawn(move || {
                barrier.wait();
                let store = SqliteTokenStore::open(
                    path,
                    KeySource::key_file(key_file),
                    StoreOptions::default(),
                )
                .expect("every concurrent open succeeds");
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_time()
                    .build()
                    .unwrap();
                runtime
                    .block_on(store.put_profile(&profile(&format!("p{i}"))))
                    .unwrap();
            });
        }
    });
    let store = SqliteTokenStore::open(
        &path,
        KeySource::key_file(&key_file),
        StoreOptions::default(),
    )
    .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    assert_eq!(runtime.block_on(store.profiles()).unwrap().len(), OPENERS);
    let key_dir: Vec<_> = std::fs::read_dir(key_file.parent().unwrap())
        .unwrap()
        .collect();
    assert_eq!(key_dir.len(), 1, "one key file, no temporary files left");
}

#[test]
fn contended_rotations_are_never_lost() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_path(dir.path());
    drop(open(&path));
    const WORKERS: u64 = 6;
    const ROUNDS: u64 = 5;
    std::thread::scope(|scope| {
        for _ in 0..WORKERS {
            let path = &path;
            scope.spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_time()
                    .build()
                    .unwrap();
                runtime.block_on(async {
                    let store = open(path);
                    for _ in 0..ROUNDS {
                        let mut lock = store.lock(&name("p")).await.unwrap();
                        let seen = lock.tokens().await.unwrap().map(|t| t.generation);
                        let next = seen.map_or(1, |s| s.get() + 1);
                        lock.replace(seen, &tokens("p", next), T_AUDIT)
                            .await
                            .unwrap();
                    }
                });
            });
        }
    });
    let store = open(&path);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let last = runtime.block_on(store.tokens(&name("p"))).unwrap().unwrap();
    assert_eq!(last.generation.get(), WORKERS * ROUNDS);
    let audit = runtime.block_on(store.rotations(&name("p"), 1000)).unwrap();
    let generations: Vec<u64> = audit.iter().map(|r| r.generation.get()).collect();
    let expected: Vec<u64> = (1..=WORKERS * ROUNDS).rev().collect();
    assert_eq!(generations, expected);
}
