#!/usr/bin/env bash
# The interop suite: real clients through SmtpTap to a real Postfix + Dovecot on loopback.
#
#   clients {mailkit, swaks, curl, smtplib, s_client} x client leg {plain, starttls, smtps}
#   x upstream {plain (Postfix 10025), submission (STARTTLS + AUTH, 10587), smtps (implicit TLS + AUTH, 10465)}
#
# plus feature cells (PIPELINING, BDAT, 3 MB and raw UTF-8 bodies), negative cells (relay refused as
# direct, wrong password 535, upstream TLS required but not offered 421, client gone in mid-DATA),
# smtptap probe cells, the differential suite (scripted raw sessions direct vs through the tap: same
# reply codes and delivered bytes), load-balancer cells (HAProxy with send-proxy-v2 in front of two taps),
# OAuth2 bridge cells (oauth-cells.sh: legacy clients through `smtptap proxy --oauth2` to a port where Dovecot
# validates the loopback identity provider's tokens), --inject-auth, mechanism translation and `account test` cells
# (inject-cells.sh: a cron job without AUTH through --inject-auth to the OAuth2 and the submission port, LOGIN from the
# client translated to PLAIN or CRAM-MD5 upstream with a stored password),
# a health check of the taps, and a scan of every transcript and tap output for
# the rig passwords (raw and base64). Prints one line per cell, "PASS|FAIL|SKIP <cell> [reason]", then
# exactly one line "interop: N passed, M failed, K skipped". Exit status 0 only if nothing failed.
#
# Needs root (setup.sh installs postfix, dovecot-core, swaks, curl, openssl, python3 from Debian and
# starts the private rig) and the .NET 10 SDK. It starts its own taps and stops only those; the rig
# stays up (tests/interop/stop.sh stops it).
#
# Environment (all optional):
#   RIG_STATE ...            see lib.sh (the rig to use)
#   SMTPTAP_INTEROP_NO_BUILD=1   use the existing Release build instead of running dotnet build
#   SMTPTAP_INTEROP_KEEP=1       keep the work dir (client logs hold base64 credentials: they are the
#                                clients' own logs, never printed)
#   SMTPTAP_INTEROP_ONLY=REGEX   run only the cells whose name matches (for debugging)
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
. "$HERE/lib.sh"

T0=$(date +%s)
RUN=$(date +%H%M%S)-$$
WORK=$(mktemp -d "${TMPDIR:-/tmp}/smtptap-matrix.XXXXXX")
chmod 700 "$WORK"
TAP_PIDS=()
LB_PIDS=()   # the private HAProxy of the load-balancer cells
LB_TAPS=()   # the load-balancer cells' taps that must still be healthy at the end
HELPER_PIDS=()  # other processes the suite started (the OAuth2 identity provider)
DONE=0
passed=0 failed=0 skipped=0

