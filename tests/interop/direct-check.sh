#!/usr/bin/env bash
# Smoke test of the rig with no proxy in between. Needs a running rig (setup.sh).
# One line per check, "PASS name" or "FAIL name: reason", then "N passed, M failed".
# Exit status 0 only if every check passed.
#
# RIG_TARGET_HOST/RIG_TARGET_PLAIN/RIG_TARGET_SUBMISSION/RIG_TARGET_SMTPS and RIG_TARGET_CA may point the
# same checks at something else on loopback (a proxy in front of the rig); by default they hit the rig.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

[ -r "$RIG_STATE/rig.env" ] || rig_die "$RIG_STATE/rig.env not found; run setup.sh first"
. "$RIG_STATE/rig.env"

H=${RIG_TARGET_HOST:-$RIG_HOST}
case "$H" in 127.*|::1|localhost) ;; *) rig_die "RIG_TARGET_HOST must be a loopback address, got $H" ;; esac
P_PLAIN=${RIG_TARGET_PLAIN:-$RIG_PORT_PLAIN}
P_SUB=${RIG_TARGET_SUBMISSION:-$RIG_PORT_SUBMISSION}
P_SMTPS=${RIG_TARGET_SMTPS:-$RIG_PORT_SMTPS}
CA=${RIG_TARGET_CA:-$RIG_CERT}
FROM=direct-check@$RIG_DOMAIN
RUN=$(date +%Y%m%d%H%M%S)-$$

WORK=$(mktemp -d "${TMPDIR:-/tmp}/rig-check.XXXXXX")
# RIG_KEEP=1 keeps the transcripts ($WORK/<check>.out).
if [ "${RIG_KEEP:-0}" = 1 ]; then echo "transcripts in $WORK"; else trap 'rm -rf "$WORK"' EXIT; fi

passed=0 failed=0
pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }

rigtool() { "$RIG_PYTHON" "$RIG_LIB_DIR/rigtool.py" "$@"; }

# A body with a unique token, a leading-dot line (dot-stuffing) and a long line.
make_body() {
    local f=$WORK/$1.body
    {
        echo "direct-check $1 token rig-$RUN-$1"
        echo "Line two: QUIT and RSET and R and Q at line start below."
        echo "Q"
        echo "R"
        echo ".a line that starts with a dot"
        echo "."
        printf 'x%.0s' $(seq 900); echo
        echo "last line"
    } >"$f"
    echo "$f"
}

# The last server reply line (or error) in a transcript, for failure reasons.
last_reply() { grep -E '^(<~?\*?|<\*\*|\*\*\*) |^[0-9]{3}[ -]|Error|error' "$1" | tail -n 1 | tr -d '\r'; }

# Check that exactly one message holding the token of check $1 reached mailbox $2 with the sent body.
expect_delivered() {
    local name=$1 box=$2 body=$WORK/$1.body path n want got
    path=$(rigtool wait-mail --dir "$box" --token "rig-$RUN-$name" --timeout 15) ||
        { fail "$name" "$path"; return; }
    n=$(grep -rlF "rig-$RUN-$name" "$box/new" | wc -l)
    [ "$n" = 1 ] || { fail "$name" "$n messages hold the token, expected 1"; return; }
    want=$(rigtool body-hash --body "$body")
    got=$(rigtool body-hash --message "$path")
    [ "$want" = "$got" ] || { fail "$name" "body hash differs: sent $want, got $got in $path"; return; }
    pass "$name"
}

# swaks NAME RCPT [swaks options...]: send the NAME body, transcript in $WORK/NAME.out, returns swaks' status.
swaks_send() {
    local name=$1 rcpt=$2; shift 2
    swaks --server "$H" --from "$FROM" --to "$rcpt" --helo check.interop.test \
        --header "Subject: direct-check $name" --body "@$(make_body "$name")" "$@" \
        >"$WORK/$name.out" 2>&1
}

TLSV=(--tls-verify --tls-ca-path "$CA")

# --- plain port ----------------------------------------------------------------------------------
name=plain-swaks-deliver
if swaks_send $name "$RIG_USER_ALICE" --port "$P_PLAIN"; then expect_delivered $name "$RIG_MAILBOX_ALICE"
else fail $name "swaks exit $?: $(last_reply "$WORK/$name.out")"; fi

