# shellcheck shell=bash disable=SC2154 # work and runs come from the bench that sources this
# Whole commands timed in turn (scripts/bench/trace.sh and redis_cluster.sh):
# each of several commands run alternately, so that a change in the
# machine's load affects all alike, and their medians. Sourced with work (a
# folder for the figures) and runs (rounds after two warm-up ones) set.

# Runs "$@" once, output discarded. Prints its wall time in seconds and the
# in-process milliseconds it reports on stderr (bb-trace --stats: "... N ms";
# the baselines: "in-process ms: N"), or 0. EPOCHREALTIME needs no fork, so
# only the command's own process is timed.
timed() {
    local start=$EPOCHREALTIME
    "$@" >/dev/null 2>"$work/stderr"
    local end=$EPOCHREALTIME
    local inner
    inner=$(sed -n -e 's/^in-process ms: //p' -e 's/.* \([0-9.]*\) ms$/\1/p' "$work/stderr")
    awk -v a="$start" -v b="$end" -v i="${inner:-0}" 'BEGIN { printf "%.6f %s\n", b - a, i }'
}

# Median of a file of numbers.
median_of() { sort -n "$1" | awk '{ t[NR] = $1 } END { print t[int((NR + 1) / 2)] }'; }

# Runs the commands held in the arrays named by the arguments in turn, $runs
# times each after two warm-up rounds. Prints, per command,
# "median_wall_s median_inner_ms".
alternate() {
    local i n="" name
    for name in "$@"; do : >"$work/$name.wall" && : >"$work/$name.inner"; done
    for ((i = -2; i < runs; i++)); do
        for name in "$@"; do
            local command="${name}[@]" wall inner
            read -r wall inner < <(timed "${!command}")
            if ((i >= 0)); then
                echo "$wall" >>"$work/$name.wall"
                echo "$inner" >>"$work/$name.inner"
            fi
        done
    done
    for name in "$@"; do
        n="$n$(median_of "$work/$name.wall") $(median_of "$work/$name.inner") "
    done
    echo "$n"
}
