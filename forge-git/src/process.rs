//! Every `git` process the forge starts, built in one place: the hardened
//! base command, one constructor per use (the pack services of smart HTTP,
//! archives, a blob's bytes), the checks on what reaches git's command
//! line, and the spawning.
//!
//! Commands are built from typed values (a [`Service`], an [`Oid`], an
//! [`ArchiveFormat`]) and fixed option names; the few texts that reach git
//! go through checks that refuse, with an [`ArgumentError`], anything git
//! could read as an option or that the operating system would cut short.

use crate::hooks::Hooks;
use crate::service::{Service, valid_protocol};
use git2::Oid;
use std::borrow::Cow;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::{Command, ExitStatus, Stdio};
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, ReadBuf};
use tokio::process::{Child, ChildStdout};

/// The settings that make git write durably, for every git process the
/// forge starts and in every repository's configuration.
pub const DURABILITY: [(&str, &str); 2] = [
    ("core.fsync", "objects,derived-metadata,reference"),
    ("core.fsyncMethod", "fsync"),
];

/// A text refused before it could reach git's command line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArgumentError {
    #[error("{0} is empty")]
    Empty(&'static str),
    #[error("{0} starts with '-', which git would read as an option")]
    LooksLikeOption(&'static str),
    #[error("{0} holds a NUL byte")]
    Nul(&'static str),
    #[error("{0} is not a single folder name")]
    NotAFolderName(&'static str),
}

/// Who authored or committed a commit the forge writes; `time` is unix
/// seconds and the offset from UTC in minutes (now when `None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub name: String,
    pub email: String,
    pub time: Option<(i64, i32)>,
}

/// The formats `git archive` writes for downloads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveFormat {
    TarGz,
    Zip,
}

impl ArchiveFormat {
    /// The file name extension, which is also git's name for the format.
    pub fn extension(self) -> &'static str {
        match self {
            ArchiveFormat::TarGz => "tar.gz",
            ArchiveFormat::Zip => "zip",
        }
    }
}

/// A `git` command, hardened from the start and grown only through the
/// checks of this module.
#[derive(Debug)]
pub struct GitCommand {
    command: Command,
}

impl GitCommand {
    /// `git`, with nothing of the server's environment that could make it
    /// ask, or read, what it should not.
    fn hardened() -> GitCommand {
        let mut command = Command::new("git");
        // Never let a server-side git ask anything on a terminal, nor read the
        // system's configuration. The service account's own (`~/.gitconfig`)
        // is read: it is where an operator tunes git for the forge.
        command
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env_remove("GIT_DIR");
        // Acknowledged means durable: objects, the index and packs git
        // derives, and refs reach the disk before git reports success, so a
        // push that was answered survives a power loss. Given on the command
        // line as well as in each repository's configuration, so that
        // repositories created before this setting are covered too.
        for (name, value) in DURABILITY {
            command.arg("-c").arg(format!("{name}={value}"));
        }
        GitCommand { command }
    }

    /// `git --git-dir PATH`: a command on the bare repository at `git_dir`.
    /// The path is the value of `--git-dir`, so git never reads it as an
    /// option.
    fn on_repository(git_dir: &Path) -> GitCommand {
        let mut git = GitCommand::hardened();
        git.command.arg("--git-dir").arg(git_dir);
        git
    }

    /// Runs the hooks of `hooks.dir` (the forge's, never a repository's)
    /// with `hooks.env` in their environment.
    fn with_hooks(&mut self, hooks: Option<&Hooks>) {
        if let Some(hooks) = hooks {
            let mut value = std::ffi::OsString::from("core.hooksPath=");
            value.push(&hooks.dir);
            self.command.arg("-c").arg(value);
            for (name, value) in &hooks.env {
                self.command.env(name, value);
            }
        }
    }

    /// The command serving `service` on the bare repository at `path`, in
    /// `--stateless-rpc` mode; with `advertise`, it only lists refs (the
    /// `info/refs` request). A `protocol` that [`valid_protocol`] refuses is
    /// left out, as git's own `http-backend` does.
    pub(crate) fn pack_service(
        path: &Path,
        service: Service,
        advertise: bool,
        protocol: Option<&str>,
        hooks: Option<&Hooks>,
    ) -> GitCommand {
        let mut git = GitCommand::hardened();
        git.with_hooks(hooks);
        git.command.arg(service.subcommand()).arg("--stateless-rpc");
        if advertise {
            git.command.arg("--advertise-refs");
        }
        git.command.arg(path_operand(path).as_ref());
        if let Some(protocol) = protocol.filter(|p| valid_protocol(p)) {
            git.command.env("GIT_PROTOCOL", protocol);
        }
        git
    }

