#!/usr/bin/env bash
# Builds the benchmark in Release and runs it (full mode unless arguments say otherwise, e.g. --quick or --only throughput).
# Loopback only (127.0.0.1, port 0). Prints Markdown tables; see docs/benchmarks.md for how to read them.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build bench/SmtpTap.Bench/SmtpTap.Bench.csproj -c Release -nologo -v quiet
echo "command: bench/run.sh $*"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
dotnet bench/SmtpTap.Bench/bin/Release/net10.0/SmtpTap.Bench.dll "$@"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
