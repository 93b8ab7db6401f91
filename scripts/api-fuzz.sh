#!/usr/bin/env bash
# Fuzzes the JSON API with schemathesis against its own OpenAPI document:
# starts the forge (the debug binary) on a fresh data folder and a free
# port of 127.0.0.1, seeds an admin, a token, an organisation, a repository
# with files and an issue, then lets schemathesis generate requests for
# every operation. It must find no server error and no answer the
# document does not describe. Run by scripts/test-all.sh; needs
# `python3 -m pip install schemathesis`.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
forge="${CARGO_TARGET_DIR:-$root/target}/debug/forge"
data="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
export FORGE_DATA_DIR="$data" FORGE_LISTEN="127.0.0.1:$port" FORGE_BASE_URL="$base"

"$forge" admin create-user --username root --email root@example.org \
    --password 'root-secret-password' --admin >/dev/null 2>&1
"$forge" serve >"$data/forge.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 100); do
    curl -fs "$base/-/ready" >/dev/null 2>&1 && break
    sleep 0.1
done

token="$(curl -fs -u root:root-secret-password -H 'Content-Type: application/json' \
    -d '{"name":"fuzz"}' "$base/api/v1/users/root/tokens" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["sha1"])')"
api() { curl -fs -o /dev/null -H "Authorization: token $token" -H 'Content-Type: application/json' "$@"; }
api -d '{"username":"coop"}' "$base/api/v1/orgs"
api -d '{"name":"tool","auto_init":true,"license":"MIT"}' "$base/api/v1/orgs/coop/repos"
api -d '{"title":"First"}' "$base/api/v1/repos/coop/tool/issues"
api -d '{"body":"A comment"}' "$base/api/v1/repos/coop/tool/issues/1/comments"
# A branch and its pull request (number 2), a label, a milestone, a
# webhook of the repository and of the organisation, a commit status and a
# deploy key, so that their `{id}`s (1) name something.
repo="$base/api/v1/repos/coop/tool"
api -d '{"content":"aGVsbG8K","message":"A change","new_branch":"feature"}' "$repo/contents/feature.txt"
api -d '{"head":"feature","base":"main","title":"A change"}' "$repo/pulls"
api -d '{"name":"bug","color":"#ee0701"}' "$repo/labels"
api -d '{"title":"First release"}' "$repo/milestones"
hook='{"type":"gitea","config":{"url":"http://127.0.0.1:9/hook","content_type":"json"}}'
api -d "$hook" "$repo/hooks"
api -d "$hook" "$base/api/v1/orgs/coop/hooks"
api -d '{"state":"success","context":"ci"}' "$repo/statuses/main"
ssh-keygen -q -t ed25519 -N '' -C fuzz -f "$data/key"
api -d "{\"title\":\"deploy\",\"key\":\"$(cat "$data/key.pub")\"}" "$repo/keys"

# Path parameters that name what was seeded, so requests reach the
# handlers' logic rather than "not found".
cat >"$data/schemathesis.toml" <<'TOML'
[parameters]
"path.owner" = "coop"
"path.repo" = "tool"
"path.org" = "coop"
"path.index" = 1
"path.username" = "root"
"path.sha" = "main"
"path.reference" = "main"
"path.branch" = "main"
"path.id" = 1

[[operations]]
include-path-regex = "/pulls/"
parameters = { "path.index" = 2 }
TOML

# From the data folder, so that schemathesis's `.schemathesis/` cache
# goes away with it instead of landing in the repository.
cd "$data"
python3 -m schemathesis.cli --config-file "$data/schemathesis.toml" run "$base/api/v1/openapi.json" \
    --header "Authorization: token $token" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --phases "${FUZZ_PHASES:-coverage,fuzzing}" \
    --max-examples "${FUZZ_EXAMPLES:-25}" \
    --generation-deterministic \
    --request-timeout 10 \
    "$@"