cleanup() {
    local pid
    if [ "$DONE" != 1 ]; then  # died early (rig_die, signal): still end with the summary line
        echo "FAIL interop-suite aborted before the end (see the error above)"
        echo "interop: $passed passed, $((failed + 1)) failed, $skipped skipped"
    fi
    for pid in "${TAP_PIDS[@]}" "${LB_PIDS[@]}" "${HELPER_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
    for pid in "${TAP_PIDS[@]}" "${LB_PIDS[@]}" "${HELPER_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
    if [ "${SMTPTAP_INTEROP_KEEP:-0}" = 1 ]; then echo "work dir kept: $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- reporting -----------------------------------------------------------------------------------
REPORT=$WORK/report.txt
report() { printf '%s\n' "$*" | tee -a "$REPORT"; }
pass() { report "PASS $1"; passed=$((passed + 1)); }
fail() { report "FAIL $1 $2"; failed=$((failed + 1)); }
skip() { report "SKIP $1 $2"; skipped=$((skipped + 1)); }
wanted() { [ -z "${SMTPTAP_INTEROP_ONLY:-}" ] || [[ $1 =~ $SMTPTAP_INTEROP_ONLY ]]; }
rigtool() { "$RIG_PYTHON" "$HERE/rigtool.py" "$@"; }

# --- 1. rig, build, CA -----------------------------------------------------------------------------
start_rig() {
    [ "$(id -u)" = 0 ] || rig_die "run-matrix.sh needs root (setup.sh installs packages and starts Postfix)"
    bash "$HERE/setup.sh" >"$WORK/setup.log" 2>&1 || { tail -n 20 "$WORK/setup.log" >&2; rig_die "setup.sh failed"; }
    # shellcheck source=/dev/null
    . "$RIG_STATE/rig.env"
    # Say what the suite did to this machine: packages installed, daemons started, and how to stop them.
    grep -q '^rig: started' "$WORK/setup.log" || echo "rig: the rig's Postfix and Dovecot were already running (state in $RIG_STATE)"
    sed -n 's/^rig: /rig: /p' "$WORK/setup.log"
}

TAP_DLL=$ROOT/src/SmtpTap/bin/Release/net10.0/smtptap.dll
CLIENT_DLL=$ROOT/tests/interop/InteropClient/bin/Release/net10.0/interop-client.dll
build() {
    command -v dotnet >/dev/null 2>&1 || rig_die "the .NET 10 SDK (dotnet) is required"
    if [ "${SMTPTAP_INTEROP_NO_BUILD:-0}" != 1 ]; then
        local p
        for p in src/SmtpTap/SmtpTap.csproj tests/interop/InteropClient/InteropClient.csproj tests/interop/OAuthIdp/OAuthIdp.csproj; do
            dotnet build "$ROOT/$p" -c Release --nologo -v q >"$WORK/build.log" 2>&1 ||
                { tail -n 30 "$WORK/build.log" >&2; rig_die "dotnet build $p failed"; }
        done
    fi
    if [ ! -f "$TAP_DLL" ] || [ ! -f "$CLIENT_DLL" ]; then rig_die "build output missing: $TAP_DLL, $CLIENT_DLL"; fi
}
smtptap() { dotnet "$TAP_DLL" "$@"; }

TAP_CA=$WORK/tap-ca.pem
make_tap_ca() {
    if ! smtptap cert init --cert-dir "$WORK/certs" >"$WORK/cert.log" 2>&1 ||
       ! smtptap cert export --cert-dir "$WORK/certs" --format pem --out "$TAP_CA" >>"$WORK/cert.log" 2>&1; then
        cat "$WORK/cert.log" >&2; rig_die "smtptap cert init/export failed"
    fi
}

# --- 2. taps ---------------------------------------------------------------------------------------
# One tap per upstream; each has one listener per client leg: TAP_PORT[<upstream>-<leg>].
declare -A TAP_PORT UPSTREAM_URL
UPSTREAMS=(plain submission smtps)
LEGS=(plain starttls smtps)
CLIENTS=(mailkit swaks curl smtplib s_client)

# The EXIT trap stops the taps; this also stops one if the suite itself is killed (SIGKILL, or a
# signal that arrives while bash cannot run its trap).
tap_watchdog() {
    local main=$$ tap=$1
    while kill -0 "$main" 2>/dev/null && kill -0 "$tap" 2>/dev/null; do sleep 1; done
    kill "$tap" 2>/dev/null
}

# start_tap NAME UPSTREAM_URL PORTS... -- EXTRA_OPTIONS...: the plain/starttls ports get smtp://, the
# last one smtps:// when three are given. Waits for "Press Ctrl+C to stop". TAP_HOME=DIR start_tap ...: the tap's
# SmtpTap home (SMTPTAP_HOME: accounts and tokens of the OAuth2 bridge).
start_tap() {
    local name=$1 url=$2 home=(); shift 2
    [ -z "${TAP_HOME:-}" ] || home=(SMTPTAP_HOME="$TAP_HOME")
    local listen=() ports=() p
    while [ $# -gt 0 ] && [ "$1" != -- ]; do ports+=("$1"); shift; done
    [ "${1:-}" = -- ] && shift
    for p in "${ports[@]:0:2}"; do listen+=(--listen "smtp://127.0.0.1:$p"); done
    [ ${#ports[@]} -lt 3 ] || listen+=(--listen "smtps://127.0.0.1:${ports[2]}")
    mkdir -p "$WORK/transcripts/$name"
    env "${home[@]}" dotnet "$TAP_DLL" proxy "${listen[@]}" --upstream "$url" --upstream-ca "$RIG_CERT" \
        --transcripts "$WORK/transcripts/$name" --cert-dir "$WORK/certs" "$@" \
        >"$WORK/tap-$name.out" 2>"$WORK/tap-$name.err" </dev/null &
    local pid=$! i
    TAP_PIDS+=("$pid")
    tap_watchdog "$pid" >/dev/null 2>&1 </dev/null &
    for i in $(seq 150); do
        grep -q 'Press Ctrl+C to stop' "$WORK/tap-$name.out" 2>/dev/null && return 0
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.2
    done
    cat "$WORK/tap-$name.out" "$WORK/tap-$name.err" >&2
    rig_die "tap $name did not start"
}

start_taps() {
    local ports up i=0
    mapfile -t ports < <(rigtool free-ports 15)
    [ ${#ports[@]} = 15 ] || rig_die "could not find free ports"
    UPSTREAM_URL[plain]=smtp://127.0.0.1:$RIG_PORT_PLAIN
    UPSTREAM_URL[submission]=smtp://127.0.0.1:$RIG_PORT_SUBMISSION
    UPSTREAM_URL[smtps]=smtps://127.0.0.1:$RIG_PORT_SMTPS
    for up in "${UPSTREAMS[@]}"; do
        TAP_PORT[$up-plain]=${ports[i]} TAP_PORT[$up-starttls]=${ports[i+1]} TAP_PORT[$up-smtps]=${ports[i+2]}
        # The rig's plain and implicit-TLS ports offer no STARTTLS; their taps offer it anyway so that the STARTTLS
        # cells run against them (by default the tap mirrors the server's STARTTLS offer on the client leg).
        if [ "$up" = plain ] || [ "$up" = smtps ]; then
            start_tap "$up" "${UPSTREAM_URL[$up]}" "${ports[@]:i:3}" -- --client-starttls always
        else
            start_tap "$up" "${UPSTREAM_URL[$up]}" "${ports[@]:i:3}"
        fi
        i=$((i + 3))
    done
    # The negative tap: TLS required upstream, pointed at the plain port that offers no STARTTLS.
    TAP_PORT[required-plain]=${ports[9]} TAP_PORT[required-starttls]=${ports[10]} TAP_PORT[required-smtps]=${ports[11]}
    start_tap required "${UPSTREAM_URL[plain]}" "${ports[@]:9:3}" -- --upstream-tls required
    # The differential suite's taps (one plain listener each, default options, as a user starts them).
    TAP_PORT[diff-auth]=${ports[12]} TAP_PORT[diff-size]=${ports[13]} TAP_PORT[diff-plain]=${ports[14]}
    start_tap diff-plain "${UPSTREAM_URL[plain]}" "${ports[14]}"
    start_tap diff-auth "smtp://127.0.0.1:$RIG_PORT_AUTH_PLAIN" "${ports[12]}"
    start_tap diff-size "smtp://127.0.0.1:$RIG_PORT_SIZE" "${ports[13]}" -- --max-message-size "$RIG_SIZE_LIMIT"
}

# --- 3. cell plumbing ------------------------------------------------------------------------------
WRONG_PASS="Wrong-Pw-$RUN"
export WRONG_PASS
CELL_N=0

# A body with the cell's token, a leading-dot line, a lone dot, Q/R lines and a 900-character line.
make_body() {
    local f=$WORK/$1.body
    {
        echo "interop cell $1 token $2"
        echo "Line two: QUIT and RSET and R and Q at line start below."
        echo "Q"
        echo "R"
        echo ".a line that starts with a dot"
        echo "."
        printf 'x%.0s' $(seq 900); echo
        case "$VARIANT" in
            8bit) printf '%s\n' "UTF-8 without encoding: Grüße, naïve café, Ελληνικά, 日本語, ✓ — end" ;;
            large) "$RIG_PYTHON" -c 'import sys; sys.stdout.write("".join("%06d %s\n" % (i, "abcdefghij" * 7) for i in range(40000)))' ;;
        esac
        echo "last line"
    } >"$f"
    echo "$f"
}

# Rotate the AUTH user over the rig users (Q/R/K base64 cases included) and the recipient's mailbox.
cell_user() { local users; read -ra users <<<"$RIG_USERS"; echo "${users[$((CELL_N % ${#users[@]}))]}"; }
cell_rcpt() { local users; read -ra users <<<"$RIG_USERS"; echo "${users[$(((CELL_N + 1) % ${#users[@]}))]}"; }

# The AUTH mechanism a cell uses: LOGIN on the plain leg (its lines cross the tap in clear), PLAIN under
# STARTTLS, CRAM-MD5 on implicit TLS where the client can do it.
cell_mech() {
    case "$2" in
        plain) echo LOGIN ;;
        starttls) echo PLAIN ;;
        smtps) case "$1" in swaks|s_client) echo LOGIN ;; *) echo CRAM-MD5 ;; esac ;;
    esac
}

# The last reply line (or error line) in a client log, for failure reasons; never a client line.
last_reply() {
    grep -E '^(<~?\*{0,2} +)?[2-5][0-9]{2}[ -]|Error|error|failed|Exception' "$1" 2>/dev/null | grep -v '^ *~\?>' |
        tail -n 1 | tr -d '\r' | cut -c1-200
}

# expect_delivered CELL TOKEN MAILBOX BODY [AUTH]: exactly one file with TOKEN, body hash as sent.
expect_delivered() {
    local name=$1 token=$2 box=$3 body=$4 authed=${5:-} path
    path=$(rigtool check-mail --dir "$box" --token "$token" --body "$body" --timeout 15) || { echo "$path"; return 1; }
    if [ -n "$authed" ] && ! grep -q 'Authenticated sender:' "$path"; then
        echo "delivered without an authenticated-sender Received header"; return 1
    fi
    echo "$path" >"$WORK/$name.delivered"
}

