# shellcheck shell=bash
# The figures of the benchmarks that keep one line per run in a file
# ("wall-seconds cpu-seconds peak-rss-kib"): medians, maxima, rates, ratios.

column_median() { # FILE COLUMN
    cut -d' ' -f"$2" "$1" | sort -g |
        awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
column_max() { cut -d' ' -f"$2" "$1" | sort -g | tail -n 1; }                             # FILE COLUMN
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%d\n", n / s }'; }                        # COUNT SECONDS
rates() { awk -v n="$1" '{ printf "%s%d", (NR > 1 ? " " : ""), n / $1 } END { print "" }' "$2"; } # COUNT FILE
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f\n", a / b }'; }                     # A B
mib() { awk -v k="$1" 'BEGIN { printf "%.1f\n", k / 1024 }'; }                              # KIB
