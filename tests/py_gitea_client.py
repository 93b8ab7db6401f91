"""Drives the forge with Gitea's Python client, py-gitea (0.2.10), as a
team that already scripts Gitea would: users, organisations, repositories,
files, issues, comments, labels and milestones.

Run by tests/py_gitea.rs: python3 py_gitea_client.py BASE_URL ADMIN_TOKEN.
Exits non-zero (with a traceback) at the first thing that does not work.
"""

import base64
import sys

from gitea import Gitea, Issue, Milestone, Organization, Repository, User

base_url, token = sys.argv[1], sys.argv[2]
gitea = Gitea(base_url, token)

assert gitea.get_version().startswith("1."), gitea.get_version()
admin = gitea.get_user()
assert admin.is_admin and admin.email, admin

# Users, as the site admin creates them, and the admin listing.
ada = gitea.create_user("ada", "ada@example.org", "ada-long-password-1", send_notify=False)
assert isinstance(ada, User) and ada.username == "ada"
assert gitea.get_user_by_name("ada").email == "ada@example.org"

# An organisation, its repository (with its first files) and its members.
org = gitea.create_org(admin, "coop", "A cooperative", full_name="The Coop")
assert isinstance(org, Organization) and org.name == "coop"
assert any(o.name == "coop" for o in gitea.get_orgs())
org.create_repo("tool", "A shared tool", autoInit=True, license="MIT", default_branch="main")
# (py-gitea binds the repository it returns to the organisation instead of
# the client: read it again.)
repo = Repository.request(gitea, "coop", "tool")
assert isinstance(repo.owner, Organization), "an organisation owns it"
assert [r.name for r in org.get_repositories()] == ["tool"]
assert [m.username for m in org.get_members()] == [admin.username]

# A user's own repository, listed by pages until an empty one.
admin.create_repo("notes", "My notes", autoInit=False)
assert isinstance(Repository.request(gitea, admin.username, "notes").owner, User)
assert "notes" in [r.name for r in admin.get_repositories()]

# Branches, commits, files.
assert [b.name for b in repo.get_branches()] == ["main"]
commits = repo.get_commits()
assert len(commits) == 1 and commits[0].inner_commit["message"].startswith("Initial commit")
names = sorted(c.name for c in repo.get_git_content())
assert names == ["LICENSE", "README.md"], names
readme = next(c for c in repo.get_git_content() if c.name == "README.md")
text = base64.b64decode(repo.get_file_content(readme)).decode()
assert text.startswith("# tool"), text
created = repo.create_file("docs/a.md", base64.b64encode(b"hello").decode(), {"message": "Add a"})
sha = created["content"]["sha"]
repo.change_file("docs/a.md", sha, base64.b64encode(b"hello again").decode())
changed = gitea.requests_get("/repos/coop/tool/contents/docs/a.md")
repo.delete_file("docs/a.md", changed["sha"])
assert len(repo.get_commits()) == 4

# Topics.
repo.add_topic("rust")
assert repo.get_topics() == ["rust"]
repo.del_topic("rust")
assert repo.get_topics() == []

# Labels and milestones.
label = gitea.requests_post("/repos/coop/tool/labels", {"name": "bug", "color": "#ee0701"})
milestone = repo.create_milestone("v1", "The first release")
assert isinstance(milestone, Milestone) and milestone.title == "v1"

# Issues: created, changed through the client's own commit, listed.
issue = repo.create_issue("It breaks", assignees=[], description="Steps: ...")
assert isinstance(issue, Issue) and issue.number == 1
assert issue.user.username == admin.username
issue.milestone = milestone
issue.commit()
gitea.requests_post("/repos/coop/tool/issues/1/labels", {"labels": [label["id"]]})
again = Issue.request(gitea, "coop", "tool", "1")
assert again.milestone.title == "v1", again.milestone
assert [l["name"] for l in again.labels] == ["bug"]
assert again.repository.name == "tool"
gitea.requests_post("/repos/coop/tool/issues", {"title": "Second"})
issues = repo.get_issues()
assert sorted(i.number for i in issues) == [1, 2], [i.number for i in issues]

# Comments, read back through the repository's comments.
gitea.requests_post("/repos/coop/tool/issues/1/comments", {"body": "Seen it too"})
gitea.requests_post("/repos/coop/tool/issues/2/comments", {"body": "Elsewhere"})
comments = issues[[i.number for i in issues].index(1)].get_comments()
assert [c.body for c in comments] == ["Seen it too"], [c.body for c in comments]
assert comments[0].user.username == admin.username

# Closing an issue.
issue = Issue.request(gitea, "coop", "tool", "2")
issue.state = Issue.CLOSED
issue.commit()
assert [i.number for i in repo.get_issues_state(Issue.CLOSED)] == [2]

# Permissions.
perm = repo.get_user_permission(admin.username)
assert perm.permission == "admin", perm.permission
print("py-gitea drove the forge through every step")