# expect_queue_id CELL: the client saw the server's own reply to the end of data: the queue id in the
# client's log ("queued as ID") is the one in Postfix's Received header of the delivered copy.
expect_queue_id() {
    local name=$1 qid
    qid=$(grep -oE 'queued as [0-9A-Z]+' "$WORK/$name.out" | tail -n 1 | cut -d' ' -f3)
    [ -n "$qid" ] || { echo "no 'queued as' reply in the client's log"; return 1; }
    grep -qE "\bid $qid\b" "$(cat "$WORK/$name.delivered")" ||
        { echo "the client saw queue id $qid, the delivered copy has another"; return 1; }
}

# eventually SECONDS COMMAND...: run COMMAND until it succeeds, at most SECONDS; print what its last
# try printed. Transcript files are written through a buffer that the tap flushes every second.
eventually() {
    local until=$(( $(date +%s%N) + $1 * 1000000000 )) out; shift
    while :; do
        out=$("$@") && { [ -z "$out" ] || printf '%s\n' "$out"; return 0; }
        [ "$(date +%s%N)" -lt "$until" ] || { printf '%s\n' "$out"; return 1; }
        sleep 0.2
    done
}

# expect_transcript TAP TOKEN PATTERN...: exactly one session transcript of TAP holds TOKEN, and it
# has every PATTERN (extended regex); a PATTERN that starts with ! must not occur. Waits for the flush.
expect_transcript() { eventually 5 transcript_has "$@"; }
transcript_has() {
    local tap=$1 token=$2 files pat; shift 2
    mapfile -t files < <(grep -lF "$token" "$WORK/transcripts/$tap"/*-s*.log 2>/dev/null)
    [ ${#files[@]} = 1 ] || { echo "${#files[@]} transcripts of tap $tap hold the token, expected 1"; return 1; }
    for pat in "$@"; do
        if [ "${pat:0:1}" = '!' ]; then
            ! grep -qE "${pat:1}" "${files[0]}" || { echo "transcript ${files[0]##*/} has /${pat:1}/"; return 1; }
        else
            grep -qE "$pat" "${files[0]}" || { echo "transcript ${files[0]##*/} lacks /$pat/"; return 1; }
        fi
    done
}

# --- 4. clients ------------------------------------------------------------------------------------
# Every client function: send_<client> NAME LEG PORT FROM RCPT BODY SUBJECT USER MECH PASSVAR
# (USER empty: no AUTH; the password is read from the variable named PASSVAR, never passed as an
# argument). Output in $WORK/NAME.out; the return status is the client's.

send_swaks() {
    local name=$1 leg=$2 port=$3 from=$4 rcpt=$5 body=$6 subject=$7 user=$8 mech=$9 passvar=${10}
    local opts=()
    case "$leg" in
        starttls) opts+=(-tls --tls-verify --tls-ca-path "$TAP_CA") ;;
        smtps) opts+=(--tls-on-connect --tls-verify --tls-ca-path "$TAP_CA") ;;
    esac
    [ -z "$user" ] || opts+=(--auth "$mech" --auth-user "$user")
    [ "$VARIANT" != pipelining ] || opts+=(--pipeline)
    swaks_with_password "$passvar" --server 127.0.0.1 --port "$port" --from "$from" --to "$rcpt" \
        --helo swaks.interop.test --header "Subject: $subject" --body "@$body" "${opts[@]}" \
        --timeout 20 >"$WORK/$name.out" 2>&1
}

# swaks_with_password PASSVAR SWAKS_ARGS...: with --auth but no --auth-password swaks prompts and reads
# the password from stdin, so it never is an argument. (SWAKS_OPT_auth_password would also keep it off
# the command line, but swaks' option parser takes a value starting with + or - for an option.)
swaks_with_password() {
    local passvar=$1; shift
    if [ -n "$passvar" ]; then printf '%s\n' "${!passvar}" | swaks "$@"
    else swaks "$@" </dev/null; fi
}

send_curl() {
    local name=$1 leg=$2 port=$3 from=$4 rcpt=$5 body=$6 subject=$7 user=$8 mech=$9 passvar=${10}
    local eml=$WORK/$name.eml url opts=()
    # curl sends the file as is: CRLF line ends; dot-stuffing is curl's job.
    { printf 'From: <%s>\nTo: <%s>\nSubject: %s\n\n' "$from" "$rcpt" "$subject"; cat "$body"; } | sed 's/$/\r/' >"$eml"
    case "$leg" in
        plain) url=smtp://127.0.0.1:$port/curl.interop.test ;;
        starttls) url=smtp://127.0.0.1:$port/curl.interop.test; opts+=(--ssl-reqd --cacert "$TAP_CA") ;;
        smtps) url=smtps://127.0.0.1:$port/curl.interop.test; opts+=(--cacert "$TAP_CA") ;;
    esac
    [ -z "$user" ] || opts+=(--login-options "AUTH=$mech")
    # The credentials go in on stdin as a curl config file (-K -), not on the command line.
    if [ -n "$user" ]; then printf 'user = "%s:%s"\n' "$user" "${!passvar}"; fi |
        curl -v -sS --max-time 20 -K - --url "$url" --mail-from "$from" --mail-rcpt "$rcpt" --upload-file "$eml" \
            "${opts[@]}" >"$WORK/$name.out" 2>&1
}

send_smtplib() {
    local name=$1 leg=$2 port=$3 from=$4 rcpt=$5 body=$6 subject=$7 user=$8 mech=$9 passvar=${10}
    local mode=$leg opts=()
    [ "$leg" != smtps ] || mode=ssl
    [ -z "$user" ] || opts+=(--user "$user" --password-env "$passvar" --mech "$mech")
    rigtool send --port "$port" --mode "$mode" --cafile "$TAP_CA" --from "$from" --to "$rcpt" \
        --subject "$subject" --body-file "$body" "${opts[@]}" >"$WORK/$name.out" 2>&1 </dev/null
}

send_mailkit() {
    local name=$1 leg=$2 port=$3 from=$4 rcpt=$5 body=$6 subject=$7 user=$8 mech=$9 passvar=${10}
    local opts=()
    [ -z "$user" ] || opts+=(--user "$user" --password-env "$passvar" --mech "$mech")
    dotnet "$CLIENT_DLL" --host 127.0.0.1 --port "$port" --mode "$leg" --ca "$TAP_CA" --from "$from" --to "$rcpt" \
        --subject "$subject" --body-file "$body" "${opts[@]}" >"$WORK/$name.out" 2>&1 </dev/null
}

