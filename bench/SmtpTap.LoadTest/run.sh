#!/usr/bin/env bash
# Load test for SmtpTap (issue 6, catalogue G): 1000 idle sessions and 200 slow clients while 20 normal clients send
# 2000 messages through the tap to a counting sink, all on 127.0.0.1 port 0. A benchmark, not part of the test run.
# Usage: bench/SmtpTap.LoadTest/run.sh [--idle N] [--slow N] [--normal N] [--messages N] [--heap-budget-mb N]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# Each idle session holds four sockets (client, tap client leg, tap upstream leg, sink).
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
echo "open files limit: $(ulimit -n)"
dotnet build "$here/SmtpTap.LoadTest.csproj" -c Release --nologo -v quiet
exec dotnet "$here/bin/Release/net10.0/SmtpTap.LoadTest.dll" "$@"
