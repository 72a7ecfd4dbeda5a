# shellcheck shell=bash
# The --inject-auth, mechanism translation and `account test` cells of run-matrix.sh (issue 13, point 3); sourced by
# it after oauth-cells.sh, uses their helpers (pass/fail, start_tap, start_idp, idp_url, send_<client>, neg_swaks,
# swaks_error_reply, expect_delivered, expect_transcript, rigtool, eventually).
#
# Real parts only: the rig's Postfix (submission port RIG_PORT_SUBMISSION: STARTTLS, then PLAIN LOGIN CRAM-MD5 through
# Dovecot's passwd-file; the OAuth2 port RIG_PORT_OAUTH whose Dovecot validates the loopback provider's tokens), the real
# `smtptap account add/login/test` and `smtptap proxy --inject-auth` / `--oauth2`. One SmtpTap home per purpose:
#   inject-cc     client-credentials OAuth2 account (mailbox RIG_OAUTH_DAEMON) for a tap with --inject-auth
#   inject-pw     password account for bob (server password RIG_PASS_BOB) for a tap with a marked and an unmarked listener
#   translate     password accounts for carol (mechanism auto: PLAIN) and alice (--mechanism cram-md5) behind --oauth2
#   account-test  password account for Gregory, re-logged-in with a wrong server password half-way
# The apps here send no AUTH (cron job, scanner) or LOGIN with the account's app password; the tap authenticates upstream.

INJECT_TAPS=()
declare -A INJECT_PORT
# Secrets of this run: the app passwords the clients (or --inject-auth-password-env) give the tap.
INJECT_CC_APP_PASS="Inject-Cc-App-$RUN-$RANDOM$RANDOM"
INJECT_PW_APP_PASS="Inject-Pw-App-$RUN-$RANDOM$RANDOM"
TRANSLATE_APP_PASS="Translate-App-$RUN-$RANDOM$RANDOM"
ACCTEST_APP_PASS="Acctest-App-$RUN-$RANDOM$RANDOM"
export INJECT_CC_APP_PASS INJECT_PW_APP_PASS TRANSLATE_APP_PASS ACCTEST_APP_PASS

inject_cells() {
    printf '%s\n' inject-oauth-swaks-noauth inject-oauth-curl-noauth inject-listener-mark translate-login-to-plain \
        translate-login-to-cram-md5 translate-wrong-app-password-535-no-upstream-auth account-test-rig \
        inject-and-bridge-one-tap inject-secrets-absent-from-outputs-and-homes
}

# inj_account HOME ARGS...: `smtptap account ARGS` in $WORK/homes/HOME; output appended to inject-cmd-HOME.out.
inj_account() {
    local home=$1; shift
    SMTPTAP_HOME=$WORK/homes/$home dotnet "$TAP_DLL" account "$@" >>"$WORK/inject-cmd-$home.out" 2>&1 </dev/null
}

# The accounts of every cell; prints why when one step fails.
inject_setup_accounts() {
    mkdir -p "$WORK/homes"
    inj_account inject-cc add icc --provider generic --client-id smtptap-daemon --client-secret-env OAUTH_CLIENT_SECRET \
        --token-endpoint "$(idp_url connect/token)" --scope smtp --flow client-credentials --user "$RIG_OAUTH_DAEMON" &&
    inj_account inject-cc login icc --app-password-env INJECT_CC_APP_PASS || { echo "account icc: $(tail -n 1 "$WORK/inject-cmd-inject-cc.out")"; return 1; }
    inj_account inject-pw add ipw --provider password --user "$RIG_USER_BOB" &&
    inj_account inject-pw login ipw --password-env RIG_PASS_BOB --app-password-env INJECT_PW_APP_PASS ||
        { echo "account ipw: $(tail -n 1 "$WORK/inject-cmd-inject-pw.out")"; return 1; }
    inj_account translate add tplain --provider password --user "$RIG_USER_CAROL" &&
    inj_account translate login tplain --password-env RIG_PASS_CAROL --app-password-env TRANSLATE_APP_PASS &&
    inj_account translate add tcram --provider password --user "$RIG_USER_ALICE" --mechanism cram-md5 &&
    inj_account translate login tcram --password-env RIG_PASS_ALICE --app-password-env TRANSLATE_APP_PASS ||
        { echo "accounts tplain/tcram: $(tail -n 1 "$WORK/inject-cmd-translate.out")"; return 1; }
    inj_account account-test add gtest --provider password --user "$RIG_USER_GREGORY" &&
    inj_account account-test login gtest --password-env RIG_PASS_GREGORY --app-password-env ACCTEST_APP_PASS ||
        { echo "account gtest: $(tail -n 1 "$WORK/inject-cmd-account-test.out")"; return 1; }
}