# openssl s_client -quiet -crlf driven line by line through a coprocess (-quiet keeps Q/R/K lines from
# being s_client commands). The plain leg has no s_client: rigtool.py pipe is the same thing over TCP.
send_s_client() {
    local name=$1 leg=$2 port=$3 from=$4 rcpt=$5 body=$6 subject=$7 user=$8 mech=$9 passvar=${10}
    local out=$WORK/$name.out cmd rc=0
    case "$leg" in
        plain) cmd=("$RIG_PYTHON" "$HERE/rigtool.py" pipe --port "$port") ;;
        starttls) cmd=(openssl s_client -quiet -crlf -starttls smtp -connect "127.0.0.1:$port" -CAfile "$TAP_CA"
                       -verify_return_error -verify_ip 127.0.0.1) ;;
        smtps) cmd=(openssl s_client -quiet -crlf -connect "127.0.0.1:$port" -CAfile "$TAP_CA"
                    -verify_return_error -verify_ip 127.0.0.1) ;;
    esac
    : >"$out"
    coproc SCL { exec timeout 30 "${cmd[@]}" 2>&1; }
    # Bash closes the coproc fds and unsets SCL_PID once it exits (right after 221): keep copies.
    local sc_in sc_out pid=$SCL_PID line
    exec {sc_in}>&"${SCL[1]}" {sc_out}<&"${SCL[0]}"
    sc_expect() {  # read reply lines up to the last line of a reply; succeed if it has code $1
        while IFS= read -r -t 15 line <&"$sc_out"; do
            line=${line%$'\r'}
            printf '%s\n' "$line" >>"$out"
            case "$line" in
                "$1 "*) return 0 ;;
                [0-9][0-9][0-9]" "*) echo "wanted $1, got: $line" >>"$out"; return 1 ;;
            esac
        done
        echo "no $1 reply (timeout or connection closed)" >>"$out"; return 1
    }
    # Wait for a multi-line 250 reply: after the handshake s_client prints the last line of the
    # pre-TLS EHLO reply, a lone "250 ..." to skip. With AUTH the reply must offer it.
    sc_expect_ehlo() {
        local multi='' auth=
        while IFS= read -r -t 15 line <&"$sc_out"; do
            line=${line%$'\r'}
            printf '%s\n' "$line" >>"$out"
            case "$line" in
                "250-AUTH "*) auth=1; multi=1 ;;
                250-*) multi=1 ;;
                "250 "*) if [ -n "$multi" ]; then
                             [ -z "$user" ] || [ -n "$auth" ] || { echo "EHLO reply offers no AUTH" >>"$out"; return 1; }
                             return 0
                         fi ;;
                [0-9][0-9][0-9]" "*) echo "EHLO failed: $line" >>"$out"; return 1 ;;
            esac
        done
        echo "no multi-line EHLO reply" >>"$out"; return 1
    }
    say() { printf '%s\n' "$1" >>"$out"; printf '%s\n' "$1" >&"$sc_in"; }
    say_secret() { printf '%s\n' "******** [$2]" >>"$out"; printf '%s\n' "$1" >&"$sc_in"; }
    sc_auth() {
        local pw=${!passvar}
        case "$mech" in
            LOGIN)
                say "AUTH LOGIN"; sc_expect 334 || return 1
                say_secret "$(printf %s "$user" | base64 -w0)" user; sc_expect 334 || return 1
                say_secret "$(printf %s "$pw" | base64 -w0)" password; sc_expect 235 ;;
            PLAIN)
                say_secret "AUTH PLAIN $(printf '\0%s\0%s' "$user" "$pw" | base64 -w0)" "AUTH PLAIN"; sc_expect 235 ;;
        esac
    }
    sc_steps() {
        [ "$leg" = starttls ] || sc_expect 220 || return 1
        say "EHLO s-client.interop.test"; sc_expect_ehlo || return 1
        [ -z "$user" ] || sc_auth || return 1
        say "MAIL FROM:<$from>";          sc_expect 250 || return 1
        say "RCPT TO:<$rcpt>";            sc_expect 250 || return 1
        if [ "$VARIANT" = bdat ]; then sc_bdat || return 1; else
            say "DATA";                   sc_expect 354 || return 1
            { printf 'From: <%s>\nTo: <%s>\nSubject: %s\n\n' "$from" "$rcpt" "$subject"; sed 's/^\./../' "$body"; echo .; } >&"$sc_in"
            sc_expect 250 || return 1
        fi
        say "QUIT";                       sc_expect 221
    }
    # BDAT (CHUNKING) in two chunks, no dot-stuffing: the body's "." and ".a" lines are plain content.
    # -crlf sends every LF as CRLF, so a chunk's size is its bytes plus its LFs.
    sc_bdat() {
        local head=$WORK/$name.chunk1 size
        printf 'From: <%s>\nTo: <%s>\nSubject: %s\n\n' "$from" "$rcpt" "$subject" >"$head"
        size=$(( $(wc -c <"$head") + $(wc -l <"$head") ))
        say "BDAT $size";                 cat "$head" >&"$sc_in"; sc_expect 250 || return 1
        size=$(( $(wc -c <"$body") + $(wc -l <"$body") ))
        say "BDAT $size LAST";            cat "$body" >&"$sc_in"; sc_expect 250
    }
    sc_steps || rc=1
    [ $rc = 0 ] || kill "$pid" 2>/dev/null
    exec {sc_in}>&- {sc_out}<&-
    wait "$pid" 2>/dev/null
    return $rc
}

# --- 5. the matrix -----------------------------------------------------------------------------------
# Why a cell does not make sense, or nothing.
skip_reason() {
    local client=$1 leg=$2 up=$3
    : "$client" "$leg" "$up"
    # Every client can do every leg (s_client's plain leg is rigtool.py pipe, the same line-driven
    # session over TCP), and every upstream can take every client leg: the tap secures each leg on its
    # own. The plain upstream has no AUTH, so its cells send without AUTH.
    echo ""
}

# run_cell CLIENT LEG UPSTREAM [VARIANT]: VARIANT (global while the cell runs) is one of pipelining
# (swaks --pipeline), bdat (s_client sends BDAT chunks), large (a 3 MB body), 8bit (raw UTF-8 body).
VARIANT=""
run_cell() {
    local client=$1 leg=$2 up=$3 name="$1-$2-$3${4:++$4}" why
    VARIANT=${4:-}
    wanted "$name" || return 0
    why=$(skip_reason "$client" "$leg" "$up")
    if [ -n "$why" ]; then skip "$name" "$why"; return; fi
    CELL_N=$((CELL_N + 1))
    local token="t$RUN-$CELL_N-${name//+/-}" u r user="" mech="" passvar="" rc
    u=$(cell_user) r=$(cell_rcpt)
    local rcpt_var=RIG_USER_$r box_var=RIG_MAILBOX_$r
    local from="$token@$RIG_DOMAIN" body
    body=$(make_body "$name" "$token")
    if [ "$up" != plain ]; then
        user_var=RIG_USER_$u; user=${!user_var}; passvar=RIG_PASS_$u; mech=$(cell_mech "$client" "$leg")
    fi
    "send_$client" "$name" "$leg" "${TAP_PORT[$up-$leg]}" "$from" "${!rcpt_var}" "$body" "interop $token" \
        "$user" "$mech" "$passvar"
    rc=$?
    [ $rc = 0 ] || { fail "$name" "$client exit $rc: $(last_reply "$WORK/$name.out")"; return; }
    local why_not pats=('client>tap [Mm][Aa][Ii][Ll] [Ff][Rr][Oo][Mm]:<'"$token" 'Message accepted by the server: 250 ')
    [ -z "$user" ] || pats+=('AUTH succeeded: 235 ' 'client>tap .*\*{8}')
    [ "$VARIANT" != bdat ] || pats+=('client>tap BDAT [0-9]+ LAST')
    case "$leg" in
        plain) pats+=('!TLS established with client') ;;
        starttls) pats+=('TLS established with client \(STARTTLS\)') ;;
        smtps) pats+=('TLS established with client \(implicit\)') ;;
    esac
    case "$up" in
        plain) pats+=('!TLS established with upstream') ;;
        *) pats+=('TLS established with upstream: .*verified') ;;
    esac
    why_not=$(expect_delivered "$name" "$token" "${!box_var}" "$body" "$user") || { fail "$name" "$why_not"; return; }
    why_not=$(expect_queue_id "$name") || { fail "$name" "$why_not"; return; }
    why_not=$(expect_transcript "$up" "$token" "${pats[@]}") || { fail "$name" "$why_not"; return; }
    if [ "$client-$leg" = s_client-plain ]; then pass "$name (plain leg: rigtool.py pipe, s_client has no plain mode)"
    else pass "$name"; fi
}

