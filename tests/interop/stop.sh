#!/usr/bin/env bash
# Stop the rig's private Postfix and Dovecot. Idempotent. --purge also deletes $RIG_STATE.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || rig_die "run as root"
[ -d "$RIG_STATE" ] || { rig_log "nothing to stop: $RIG_STATE does not exist"; exit 0; }
rig_lock

# Wait up to 10 s for process $2 (named $1) to exit.
wait_gone() {
    local _
    for _ in $(seq 100); do
        [ -d "/proc/$2" ] || return 0
        sleep 0.1
    done
    rig_die "$1 (pid $2) did not exit within 10s"
}

if rig_postfix_running; then
    pid=$(tr -d ' ' <"$RIG_POSTFIX_PID" 2>/dev/null) || pid=
    postfix -c "$RIG_POSTFIX_DIR" stop </dev/null >>"$RIG_STATE/log/daemons.out" 2>&1 9>&- ||
        rig_log "warning: postfix stop failed (see $RIG_STATE/log/daemons.out)"
    [ -z "$pid" ] || wait_gone "postfix master" "$pid"
fi

pid=$(rig_dovecot_pid)
if [ -n "$pid" ]; then
    kill -TERM "$pid"
    wait_gone "dovecot master" "$pid"
fi

pid=$(rig_dovecot_pid "$RIG_DOVECOT_OAUTH_CONF" "$RIG_DOVECOT_OAUTH_PID")
if [ -n "$pid" ]; then
    kill -TERM "$pid"
    wait_gone "dovecot master (OAuth2)" "$pid"
fi

rig_log "rig stopped"

if [ "${1:-}" = --purge ]; then
    [ -f "$RIG_STATE/rig.env" ] || [ -f "$RIG_POSTFIX_DIR/main.cf" ] ||
        rig_die "$RIG_STATE does not look like a rig state directory; not deleting it"
    exec 9>&-
    rm -rf "$RIG_STATE"
    rig_log "removed $RIG_STATE"
fi