name=plain-ehlo-no-auth-no-starttls
swaks --server "$H" --port "$P_PLAIN" --quit-after EHLO >"$WORK/$name.out" 2>&1
if ! grep -q '^<- *250' "$WORK/$name.out"; then fail $name "no EHLO reply: $(last_reply "$WORK/$name.out")"
elif grep -qE '^<- *250[ -](AUTH|STARTTLS)' "$WORK/$name.out"; then fail $name "EHLO offers AUTH or STARTTLS"
else pass $name; fi

name=plain-relay-denied
swaks_send $name "$RIG_OUTSIDE_RCPT" --port "$P_PLAIN"; rc=$?
if [ $rc = 24 ] && grep -qE '554 5\.7\.1 .*Relay access denied' "$WORK/$name.out"; then pass $name
else fail $name "swaks exit $rc (want 24): $(last_reply "$WORK/$name.out")"; fi

# --- submission (STARTTLS) -----------------------------------------------------------------------
name=submission-no-auth-before-tls
swaks --server "$H" --port "$P_SUB" --quit-after EHLO >"$WORK/$name.out" 2>&1
if ! grep -qE '^<- *250[ -]STARTTLS' "$WORK/$name.out"; then fail $name "STARTTLS not offered: $(last_reply "$WORK/$name.out")"
elif grep -qE '^<- *250[ -]AUTH' "$WORK/$name.out"; then fail $name "AUTH offered before TLS"
else pass $name; fi

# Gregory: the base64 user name line of AUTH LOGIN starts with R.
name=submission-swaks-tls-auth-login
if swaks_send $name "$RIG_USER_ALICE" --port "$P_SUB" -tls "${TLSV[@]}" \
        --auth LOGIN --auth-user "$RIG_USER_GREGORY" --auth-password "$RIG_PASS_GREGORY"; then
    if grep -q '^ ~> R' "$WORK/$name.out"; then expect_delivered $name "$RIG_MAILBOX_ALICE"
    else fail $name "no AUTH LOGIN line starting with R in the transcript"; fi
else fail $name "swaks exit $?: $(last_reply "$WORK/$name.out")"; fi

name=submission-swaks-tls-auth-plain
if swaks_send $name "$RIG_USER_ALICE" --port "$P_SUB" -tls "${TLSV[@]}" \
        --auth PLAIN --auth-user "$RIG_USER_BOB" --auth-password "$RIG_PASS_BOB"; then
    expect_delivered $name "$RIG_MAILBOX_ALICE"
else fail $name "swaks exit $?: $(last_reply "$WORK/$name.out")"; fi

name=submission-wrong-password-535
swaks_send $name "$RIG_USER_ALICE" --port "$P_SUB" -tls "${TLSV[@]}" \
    --auth LOGIN --auth-user "$RIG_USER_ALICE" --auth-password "not-$RIG_PASS_ALICE"; rc=$?
if [ $rc = 28 ] && grep -qE '<~\*+ +535 ' "$WORK/$name.out"; then pass $name
else fail $name "swaks exit $rc (want 28 and 535): $(last_reply "$WORK/$name.out")"; fi

name=submission-auth-required
swaks_send $name "$RIG_USER_ALICE" --port "$P_SUB" -tls "${TLSV[@]}"; rc=$?
if [ $rc = 24 ] && grep -qE '<~\*+ +554 5\.7\.1 ' "$WORK/$name.out"; then pass $name
else fail $name "swaks exit $rc (want 24 and 554): $(last_reply "$WORK/$name.out")"; fi

name=submission-untrusted-cert-rejected
swaks --server "$H" --port "$P_SUB" -tls --tls-verify --tls-ca-path /etc/ssl/certs/ca-certificates.crt \
    --quit-after TLS >"$WORK/$name.out" 2>&1; rc=$?
if [ $rc = 29 ]; then pass $name
else fail $name "swaks exit $rc (want 29: verification against the system CAs must fail)"; fi

