//! The code browser on a generated repository.
//!
//! A repository of about 3,000 commits is written with `git fast-import`,
//! deterministically, with the files that tend to break browsers: a README
//! that tries to inject script, a binary file, a symbolic link, a submodule,
//! a file name that is not UTF-8, a file over 8 MiB, a path with spaces and
//! `#`, a branch with a slash, an annotated and a lightweight tag, a commit
//! of 310 files and one of 6,000 lines. Every page type is checked on it, on
//! each database engine.

use forge_core::repo::{NewRepo, Repo};
use forge_core::user::User;
use forge_tests::{Browser, TestForge, http};
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

const COMMITS: usize = 3000;
const T0: i64 = 1_600_000_000;
const SUBMODULE_COMMIT: &str = "0123456789abcdef0123456789abcdef01234567";
const README: &str = "# Big test\n\nA repository for the browser's tests.\n\n<script>alert('owned')</script>\n\n[click me](javascript:alert(1)) and [the docs](docs/guide.md).\n\nSee https://example.org/page for more.\n";
const MAIN_RS: &str = "// The main program.\nfn main() {\n    let greeting = \"<hello>\";\n    println!(\"{greeting}\");\n}\n";
const BINARY: &[u8] = b"\x89PNG\x00\x00\x01\x02binary\x00data\xff";

fn data(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(format!("data {}\n", bytes.len()).as_bytes());
    out.extend_from_slice(bytes);
    out.push(b'\n');
}

fn file(out: &mut Vec<u8>, mode: &str, path: &str, bytes: &[u8]) {
    out.extend_from_slice(format!("M {mode} inline {path}\n").as_bytes());
    data(out, bytes);
}

fn commit_header(out: &mut Vec<u8>, branch: &str, mark: usize, time: i64, message: &str) {
    out.extend_from_slice(
        format!(
            "commit refs/heads/{branch}\nmark :{mark}\nauthor Ada Lovelace <ada@example.org> {time} +0000\ncommitter Ada Lovelace <ada@example.org> {time} +0000\n"
        )
        .as_bytes(),
    );
    data(out, message.as_bytes());
}

/// The 9 MiB text file: numbered lines.
fn big_text() -> Vec<u8> {
    let mut text = Vec::with_capacity(9 << 20);
    let mut n = 0;
    while text.len() < 9 << 20 {
        n += 1;
        text.extend_from_slice(format!("line {n:08} of a large text file\n").as_bytes());
    }
    text
}

