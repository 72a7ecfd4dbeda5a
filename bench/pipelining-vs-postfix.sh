#!/usr/bin/env bash
# Pipelined and lock-step transactions against the interop rig's real Postfix (plain port, no AUTH),
# directly and through a tap process, in one run: per-transaction p50/p99 side by side and what the tap
# adds (bench/SmtpTap.Bench --only pipelining). Not part of tests/run.sh.
#
#   sudo bash bench/pipelining-vs-postfix.sh [--transactions N] [--quick]
#
# Builds the bench (Release) first, then takes /tmp/smtptap-rig.lock (the rig is shared and binds fixed
# ports) only while it starts the rig (tests/interop/setup.sh: installs Postfix and Dovecot from Debian
# on first use) and measures. The messages go to postmaster@interop.test; the copies this run delivered
# (marked X-SmtpTap-Bench) are deleted afterwards. The rig stays up (tests/interop/stop.sh stops it).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
LOCK=${SMTPTAP_RIG_LOCK:-/tmp/smtptap-rig.lock}

if [ "${SMTPTAP_BENCH_LOCKED:-0}" != 1 ]; then
    [ "$(id -u)" = 0 ] || { echo "run as root: tests/interop/setup.sh installs and starts the rig" >&2; exit 1; }
    dotnet build bench/SmtpTap.Bench/SmtpTap.Bench.csproj -c Release -nologo -v quiet >/dev/null
    echo "waiting for $LOCK (the shared interop rig)" >&2
    # -o: the lock descriptor is not inherited (else a Postfix or Dovecot that setup.sh starts would hold it forever).
    SMTPTAP_BENCH_LOCKED=1 exec flock -o -w 1800 "$LOCK" bash "$0" "$@"
fi

bash tests/interop/setup.sh >/dev/null
# shellcheck source=/dev/null
. "${RIG_STATE:-/tmp/smtptap-interop}/rig.env"
box=$RIG_MAILDIR/postmaster
cleanup() {
    # Only the copies marked by the bench, in the mailbox only the bench writes to.
    [ -d "$box/new" ] && grep -lZ --null -r '^X-SmtpTap-Bench: pipelining' "$box/new" 2>/dev/null | xargs -0 -r rm -f
}
trap cleanup EXIT
echo "command: bench/pipelining-vs-postfix.sh $*"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
dotnet "$ROOT/bench/SmtpTap.Bench/bin/Release/net10.0/SmtpTap.Bench.dll" --only pipelining \
    --postfix-port "$RIG_PORT_PLAIN" --rcpt "postmaster@$RIG_DOMAIN" "$@"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
