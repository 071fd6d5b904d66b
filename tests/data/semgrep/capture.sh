#!/usr/bin/env bash
# Re-capture the semgrep outputs of this folder (see README.md). Run from the repository root:
#   bash tests/data/semgrep/capture.sh
# The flags are those releasegate.checks.semgrep passes, except --jobs=1 and the configs.
set -u
here=$PWD/tests/data/semgrep
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$here/app.py.txt" "$work/app.py"
cp "$here/broken.py.txt" "$work/broken.py"
printf '#!/usr/bin/env python3\nimport os\n\nos.system(input())\n' >"$work/tool"
python3 -c "
print('def f():')
for i in range(2000):
    print(f'    v{i} = {i}')
" >"$work/big.py"

capture() {  # NAME TIMEOUT MAX_MEMORY CONFIG FILE...
    local name=$1 timeout=$2 memory=$3 config=$4
    shift 4
    (cd "$work" && SEMGREP_ENABLE_VERSION_CHECK=0 SEMGREP_SEND_METRICS=off \
        SEMGREP_SETTINGS_FILE="$work/settings.yml" SEMGREP_LOG_FILE="$work/semgrep.log" \
        semgrep scan --json --quiet --metrics=off --disable-version-check --disable-nosem \
        --no-rewrite-rule-ids --oss-only --timeout="$timeout" --timeout-threshold=0 \
        --max-memory="$memory" --max-target-bytes=0 --jobs=1 --config "$here/$config" \
        -- "$@" >"$here/$name.json")
    echo $? >"$here/$name.rc"
}

# A target that does not parse: a warning-level PartialParsing error, exit 0.
capture parse-error 30 2048 os-system.yaml app.py broken.py
# A rule whose pattern does not parse: a Rule parse error, exit 2.
capture rule-error 30 2048 bad-pattern.yaml app.py
# A requested file semgrep does not scan (no .py suffix; shebangs are not read): absent
# from paths.scanned, nothing in errors, exit 0.
capture not-scanned 30 2048 os-system.yaml app.py tool
# A pathological rule on a long function with a 1-second budget: a Timeout, exit 0.
capture timeout 1 2048 slow.yaml big.py
# The same with a long budget and the smallest memory limit the policy allows: Out of memory, exit 0.
capture out-of-memory 60 256 slow.yaml big.py
semgrep --version --disable-version-check >"$here/semgrep.version"
