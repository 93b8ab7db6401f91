//! A push interrupted for good leaves its quarantine folder in the
//! repository; a starting server removes it (the background job's first
//! round), and leaves a recent one alone.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test, with its line.

mod support;

use std::path::Path;
use std::time::{Duration, Instant, SystemTime};
use support::{Server, temp_dir};

fn age(path: &Path, age: Duration) {
    std::fs::File::open(path)
        .unwrap()
        .set_times(std::fs::FileTimes::new().set_modified(SystemTime::now() - age))
        .unwrap();
}

#[test]
fn a_starting_server_removes_abandoned_push_uploads() {
    let data_dir = temp_dir();
    let objects = data_dir.join("repositories/07/7.git/objects");
    let abandoned = objects.join("tmp_objdir-incoming-Ab12Cd");
    std::fs::create_dir_all(abandoned.join("pack")).unwrap();
    let pack = abandoned.join("pack/tmp_pack_Ab12Cd");
    std::fs::write(&pack, vec![7u8; 64 * 1024]).unwrap();
    for path in [&pack, &abandoned.join("pack"), &abandoned] {
        age(path, Duration::from_secs(3 * 3600));
    }
    let recent = objects.join("tmp_objdir-incoming-Ef34Gh");
    std::fs::create_dir_all(&recent).unwrap();

    let server = Server::start(&data_dir, None);
    let deadline = Instant::now() + Duration::from_secs(20);
    while abandoned.exists() {
        assert!(
            Instant::now() < deadline,
            "the abandoned upload is still there"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(recent.exists(), "a recent upload may be a live push");
    server.stop();
    std::fs::remove_dir_all(&data_dir).unwrap();
}