run_matrix() {
    local client leg up
    for up in "${UPSTREAMS[@]}"; do
        for leg in "${LEGS[@]}"; do
            for client in "${CLIENTS[@]}"; do run_cell "$client" "$leg" "$up"; done
        done
    done
    # A few protocol features on top of the matrix, each on a leg/upstream pair where it matters.
    run_cell swaks plain submission pipelining
    run_cell swaks smtps smtps pipelining
    run_cell s_client plain plain bdat
    run_cell s_client smtps submission bdat
    run_cell s_client starttls smtps bdat
    run_cell curl smtps smtps large
    run_cell mailkit plain submission large
    run_cell smtplib plain plain 8bit
    run_cell smtplib starttls submission 8bit
    VARIANT=""
}

# --- 6. negative cells ---------------------------------------------------------------------------------
# The first error reply swaks got (its "<** " / "<~* " lines), without the prefix.
swaks_error_reply() { sed -n -E 's/^<~?\*+ +([2-5][0-9]{2}[ -].*)$/\1/p' "$1" | head -n 1 | tr -d '\r'; }

# neg_swaks NAME PORT RCPT USER PASSVAR TLSOPTS...: run swaks, echo "<exit> <first error reply>".
neg_swaks() {
    local name=$1 port=$2 rcpt=$3 user=$4 passvar=$5 rc; shift 5
    local opts=("$@")
    [ -z "$user" ] || opts+=(--auth LOGIN --auth-user "$user")
    swaks_with_password "$passvar" --server 127.0.0.1 --port "$port" --from "neg-$RUN@$RIG_DOMAIN" \
        --to "$rcpt" --helo neg.interop.test --header "Subject: interop $name" --timeout 20 "${opts[@]}" \
        >"$WORK/$name.out" 2>&1
    rc=$?
    echo "$rc $(swaks_error_reply "$WORK/$name.out")"
}

# same_as_direct NAME WANT_REGEX DIRECT_PORT TAP_PORT RCPT USER PASSVAR DIRECT_TLS TAP_TLS: the tap
# must give the client the same exit status and the same error reply as the server gives directly.
same_as_direct() {
    local name=$1 want=$2 dport=$3 tport=$4 rcpt=$5 user=$6 passvar=$7 dtls=$8 ttls=$9 direct via
    wanted "$name" || return 0
    # shellcheck disable=SC2086  # the TLS option strings are split on purpose
    direct=$(neg_swaks "$name-direct" "$dport" "$rcpt" "$user" "$passvar" $dtls)
    # shellcheck disable=SC2086
    via=$(neg_swaks "$name" "$tport" "$rcpt" "$user" "$passvar" $ttls)
    if ! [[ $direct =~ $want ]]; then fail "$name" "direct to Postfix gave '$direct', expected /$want/"
    elif [ "$direct" != "$via" ]; then fail "$name" "direct: '$direct'; through the tap: '$via'"
    else pass "$name"; fi
}

run_negative_cells() {
    local tls_direct="-tls --tls-verify --tls-ca-path $RIG_CERT" tls_tap="-tls --tls-verify --tls-ca-path $TAP_CA"
    local smtps_direct="--tls-on-connect --tls-verify --tls-ca-path $RIG_CERT"
    local smtps_tap="--tls-on-connect --tls-verify --tls-ca-path $TAP_CA"
    # Relay to an outside domain without AUTH: swaks exit 24 (RCPT refused), same 554 as direct.
    same_as_direct neg-relay-denied-plain '^24 554 5\.7\.1 .*Relay access denied' \
        "$RIG_PORT_PLAIN" "${TAP_PORT[plain-plain]}" "$RIG_OUTSIDE_RCPT" "" "" "" ""
    same_as_direct neg-relay-denied-submission-starttls '^24 554 5\.7\.1 ' \
        "$RIG_PORT_SUBMISSION" "${TAP_PORT[submission-starttls]}" "$RIG_OUTSIDE_RCPT" "" "" "$tls_direct" "$tls_tap"
    same_as_direct neg-relay-denied-submission-plain-leg '^24 554 5\.7\.1 ' \
        "$RIG_PORT_SUBMISSION" "${TAP_PORT[submission-plain]}" "$RIG_OUTSIDE_RCPT" "" "" "$tls_direct" ""
    # Wrong password: swaks exit 28 with the server's own 535.
    same_as_direct neg-wrong-password-submission '^28 535 ' \
        "$RIG_PORT_SUBMISSION" "${TAP_PORT[submission-starttls]}" "$RIG_USER_ALICE" "$RIG_USER_ALICE" WRONG_PASS \
        "$tls_direct" "$tls_tap"
    same_as_direct neg-wrong-password-submission-plain-leg '^28 535 ' \
        "$RIG_PORT_SUBMISSION" "${TAP_PORT[submission-plain]}" "$RIG_USER_BOB" "$RIG_USER_BOB" WRONG_PASS \
        "$tls_direct" ""
    same_as_direct neg-wrong-password-smtps '^28 535 ' \
        "$RIG_PORT_SMTPS" "${TAP_PORT[smtps-smtps]}" "$RIG_USER_CAROL" "$RIG_USER_CAROL" WRONG_PASS \
        "$smtps_direct" "$smtps_tap"
    neg_mailkit_wrong_password
    neg_no_auth_penalty
    neg_upstream_tls_required
    neg_client_drops_mid_data
}