name=submission-authed-relay-discarded
if swaks_send $name "$RIG_OUTSIDE_RCPT" --port "$P_SUB" -tls "${TLSV[@]}" \
        --auth PLAIN --auth-user "$RIG_USER_ALICE" --auth-password "$RIG_PASS_ALICE"; then
    qid=$(sed -n 's/.*250 2\.0\.0 Ok: queued as \([0-9A-Za-z]*\).*/\1/p' "$WORK/$name.out" | tail -n 1)
    found=
    for _ in $(seq 50); do
        if [ -n "$qid" ] && grep -qE "$qid: to=<$RIG_OUTSIDE_RCPT>.*relay=none.*status=sent \(outside-mail-discarded" "$RIG_MAILLOG"; then
            found=1; break
        fi
        sleep 0.2
    done
    if [ -n "$found" ]; then pass $name; else fail $name "no discard line for queue id '$qid' in $RIG_MAILLOG"; fi
else fail $name "swaks exit $?: $(last_reply "$WORK/$name.out")"; fi

# --- smtps (implicit TLS) ------------------------------------------------------------------------
# bob: the base64 password line of AUTH LOGIN starts with Q.
name=smtps-swaks-tlsc-auth-login
if swaks_send $name "$RIG_USER_ALICE" --port "$P_SMTPS" --tls-on-connect "${TLSV[@]}" \
        --auth LOGIN --auth-user "$RIG_USER_BOB" --auth-password "$RIG_PASS_BOB"; then
    if grep -q '^ ~> Q' "$WORK/$name.out"; then expect_delivered $name "$RIG_MAILBOX_ALICE"
    else fail $name "no AUTH LOGIN line starting with Q in the transcript"; fi
else fail $name "swaks exit $?: $(last_reply "$WORK/$name.out")"; fi

# --- curl ----------------------------------------------------------------------------------------
# curl sends the file as is: write it with CRLF line ends (and dot-stuffing is curl's job).
# curl_send NAME URL USER PASSWORD [curl options...]
curl_send() {
    local name=$1 url=$2 user=$3 pass=$4 eml=$WORK/$1.eml
    shift 4
    { printf 'From: <%s>\nTo: <%s>\nSubject: direct-check %s\n\n' "$FROM" "$RIG_USER_ALICE" "$name"
      cat "$(make_body "$name")"; } | sed 's/$/\r/' >"$eml"
    if curl -sS --max-time 20 --url "$url" --ssl-reqd --cacert "$CA" --user "$user:$pass" \
            --mail-from "$FROM" --mail-rcpt "$RIG_USER_ALICE" --upload-file "$eml" "$@" >"$WORK/$name.out" 2>&1; then
        expect_delivered "$name" "$RIG_MAILBOX_ALICE"
    else fail "$name" "curl exit $?: $(tail -n 1 "$WORK/$name.out")"; fi
}
# Left to itself curl picks CRAM-MD5 (the rig offers PLAIN LOGIN CRAM-MD5); the second forces LOGIN,
# whose password line for carol starts with K.
curl_send curl-smtp-starttls-cram-md5 "smtp://$H:$P_SUB" "$RIG_USER_ALICE" "$RIG_PASS_ALICE"
curl_send curl-smtps-auth-login "smtps://$H:$P_SMTPS" "$RIG_USER_CAROL" "$RIG_PASS_CAROL" --login-options AUTH=LOGIN

# --- python smtplib ------------------------------------------------------------------------------
py_send() {
    local name=$1 mode=$2 port=$3 user=$4 pass=$5 mech=$6
    if rigtool send --port "$port" --mode "$mode" --cafile "$CA" --user "$user" --password "$pass" --mech "$mech" \
            --from "$FROM" --to "$RIG_USER_ALICE" --subject "direct-check $name" \
            --body-file "$(make_body "$name")" >"$WORK/$name.out" 2>&1; then
        expect_delivered "$name" "$RIG_MAILBOX_ALICE"
    else fail "$name" "$(tail -n 1 "$WORK/$name.out")"; fi
}
# Left to itself smtplib picks CRAM-MD5 here, so name the mechanism: carol's LOGIN password line starts with K.
py_send python-smtplib-starttls-auth-login starttls "$P_SUB" "$RIG_USER_CAROL" "$RIG_PASS_CAROL" LOGIN
py_send python-smtplib-smtp-ssl-auth-plain ssl "$P_SMTPS" "$RIG_USER_GREGORY" "$RIG_PASS_GREGORY" PLAIN

