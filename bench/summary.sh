#!/bin/bash
# summary.sh - the one table `make bench` ends with: every row the
# bench/run-*.sh scripts gave with bench_row (bench/lib.sh), in the order
# they ran, headed by the date, the kernel and the machine.
#
#   summary.sh FILE
#
# FILE is what they appended to, as $BENCH_SUMMARY. Prints nothing but a
# note when it is empty or missing (a script skipped, say without root).
set -u

file=${1:?usage: summary.sh FILE}
if [ ! -s "$file" ]; then
        echo "bench: no figures to sum up (no script wrote to $file)"
        exit 0
fi
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
echo
echo "sockbroker $(date -u '+%a %b %e %H:%M UTC %Y'), kernel $(uname -r), $(nproc) CPU(s) (${cpu:-unknown}):"
printf '| %-18s | %-50s | %16s | %16s | %8s | %-20s | %-10s |\n' \
        script figure sockbroker other ratio target met/missed
printf '|%s|%s|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..20})" "$(printf -- '-%.0s' {1..52})" \
        "$(printf -- '-%.0s' {1..18})" "$(printf -- '-%.0s' {1..18})" "$(printf -- '-%.0s' {1..10})" \
        "$(printf -- '-%.0s' {1..22})" "$(printf -- '-%.0s' {1..12})"
met=0 missed=0
while IFS=$'\x1f' read -r script figure sb other ratio target verdict; do
        printf '| %-18s | %-50s | %16s | %16s | %8s | %-20s | %-10s |\n' \
                "${script%.sh}" "$figure" "${sb:--}" "${other:--}" "${ratio:--}" "${target:--}" "${verdict:--}"
        case $verdict in
        met) met=$((met + 1)) ;;
        missed) missed=$((missed + 1)) ;;
        esac
done <"$file"
echo "targets: $met met, $missed missed"
