#!/usr/bin/env bash
# Self-contained single-file builds of smtptap for the platforms we ship, into artifacts/RID/smtptap[.exe], plus the
# .NET tool package in artifacts/. Needs only the .NET 10 SDK (runtime packs come from NuGet).
#   bash scripts/publish.sh                 # all: linux-x64 linux-arm64 win-x64 osx-arm64, and the tool package
#   bash scripts/publish.sh linux-x64       # just one
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
rids=("$@")
[ ${#rids[@]} -gt 0 ] || rids=(linux-x64 linux-arm64 win-x64 osx-arm64)
mkdir -p artifacts
dotnet pack src/SmtpTap -c Release -o artifacts --nologo -v q
for rid in "${rids[@]}"; do
    dotnet publish src/SmtpTap -c Release -r "$rid" --self-contained -p:PublishSingleFile=true -p:DebugType=none \
        -o "artifacts/$rid" --nologo -v q
    file=artifacts/$rid/smtptap; [ -f "$file" ] || file=$file.exe
    echo "$rid: $file $(du -m "$file" | cut -f1) MB"
done
