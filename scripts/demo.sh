#!/usr/bin/env bash
# A short tour: build the tools, start the private RabbitMQ and Redis, publish
# a small causal chain (upload -> ready -> processed -> llm.prompt) while
# bb-consume runs a command for each event, trace it from both ends, then
# show a deterministic id. Services that were already up are used and left
# running; those started here are stopped at the end.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$BB_REPO_ROOT"

"$BB_REPO_ROOT/scripts/setup.sh"

build_dir=$(bb_build_dir)
bin=$build_dir/bin
bb_configure "$build_dir"
# Only the tools (not the tests); each one once its folder has a main.cpp.
targets=()
for tool in bb-id bb-publish bb-consume bb-trace; do
    [[ -f apps/$tool/main.cpp ]] && targets+=(--target "$tool")
done
((${#targets[@]})) || bb_die "no tool has been written yet (apps/*/main.cpp)"
bb_build "$build_dir" "${targets[@]}"

# Echo a command as a person would type it (paths relative to the repo),
# then run it.
echo_command() { printf '\n$ %s\n' "$*" | sed "s|$BB_REPO_ROOT/||g"; }
show() {
    echo_command "$@"
    "$@"
}
section() { printf '\n== %s ==\n' "$*"; }

# publish VAR PAYLOAD ARGS...: pipe PAYLOAD into bb-publish, show the event_id
# it prints and keep it in VAR.
publish() {
    local -n event_id=$1
    local payload=$2
    shift 2
    echo_command "echo '$payload' |" "$bin/bb-publish" "$@"
    event_id=$("$bin/bb-publish" "$@" <<<"$payload")
    printf '%s\n' "$event_id"
}

demo_chain() {
    trap bb_services_release EXIT
    bb_services_acquire

    # bb-publish sets `mandatory`: an event no queue would receive comes back
    # as "returned" instead of vanishing. A real bus has consumers; the demo
    # gives it one: a durable queue bound to every event type, declared (and
    # emptied of what earlier demos left) by bb-consume itself.
    section "a consumer's durable queue, bound to the exchange for every event type"
    echo_command "$bin/bb-consume" --queue bloodbank.demo --idle-timeout 0.5 -q ">/dev/null"
    "$bin/bb-consume" --queue bloodbank.demo --idle-timeout 0.5 -q >/dev/null

    # The consumer runs while the chain is published: a command per event,
    # acked once it exits 0, with the event in its environment.
    received=$(mktemp)
    # shellcheck disable=SC2016 # expanded by the command's shell, per event
    local per_event='echo "$BB_EVENT_TYPE $BB_EVENT_ID parents: ${BB_CORRELATION_IDS:-none}"'
    echo_command "$bin/bb-consume" --queue bloodbank.demo --count 4 --exec sh -c "'$per_event'" "> received.txt &"
    "$bin/bb-consume" --queue bloodbank.demo --count 4 --exec sh -c "$per_event" >"$received" &
    consumer=$!
    trap 'kill "$consumer" 2>/dev/null; rm -f "$received"; bb_services_release' EXIT

    section "publish a causal chain: each event names its parent"
    local upload ready processed prompt
    publish upload '{"media_file":"standup.mp3","media_duration_seconds":900,"media_type":"audio/mpeg"}' \
        --type fireflies.transcript.upload --source-app demo
    publish ready '{"id":"tr_standup_001","title":"Standup","date":"2025-10-18T14:00:00Z","duration":15.0,"transcript_url":"https://app.fireflies.ai/view/tr_standup_001","sentences":[],"user":{"user_id":"u1","email":"demo@example.com","name":"Demo","num_transcripts":1,"minutes_consumed":15.0,"is_admin":false},"host_email":"demo@example.com","organizer_email":"demo@example.com","privacy":"link"}' \
        --type fireflies.transcript.ready --source-app demo --parent "$upload"
    publish processed '{"transcript_id":"tr_standup_001","rag_document_id":"doc_standup_001","title":"Standup","ingestion_timestamp":"2025-10-18T14:20:00Z","sentence_count":120,"speaker_count":4,"duration_minutes":15.0,"vector_store":"demo"}' \
        --type fireflies.transcript.processed --source-app demo --parent "$ready"
    publish prompt '{"provider":"demo","prompt":"Summarise the standup and list the action items"}' \
        --type llm.prompt --source-app demo --parent "$processed"

    section "trace the chain from its first event and from its last"
    show "$bin/bb-trace" "$upload"
    show "$bin/bb-trace" "$prompt"
    section "everything the upload caused, as JSON"
    show "$bin/bb-trace" descendants "$upload" --format json

    section "what bb-consume received: one command per event, then it exits (--count 4)"
    wait "$consumer"
    echo_command cat received.txt
    cat "$received"
    rm -f "$received"
    trap bb_services_release EXIT
    show "$BB_RABBITMQCTL" -q list_queues name messages
    demo_root=$upload # for the page's address at the end
}

if [[ -x $bin/bb-publish && -x $bin/bb-consume && -x $bin/bb-trace ]]; then
    demo_chain
else
    section "bb-publish, bb-consume and bb-trace are not built yet: showing bb-id only"
fi

if [[ -x $bin/bb-id ]]; then
    section "deterministic ids: the same input gives the same id, here and in Python"
    show "$bin/bb-id" fireflies.transcript.upload meeting_abc123
else
    bb_info "bb-id is not built yet"
fi

state=$(bb_state_dir)
printf '\nTo keep servers running for your own experiments:\n'
printf '  scripts/services.sh up && source %s/services.env\n' "${state#"$BB_REPO_ROOT"/}"
printf '  ...\n  scripts/services.sh down\n'
if [[ -n ${demo_root:-} ]]; then
    printf '\nTo look at the chain in a browser, while its Redis runs:\n'
    printf '  build/bin/bb-trace serve, then open http://127.0.0.1:%s/chain/%s\n' \
        "${HTTP_PORT:-8682}" "$demo_root"
fi