/// The fast-import stream of the test repository. Commit `i` (mark `:i`)
/// is "Change i"; commit 1 adds the odd files, 2 adds 310 files, 3 adds a
/// file of 6,000 lines; every commit changes `history.txt`, and every
/// hundredth also `src/main.rs`.
fn stream() -> Vec<u8> {
    let mut out = Vec::new();
    for i in 1..=COMMITS {
        let time = T0 + 60 * i as i64;
        commit_header(
            &mut out,
            "main",
            i,
            time,
            &format!("Change {i}\n\nBody of change {i}.\n"),
        );
        match i {
            1 => {
                file(&mut out, "100644", "README.md", README.as_bytes());
                file(&mut out, "100644", "src/main.rs", MAIN_RS.as_bytes());
                file(&mut out, "100755", "run.sh", b"#!/bin/sh\necho hi\n");
                file(&mut out, "100644", "data.bin", BINARY);
                file(&mut out, "120000", "link", b"README.md");
                file(
                    &mut out,
                    "100644",
                    "\"\\377\\376.txt\"",
                    b"not UTF-8 name\n",
                );
                file(
                    &mut out,
                    "100644",
                    "\"docs/with space #1.md\"",
                    b"# Spaces\n",
                );
                file(&mut out, "100644", "docs/guide.md", b"# Guide\n");
                file(&mut out, "100644", "big.txt", &big_text());
                file(
                    &mut out,
                    "100644",
                    ".gitmodules",
                    b"[submodule \"lib\"]\n\tpath = vendor/lib\n\turl = https://example.org/lib.git\n",
                );
                out.extend_from_slice(
                    format!("M 160000 {SUBMODULE_COMMIT} vendor/lib\n").as_bytes(),
                );
            }
            2 => {
                for f in 0..310 {
                    file(
                        &mut out,
                        "100644",
                        &format!("many/f{f:03}.txt"),
                        format!("{f}\n").as_bytes(),
                    );
                }
            }
            3 => {
                let lines: String = (0..6000).map(|n| format!("row {n}\n")).collect();
                file(&mut out, "100644", "lines.txt", lines.as_bytes());
            }
            _ => {}
        }
        if i == 4 || i % 100 == 0 {
            let content = MAIN_RS.replace("The main program.", &format!("Version {i}."));
            file(&mut out, "100644", "src/main.rs", content.as_bytes());
        }
        file(
            &mut out,
            "100644",
            "history.txt",
            format!("entry {i}\n").as_bytes(),
        );
        out.push(b'\n');
    }
    let feature = COMMITS + 1;
    commit_header(
        &mut out,
        "feature/x",
        feature,
        T0 + 60 * feature as i64,
        "Feature work\n",
    );
    out.extend_from_slice(b"from :2900\n");
    file(
        &mut out,
        "100644",
        "feature.txt",
        b"only on the feature branch\n",
    );
    out.push(b'\n');
    out.extend_from_slice(b"reset refs/tags/v0.1\nfrom :100\n\n");
    out.extend_from_slice(
        format!("tag v1.0\nfrom :1500\ntagger Ada Lovelace <ada@example.org> {T0} +0000\n")
            .as_bytes(),
    );
    data(&mut out, b"Release 1.0, the first stable one\n");
    out
}

/// Writes the test repository into the bare repository at `path`; returns
/// the commit id of each mark.
fn populate(path: &Path) -> HashMap<usize, String> {
    let marks = path.join("test-marks");
    let mut child = Command::new("git")
        .args(["fast-import", "--quiet"])
        .arg(format!("--export-marks={}", marks.display()))
        .current_dir(path)
        .env("GIT_DIR", path)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .stdin(Stdio::piped())
        .spawn()
        .expect("starting git fast-import");
    child
        .stdin
        .take()
        .expect("a piped stdin")
        .write_all(&stream())
        .expect("feeding git fast-import");
    let status = child.wait().expect("waiting for git fast-import");
    assert!(status.success(), "git fast-import failed");
    let text = std::fs::read_to_string(&marks).expect("reading the marks");
    text.lines()
        .filter_map(|line| {
            let (mark, id) = line.split_once(' ')?;
            Some((mark.trim_start_matches(':').parse().ok()?, id.to_string()))
        })
        .collect()
}

async fn make_repo(forge: &TestForge, owner: &User, name: &str, private: bool) -> Repo {
    let storage = forge.storage.clone();
    forge_core::repo::create(
        &forge.db,
        owner,
        &owner.name,
        NewRepo {
            name: name.into(),
            description: format!("The {name} test repository"),
            private,
            default_branch: None,
        },
        async |repo: &Repo| {
            storage
                .create(repo.id.0, &repo.default_branch)
                .map_err(|e| forge_core::Error::Internal(e.to_string()))
        },
    )
    .await
    .expect("creating a repository")
}

struct Raw {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
}

async fn raw_get(forge: &TestForge, path: &str) -> Raw {
    let response = http()
        .get(forge.at(path))
        .send()
        .await
        .expect("sending a GET");
    Raw {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        body: response.bytes().await.expect("reading a body").to_vec(),
    }
}

fn header<'a>(raw: &'a Raw, name: &str) -> &'a str {
    raw.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// Lists an archive with a command line tool, if the machine has it.