# Right after the wrong-password cells above (all from 127.0.0.1), a correct password is accepted at once: the
# rig's Dovecot has no per-IP auth penalty, which would delay it until Postfix answers 454 4.7.0.
neg_no_auth_penalty() {
    local name=rig-no-auth-penalty-after-failures out t0=$SECONDS
    wanted "$name" || return 0
    out=$(neg_swaks "$name" "$RIG_PORT_SUBMISSION" "$RIG_USER_ALICE" "$RIG_USER_ALICE" RIG_PASS_ALICE \
        -tls --tls-verify --tls-ca-path "$RIG_CERT" --quit-after AUTH)
    if [ "${out%% *}" != 0 ]; then fail "$name" "a correct password after wrong ones gave '$out'"
    elif [ $((SECONDS - t0)) -ge 5 ]; then fail "$name" "a correct password after wrong ones took $((SECONDS - t0)) s (auth penalty?)"
    else pass "$name"; fi
}

# MailKit sees the server's 535 through the tap as well.
neg_mailkit_wrong_password() {
    local name=neg-wrong-password-mailkit-smtps body
    wanted "$name" || return 0
    body=$(make_body "$name" "neg-$RUN")
    if send_mailkit "$name" smtps "${TAP_PORT[smtps-smtps]}" "neg-$RUN@$RIG_DOMAIN" "$RIG_USER_ALICE" "$body" \
            "interop $name" "$RIG_USER_GREGORY" PLAIN WRONG_PASS; then
        fail "$name" "MailKit reported success with a wrong password"
    elif grep -qE '535' "$WORK/$name.out"; then pass "$name"
    else fail "$name" "no 535: $(last_reply "$WORK/$name.out")"; fi
}

# A client that drops the connection in the middle of DATA: the server must not deliver a partial
# message, and the transcript says what happened.
neg_client_drops_mid_data() {
    local name=neg-client-drops-mid-data token="t$RUN-drop" fd line
    wanted "$name" || return 0
    read_reply() {  # the last line of one reply, or nothing on timeout
        while IFS= read -r -t 10 line <&"$fd"; do
            line=${line%$'\r'}
            [ "${line:3:1}" = - ] || { echo "$line"; return 0; }
        done
        return 1
    }
    exec {fd}<>"/dev/tcp/127.0.0.1/${TAP_PORT[plain-plain]}"
    {
        read_reply >/dev/null &&
        printf 'EHLO drop.interop.test\r\n' >&"$fd" && read_reply >/dev/null &&
        printf 'MAIL FROM:<%s@%s>\r\n' "$token" "$RIG_DOMAIN" >&"$fd" && read_reply >/dev/null &&
        printf 'RCPT TO:<%s>\r\n' "$RIG_USER_ALICE" >&"$fd" && read_reply >/dev/null &&
        printf 'DATA\r\n' >&"$fd" && [[ $(read_reply) == 354* ]] &&
        printf 'Subject: %s\r\n\r\nfirst line\r\nsecond line\r\n' "$token" >&"$fd"
    } >"$WORK/$name.out" 2>&1
    local rc=$?
    sleep 0.3
    exec {fd}>&-
    if [ $rc != 0 ]; then fail "$name" "the session did not reach DATA"; return; fi
    local why
    if ! why=$(expect_transcript plain "$token" 'closed the connection in the middle of DATA' 'Session closed'); then
        fail "$name" "$why"
    elif sleep 1; grep -rqF "$token" "$RIG_MAILBOX_ALICE/new"; then fail "$name" "a partial message was delivered"
    else pass "$name"; fi
}

# transcripts_saying TAP TEXT N: exactly N session transcripts of TAP hold TEXT.
transcripts_saying() { [ "$(grep -lF -- "$2" "$WORK/transcripts/$1"/*-s*.log 2>/dev/null | wc -l)" = "$3" ]; }