    /// The command serving `service` on the bare repository at `path` in
    /// full duplex, as `sshd` runs it: one process for the whole exchange.
    /// A `protocol` that [`valid_protocol`] refuses is left out.
    pub(crate) fn duplex_service(
        path: &Path,
        service: Service,
        protocol: Option<&str>,
        hooks: Option<&Hooks>,
    ) -> GitCommand {
        let mut git = GitCommand::hardened();
        git.with_hooks(hooks);
        git.command
            .arg(service.subcommand())
            .arg(path_operand(path).as_ref());
        if let Some(protocol) = protocol.filter(|p| valid_protocol(p)) {
            git.command.env("GIT_PROTOCOL", protocol);
        }
        git
    }

    /// `git archive` of `commit` in `format`, every entry under the folder
    /// `folder` (one name, no `/`: a downloaded archive never writes outside
    /// the folder it unpacks into).
    pub fn archive(
        git_dir: &Path,
        format: ArchiveFormat,
        folder: &str,
        commit: Oid,
    ) -> Result<GitCommand, ArgumentError> {
        check_folder_name("the archive's folder", folder)?;
        let mut git = GitCommand::on_repository(git_dir);
        git.command
            .arg("archive")
            .arg(format!("--format={}", format.extension()));
        git.option_value("--prefix", &format!("{folder}/"), "the archive's folder")?;
        git.operand(&commit.to_string(), "the archived commit")?;
        Ok(git)
    }

    /// `git cat-file blob ID`: the bytes of the blob `blob`.
    pub fn cat_blob(git_dir: &Path, blob: Oid) -> Result<GitCommand, ArgumentError> {
        let mut git = GitCommand::on_repository(git_dir);
        git.command.arg("cat-file").arg("blob");
        git.operand(&blob.to_string(), "the blob id")?;
        Ok(git)
    }

    /// `git fsck --full --strict --no-progress` on the bare repository at
    /// `git_dir`: checks every object and the connectivity of every ref.
    pub fn fsck(git_dir: &Path) -> GitCommand {
        let mut git = GitCommand::on_repository(git_dir);
        git.command
            .arg("fsck")
            .arg("--full")
            .arg("--strict")
            .arg("--no-progress");
        git
    }

    /// `git clone --mirror --no-local --no-hardlinks SOURCE DEST`: a
    /// consistent copy of a bare repository, through git's own transfer, so
    /// that objects arrive before the refs that name them even while pushes
    /// land on the source. Both paths come from the storage, never from a
    /// visitor.
    pub fn mirror(source: &Path, dest: &Path) -> GitCommand {
        let mut git = GitCommand::hardened();
        git.command
            .arg("clone")
            .arg("--mirror")
            .arg("--no-local")
            .arg("--no-hardlinks")
            .arg("--quiet")
            .arg("--")
            .arg(source)
            .arg(dest);
        git
    }

    /// `git fetch --no-tags --quiet --no-write-fetch-head SOURCE REFSPEC…`
    /// into the bare repository at `git_dir`, from the bare repository at
    /// `source` (both from the storage): copies a fork's branches, or a
    /// pull request's head into its base repository, through git's own
    /// transfer. Refspecs come from validated branch names.
    pub fn fetch_local(
        git_dir: &Path,
        source: &Path,
        refspecs: &[String],
    ) -> Result<GitCommand, ArgumentError> {
        let mut git = GitCommand::on_repository(git_dir);
        git.command
            .arg("fetch")
            .arg("--no-tags")
            .arg("--quiet")
            .arg("--no-write-fetch-head")
            .arg("--no-auto-gc")
            .arg(path_operand(source).as_ref());
        for refspec in refspecs {
            git.operand(refspec, "a refspec")?;
        }
        Ok(git)
    }