# inj_swaks NAME PORT FROM RCPT [SWAKS_OPTS...]: swaks without AUTH (no password anywhere); echoes "<exit> <first error reply>".
inj_swaks() {
    local name=$1 port=$2 from=$3 rcpt=$4 rc; shift 4
    swaks --server 127.0.0.1 --port "$port" --from "$from" --to "$rcpt" --helo cron.interop.test \
        --header "Subject: interop $from" --body "@$WORK/$name.body" --timeout 20 "$@" >"$WORK/$name.out" 2>&1 </dev/null
    rc=$?
    echo "$rc $(swaks_error_reply "$WORK/$name.out")"
}

# authed_as CELL USER: the delivered copy's Received header names USER as the SASL user Postfix accepted.
authed_as() {
    grep -qF "(Authenticated sender: $2)" "$(cat "$WORK/$1.delivered")" ||
        { echo "the delivered copy was not authenticated as $2: $(grep -o 'Authenticated sender: [^)]*' "$(cat "$WORK/$1.delivered")")"; return 1; }
}

# injected_delivery NAME TAP PORT TOKEN USER PATTERN...: swaks without AUTH to PORT; the message must be delivered once as
# USER (Postfix's Received header) and the session's transcript of TAP must match every PATTERN. Echoes why not.
injected_delivery() {
    local name=$1 tap=$2 port=$3 token=$4 user=$5 via; shift 5
    via=$(inj_swaks "$name" "$port" "$token@$RIG_DOMAIN" "$RIG_USER_ALICE")
    [ "${via%% *}" = 0 ] || { echo "swaks gave '$via'"; return 1; }
    expect_delivered "$name" "$token" "$RIG_MAILBOX_ALICE" "$WORK/$name.body" "$user" && authed_as "$name" "$user" &&
        expect_transcript "$tap" "$token@" "$@"
}

# 1. A cron job without AUTH through a tap with --inject-auth of an OAuth2 account (client credentials) to the OAuth2 port:
# delivered once, as the account's mailbox, the transcript shows the injection and the token masked.
inject_oauth_cell() {
    local client=$1 name="inject-oauth-$1-noauth" token why
    wanted "$name" || return 0
    token="t$RUN-$name"
    VARIANT=""
    make_body "$name" "$token" >/dev/null
    "send_$client" "$name" plain "${INJECT_PORT[oauth]}" "$token@$RIG_DOMAIN" "$RIG_USER_ALICE" "$WORK/$name.body" \
        "interop $token" "" "" "" || { fail "$name" "$client exit $?: $(last_reply "$WORK/$name.out")"; return; }
    why=$(expect_delivered "$name" "$token" "$RIG_MAILBOX_ALICE" "$WORK/$name.body" "$RIG_OAUTH_DAEMON") || { fail "$name" "$why"; return; }
    why=$(authed_as "$name" "$RIG_OAUTH_DAEMON") || { fail "$name" "$why"; return; }
    why=$(expect_transcript inject-oauth "$token" '!client>tap AUTH' \
        "AUTH injected: account icc -> server XOAUTH2, token for $RIG_OAUTH_DAEMON (from cache|refreshed)" \
        'tap>server AUTH XOAUTH2 \*{8}$' 'server>tap 235 ' 'Message accepted by the server: 250 ') || { fail "$name" "$why"; return; }
    pass "$name (no AUTH from $client -> XOAUTH2 as $RIG_OAUTH_DAEMON)"
}

