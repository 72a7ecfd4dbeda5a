#!/usr/bin/env bash
# The test command: unit + integration tests (dotnet test), then the interop suite against a
# real Postfix + Dovecot when it can be installed (root with apt-get). Prints "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT

dotnet test SmtpTap.sln --nologo -c Release --logger "trx;LogFilePrefix=run" --results-directory "$results" \
  --logger "console;verbosity=minimal" 2>&1 | tee "$results/dotnet.log"
dotnet_rc=${PIPESTATUS[0]}

passed=0; failed=0; skipped=0
for f in "$results"/*.trx; do
  [ -f "$f" ] || continue
  line=$(grep -o '<Counters [^>]*>' "$f" | head -1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$line"); f_=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$line")
  t=$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$line"); e=$(sed -n 's/.* executed="\([0-9]*\)".*/\1/p' <<<"$line")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f_:-0})); skipped=$((skipped + ${t:-0} - ${e:-0}))
done
if [ "$dotnet_rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi

# Install checks: the .NET tool package installed from a local feed, the single-file build, a relay through each.
install_rc=0
if [ "${SMTPTAP_SKIP_INSTALL:-0}" != "1" ]; then
  bash tests/install/run.sh | tee "$results/install.log"
  install_rc=${PIPESTATUS[0]}
  ip=$(sed -n 's/^install: \([0-9]*\) passed, \([0-9]*\) failed.*/\1/p' "$results/install.log" | tail -1)
  if_=$(sed -n 's/^install: \([0-9]*\) passed, \([0-9]*\) failed.*/\2/p' "$results/install.log" | tail -1)
  passed=$((passed + ${ip:-0})); failed=$((failed + ${if_:-0}))
  if [ "$install_rc" -ne 0 ] && [ "${if_:-0}" -eq 0 ]; then failed=$((failed + 1)); fi
fi

interop_rc=0
if [ -x tests/interop/run-matrix.sh ] && [ "${SMTPTAP_SKIP_INTEROP:-0}" != "1" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    # run-matrix.sh builds what it runs (the CLI and the MailKit interop client, which dotnet test does
    # not build); the CLI build is incremental after dotnet test.
    bash tests/interop/run-matrix.sh | tee "$results/interop.log"
    interop_rc=${PIPESTATUS[0]}
    ip=$(sed -n 's/^interop: \([0-9]*\) passed, \([0-9]*\) failed.*/\1/p' "$results/interop.log" | tail -1)
    if_=$(sed -n 's/^interop: \([0-9]*\) passed, \([0-9]*\) failed.*/\2/p' "$results/interop.log" | tail -1)
    is=$(sed -n 's/^interop: [0-9]* passed, [0-9]* failed, \([0-9]*\) skipped.*/\1/p' "$results/interop.log" | tail -1)
    passed=$((passed + ${ip:-0})); failed=$((failed + ${if_:-0})); skipped=$((skipped + ${is:-0}))
    if [ "$interop_rc" -ne 0 ] && [ "${if_:-0}" -eq 0 ]; then failed=$((failed + 1)); fi
  else
    echo "interop suite skipped: it needs root and apt-get to install Postfix and Dovecot"
  fi
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$dotnet_rc" -eq 0 ] && [ "$install_rc" -eq 0 ] && [ "$interop_rc" -eq 0 ]
