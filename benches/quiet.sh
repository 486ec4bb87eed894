# Sourced by compare.sh and scaling.sh: `wait_quiet` returns once the
# 1-minute load average is below $QUIET_LOAD (default 1.0), polling every 30 s,
# so that a timing run does not share the machine with a build or another
# benchmark.
wait_quiet() {
    while :; do
        load=$(cut -d' ' -f1 /proc/loadavg)
        if awk -v l="$load" -v q="${QUIET_LOAD:-1.0}" 'BEGIN { exit !(l < q) }'; then
            return
        fi
        echo "    load $load >= ${QUIET_LOAD:-1.0}, waiting 30 s"
        sleep 30
    done
}
