//! Gitea's Python client, py-gitea, drives the forge through repositories,
//! files, issues, comments, labels, milestones and organisations
//! (`tests/py_gitea_client.py`), on every engine under test. The test
//! command installs py-gitea with pip.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test, with its line.

use forge_tests::TestForge;

#[tokio::test]
async fn py_gitea_drives_the_forge() {
    let available = std::process::Command::new("python3")
        .args(["-c", "import gitea"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        available,
        "py-gitea is needed: python3 -m pip install py-gitea==0.2.10"
    );
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/py_gitea_client.py");
    for forge in TestForge::on_each_engine().await {
        let (_, token) = forge.user_with_token("root", true).await;
        let url = forge.url.clone();
        let output = tokio::process::Command::new("python3")
            .arg(script)
            .arg(&url)
            .arg(&token)
            .output()
            .await
            .unwrap();
        assert!(
            output.status.success(),
            "{:?}: py-gitea failed:\n{}\n{}",
            forge.engine(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