    /// `git merge-tree --write-tree --name-only --no-messages -z BASE HEAD`:
    /// merges two commits without a working tree, writing the result's
    /// tree; with `merge_base`, that commit is the merge base (a cherry-pick
    /// of `head` onto `base` when it is `head`'s parent).
    pub fn merge_tree(git_dir: &Path, base: Oid, head: Oid, merge_base: Option<Oid>) -> GitCommand {
        let mut git = GitCommand::on_repository(git_dir);
        git.command
            .arg("merge-tree")
            .arg("--write-tree")
            .arg("--name-only")
            .arg("--no-messages")
            .arg("-z");
        if let Some(merge_base) = merge_base {
            git.command.arg(format!("--merge-base={merge_base}"));
        }
        git.command.arg(base.to_string()).arg(head.to_string());
        git
    }

    /// `git commit-tree TREE -p PARENT…`, its message read from the
    /// standard input, with the given author and committer (names and
    /// e-mail addresses through the environment, never the command line).
    pub fn commit_tree(
        git_dir: &Path,
        tree: Oid,
        parents: &[Oid],
        author: &Signature,
        committer: &Signature,
    ) -> Result<GitCommand, ArgumentError> {
        let mut git = GitCommand::on_repository(git_dir);
        git.command.arg("commit-tree").arg(tree.to_string());
        for parent in parents {
            git.command.arg("-p").arg(parent.to_string());
        }
        for (prefix, who) in [("GIT_AUTHOR", author), ("GIT_COMMITTER", committer)] {
            for (what, value) in [("name", &who.name), ("email", &who.email)] {
                if value.contains('\0') {
                    return Err(ArgumentError::Nul(if what == "name" {
                        "a name"
                    } else {
                        "an e-mail address"
                    }));
                }
            }
            git.command
                .env(format!("{prefix}_NAME"), &who.name)
                .env(format!("{prefix}_EMAIL"), &who.email);
            match who.time {
                Some((seconds, offset_minutes)) => {
                    let sign = if offset_minutes < 0 { '-' } else { '+' };
                    let offset = offset_minutes.unsigned_abs();
                    git.command.env(
                        format!("{prefix}_DATE"),
                        format!("@{seconds} {sign}{:02}{:02}", offset / 60, offset % 60),
                    );
                }
                None => {
                    git.command.env_remove(format!("{prefix}_DATE"));
                }
            }
        }
        Ok(git)
    }

    /// `git update-ref -m MESSAGE REF NEW OLD`: moves `name` to `new` only
    /// if it still points at `old` (compare-and-swap, under git's ref lock),
    /// durably and with a reflog entry.
    pub fn update_ref(
        git_dir: &Path,
        name: &str,
        new: Oid,
        old: Oid,
        message: &str,
    ) -> Result<GitCommand, ArgumentError> {
        let mut git = GitCommand::on_repository(git_dir);
        if message.contains('\0') {
            return Err(ArgumentError::Nul("the reflog message"));
        }
        git.command.arg("update-ref").arg("-m").arg(message);
        git.command.arg("--");
        git.operand(name, "the ref name")?;
        git.command.arg(new.to_string()).arg(old.to_string());
        Ok(git)
    }

    /// Runs the command to its end on the calling thread with `input` as its
    /// standard input (a commit message), its output kept.
    pub fn output_with_input(mut self, input: &[u8]) -> io::Result<std::process::Output> {
        use std::io::Write;
        let mut child = self
            .command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let mut stdin = child
            .stdin
            .take()
            .ok_or_else(|| io::Error::other("git started without its standard input"))?;
        stdin.write_all(input)?;
        drop(stdin);
        child.wait_with_output()
    }

    /// `git config --get NAME` as git sees it, for checks of the settings
    /// every git process receives.
    pub fn config_value(git_dir: &Path, name: &'static str) -> GitCommand {
        let mut git = GitCommand::on_repository(git_dir);
        git.command.arg("config").arg("--get").arg(name);
        git
    }

    /// Runs the command to its end on the calling thread (meant for
    /// tokio's blocking pool or the command line), with its output kept.
    pub fn output(mut self) -> io::Result<std::process::Output> {
        self.command.stdin(Stdio::null()).output()
    }