# 2. One tap, two listeners, only one marked ?inject-auth, upstream the submission port, password account of bob. The same
# message without AUTH: on the marked listener delivered as bob; on the other one refused by Postfix exactly as directly.
inject_mark_cell() {
    local name=inject-listener-mark token why direct via want='^24 554 5\.7\.1 '
    wanted "$name" || return 0
    token="t$RUN-$name"
    make_body "$name" "$token" >/dev/null
    make_body "$name-unmarked" "$token-unmarked" >/dev/null
    make_body "$name-direct" "$token-direct" >/dev/null
    grep -qF "AUTH injection on smtp://127.0.0.1:${INJECT_PORT[marked]}?inject-auth:" "$WORK/tap-inject-mark.out" &&
        ! grep -qF "127.0.0.1:${INJECT_PORT[unmarked]}?inject-auth" "$WORK/tap-inject-mark.out" ||
        { fail "$name" "the start-up line does not name the marked listener only"; return; }
    why=$(injected_delivery "$name" inject-mark "${INJECT_PORT[marked]}" "$token" "$RIG_USER_BOB" \
        "AUTH injected: account ipw -> server PLAIN, stored password of account 'ipw'" 'tap>server AUTH PLAIN \*{8}$' 'server>tap 235 ') ||
        { fail "$name" "marked listener: $why"; return; }
    # Unmarked: the server's AUTH is offered and nothing is injected; Postfix refuses the unauthenticated RCPT itself.
    direct=$(inj_swaks "$name-direct" "$RIG_PORT_SUBMISSION" "$token-direct@$RIG_DOMAIN" "$RIG_USER_ALICE" \
        -tls --tls-verify --tls-ca-path "$RIG_CERT")
    via=$(inj_swaks "$name-unmarked" "${INJECT_PORT[unmarked]}" "$token-unmarked@$RIG_DOMAIN" "$RIG_USER_ALICE")
    if ! [[ $direct =~ $want ]]; then fail "$name" "direct to Postfix gave '$direct', expected /$want/"; return
    elif [ "$direct" != "$via" ]; then fail "$name" "unmarked listener: '$via'; direct: '$direct'"; return; fi
    grep -qE '^<- +250[- ]AUTH .*PLAIN' "$WORK/$name-unmarked.out" || { fail "$name" "the unmarked listener did not offer the server's AUTH"; return; }
    ! grep -qE '^<- +250[- ]AUTH' "$WORK/$name.out" || { fail "$name" "the marked listener offered AUTH"; return; }
    why=$(expect_transcript inject-mark "$token-unmarked@" '!AUTH injected' '!tap>server AUTH') || { fail "$name" "$why"; return; }
    sleep 1
    ! grep -rqF "$token-unmarked" "$RIG_MAILBOX_ALICE/new" || { fail "$name" "the unmarked listener's message was delivered"; return; }
    pass "$name (marked: delivered as $RIG_USER_BOB; unmarked: '${via#* }' as direct)"
}

# 3. A legacy client speaks LOGIN to the tap (--oauth2) as a password account's user with the app password; the tap
# authenticates upstream with the stored password in another mechanism: PLAIN (account auto), CRAM-MD5 (account
# --mechanism cram-md5; Dovecot's passwd-file holds plaintext passwords, which CRAM-MD5 needs).
translate_cell() {
    local client=$1 upmech=$2 account=$3 user=$4 name=$5 token why
    wanted "$name" || return 0
    token="t$RUN-$name-$client"
    VARIANT=""
    make_body "$name-$client" "$token" >/dev/null
    "send_$client" "$name-$client" plain "${INJECT_PORT[translate]}" "$token@$RIG_DOMAIN" "$RIG_USER_BOB" \
        "$WORK/$name-$client.body" "interop $token" "$user" LOGIN TRANSLATE_APP_PASS ||
        { echo "$client exit $?: $(last_reply "$WORK/$name-$client.out")"; return 1; }
    why=$(expect_delivered "$name-$client" "$token" "$RIG_MAILBOX_BOB" "$WORK/$name-$client.body" "$user") || { echo "$client: $why"; return 1; }
    why=$(authed_as "$name-$client" "$user") || { echo "$client: $why"; return 1; }
    why=$(expect_transcript translate "$token" 'client>tap AUTH LOGIN' \
        "AUTH bridged: client LOGIN as $user \\(app password ok\\) -> server $upmech, stored password of account '$account'" \
        "tap>server AUTH $upmech" 'server>tap 235 ' '!tap>server AUTH LOGIN' 'Message accepted by the server: 250 ') ||
        { echo "$client: $why"; return 1; }
}

