#!/usr/bin/env bash
# Install checks, as a new user would do them: pack SmtpTap as a .NET tool, install it from that local feed into a
# temporary tool path, run `smtptap --version`, and relay a real message through the installed tool (capture upstream,
# loopback only); then build the self-contained single-file binary for linux-x64 and relay through it too.
# Prints one PASS/FAIL line per check and ends with "install: N passed, M failed, 0 skipped".
# Nothing is installed outside a temporary folder (removed at the end); nothing listens beyond 127.0.0.1.
set -uo pipefail
cd "$(dirname "$0")/../.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    rm -rf "$work"
}
trap cleanup EXIT

passed=0 failed=0
pass() { echo "PASS install/$1${2:+: $2}"; passed=$((passed + 1)); }
fail() { echo "FAIL install/$1: $2"; failed=$((failed + 1)); }

version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' src/SmtpTap/SmtpTap.csproj | head -1)

# relay_through NAME COMMAND...: starts "COMMAND proxy" on a free loopback port with the capture upstream, sends one
# message over a bash /dev/tcp SMTP dialogue, stops the tap with SIGINT and checks the captured .eml.
relay_through() {
    local name=$1; shift
    local dir="$work/$name" port token line i
    mkdir -p "$dir"
    token="install-$name-$RANDOM$RANDOM"
    "$@" proxy --listen smtp://127.0.0.1:0 --cert-dir "$dir/certs" --capture-dir "$dir/captured" --transcripts "$dir/t" \
        >"$dir/out" 2>"$dir/err" </dev/null &
    local pid=$!
    pids+=("$pid")
    for i in $(seq 150); do
        port=$(sed -n 's|.*Listening on smtp://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$dir/out" | head -1)
        [ -n "$port" ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.2
    done
    if [ -z "${port:-}" ]; then
        fail "$name-relay" "the tap did not start: $(tail -3 "$dir/err" "$dir/out" | tr '\n' ' ')"
        return
    fi

    if ! exec 3<>"/dev/tcp/127.0.0.1/$port"; then
        fail "$name-relay" "cannot connect to 127.0.0.1:$port"
        return
    fi
    expect() { # expect CODE: reads one (multi-line) reply and checks its code
        local want=$1 l
        while IFS= read -r -t 20 l <&3; do
            l=${l%$'\r'}
            [[ "$l" =~ ^[0-9]{3}- ]] && continue
            [[ "$l" == "$want"* ]] && return 0
            echo "unexpected reply: $l" >>"$dir/client.log"
            return 1
        done
        echo "no reply (wanted $want)" >>"$dir/client.log"
        return 1
    }
    local ok=1
    expect 220 || ok=0
    printf 'EHLO install.test\r\n' >&3; expect 250 || ok=0
    printf 'MAIL FROM:<me@install.test>\r\n' >&3; expect 250 || ok=0
    printf 'RCPT TO:<you@install.test>\r\n' >&3; expect 250 || ok=0
    printf 'DATA\r\n' >&3; expect 354 || ok=0
    printf 'Subject: %s\r\n\r\nsent through the installed smtptap\r\n.\r\n' "$token" >&3; expect 250 || ok=0
    printf 'QUIT\r\n' >&3; expect 221 || ok=0
    exec 3>&-
    # Stopped the way a service manager does (a background job ignores SIGINT): the graceful stop must end it with 0.
    kill -TERM "$pid" 2>/dev/null
    local rc=timeout
    for i in $(seq 200); do
        if ! kill -0 "$pid" 2>/dev/null; then wait "$pid"; rc=$?; break; fi
        sleep 0.1
    done
    [ "$rc" = timeout ] && kill -9 "$pid" 2>/dev/null
    if [ "$ok" = 1 ] && grep -rqs "$token" "$dir/captured" && [ "$rc" = 0 ]; then
        pass "$name-relay" "message relayed and captured (port $port), stopped by SIGTERM with exit 0"
    elif [ "$ok" = 1 ] && [ "$rc" != 0 ]; then
        fail "$name-relay" "relayed, but SIGTERM did not end the tap with exit 0 (got $rc)"
    else
        fail "$name-relay" "$(cat "$dir/client.log" 2>/dev/null | tr '\n' ' ') captured: $(ls "$dir/captured" 2>/dev/null | tr '\n' ' ')"
    fi
}

# 1. The .NET tool package, installed from a local feed into a temporary tool path.
if dotnet pack src/SmtpTap -c Release -o "$work/feed" --nologo -v q >"$work/pack.log" 2>&1 && ls "$work/feed"/SmtpTap."$version".nupkg >/dev/null 2>&1; then
    pass pack "SmtpTap.$version.nupkg"
else
    fail pack "$(tail -5 "$work/pack.log" | tr '\n' ' ')"
fi

if dotnet tool install --tool-path "$work/tools" --add-source "$work/feed" SmtpTap --version "$version" >"$work/tool.log" 2>&1 \
    && "$work/tools/smtptap" --version >"$work/version.txt" 2>&1 && grep -q "^$version" "$work/version.txt"; then
    pass tool-install "smtptap --version: $(cat "$work/version.txt")"
    relay_through tool "$work/tools/smtptap"
else
    fail tool-install "$(tail -5 "$work/tool.log" "$work/version.txt" 2>/dev/null | tr '\n' ' ')"
fi

# 2. The self-contained single-file build for linux-x64 (the other RIDs: scripts/publish.sh).
if [ "${SMTPTAP_SKIP_SINGLE_FILE:-0}" != 1 ]; then
    if dotnet publish src/SmtpTap -c Release -r linux-x64 --self-contained -p:PublishSingleFile=true -o "$work/single" --nologo -v q >"$work/publish.log" 2>&1 \
        && [ -x "$work/single/smtptap" ] && "$work/single/smtptap" --version | grep -q "^$version"; then
        pass single-file "linux-x64, $(du -m "$work/single/smtptap" | cut -f1) MB"
        relay_through single "$work/single/smtptap"
    else
        fail single-file "$(tail -5 "$work/publish.log" | tr '\n' ' ')"
    fi
fi

echo "install: $passed passed, $failed failed, 0 skipped"
[ "$failed" -eq 0 ]