    /// Adds `--name=value`, refusing a value the operating system would cut
    /// at a NUL byte.
    fn option_value(
        &mut self,
        name: &'static str,
        value: &str,
        what: &'static str,
    ) -> Result<&mut GitCommand, ArgumentError> {
        if value.contains('\0') {
            return Err(ArgumentError::Nul(what));
        }
        self.command.arg(format!("{name}={value}"));
        Ok(self)
    }

    /// Adds an operand (a revision, an object id), refusing one git would
    /// read as an option or that holds a NUL byte.
    fn operand(
        &mut self,
        value: &str,
        what: &'static str,
    ) -> Result<&mut GitCommand, ArgumentError> {
        check_operand(what, value.as_bytes())?;
        self.command.arg(value);
        Ok(self)
    }

    /// Starts git with its standard output piped. The process is killed
    /// when its `Child` is dropped, so a client that goes away never leaves
    /// a git process behind.
    pub(crate) fn spawn(self, stdin: Stdio, stderr: Stdio) -> io::Result<Child> {
        let mut command = tokio::process::Command::from(self.command);
        command
            .stdin(stdin)
            .stdout(Stdio::piped())
            .stderr(stderr)
            .kill_on_drop(true);
        command.spawn()
    }

    /// Starts git reading nothing and keeping no error output, for commands
    /// whose only product is their standard output (archives, blobs).
    pub fn spawn_output(self) -> io::Result<GitOutput> {
        let mut child = self.spawn(Stdio::null(), Stdio::null())?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| io::Error::other("git started without its standard output"))?;
        Ok(GitOutput { child, stdout })
    }
}

/// Starts the command serving `service` on the bare repository at `path`
/// (with `advertise`, it only lists refs: the `info/refs` request), with
/// its standard output and error piped, and its standard input piped when
/// `with_input` (a request body to feed it) or closed otherwise. The process is killed when the returned `Child` is
/// dropped, so a client that leaves or stalls never keeps git running.
pub fn spawn_pack_service(
    path: &Path,
    service: Service,
    advertise: bool,
    protocol: Option<&str>,
    with_input: bool,
    hooks: Option<&Hooks>,
) -> std::io::Result<tokio::process::Child> {
    let stdin = if with_input {
        Stdio::piped()
    } else {
        Stdio::null()
    };
    GitCommand::pack_service(path, service, advertise, protocol, hooks).spawn(stdin, Stdio::piped())
}

/// Starts the command serving `service` on the bare repository at `path`
/// in full duplex (git over SSH), its standard input, output and error
/// piped. The process is killed when the returned `Child` is dropped.
pub fn spawn_duplex_service(
    path: &Path,
    service: Service,
    protocol: Option<&str>,
    hooks: Option<&Hooks>,
) -> std::io::Result<tokio::process::Child> {
    GitCommand::duplex_service(path, service, protocol, hooks).spawn(Stdio::piped(), Stdio::piped())
}

/// A running git process's standard output. The process lives as long as
/// this value: dropping it (a client that goes away) kills git.
#[derive(Debug)]
pub struct GitOutput {
    child: Child,
    stdout: ChildStdout,
}

impl GitOutput {
    /// Waits for git to exit. Meant for when its output has ended.
    pub async fn wait(&mut self) -> io::Result<ExitStatus> {
        self.child.wait().await
    }
}

impl AsyncRead for GitOutput {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stdout).poll_read(cx, buf)
    }
}

/// Refuses an operand git would read as an option, or that holds a NUL
/// byte (the operating system would cut it there).
fn check_operand(what: &'static str, value: &[u8]) -> Result<(), ArgumentError> {
    match value {
        [] => Err(ArgumentError::Empty(what)),
        [b'-', ..] => Err(ArgumentError::LooksLikeOption(what)),
        _ if value.contains(&0) => Err(ArgumentError::Nul(what)),
        _ => Ok(()),
    }
}

/// Refuses a folder name that is empty, holds a separator or a NUL byte,
/// or climbs (`.`, `..`).
fn check_folder_name(what: &'static str, name: &str) -> Result<(), ArgumentError> {
    if name.is_empty() {
        return Err(ArgumentError::Empty(what));
    }
    if name.contains('\0') {
        return Err(ArgumentError::Nul(what));
    }
    if name.contains(['/', '\\']) || name == "." || name == ".." {
        return Err(ArgumentError::NotAFolderName(what));
    }
    Ok(())
}