translate_cells() {
    local name why
    name=translate-login-to-plain
    if wanted "$name"; then
        if why=$(translate_cell smtplib PLAIN tplain "$RIG_USER_CAROL" "$name") &&
           why=$(translate_cell swaks PLAIN tplain "$RIG_USER_CAROL" "$name"); then
            pass "$name (smtplib and swaks LOGIN -> server PLAIN as $RIG_USER_CAROL)"
        else fail "$name" "$why"; fi
    fi
    name=translate-login-to-cram-md5
    if wanted "$name"; then
        if why=$(translate_cell smtplib CRAM-MD5 tcram "$RIG_USER_ALICE" "$name") &&
           why=$(translate_cell swaks CRAM-MD5 tcram "$RIG_USER_ALICE" "$name"); then
            pass "$name (smtplib and swaks LOGIN -> server CRAM-MD5 as $RIG_USER_ALICE)"
        else fail "$name" "$why"; fi
    fi
}

# A wrong app password: 535 5.7.8 from the tap, no AUTH to the server (the transcript has no tap>server AUTH, and the rig's
# Dovecot logs no authentication of that user while the cell runs).
translate_wrong_cell() {
    local name=translate-wrong-app-password-535-no-upstream-auth before reply file
    wanted "$name" || return 0
    before=$(wc -l <"$RIG_DOVECOT_LOG" 2>/dev/null || echo 0)
    reply=$(neg_swaks "$name" "${INJECT_PORT[translate]}" "$RIG_USER_BOB" "$RIG_USER_CAROL" WRONG_PASS)
    file=$(eventually 5 grep -lF "AUTH refused by the tap: wrong app password for account 'tplain' (client LOGIN as $RIG_USER_CAROL)" \
        "$WORK/transcripts/translate"/*-s*.log | head -n 1)
    sleep 1
    if ! [[ $reply =~ ^[0-9]+\ 535\ 5\.7\.8 ]]; then fail "$name" "client got '$reply', expected 535 5.7.8"
    elif [ -z "$file" ]; then fail "$name" "no transcript says the tap refused the wrong app password"
    elif grep -q 'tap>server AUTH' "$file"; then fail "$name" "the tap sent AUTH upstream"
    elif tail -n +$((before + 1)) "$RIG_DOVECOT_LOG" | grep -qi "${RIG_USER_CAROL%@*}"; then
        fail "$name" "Dovecot logged an authentication of $RIG_USER_CAROL during the cell"
    else pass "$name"; fi
}

# 4. `smtptap account test` against the submission port: 235 and exit 0; after the account is re-logged-in with a wrong
# server password, the probe's AUTH exit code 6 and the server's 535.
account_test_cell() {
    local name=account-test-rig rc out=$WORK/inject-cmd-account-test.out
    wanted "$name" || return 0
    acct_test() {
        SMTPTAP_HOME=$WORK/homes/account-test dotnet "$TAP_DLL" account test gtest --server "smtp://127.0.0.1:$RIG_PORT_SUBMISSION" \
            --ca "$RIG_CERT" --app-password-env ACCTEST_APP_PASS >"$WORK/inject-cmd-account-test-$1.out" 2>&1 </dev/null
    }
    acct_test good; rc=$?
    [ "$rc" = 0 ] || { fail "$name" "account test exit $rc: $(tail -n 1 "$WORK/inject-cmd-account-test-good.out" | cut -c1-200)"; return; }
    grep -qE '(^|[^0-9])235[ -]' "$WORK/inject-cmd-account-test-good.out" || { fail "$name" "exit 0 without a 235 in the output"; return; }
    inj_account account-test login gtest --password-env WRONG_PASS --app-password-env ACCTEST_APP_PASS ||
        { fail "$name" "re-login with another server password failed: $(tail -n 1 "$out" | cut -c1-200)"; return; }
    acct_test wrong; rc=$?
    if [ "$rc" != 6 ]; then fail "$name" "with a wrong stored password: exit $rc, expected 6: $(tail -n 1 "$WORK/inject-cmd-account-test-wrong.out" | cut -c1-200)"
    elif ! grep -qE '(^|[^0-9])535[ -]' "$WORK/inject-cmd-account-test-wrong.out"; then fail "$name" "exit 6 without the server's 535 in the output"
    else pass "$name (235 exit 0; wrong stored password: 535 exit 6)"; fi
}

# 5. One tap with both jobs, upstream the OAuth2 port, the client-credentials account icc: the listener marked ?inject-auth
# injects for a job without AUTH, the other one (--oauth2) bridges an app's PLAIN as the account's user with its app
# password to XOAUTH2. Both delivered as the account's mailbox through one token cache; Dovecot checks each token.
inject_both_cell() {
    local name=inject-and-bridge-one-tap token why
    wanted "$name" || return 0
    token="t$RUN-$name"
    make_body "$name" "$token" >/dev/null
    make_body "$name-app" "$token-app" >/dev/null
    why=$(injected_delivery "$name" inject-both "${INJECT_PORT[both-marked]}" "$token" "$RIG_OAUTH_DAEMON" \
        "AUTH injected: account icc -> server XOAUTH2" 'tap>server AUTH XOAUTH2 \*{8}$' 'server>tap 235 ') ||
        { fail "$name" "marked listener: $why"; return; }
    VARIANT=""
    send_swaks "$name-app" plain "${INJECT_PORT[both-unmarked]}" "$token-app@$RIG_DOMAIN" "$RIG_USER_ALICE" "$WORK/$name-app.body" \
        "interop $token-app" "$RIG_OAUTH_DAEMON" PLAIN INJECT_CC_APP_PASS || { fail "$name" "unmarked: swaks exit $?: $(last_reply "$WORK/$name-app.out")"; return; }
    why=$(expect_delivered "$name-app" "$token-app" "$RIG_MAILBOX_ALICE" "$WORK/$name-app.body" "$RIG_OAUTH_DAEMON") || { fail "$name" "unmarked: $why"; return; }
    why=$(authed_as "$name-app" "$RIG_OAUTH_DAEMON") || { fail "$name" "unmarked: $why"; return; }
    why=$(expect_transcript inject-both "$token-app@" '!AUTH injected' \
        "AUTH bridged: client PLAIN as $RIG_OAUTH_DAEMON \\(app password ok\\) -> server XOAUTH2" \
        'tap>server AUTH XOAUTH2 \*{8}$' 'server>tap 235 ') || { fail "$name" "unmarked: $why"; return; }
    pass "$name (marked: no AUTH -> injected XOAUTH2; unmarked: PLAIN -> bridged XOAUTH2; both as $RIG_OAUTH_DAEMON)"
}

# 6. No app password, stored server password, wrong password, client secret or token of the provider (raw or base64) in any
# tap output, transcript, account command output or file of the homes of these cells.
inject_canary_cell() {
    local name=inject-secrets-absent-from-outputs-and-homes files=() out vars=() v secrets_file=()
    wanted "$name" || return 0
    for v in INJECT_CC_APP_PASS INJECT_PW_APP_PASS TRANSLATE_APP_PASS ACCTEST_APP_PASS OAUTH_CLIENT_SECRET WRONG_PASS \
             RIG_PASS_ALICE RIG_PASS_BOB RIG_PASS_CAROL RIG_PASS_GREGORY; do vars+=(--secret-env "$v"); done
    export RIG_PASS_ALICE RIG_PASS_BOB RIG_PASS_CAROL RIG_PASS_GREGORY
    [ ! -s "$WORK/idp-secrets.txt" ] || secrets_file=(--secrets-file "$WORK/idp-secrets.txt")
    mapfile -t files < <(find "$WORK/homes/inject-cc" "$WORK/homes/inject-pw" "$WORK/homes/translate" "$WORK/homes/account-test" \
        "$WORK/transcripts/inject-oauth" "$WORK/transcripts/inject-mark" "$WORK/transcripts/inject-both" "$WORK/transcripts/translate" -type f 2>/dev/null
        ls "$WORK"/tap-inject-*.out "$WORK"/tap-inject-*.err "$WORK"/tap-translate.out "$WORK"/tap-translate.err \
        "$WORK"/inject-cmd-*.out 2>/dev/null)
    [ ${#files[@]} -ge 10 ] || { fail "$name" "only ${#files[@]} files to scan"; return; }
    if out=$(rigtool scan-secrets "${vars[@]}" "${secrets_file[@]}" "${files[@]}"); then
        pass "$name ($((${#vars[@]} / 2)) secrets + the provider's tokens, ${#files[@]} files)"
    else
        fail "$name" "$(printf '%s' "$out" | tr '\n' ';' | sed "s|$WORK/||g" | cut -c1-300)"
    fi
}

run_inject_cells() {
    local cells c any="" t0 why ports
    mapfile -t cells < <(inject_cells)
    for c in "${cells[@]}"; do wanted "$c" && any=1; done
    [ -n "$any" ] || return 0
    t0=$(date +%s)
    # The provider of the OAuth2 cells, unless they already started it.
    if ! grep -q 'oauth-idp: ready' "$WORK/idp.out" 2>/dev/null; then
        why=$(start_idp) || { for c in "${cells[@]}"; do wanted "$c" && fail "$c" "$why"; done; return 0; }
    fi
    if ! why=$(inject_setup_accounts); then
        for c in "${cells[@]}"; do wanted "$c" && fail "$c" "$why"; done
        return 0
    fi
    mapfile -t ports < <(rigtool free-ports 6)
    INJECT_PORT[oauth]=${ports[0]} INJECT_PORT[marked]=${ports[1]} INJECT_PORT[unmarked]=${ports[2]} INJECT_PORT[translate]=${ports[3]}
    INJECT_PORT[both-marked]=${ports[4]} INJECT_PORT[both-unmarked]=${ports[5]}
    TAP_HOME=$WORK/homes/inject-cc start_tap inject-oauth "smtp://127.0.0.1:$RIG_PORT_OAUTH" "${INJECT_PORT[oauth]}" -- \
        --inject-auth icc --inject-auth-password-env INJECT_CC_APP_PASS
    TAP_HOME=$WORK/homes/inject-pw start_tap inject-mark "smtp://127.0.0.1:$RIG_PORT_SUBMISSION" -- \
        --listen "smtp://127.0.0.1:${INJECT_PORT[marked]}?inject-auth" --listen "smtp://127.0.0.1:${INJECT_PORT[unmarked]}" \
        --inject-auth ipw --inject-auth-password-env INJECT_PW_APP_PASS
    TAP_HOME=$WORK/homes/translate start_tap translate "smtp://127.0.0.1:$RIG_PORT_SUBMISSION" "${INJECT_PORT[translate]}" -- --oauth2
    TAP_HOME=$WORK/homes/inject-cc start_tap inject-both "smtp://127.0.0.1:$RIG_PORT_OAUTH" -- \
        --listen "smtp://127.0.0.1:${INJECT_PORT[both-marked]}?inject-auth" --listen "smtp://127.0.0.1:${INJECT_PORT[both-unmarked]}" \
        --inject-auth icc --inject-auth-password-env INJECT_CC_APP_PASS --oauth2
    INJECT_TAPS+=(inject-oauth inject-mark translate inject-both)
    inject_oauth_cell swaks
    inject_oauth_cell curl
    inject_mark_cell
    translate_cells
    translate_wrong_cell
    account_test_cell
    inject_both_cell
    inject_canary_cell
    report "inject cells took $(($(date +%s) - t0)) s"
}