# --- openssl s_client, scripted ------------------------------------------------------------------
# -quiet (implies -ign_eof) keeps lines starting with Q/R/K from being taken as s_client commands
# (quit, renegotiate, key update); -crlf turns our LF into CRLF. Each step waits for its reply code.
# s_client_session NAME USER PASSWORD LETTER: AUTH LOGIN, and LETTER must start one of the base64 lines.
s_client_session() {
    local name=$1 out=$WORK/$1.out user_b64 pass_b64 line rc=0
    user_b64=$(printf %s "$2" | base64 -w0)
    pass_b64=$(printf %s "$3" | base64 -w0)
    case "${user_b64:0:1}${pass_b64:0:1}" in *"$4"*) ;; *) echo "no base64 line starts with $4"; return 1 ;; esac
    coproc SCL { exec timeout 30 openssl s_client -quiet -crlf -starttls smtp -connect "$H:$P_SUB" \
        -CAfile "$CA" -verify_return_error -verify_hostname localhost -servername localhost 2>&1; }
    # Bash closes the coproc fds and unsets SCL/SCL_PID once s_client exits (it does right after 221):
    # keep our own copies.
    local in from pid=$SCL_PID
    exec {in}>&"${SCL[1]}" {from}<&"${SCL[0]}"
    # expect CODE: read reply lines until the last line of a reply; succeed if it has CODE.
    expect() {
        while IFS= read -r -t 15 line <&"$from"; do
            line=${line%$'\r'}
            printf '%s\n' "$line" >>"$out"
            case "$line" in
                "$1 "*) return 0 ;;
                [0-9][0-9][0-9]" "*) echo "wanted $1, got: $line"; return 1 ;;
            esac
        done
        echo "no $1 reply (timeout or connection closed)"; return 1
    }
    # After the handshake s_client prints the last line of the pre-TLS EHLO reply ("250 CHUNKING");
    # skip one-line 250 replies until the multi-line one that offers AUTH.
    expect_ehlo() {
        local auth=
        while IFS= read -r -t 15 line <&"$from"; do
            line=${line%$'\r'}
            printf '%s\n' "$line" >>"$out"
            case "$line" in
                "250-AUTH "*) auth=1 ;;
                "250 "*) [ -z "$auth" ] || return 0 ;;
                [0-9][0-9][0-9]" "*) echo "EHLO failed: $line"; return 1 ;;
            esac
        done
        echo "no EHLO reply offering AUTH after STARTTLS"; return 1
    }
    say() { printf '%s\n' "$1" >>"$out"; printf '%s\n' "$1" >&"$in"; }
    steps() {
        say "EHLO s-client.interop.test";      expect_ehlo || return 1
        say "AUTH LOGIN";                      expect 334 || return 1
        say "$user_b64";                       expect 334 || return 1
        say "$pass_b64";                       expect 235 || return 1
        say "MAIL FROM:<$FROM>";               expect 250 || return 1
        say "RCPT TO:<$RIG_USER_ALICE>";       expect 250 || return 1
        say "DATA";                            expect 354 || return 1
        { printf 'Subject: direct-check %s\n\n' "$name"; sed 's/^\./../' "$(make_body "$name")"; echo .; } >&"$in"
        expect 250 || return 1
        say "QUIT";                            expect 221
    }
    steps || rc=1
    [ $rc = 0 ] || kill "$pid" 2>/dev/null
    exec {in}>&- {from}<&-
    wait "$pid" 2>/dev/null
    return $rc
}
s_client_check() {
    local reason
    if reason=$(s_client_session "$@"); then expect_delivered "$1" "$RIG_MAILBOX_ALICE"
    else fail "$1" "$reason"; fi
}
s_client_check openssl-s_client-login-Q-password "$RIG_USER_BOB" "$RIG_PASS_BOB" Q
s_client_check openssl-s_client-login-R-user "$RIG_USER_GREGORY" "$RIG_PASS_GREGORY" R
s_client_check openssl-s_client-login-K-password "$RIG_USER_CAROL" "$RIG_PASS_CAROL" K

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
