#!/usr/bin/env bash
# The shell steps of vendorscan's GitHub Action (action.yml), one function per step, so the
# same commands run in a workflow and in tests (tests/integration/ci_templates.rs runs them
# against the demo store with a fake `gh` and a loopback release server).
#
#   action.sh install | browser | baseline | scan | comment | gate
#
# Inputs arrive as environment variables (INPUT_*, set by action.yml from the action's
# inputs: never interpolated into the script, so a branch name or input cannot inject shell).
# Results go where GitHub reads them: $GITHUB_PATH, $GITHUB_OUTPUT, $GITHUB_STEP_SUMMARY.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out_dir="${VENDORSCAN_OUT_DIR:-${RUNNER_TEMP:-/tmp}/vendorscan}"
mkdir -p "$out_dir"

log() { printf 'vendorscan-action: %s\n' "$*" >&2; }

# Split a multi-line or space-separated input into words, without glob expansion.
words() {
    local IFS=$' \t\n'
    set -f
    # shellcheck disable=SC2206
    split=($1)
    set +f
}

install() {
    local version="${INPUT_VERSION:?the version input is required}"
    local bin="${RUNNER_TEMP:-/tmp}/vendorscan-bin"
    if [ -n "${INPUT_DOWNLOAD_URL:-}" ]; then
        export VENDORSCAN_BASE_URL="$INPUT_DOWNLOAD_URL"
    fi
    # install.sh from the same commit as this action: the download is checked against the
    # release's SHA256SUMS, and a mismatch stops here.
    sh "$here/../../install.sh" --version "$version" --to "$bin"
    echo "$bin" >> "${GITHUB_PATH:-/dev/null}"
    "$bin/vendorscan" --version
}

browser() {
    [ "${INPUT_BROWSER:-false}" = true ] || return 0
    if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 \
        || command -v google-chrome >/dev/null 2>&1 || [ -n "${CHROME:-}" ]; then
        log "browser mode: using the Chromium already on the runner"
        return 0
    fi
    log "browser mode: installing Chromium"
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
}

# The baseline: an explicit file, or (auto) the JSON report of the last successful run of
# this workflow on the default branch, uploaded there as the artifact $INPUT_ARTIFACT_NAME.
# Needs `actions: read`. Says on one line why there is none.
baseline() {
    local choice="${INPUT_BASELINE:-auto}"
    case "$choice" in
        none | '') log "baseline: none (the baseline input is \"$choice\")"; return 0 ;;
        auto) ;;
        *)
            [ -f "$choice" ] || { log "baseline: $choice does not exist"; return 1; }
            echo "file=$choice" >> "${GITHUB_OUTPUT:-/dev/null}"
            log "baseline: $choice"
            return 0
            ;;
    esac
    local branch="${DEFAULT_BRANCH:-}"
    if [ -z "$branch" ]; then
        log "baseline: none (the repository's default branch is unknown)"
        return 0
    fi
    if [ "${GITHUB_EVENT_NAME:-}" != pull_request ] && [ "${GITHUB_REF_NAME:-}" = "$branch" ]; then
        log "baseline: none (this run is on $branch: its report becomes the baseline)"
        return 0
    fi
    # .github/workflows/vendorscan.yml@refs/... -> vendorscan.yml
    local workflow="${GITHUB_WORKFLOW_REF%%@*}"
    workflow="${workflow##*/}"
    local run_id
    if ! run_id="$(gh run list --repo "$GITHUB_REPOSITORY" --workflow "$workflow" --branch "$branch" \
        --status success --limit 1 --json databaseId --jq '.[0].databaseId // empty' 2>&1)"; then
        log "baseline: none (cannot list the runs of $workflow on $branch: $run_id; does the job have actions: read?)"
        return 0
    fi
    if [ -z "$run_id" ]; then
        log "baseline: none yet (no successful run of $workflow on $branch; the first one makes it)"
        return 0
    fi
    local dir="$out_dir/baseline"
    rm -rf "$dir"
    if ! gh run download "$run_id" --repo "$GITHUB_REPOSITORY" --name "${INPUT_ARTIFACT_NAME:-vendorscan-report}" \
        --dir "$dir" >/dev/null 2>&1 || [ ! -f "$dir/vendorscan.json" ]; then
        log "baseline: none (run $run_id on $branch has no ${INPUT_ARTIFACT_NAME:-vendorscan-report} artifact with vendorscan.json; artifacts expire after 90 days)"
        return 0
    fi
    echo "file=$dir/vendorscan.json" >> "${GITHUB_OUTPUT:-/dev/null}"
    log "baseline: the report of run $run_id on $branch"
}

# The gate. Never fails this step: the exit code goes to the `gate` step, so the SARIF
# upload, the comment and the artifact happen first.
scan() {
    local split=()
    local cmd=(vendorscan scan)
    words "${INPUT_TARGETS:?the targets input is required}"
    cmd+=("${split[@]}")
    [ -z "${INPUT_SITE:-}" ] || cmd+=(--site "$INPUT_SITE")
    if [ -n "${INPUT_POLICY:-}" ]; then
        cmd+=(--policy "$INPUT_POLICY")
    fi
    [ -z "${BASELINE_FILE:-}" ] || cmd+=(--baseline "$BASELINE_FILE")
    [ "${INPUT_BROWSER:-false}" != true ] || cmd+=(--browser)
    [ -z "${INPUT_FAIL_ON:-}" ] || cmd+=(--fail-on "$INPUT_FAIL_ON")
    words "${INPUT_ARGS:-}"
    cmd+=("${split[@]}")
    cmd+=(--quiet -f github
        --save "json:$out_dir/vendorscan.json"
        --save "sarif:$out_dir/vendorscan.sarif"
        --save "markdown:$out_dir/vendorscan.md")
    log "${cmd[*]}"
    local code=0
    "${cmd[@]}" || code=$?
    {
        echo "exit-code=$code"
        echo "dir=$out_dir"
        [ ! -f "$out_dir/vendorscan.json" ] || echo "report=$out_dir/vendorscan.json"
        [ ! -f "$out_dir/vendorscan.sarif" ] || echo "sarif=$out_dir/vendorscan.sarif"
        [ ! -f "$out_dir/vendorscan.md" ] || echo "markdown=$out_dir/vendorscan.md"
    } >> "${GITHUB_OUTPUT:-/dev/null}"
}

comment() {
    [ "${INPUT_COMMENT:-false}" = true ] || return 0
    if [ -z "${PR_NUMBER:-}" ]; then
        log "comment: not a pull request, no comment"
        return 0
    fi
    [ -f "$out_dir/vendorscan.md" ] || { log "comment: no Markdown report to post"; return 0; }
    # One comment per pull request, edited on later pushes.
    gh pr comment "$PR_NUMBER" --repo "$GITHUB_REPOSITORY" --body-file "$out_dir/vendorscan.md" \
        --edit-last --create-if-none ||
        log "comment: could not comment (a pull request from a fork has a read-only token)"
}

gate() {
    local code="${SCAN_EXIT_CODE:-}"
    case "$code" in
        0) log "passed" ;;
        1) log "the policy is violated (exit code 1): see the findings above, the job summary or code scanning" ;;
        130) log "interrupted (exit code 130)" ;;
        '') log "the scan did not run"; code=2 ;;
        *) log "the gate could not judge this deploy (exit code $code): see the scan step's error" ;;
    esac
    exit "$code"
}

step="${1:-}"
case "$step" in
    install | browser | baseline | scan | comment | gate) "$step" ;;
    *) echo "usage: action.sh install|browser|baseline|scan|comment|gate" >&2; exit 2 ;;
esac
