#!/usr/bin/env bash
# Re-capture the pip-audit outputs of this folder (see README.md). Run from the repository root:
#   bash tests/data/deps/pip-audit/capture.sh
set -u
here=tests/data/deps/pip-audit
work=$(mktemp -d)
trap 'rm -rf "$work"; [ -n "${server:-}" ] && kill "$server"' EXIT
printf 'django==3.2\npyyaml==5.1\n' > "$work/vulnerable.txt"
printf 'requests==2.32.3\n' > "$work/clean.txt"

capture() {  # NAME SERVICE REQUIREMENTS [ENV=VALUE...]
    local name=$1 service=$2 reqs=$3
    shift 3
    (cd "$work" && env "$@" pip-audit -r "$reqs" --no-deps --disable-pip --format json \
        --progress-spinner off --vulnerability-service "$service" --desc on --aliases on \
        --timeout 10 --cache-dir "$work/cache" \
        >"$OLDPWD/$here/$name.stdout" 2>"$OLDPWD/$here/$name.stderr")
    echo $? >"$here/$name.rc"
}

# This machine cannot resolve api.osv.dev: pip-audit crashes (status 1, no report).
capture osv-unresolvable osv vulnerable.txt
# A proxy that refuses connections: the network is unavailable.
capture osv-proxy-refused osv vulnerable.txt HTTPS_PROXY=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9
capture pypi-proxy-refused pypi vulnerable.txt HTTPS_PROXY=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9
# PyPI's JSON API answers 404 through this machine's proxy: every dependency is skipped,
# pip-audit prints "No known vulnerabilities found" and exits 0.
capture pypi-not-found pypi vulnerable.txt
# A local OSV query service answering from the PyPA advisories (tests/deps/deps_helpers.py):
# by default the repository's own subset, which holds every advisory of django, pyyaml
# and requests, so it answers these pins as the full snapshot does.
PYTHONPATH=tests/deps python -m deps_helpers "${ADVISORY_DB:-tests/data/advisory-db/pypa}" >"$work/url" &
server=$!
for _ in $(seq 50); do [ -s "$work/url" ] && break; sleep 0.2; done
url=$(head -1 "$work/url")
capture osv-local-vulnerable osv vulnerable.txt PIP_AUDIT_OSV_URL="$url"
capture osv-local-clean osv clean.txt PIP_AUDIT_OSV_URL="$url"
pip-audit --version >"$here/pip-audit.version"