# --upstream-tls required against a server that offers no STARTTLS: a 421 greeting that says why, on
# the plain and on the implicit-TLS client leg, and the transcript says why too.
neg_upstream_tls_required() {
    local leg name reply want='^421 4\.7\.0 .*STARTTLS' why='does not offer STARTTLS and --upstream-tls is required'
    local -A tls=([plain]="" [smtps]="--tls-on-connect --tls-verify --tls-ca-path $TAP_CA") before
    for leg in plain smtps; do
        name=neg-upstream-tls-required-$leg
        wanted "$name" || continue
        before=$(grep -lF -- "$why" "$WORK/transcripts/required"/*-s*.log 2>/dev/null | wc -l)
        # shellcheck disable=SC2086  # the TLS option string is split on purpose
        neg_swaks "$name" "${TAP_PORT[required-$leg]}" "$RIG_USER_ALICE" "" "" ${tls[$leg]} >/dev/null
        reply=$(swaks_error_reply "$WORK/$name.out")
        if ! [[ $reply =~ $want ]]; then fail "$name" "client got '$reply', expected /$want/"
        elif ! eventually 5 transcripts_saying required "$why" $((before + 1)) >/dev/null; then
            fail "$name" "no new session transcript says '$why'"
        else pass "$name"; fi
    done
}

# --- 7. probe cells --------------------------------------------------------------------------------------
# probe_cell NAME URL CA USER PASSVAR MECH WANT_EXIT [DELIVER]: smtptap probe --json; exit status as
# wanted, and with DELIVER the message is in the mailbox once with its body.
probe_cell() {
    local name=$1 url=$2 ca=$3 user=$4 passvar=$5 mech=$6 want=$7 deliver=${8:-} rc token body why
    wanted "$name" || return 0
    token="t$RUN-$name"
    body=$(make_body "$name" "$token")
    smtptap probe "$url" --ca "$ca" --user "$user" --password-env "$passvar" --auth "$mech" \
        --from "$token@$RIG_DOMAIN" --to "$RIG_USER_ALICE" --subject "interop $token" --body-file "$body" \
        --json >"$WORK/probe-$name.json" 2>"$WORK/probe-$name.err"
    rc=$?
    [ "$rc" = "$want" ] || { fail "$name" "probe exit $rc, expected $want: $(tail -n 1 "$WORK/probe-$name.err" | cut -c1-200)"; return; }
    if [ -n "$deliver" ]; then
        why=$(expect_delivered "$name" "$token" "$RIG_MAILBOX_ALICE" "$body" "$user") || { fail "$name" "$why"; return; }
    fi
    pass "$name"
}

run_probe_cells() {
    probe_cell probe-submission-starttls "smtp://127.0.0.1:$RIG_PORT_SUBMISSION" "$RIG_CERT" \
        "$RIG_USER_GREGORY" RIG_PASS_GREGORY LOGIN 0 deliver
    probe_cell probe-smtps-implicit "smtps://127.0.0.1:$RIG_PORT_SMTPS" "$RIG_CERT" \
        "$RIG_USER_BOB" RIG_PASS_BOB PLAIN 0 deliver
    probe_cell probe-wrong-password "smtp://127.0.0.1:$RIG_PORT_SUBMISSION" "$RIG_CERT" \
        "$RIG_USER_ALICE" WRONG_PASS LOGIN 6
    # The probe as one more client, through the tap (STARTTLS to the tap, STARTTLS upstream).
    probe_cell probe-through-tap-submission "smtp://127.0.0.1:${TAP_PORT[submission-starttls]}" "$TAP_CA" \
        "$RIG_USER_CAROL" RIG_PASS_CAROL CRAM-MD5 0 deliver
}

# --- 8. differential suite ------------------------------------------------------------------------------
# Scripted raw sessions (differential/sessions.txt) played directly against Postfix and through a tap in
# front of the same port: every reply code and every delivered message must be equal, or the difference
# must be one of differential/allow.txt (each described in docs/security.md). One cell per session.
run_differential() {
    local line rc out=$WORK/differential.out
    "$RIG_PYTHON" "$HERE/differential.py" --sessions "$HERE/differential/sessions.txt" \
        --allow "$HERE/differential/allow.txt" --maildir "$RIG_MAILDIR" --run "$RUN" \
        --direct "plain=$RIG_PORT_PLAIN" --direct "auth=$RIG_PORT_AUTH_PLAIN" --direct "size=$RIG_PORT_SIZE" \
        --tap "plain=${TAP_PORT[diff-plain]}" --tap "auth=${TAP_PORT[diff-auth]}" --tap "size=${TAP_PORT[diff-size]}" \
        ${SMTPTAP_INTEROP_ONLY:+--only "$SMTPTAP_INTEROP_ONLY"} >"$out" 2>"$WORK/differential.err" </dev/null
    rc=$?
    while IFS= read -r line; do
        case "$line" in
            "PASS "*) pass "${line#PASS }" ;;
            "FAIL "*) line=${line#FAIL }; fail "${line%% *}" "${line#* }" ;;
            *) report "$line" ;;
        esac
    done <"$out"
    if [ "$rc" != 0 ] && [ "$rc" != 1 ]; then
        fail diff-player "differential.py exit $rc: $(tail -n 1 "$WORK/differential.err" | cut -c1-200)"
    fi
}

# --- 8b. behind a load balancer (issue 15, point 6) -------------------------------------------------------
# A private HAProxy (mode tcp, balance roundrobin, send-proxy-v2, no health checks: a dead tap is found by the
# failed connect, which HAProxy retries on the other one) in front of two taps with ?proxy-protocol=v2 listeners
# to the plain port; 8 smtplib clients bound to 127.0.0.11..18, one session per message, retrying failures
# (tests/interop/loadbalancer.py). Phase 1: 200 messages, both taps up. Phase 2: 100 messages, one tap killed
# (SIGKILL) mid-run. Phase 3: a PROXY header forged from an address the tap does not trust.
lbtool() { "$RIG_PYTHON" "$HERE/loadbalancer.py" "$@"; }

# start_haproxy FRONTEND_PORT TAP_PORT...: foreground haproxy (-db) on a generated config; waits for the bind.
start_haproxy() {
    local front=$1 n=0 p; shift
    {
        printf 'global
    maxconn 1024
'
        printf 'defaults
    mode tcp
    timeout connect 2s
    timeout client 30s
    timeout server 30s
'
        printf '    retries 3
    option redispatch 1
'
        printf 'frontend smtp
    bind 127.0.0.1:%s
    default_backend taps
' "$front"
        printf 'backend taps
    balance roundrobin
'
        for p in "$@"; do n=$((n + 1)); printf '    server tap%s 127.0.0.1:%s send-proxy-v2
' "$n" "$p"; done
    } >"$WORK/haproxy.cfg"
    haproxy -db -f "$WORK/haproxy.cfg" >"$WORK/haproxy.log" 2>&1 </dev/null &
    local pid=$! i
    LB_PIDS+=("$pid")
    tap_watchdog "$pid" >/dev/null 2>&1 </dev/null &
    for i in $(seq 50); do
        ss -Hltn "sport = :$front" 2>/dev/null | grep -q . && return 0
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    return 1
}

# lb_report OUTPUT_FILE: the PASS/FAIL lines of loadbalancer.py check, counted like the other cells.
lb_report() {
    local line
    while IFS= read -r line; do
        case "$line" in
            "PASS "*) pass "${line#PASS }" ;;
            "FAIL "*) line=${line#FAIL }; fail "${line%% *}" "${line#* }" ;;
            *) report "$line" ;;
        esac
    done <"$1"
}

run_lb_cells() {
    local cells=(lb-haproxy-200-delivered-once lb-haproxy-200-transcripts-show-original-client
        lb-tap-killed-mid-run-delivered-once lb-forged-proxy-header-from-untrusted-address-refused) c any=""
    for c in "${cells[@]}"; do wanted "$c" && any=1; done
    [ -n "$any" ] || return 0
    if ! command -v haproxy >/dev/null 2>&1; then
        for c in "${cells[@]}"; do skip "$c" "haproxy is not installed (setup.sh installs it)"; done
        return 0
    fi
    local t0 ports pid_b since sender accepted_at_kill=0 i out ctrl
    t0=$(date +%s)
    mapfile -t ports < <(rigtool free-ports 4)
    start_tap lb-a "${UPSTREAM_URL[plain]}" -- --listen "smtp://127.0.0.1:${ports[1]}?proxy-protocol=v2"
    start_tap lb-b "${UPSTREAM_URL[plain]}" -- --listen "smtp://127.0.0.1:${ports[2]}?proxy-protocol=v2"
    pid_b=${TAP_PIDS[-1]}
    start_tap lb-forged "${UPSTREAM_URL[plain]}" -- --listen "smtp://127.0.0.1:${ports[3]}?proxy-protocol=v2" \
        --trusted-proxy 127.0.0.2/32
    LB_TAPS+=(lb-a lb-forged)
    if ! start_haproxy "${ports[0]}" "${ports[1]}" "${ports[2]}"; then
        for c in "${cells[@]}"; do fail "$c" "haproxy did not start: $(tail -n 1 "$WORK/haproxy.log" | cut -c1-200)"; done
        return 0
    fi

    # Phase 1: 200 messages from 8 concurrent clients, both taps up.
    since=$(date +%s)
    lbtool send --port "${ports[0]}" --rcpt "$RIG_USER_ALICE" --domain "$RIG_DOMAIN" --prefix "lb$RUN" \
        --count 200 --clients 8 --out "$WORK/lb-1.jsonl" 2>"$WORK/lb-1.err"
    lbtool check --results "$WORK/lb-1.jsonl" --maildir "$RIG_MAILBOX_ALICE" --since "$since" --count 200 \
        --phase lb-haproxy-200 --transcripts "$WORK/transcripts/lb-a" "$WORK/transcripts/lb-b" >"$WORK/lb-1.check" 2>&1
    lb_report "$WORK/lb-1.check"

    # Phase 2: 100 messages; tap b is killed (SIGKILL) once 30 of them are accepted.
    since=$(date +%s)
    lbtool send --port "${ports[0]}" --rcpt "$RIG_USER_ALICE" --domain "$RIG_DOMAIN" --prefix "lbkill$RUN" \
        --count 100 --clients 8 --out "$WORK/lb-2.jsonl" 2>"$WORK/lb-2.err" &
    sender=$!
    for i in $(seq 300); do
        accepted_at_kill=$(grep -c '"accepted": true' "$WORK/lb-2.jsonl" 2>/dev/null)
        [ "${accepted_at_kill:-0}" -lt 30 ] && kill -0 "$sender" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid_b" 2>/dev/null
    wait "$pid_b" 2>/dev/null  # reaped here, so bash does not print "Killed"
    wait "$sender"
    # The killed tap is no longer one that must be healthy; its half-written transcripts leave the checked tree.
    for i in "${!TAP_PIDS[@]}"; do [ "${TAP_PIDS[$i]}" != "$pid_b" ] || unset 'TAP_PIDS[i]'; done
    TAP_PIDS=("${TAP_PIDS[@]}")
    mkdir -p "$WORK/killed" && mv "$WORK/transcripts/lb-b" "$WORK/killed/"
    lbtool check --results "$WORK/lb-2.jsonl" --maildir "$RIG_MAILBOX_ALICE" --since "$since" --count 100 \
        --phase lb-tap-killed-mid-run >"$WORK/lb-2.check" 2>&1
    if [ "${accepted_at_kill:-0}" -ge 100 ]; then
        fail lb-tap-killed-mid-run-delivered-once "the clients finished before the tap was killed"
    elif grep -q '^PASS ' "$WORK/lb-2.check"; then
        pass "$(sed -n 's/^PASS //p' "$WORK/lb-2.check" | sed "s/(/(tap b killed after $accepted_at_kill of 100 accepted; /")"
    else
        lb_report "$WORK/lb-2.check"
    fi

    # Phase 3: a client that connects to a tap directly and forges the header, from 127.0.0.1 (not trusted by
    # that tap); the same header from 127.0.0.2 (trusted) is the control.
    local name=lb-forged-proxy-header-from-untrusted-address-refused
    out=$(lbtool forge --port "${ports[3]}" --bind 127.0.0.1 --claim 203.0.113.66:4444 2>&1)
    ctrl=$(lbtool forge --port "${ports[3]}" --bind 127.0.0.2 --claim 203.0.113.77:5555 2>&1)
    if [ "$out" != "refused: 0 bytes before the close" ]; then fail "$name" "from 127.0.0.1: $out"
    elif [[ $ctrl != greeted:\ 220* ]]; then fail "$name" "the control from trusted 127.0.0.2 was not greeted: $ctrl"
    elif ! eventually 5 grep -q 'Refused 127.0.0.1:[0-9]* on .* without a greeting: 127.0.0.1 is not a trusted proxy' \
            "$WORK/tap-lb-forged.out"; then fail "$name" "the tap did not log why it refused 127.0.0.1"
    elif ! eventually 5 grep -qr 'Client 203.0.113.77:5555 connected' "$WORK/transcripts/lb-forged"; then
        fail "$name" "no transcript of the control session from 127.0.0.2"
    elif grep -rq '203.0.113.66' "$WORK/transcripts/lb-forged" "$WORK/tap-lb-forged.out"; then
        fail "$name" "the forged client address 203.0.113.66 reached the tap's output"
    else pass "$name"; fi

    for i in "${LB_PIDS[@]}"; do kill "$i" 2>/dev/null; wait "$i" 2>/dev/null; done
    LB_PIDS=()
    report "load-balancer cells took $(($(date +%s) - t0)) s"
}

# --- 9. secrets and transcripts ------------------------------------------------------------------------
secret_scan() {
    local name=secrets-absent-from-transcripts-and-output files=() u vars=(--secret-env WRONG_PASS) out
    wanted "$name" || return 0
    for u in $RIG_USERS; do vars+=(--secret-env "RIG_PASS_$u"); done
    export RIG_PASS_ALICE RIG_PASS_GREGORY RIG_PASS_BOB RIG_PASS_CAROL
    mapfile -t files < <(find "$WORK/transcripts" -type f; ls "$WORK"/tap-*.out "$WORK"/tap-*.err "$WORK"/probe-*; echo "$REPORT")
    local n_tr
    n_tr=$(find "$WORK/transcripts" -type f -name '*-s*.log' | wc -l)
    if out=$(rigtool scan-secrets "${vars[@]}" "${files[@]}"); then
        pass "$name ($n_tr session transcripts, ${#files[@]} files)"
    else
        fail "$name" "$(printf '%s' "$out" | tr '\n' ';' | sed "s|$WORK/||g" | cut -c1-300)"
    fi
}

# Every tap still runs, wrote nothing to stderr and no stack trace, and every session it logged
# was closed (no session left hanging after its client finished).
taps_healthy() {
    local name=taps-healthy-and-sessions-closed tap i problems=() open
    wanted "$name" || return 0
    for i in "${!TAP_PIDS[@]}"; do kill -0 "${TAP_PIDS[$i]}" 2>/dev/null || problems+=("tap #$i exited"); done
    for tap in "${UPSTREAMS[@]}" required diff-auth diff-size "${LB_TAPS[@]}" "${OAUTH_TAPS[@]}" "${INJECT_TAPS[@]}"; do
        [ ! -s "$WORK/tap-$tap.err" ] || problems+=("tap $tap stderr: $(head -c 150 "$WORK/tap-$tap.err" | tr '\n' ' ')")
        ! grep -qE 'Unhandled exception|^ +at [A-Za-z]' "$WORK/tap-$tap.out" || problems+=("tap $tap printed a stack trace")
    done
    local f last
    for i in $(seq 200); do
        open=$(grep -L 'Session closed' "$WORK/transcripts"/*/*-s*.log | wc -l)
        [ "$open" = 0 ] && break
        sleep 0.1
    done
    if [ "$open" != 0 ]; then
        problems+=("$open session transcripts have no 'Session closed' line after 20 s")
        # Name each one with its last line, so a hanging session can be told from a late flush.
        for f in $(grep -L 'Session closed' "$WORK/transcripts"/*/*-s*.log | head -3); do
            last=$(tail -n 1 "$f" | cut -c1-160)
            problems+=("${f#"$WORK"/transcripts/}: ${last:-empty}")
        done
    fi
    if [ ${#problems[@]} = 0 ]; then pass "$name"; else fail "$name" "$(IFS=';'; echo "${problems[*]}")"; fi
}

# --- 8c. OAuth2 bridge (issue 13, point 5) ----------------------------------------------------------------
# shellcheck source=tests/interop/oauth-cells.sh
. "$HERE/oauth-cells.sh"
# --- 8d. --inject-auth, mechanism translation, account test (issue 13, point 3) -----------------------------
# shellcheck source=tests/interop/inject-cells.sh
. "$HERE/inject-cells.sh"

main() {
    start_rig
    build
    make_tap_ca
    start_taps
    report "interop matrix: clients {${CLIENTS[*]}} x legs {${LEGS[*]}} x upstreams {${UPSTREAMS[*]}}"
    run_matrix
    run_negative_cells
    run_probe_cells
    run_differential
    run_lb_cells
    run_oauth_cells
    run_inject_cells
    taps_healthy
    secret_scan
    report "interop took $(($(date +%s) - T0)) s"
    DONE=1
    echo "interop: $passed passed, $failed failed, $skipped skipped"
    [ "$failed" = 0 ]
}

main