fn list_archive(bytes: &[u8], extension: &str, tool: &[&str]) -> Option<String> {
    let file = std::env::temp_dir().join(format!(
        "forge-archive-{}.{extension}",
        forge_core::secret::random_hex(8)
    ));
    std::fs::write(&file, bytes).expect("writing an archive");
    let output = Command::new(tool[0])
        .args(&tool[1..])
        .arg(&file)
        .stderr(Stdio::null())
        .output()
        .ok();
    let _ = std::fs::remove_file(&file);
    let output = output?;
    assert!(
        output.status.success(),
        "{tool:?} could not read the archive"
    );
    Some(String::from_utf8_lossy(&output.stdout).into_owned())
}

#[tokio::test]
async fn the_code_browser_shows_every_page_of_a_large_odd_repository() {
    for forge in TestForge::on_each_engine().await {
        let engine = format!("{:?}", forge.engine());
        let alice = forge.user("alice", false).await;
        forge.user("bob", false).await;
        let big = make_repo(&forge, &alice, "big", false).await;
        let marks = populate(&forge.storage.path_of(big.id.0));
        let mut anon = Browser::new(&forge, "en");

        // Repository home.
        let home = anon.get("/alice/big").await;
        assert_eq!(home.status, 200, "{engine}: {}", home.body);
        assert!(home.contains("The big test repository"));
        assert!(home.contains(&format!("value=\"{}/alice/big.git\"", forge.url)));
        assert!(home.contains("<label for=\"clone-url\">"));
        for link in [
            "href=\"/alice/big/src/branch/main/src\"",
            "href=\"/alice/big/src/branch/main/README.md\"",
            "href=\"/alice/big/src/branch/main/%FF%FE.txt\"",
            "href=\"/alice/big/archive/main.tar.gz\"",
            "href=\"/alice/big/archive/main.zip\"",
            "href=\"/alice/big/commits/branch/main\"",
            "href=\"/alice/big/branches\"",
            "href=\"/alice/big/tags\"",
            "href=\"/alice/big/src/branch/feature/x\"",
        ] {
            assert!(home.contains(link), "{engine}: the home page lacks {link}");
        }
        assert!(
            !home.contains("/alice/big/settings"),
            "only admins see settings"
        );
        // The README, rendered and sanitised, its headings under the page's.
        assert!(home.contains("<h3>Big test</h3>"), "{}", home.body);
        assert!(!home.contains("<script>alert"), "a README script survived");
        assert!(!home.contains("javascript:"), "a javascript: link survived");
        assert!(home.contains("href=\"/alice/big/src/branch/main/docs/guide.md\""));
        assert!(home.contains("<a href=\"https://example.org/page\" rel=\"nofollow noopener\">"));
        let mut owner = Browser::new(&forge, "en");
        owner.sign_in("alice").await;
        let page = owner.get("/alice/big").await;
        assert!(page.contains("href=\"/alice/big/settings\""));

        // Folders, including through a branch with a slash and a tag.
        let tree = anon.get("/alice/big/src/branch/main/src").await;
        assert_eq!(tree.status, 200);
        assert!(tree.contains("href=\"/alice/big/src/branch/main/src/main.rs\""));
        assert!(tree.contains("<nav class=\"breadcrumbs\""));
        let docs = anon.get("/alice/big/src/branch/main/docs").await;
        assert!(docs.contains("href=\"/alice/big/src/branch/main/docs/with%20space%20%231.md\""));
        let spaced = anon
            .get("/alice/big/src/branch/main/docs/with%20space%20%231.md")
            .await;
        assert_eq!(spaced.status, 200);
        assert!(spaced.contains("Spaces"), "{}", spaced.body);
        let feature = anon.get("/alice/big/src/branch/feature/x").await;
        assert_eq!(feature.status, 200);
        assert!(feature.contains("href=\"/alice/big/src/branch/feature/x/feature.txt\""));
        let feature_file = anon
            .get("/alice/big/src/branch/feature/x/feature.txt")
            .await;
        assert!(feature_file.contains("only on the feature branch"));
        let tagged = anon.get("/alice/big/src/tag/v1.0/src/main.rs").await;
        assert_eq!(tagged.status, 200);
        assert!(tagged.contains("Version 1500."), "{}", tagged.body);
        let light = anon.get("/alice/big/src/tag/v0.1").await;
        assert_eq!(light.status, 200);
        let short = &marks[&4][..8];
        let at_commit = anon
            .get(&format!("/alice/big/src/commit/{short}/src/main.rs"))
            .await;
        assert_eq!(at_commit.status, 200);
        assert!(at_commit.contains("Version 4."));

        // Files: lines with anchors, highlighting, and the odd ones.
        let main = anon.get("/alice/big/src/branch/main/src/main.rs").await;
        assert_eq!(main.status, 200);
        assert!(main.contains("<a id=\"L1\" href=\"#L1\">1</a>"));
        assert!(main.contains("id=\"L5\""));
        assert!(main.contains("hl-comment"), "{}", main.body);
        assert!(main.contains("&lt;hello&gt;"));
        assert!(!main.contains("<hello>"));
        assert!(main.contains("href=\"/alice/big/raw/branch/main/src/main.rs\""));
        let binary = anon.get("/alice/big/src/branch/main/data.bin").await;
        assert_eq!(binary.status, 200);
        assert!(binary.contains("This is a binary file"));
        assert!(binary.contains("href=\"/alice/big/raw/branch/main/data.bin\""));
        let link = anon.get("/alice/big/src/branch/main/link").await;
        assert_eq!(link.status, 200);
        assert!(link.contains("This is a symbolic link"));
        assert!(link.contains("href=\"/alice/big/src/branch/main/README.md\">README.md</a>"));
        let submodule = anon.get("/alice/big/src/branch/main/vendor/lib").await;
        assert_eq!(submodule.status, 200);
        assert!(submodule.contains("This is a submodule"));
        assert!(submodule.contains(SUBMODULE_COMMIT));
        assert!(submodule.contains("https://example.org/lib.git"));
        let vendor = anon.get("/alice/big/src/branch/main/vendor").await;
        assert!(vendor.contains("Submodule"));
        let odd = anon.get("/alice/big/src/branch/main/%FF%FE.txt").await;
        assert_eq!(odd.status, 200);
        assert!(odd.contains("not UTF-8 name"));
        let huge = anon.get("/alice/big/src/branch/main/big.txt").await;
        assert_eq!(huge.status, 200);
        assert!(huge.contains("too large to show"));
        assert!(huge.contains("9.0 MiB"), "{}", huge.body);
        let french = Browser::new(&forge, "fr")
            .get("/alice/big/src/branch/main/big.txt")
            .await;
        assert!(french.contains("trop volumineux"));
        assert!(french.contains("9,0 Mio"));

        // Raw files: never HTML from this origin.
        let readme = raw_get(&forge, "/alice/big/raw/branch/main/README.md").await;
        assert_eq!(readme.status, 200);
        assert_eq!(header(&readme, "content-type"), "text/plain; charset=utf-8");
        assert_eq!(header(&readme, "x-content-type-options"), "nosniff");
        assert!(header(&readme, "content-security-policy").contains("sandbox"));
        assert!(header(&readme, "content-security-policy").contains("default-src 'none'"));
        assert!(header(&readme, "content-disposition").starts_with("inline"));
        assert_eq!(readme.body, README.as_bytes());
        let bin = raw_get(&forge, "/alice/big/raw/branch/main/data.bin").await;
        assert_eq!(header(&bin, "content-type"), "application/octet-stream");
        assert!(header(&bin, "content-disposition").starts_with("attachment"));
        assert_eq!(bin.body, BINARY);
        let streamed = raw_get(&forge, "/alice/big/raw/branch/main/big.txt").await;
        assert_eq!(streamed.status, 200);
        assert_eq!(streamed.body, big_text(), "the streamed file differs");
        assert_eq!(
            header(&streamed, "content-type"),
            "text/plain; charset=utf-8"
        );
        assert!(header(&streamed, "content-security-policy").contains("sandbox"));
        let odd_raw = raw_get(&forge, "/alice/big/raw/branch/main/%FF%FE.txt").await;
        assert_eq!(odd_raw.body, b"not UTF-8 name\n");
        let link_raw = raw_get(&forge, "/alice/big/raw/tag/v1.0/link").await;
        assert_eq!(link_raw.body, b"README.md");

        // History: pages start after the last commit of the previous one.
        let first = anon.get("/alice/big/commits/branch/main").await;
        assert_eq!(first.status, 200);
        assert_eq!(
            first.body.matches("<tr>").count(),
            51,
            "a header row and 50 commits"
        );
        assert!(first.contains(">Change 3000</a>"));
        assert!(first.contains(">Change 2951</a>"));
        assert!(!first.contains(">Change 2950</a>"));
        let older = format!("/alice/big/commits/branch/main?after={}", marks[&2951]);
        assert!(
            first.contains(&format!("href=\"{older}\"")),
            "{}",
            first.body
        );
        let second = anon.get(&older).await;
        assert_eq!(second.status, 200);
        assert!(second.contains(">Change 2950</a>"));
        assert!(second.contains(">Change 2901</a>"));
        assert!(!second.contains(">Change 2951</a>"));
        assert!(
            second.contains("href=\"/alice/big/commits/branch/main\""),
            "a link back to the newest"
        );
        let last = anon
            .get(&format!(
                "/alice/big/commits/branch/main?after={}",
                marks[&30]
            ))
            .await;
        assert!(last.contains(">Change 1</a>"));
        assert!(
            !last.contains("rel=\"next\""),
            "the last page has no older link"
        );
        let of_file = anon.get("/alice/big/commits/branch/main/src/main.rs").await;
        assert_eq!(of_file.status, 200);
        assert!(of_file.contains(">Change 3000</a>"));
        assert!(of_file.contains(">Change 100</a>"));
        assert!(of_file.contains(">Change 4</a>"));
        assert!(of_file.contains(">Change 1</a>"));
        assert!(!of_file.contains(">Change 2999</a>"));
        let from_commit = anon
            .get(&format!("/alice/big/commits/commit/{}", &marks[&100][..12]))
            .await;
        assert_eq!(from_commit.status, 200);
        assert!(from_commit.contains(">Change 100</a>"));
        assert!(from_commit.contains(">Change 51</a>"));
        assert!(!from_commit.contains(">Change 101</a>"));
        let feature_log = anon.get("/alice/big/commits/branch/feature/x").await;
        assert!(feature_log.contains(">Feature work</a>"));
        assert!(feature_log.contains(">Change 2900</a>"));
        assert!(!feature_log.contains(">Change 2901</a>"));
        assert_eq!(
            anon.get("/alice/big/commits").await.location.as_deref(),
            Some("/alice/big/commits/branch/main")
        );
        assert_eq!(
            anon.get("/alice/big/src").await.location.as_deref(),
            Some("/alice/big/src/branch/main")
        );
        assert_eq!(
            anon.get("/alice/big/commits/branch/main?after=nothex")
                .await
                .status,
            404
        );

        // One commit and its diff.
        let change = anon
            .get(&format!("/alice/big/commit/{}", marks[&100]))
            .await;
        assert_eq!(change.status, 200);
        assert!(change.contains("<h2>Change 100</h2>"));
        assert!(change.contains("Body of change 100."));
        assert!(change.contains("history.txt"));
        assert!(change.contains("src/main.rs"));
        assert!(change.contains("<tr class=\"add\">"));
        assert!(change.contains("<tr class=\"del\">"));
        assert!(change.contains("<span class=\"visually-hidden\">added</span>"));
        assert!(change.contains("<span class=\"visually-hidden\">removed</span>"));
        assert!(change.contains("entry 100"));
        assert!(change.contains(&format!("href=\"/alice/big/commit/{}\"", marks[&99])));
        let first_commit = anon.get(&format!("/alice/big/commit/{}", marks[&1])).await;
        assert_eq!(first_commit.status, 200);
        assert!(first_commit.contains("this is the first commit"));
        assert!(first_commit.contains("Binary file"), "data.bin and big.txt");
        let many = anon.get(&format!("/alice/big/commit/{}", marks[&2])).await;
        assert_eq!(many.status, 200);
        assert!(many.contains("Files changed: 311."));
        assert!(many.contains("This diff is too large to show in full"));
        let long = anon.get(&format!("/alice/big/commit/{}", marks[&3])).await;
        assert_eq!(long.status, 200);
        assert!(long.contains("This diff is too large to show here."));
        let abbreviated = anon
            .get(&format!("/alice/big/commit/{}", &marks[&100][..7]))
            .await;
        assert_eq!(abbreviated.status, 200);

        // Branches and tags.
        let branches = anon.get("/alice/big/branches").await;
        assert_eq!(branches.status, 200);
        assert!(branches.contains("href=\"/alice/big/src/branch/main\""));
        assert!(branches.contains("href=\"/alice/big/src/branch/feature/x\""));
        assert!(branches.contains(">Default</span>"));
        let tags = anon.get("/alice/big/tags").await;
        assert_eq!(tags.status, 200);
        assert!(tags.contains("href=\"/alice/big/src/tag/v1.0\""));
        assert!(tags.contains("href=\"/alice/big/src/tag/v0.1\""));
        assert!(tags.contains("Release 1.0, the first stable one"));
        assert!(tags.contains("href=\"/alice/big/archive/v1.0.tar.gz\""));
        assert!(tags.contains("href=\"/alice/big/archive/v0.1.zip\""));

        // Archives.
        let tgz = raw_get(&forge, "/alice/big/archive/main.tar.gz").await;
        assert_eq!(tgz.status, 200);
        assert_eq!(header(&tgz, "content-type"), "application/gzip");
        assert!(header(&tgz, "content-disposition").contains("big-main.tar.gz"));
        assert_eq!(&tgz.body[..2], b"\x1f\x8b");
        if let Some(listing) = list_archive(&tgz.body, "tar.gz", &["tar", "tzf"]) {
            assert!(listing.contains("big-main/README.md"), "{listing}");
            assert!(listing.contains("big-main/src/main.rs"));
        }
        let zip = raw_get(&forge, "/alice/big/archive/v1.0.zip").await;
        assert_eq!(zip.status, 200);
        assert_eq!(header(&zip, "content-type"), "application/zip");
        assert_eq!(&zip.body[..4], b"PK\x03\x04");
        let listing = list_archive(&zip.body, "zip", &["unzip", "-l"])
            .or_else(|| list_archive(&zip.body, "zip", &["python3", "-m", "zipfile", "-l"]));
        if let Some(listing) = listing {
            assert!(listing.contains("big-v1.0/README.md"), "{listing}");
        }
        let slashed = raw_get(&forge, "/alice/big/archive/feature/x.zip").await;
        assert_eq!(slashed.status, 200);
        assert!(header(&slashed, "content-disposition").contains("big-feature-x.zip"));
        let by_id = raw_get(
            &forge,
            &format!("/alice/big/archive/{}.tar.gz", &marks[&10][..10]),
        )
        .await;
        assert_eq!(by_id.status, 200);

        // Unknown refs and paths.
        for path in [
            "/alice/big/src/branch/nope",
            "/alice/big/src/branch/main/nope.txt",
            "/alice/big/src/branch/main/README.md/inside",
            "/alice/big/src/tag/v9",
            "/alice/big/src/commit/0000000000",
            "/alice/big/src/commit/HEAD~1",
            "/alice/big/src/branch/main/src/ma%00in.rs",
            "/alice/big/src/branch/ma%00in/README.md",
            "/alice/big/raw/branch/main/%00",
            "/alice/big/archive/ma%00in.zip",
            "/alice/big/commits/branch/main/%00",
            "/alice/big/src/trunk/main",
            "/alice/big/raw/branch/main/src",
            "/alice/big/raw/branch/main/vendor/lib",
            "/alice/big/commits/branch/nope",
            "/alice/big/commit/deadbeef",
            "/alice/big/commit/--help",
            "/alice/big/archive/nope.zip",
            "/alice/big/archive/main.rar",
            "/alice/big/archive/--output=x.zip",
            "/alice/nothing",
            "/alice/nothing/src/branch/main",
        ] {
            let page = anon.get(path).await;
            assert_eq!(page.status, 404, "{engine}: {path}");
        }

        // An empty repository explains how to push.
        make_repo(&forge, &alice, "empty", false).await;
        let empty = owner.get("/alice/empty").await;
        assert_eq!(empty.status, 200);
        assert!(empty.contains("This repository is empty"));
        assert!(empty.contains(&format!(
            "git remote add origin {}/alice/empty.git",
            forge.url
        )));
        assert!(empty.contains("git push -u origin main"));
        let empty_anon = anon.get("/alice/empty").await;
        assert!(empty_anon.contains("Nothing has been sent to this repository yet"));
        assert!(!empty_anon.contains("git push"));
        assert_eq!(anon.get("/alice/empty/branches").await.status, 200);
        assert_eq!(
            anon.get("/alice/empty/commits").await.location.as_deref(),
            Some("/alice/empty")
        );
        assert_eq!(anon.get("/alice/empty/src/branch/main").await.status, 404);

        // A private repository is not found by outsiders.
        let private = make_repo(&forge, &alice, "secret", true).await;
        populate(&forge.storage.path_of(private.id.0));
        let mut bob = Browser::new(&forge, "en");
        bob.sign_in("bob").await;
        for path in [
            "/alice/secret",
            "/alice/secret/src/branch/main/README.md",
            "/alice/secret/raw/branch/main/README.md",
            "/alice/secret/commits/branch/main",
            "/alice/secret/branches",
            "/alice/secret/archive/main.zip",
        ] {
            assert_eq!(anon.get(path).await.status, 404, "{engine}: {path}");
            assert_eq!(bob.get(path).await.status, 404, "{engine}: {path}");
            assert_eq!(owner.get(path).await.status, 200, "{engine}: {path}");
        }

        // Views kept for one repository are never shown through another:
        // the owner's visit puts the private commit's diff in the cache,
        // and the same commit id stays unknown to the empty repository.
        let tip = Command::new("git")
            .arg("-C")
            .arg(forge.storage.path_of(private.id.0))
            .args(["rev-parse", "main"])
            .output()
            .unwrap();
        let tip = String::from_utf8(tip.stdout).unwrap().trim().to_string();
        let commit_page = format!("/alice/secret/commit/{tip}");
        assert_eq!(owner.get(&commit_page).await.status, 200);
        assert_eq!(owner.get(&commit_page).await.status, 200);
        assert_eq!(anon.get(&commit_page).await.status, 404);
        assert_eq!(bob.get(&commit_page).await.status, 404);
        let elsewhere = format!("/alice/empty/commit/{tip}");
        assert_eq!(owner.get(&elsewhere).await.status, 404, "{engine}");

        // The stylesheet of highlighted code.
        let css = raw_get(&forge, "/-/assets/highlight.css").await;
        assert_eq!(css.status, 200);
        assert!(header(&css, "content-type").starts_with("text/css"));
        assert!(String::from_utf8_lossy(&css.body).contains(".hl-comment"));
    }
}