/// A repository path given to git as an operand: one that starts with `-`
/// (a relative storage root named so) is written `./-…`, which git reads
/// as the same path and never as an option.
fn path_operand(path: &Path) -> Cow<'_, Path> {
    if path.as_os_str().as_bytes().starts_with(b"-") {
        Cow::Owned(PathBuf::from(".").join(path))
    } else {
        Cow::Borrowed(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    /// The arguments after the durability settings, which every command
    /// must start with.
    fn args(git: &GitCommand) -> Vec<String> {
        let all: Vec<String> = git
            .command
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        let prefix: Vec<String> = DURABILITY
            .iter()
            .flat_map(|(name, value)| ["-c".to_string(), format!("{name}={value}")])
            .collect();
        assert!(all.starts_with(&prefix), "{all:?}");
        all[prefix.len()..].to_vec()
    }

    fn env(git: &GitCommand, name: &str) -> Option<Option<String>> {
        git.command
            .get_envs()
            .find(|(key, _)| *key == OsStr::new(name))
            .map(|(_, value)| value.map(|v| v.to_string_lossy().into_owned()))
    }

    fn assert_hardened(git: &GitCommand) {
        assert_eq!(git.command.get_program(), "git");
        assert_eq!(env(git, "GIT_TERMINAL_PROMPT"), Some(Some("0".into())));
        assert_eq!(env(git, "GIT_CONFIG_NOSYSTEM"), Some(Some("1".into())));
        // Removed, not merely unset by us: the server's own value never
        // reaches git.
        assert_eq!(env(git, "GIT_DIR"), Some(None));
    }

    fn some_id() -> Oid {
        Oid::from_str("0123456789abcdef0123456789abcdef01234567").unwrap()
    }

    #[test]
    fn every_command_is_hardened() {
        let repo = Path::new("/srv/repos/01/1.git");
        let commands = [
            GitCommand::pack_service(repo, Service::UploadPack, true, None, None),
            GitCommand::archive(repo, ArchiveFormat::Zip, "forge-main", some_id()).unwrap(),
            GitCommand::cat_blob(repo, some_id()).unwrap(),
        ];
        for git in &commands {
            assert_hardened(git);
        }
    }

    #[test]
    fn pack_services_run_on_the_repository() {
        let repo = Path::new("/srv/repos/01/1.git");
        let git =
            GitCommand::pack_service(repo, Service::ReceivePack, false, Some("version=2"), None);
        assert_eq!(
            args(&git),
            ["receive-pack", "--stateless-rpc", "/srv/repos/01/1.git"]
        );
        assert_eq!(env(&git, "GIT_PROTOCOL"), Some(Some("version=2".into())));
        let git =
            GitCommand::pack_service(repo, Service::UploadPack, true, Some("x; rm -rf /"), None);
        assert_eq!(
            args(&git),
            [
                "upload-pack",
                "--stateless-rpc",
                "--advertise-refs",
                "/srv/repos/01/1.git"
            ]
        );
        assert_eq!(env(&git, "GIT_PROTOCOL"), None);
        // A relative root named like an option stays a path.
        let git = GitCommand::pack_service(
            Path::new("-r/1.git"),
            Service::UploadPack,
            false,
            None,
            None,
        );
        let duplex =
            GitCommand::duplex_service(Path::new("-r/1.git"), Service::UploadArchive, None, None);
        assert_eq!(args(&duplex), ["upload-archive", "./-r/1.git"]);
        assert_eq!(args(&git).last().unwrap(), "./-r/1.git");
    }

    #[test]
    fn archives_and_blobs_name_only_object_ids() {
        let repo = Path::new("/srv/repos/01/1.git");
        let git = GitCommand::archive(repo, ArchiveFormat::TarGz, "-web-v1.0", some_id()).unwrap();
        assert_eq!(
            args(&git),
            [
                "--git-dir",
                "/srv/repos/01/1.git",
                "archive",
                "--format=tar.gz",
                "--prefix=-web-v1.0/",
                "0123456789abcdef0123456789abcdef01234567"
            ]
        );
        let git = GitCommand::cat_blob(repo, some_id()).unwrap();
        assert_eq!(
            args(&git),
            [
                "--git-dir",
                "/srv/repos/01/1.git",
                "cat-file",
                "blob",
                "0123456789abcdef0123456789abcdef01234567"
            ]
        );
    }

    #[test]
    fn options_and_nul_bytes_never_reach_git() {
        let mut git = GitCommand::on_repository(Path::new("/srv/r.git"));
        let before = args(&git);
        assert_eq!(
            git.operand("--upload-pack=touch /tmp/x", "a revision")
                .unwrap_err(),
            ArgumentError::LooksLikeOption("a revision")
        );
        assert_eq!(
            git.operand("-n", "a revision").unwrap_err(),
            ArgumentError::LooksLikeOption("a revision")
        );
        assert_eq!(
            git.operand("main\0--output=/tmp/x", "a revision")
                .unwrap_err(),
            ArgumentError::Nul("a revision")
        );
        assert_eq!(
            git.operand("", "a revision").unwrap_err(),
            ArgumentError::Empty("a revision")
        );
        assert_eq!(
            git.option_value("--prefix", "a\0b/", "a folder")
                .unwrap_err(),
            ArgumentError::Nul("a folder")
        );
        // Nothing refused was added.
        assert_eq!(args(&git), before);
        git.operand("main", "a revision").unwrap();
        assert_eq!(args(&git).last().unwrap(), "main");
    }

    #[test]
    fn archive_folders_are_one_name() {
        let repo = Path::new("/srv/r.git");
        for (folder, error) in [
            ("", ArgumentError::Empty("the archive's folder")),
            (
                "a/../../b",
                ArgumentError::NotAFolderName("the archive's folder"),
            ),
            ("..", ArgumentError::NotAFolderName("the archive's folder")),
            (
                "a\\b",
                ArgumentError::NotAFolderName("the archive's folder"),
            ),
            ("a\0b", ArgumentError::Nul("the archive's folder")),
        ] {
            assert_eq!(
                GitCommand::archive(repo, ArchiveFormat::Zip, folder, some_id()).unwrap_err(),
                error,
                "{folder:?}"
            );
        }
        assert!(GitCommand::archive(repo, ArchiveFormat::Zip, "web-..", some_id()).is_ok());
    }

    #[tokio::test]
    async fn a_blob_streams_from_git() {
        use tokio::io::AsyncReadExt;
        let storage = crate::Storage::new(crate::storage::tests::temp_root());
        storage.create(7, "main").unwrap();
        let blob = storage.open(7).unwrap().blob(b"hello\n").unwrap();
        let git = GitCommand::cat_blob(&storage.path_of(7), blob).unwrap();
        let mut output = git.spawn_output().unwrap();
        let mut bytes = Vec::new();
        output.read_to_end(&mut bytes).await.unwrap();
        assert_eq!(bytes, b"hello\n");
        assert!(output.wait().await.unwrap().success());
        // A missing object: no output, and git says it failed.
        let git = GitCommand::cat_blob(&storage.path_of(7), some_id()).unwrap();
        let mut output = git.spawn_output().unwrap();
        bytes.clear();
        output.read_to_end(&mut bytes).await.unwrap();
        assert!(bytes.is_empty());
        assert!(!output.wait().await.unwrap().success());
        storage.delete(7).unwrap();
    }

    #[test]
    fn every_git_process_writes_durably() {
        let storage = crate::Storage::new(crate::storage::tests::temp_root());
        storage.create(8, "main").unwrap();
        for (name, value) in DURABILITY {
            // What a git started by the forge sees.
            let output = GitCommand::config_value(&storage.path_of(8), leak(name))
                .output()
                .unwrap();
            assert!(output.status.success(), "{name} is not set");
            assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), value);
            // And what the repository's own configuration says, for any git
            // run on it by hand.
            let config = git2::Repository::open_bare(storage.path_of(8))
                .unwrap()
                .config()
                .unwrap()
                .open_level(git2::ConfigLevel::Local)
                .unwrap();
            assert_eq!(config.get_string(name).unwrap(), value);
        }
        // The command line carries the settings before the subcommand
        // (`args` checks the prefix).
        let git = GitCommand::pack_service(
            &storage.path_of(8),
            crate::service::Service::ReceivePack,
            true,
            None,
            None,
        );
        assert_eq!(args(&git)[0], "receive-pack");
        storage.delete(8).unwrap();
    }

    fn leak(name: &str) -> &'static str {
        Box::leak(name.to_string().into_boxed_str())
    }
}
