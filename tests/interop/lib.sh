# shellcheck shell=bash
# shellcheck disable=SC2034  # RIG_* variables are used by the scripts that source this file
# Shared by setup.sh, stop.sh and direct-check.sh. Source it; it sets no shell options.
#
# Inputs (environment, all optional):
#   RIG_STATE             state directory                  (default /tmp/smtptap-interop)
#   RIG_PORT_PLAIN        plain SMTP, no AUTH              (default 10025)
#   RIG_PORT_SUBMISSION   STARTTLS + AUTH                  (default 10587)
#   RIG_PORT_SMTPS        implicit TLS + AUTH              (default 10465)
#   RIG_PORT_AUTH_PLAIN   plain SMTP with AUTH, no TLS     (default 10026; differential suite)
#   RIG_PORT_SIZE         plain, message_size_limit below  (default 10027; differential suite)
#   RIG_SIZE_LIMIT        message_size_limit on that port  (default 8192)
#   RIG_PORT_OAUTH        STARTTLS + AUTH XOAUTH2/OAUTHBEARER only, tokens checked by Dovecot's oauth2 passdb
#                         (default 10588)
#   RIG_PORT_IDP          port of the loopback OAuth2 identity provider (tests/interop/OAuthIdp); the rig's Dovecot
#                         accepts tokens of issuer http://127.0.0.1:RIG_PORT_IDP/ only (default 10589; run-matrix.sh
#                         starts the provider there, the rig does not keep it running)
#   RIG_WAIT              seconds to wait for the banners  (default 30)
#   RIG_PYTHON            interpreter for rigtool.py       (default /usr/bin/python3, else python3;
#                         a pyenv shim on PATH costs ~0.25 s per call)

RIG_STATE=${RIG_STATE:-/tmp/smtptap-interop}
case "$RIG_STATE" in
    /*/*|/tmp?*) RIG_STATE=${RIG_STATE%/} ;;
    *) printf 'ERROR: RIG_STATE must be an absolute path at least two levels deep, got "%s"\n' "$RIG_STATE" >&2; exit 1 ;;
esac
# Two more ports for the differential suite: plain with AUTH offered (no TLS), and plain with a small
# message_size_limit (RIG_SIZE_LIMIT octets).
RIG_PORT_AUTH_PLAIN=${RIG_PORT_AUTH_PLAIN:-10026}
RIG_PORT_SIZE=${RIG_PORT_SIZE:-10027}
RIG_SIZE_LIMIT=${RIG_SIZE_LIMIT:-8192}
RIG_PORT_OAUTH=${RIG_PORT_OAUTH:-10588}
RIG_PORT_IDP=${RIG_PORT_IDP:-10589}
RIG_HOST=127.0.0.1
RIG_DOMAIN=interop.test
RIG_HOSTNAME=mail.interop.test
if [ -z "${RIG_PYTHON:-}" ]; then
    if [ -x /usr/bin/python3 ]; then RIG_PYTHON=/usr/bin/python3; else RIG_PYTHON=python3; fi
fi
RIG_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

RIG_POSTFIX_DIR=$RIG_STATE/postfix
RIG_QUEUE_DIR=$RIG_STATE/spool
RIG_POSTFIX_PID=$RIG_QUEUE_DIR/pid/master.pid
RIG_DOVECOT_CONF=$RIG_STATE/dovecot/dovecot.conf
RIG_DOVECOT_BASE=$RIG_STATE/run/dovecot
RIG_DOVECOT_PID=$RIG_DOVECOT_BASE/master.pid
RIG_DOVECOT_BIN=/usr/sbin/dovecot
# The second Dovecot (SASL for RIG_PORT_OAUTH only: mechanisms XOAUTH2 and OAUTHBEARER, passdb oauth2), and the key
# material of the identity provider: its signing key (root only) and the public key where Dovecot looks it up.
RIG_OAUTH_DIR=$RIG_STATE/oauth
RIG_DOVECOT_OAUTH_CONF=$RIG_OAUTH_DIR/dovecot.conf
RIG_DOVECOT_OAUTH_BASE=$RIG_STATE/run/dovecot-oauth
RIG_DOVECOT_OAUTH_PID=$RIG_DOVECOT_OAUTH_BASE/master.pid
RIG_IDP_KEY=$RIG_OAUTH_DIR/idp-signing.key
RIG_LOCK=$RIG_STATE/.lock

rig_log() { printf '%s\n' "$*" >&2; }
rig_die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# Take the rig lock on fd 9. Daemons started afterwards must get 9>&- or they hold it forever.
rig_lock() {
    mkdir -p "$RIG_STATE"
    exec 9>"$RIG_LOCK"
    flock -w 60 9 || rig_die "another setup/stop holds $RIG_LOCK"
}

rig_postfix_running() {
    [ -f "$RIG_POSTFIX_DIR/main.cf" ] && postfix -c "$RIG_POSTFIX_DIR" status >/dev/null 2>&1
}

# Pid of this rig's Dovecot master, or nothing. master.pid first, checked against the command
# line; Dovecot deletes master.pid when a second start fails, so fall back to the exact command line.
# Arguments: config and pid file (default the SASL Dovecot; the OAuth2 one: "$RIG_DOVECOT_OAUTH_CONF" "$RIG_DOVECOT_OAUTH_PID").
rig_dovecot_pid() {
    local pid conf=${1:-$RIG_DOVECOT_CONF} pidfile=${2:-$RIG_DOVECOT_PID}
    if [ -r "$pidfile" ]; then
        pid=$(cat "$pidfile" 2>/dev/null)
        if [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] &&
           [ "$(tr '\0' ' ' <"/proc/$pid/cmdline")" = "$RIG_DOVECOT_BIN -c $conf " ]; then
            echo "$pid"; return 0
        fi
    fi
    pgrep -x -f "$RIG_DOVECOT_BIN -c $conf" | head -n 1 || true
}

rig_tail_logs() {
    local f
    for f in "$RIG_STATE/log/maillog" "$RIG_STATE/log/dovecot.log" "$RIG_STATE/log/dovecot-oauth.log" "$RIG_STATE/log/daemons.out"; do
        [ -s "$f" ] || continue
        printf -- '--- last lines of %s ---\n' "$f" >&2
        tail -n 20 "$f" >&2
    done
}
