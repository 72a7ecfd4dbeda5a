# shellcheck shell=bash
# The OAuth2 cells of run-matrix.sh (issue 13, point 5); sourced by it, uses its helpers (pass/fail, start_tap,
# send_<client>, expect_delivered, expect_transcript, rigtool, eventually).
#
# Real parts only: the loopback identity provider (tests/interop/OAuthIdp: OpenIddict, RS256 JWT access tokens) on
# 127.0.0.1:RIG_PORT_IDP, the rig's Postfix port RIG_PORT_OAUTH (STARTTLS, AUTH XOAUTH2/OAUTHBEARER only) whose Dovecot
# checks each token itself (passdb oauth2, local validation against the provider's public key), and the real
# `smtptap account add/login` and `smtptap proxy --oauth2`. One SmtpTap home (SMTPTAP_HOME) and one tap per flow:
#   browser  authorization code + PKCE: `account login --no-browser`, the script follows the printed URL with curl
#   device   device code: the script posts the printed user code to the provider's verification endpoint
#   cc       client credentials (confidential client, mailbox RIG_OAUTH_DAEMON)
# Legacy clients (swaks, curl, smtplib, MailKit) send AUTH PLAIN or LOGIN with the app password in plain to the tap.

IDP_DLL=$ROOT/tests/interop/OAuthIdp/bin/Release/net10.0/oauth-idp.dll
OAUTH_FLOWS=(browser device cc)
OAUTH_CLIENTS=(swaks curl smtplib mailkit)
OAUTH_TAPS=()
declare -A OAUTH_TAP_PORT
# Secrets of this run: the app password the legacy clients send, and the confidential client's secret.
OAUTH_APP_PASS="App-Pw-$RUN-$RANDOM$RANDOM"
OAUTH_CLIENT_SECRET="Client-Secret-$RUN-$RANDOM$RANDOM"
export OAUTH_APP_PASS OAUTH_CLIENT_SECRET

oauth_cells() {
    local f c cells=()
    for f in "${OAUTH_FLOWS[@]}"; do
        cells+=("oauth-login-$f")
        for c in "${OAUTH_CLIENTS[@]}"; do cells+=("oauth-$f-$c"); done
    done
    cells+=(oauth-dovecot-validates-tokens-itself oauth-expired-token-refreshed-transparently
        oauth-50-concurrent-sessions-one-refresh oauth-wrong-app-password-535-idp-not-asked
        oauth-basic-auth-without-account-relayed-and-refused oauth-revoked-refresh-token-454-with-fix
        oauth-secrets-absent-from-outputs-and-home)
    printf '%s\n' "${cells[@]}"
}

idp_url() { echo "http://127.0.0.1:$RIG_PORT_IDP/$1"; }
idp_admin() { curl -sS --max-time 10 -X POST "$(idp_url "admin/$1")"; }
# idp_grants GRANT: token requests of that grant type the provider has logged so far.
idp_grants() { grep -c "\"grant_type\":\"$1\"" "$WORK/idp-requests.jsonl" 2>/dev/null || true; }
idp_lines() { wc -l <"$WORK/idp-requests.jsonl"; }
account_cmd() { local flow=$1; shift; SMTPTAP_HOME=$WORK/homes/$flow dotnet "$TAP_DLL" account "$@"; }
oauth_user() { if [ "$1" = cc ]; then echo "$RIG_OAUTH_DAEMON"; else echo "$RIG_OAUTH_USER"; fi; }

start_idp() {
    [ -f "$IDP_DLL" ] || { echo "build output missing: $IDP_DLL"; return 1; }
    [ -z "$(ss -Hltn "sport = :$RIG_PORT_IDP")" ] || { echo "port $RIG_PORT_IDP (RIG_PORT_IDP) is in use"; return 1; }
    : >"$WORK/idp-requests.jsonl"
    dotnet "$IDP_DLL" --client-secret-env OAUTH_CLIENT_SECRET --port "$RIG_PORT_IDP" --signing-key "$RIG_IDP_KEY" \
        --user "$RIG_OAUTH_USER" --daemon-mailbox "$RIG_OAUTH_DAEMON" --request-log "$WORK/idp-requests.jsonl" \
        --secrets-file "$WORK/idp-secrets.txt" >"$WORK/idp.out" 2>"$WORK/idp.err" </dev/null &
    local pid=$! i
    HELPER_PIDS+=("$pid")
    tap_watchdog "$pid" >/dev/null 2>&1 </dev/null &
    for i in $(seq 150); do
        grep -q 'oauth-idp: ready' "$WORK/idp.out" 2>/dev/null && break
        kill -0 "$pid" 2>/dev/null || { echo "the identity provider exited: $(head -c 200 "$WORK/idp.err")"; return 1; }
        sleep 0.2
    done
    grep -q 'oauth-idp: ready' "$WORK/idp.out" || { echo "the identity provider did not start within 30 s"; return 1; }
    # The key Dovecot checks signatures with (installed by setup.sh) must be the one the provider signs with.
    grep -q "kid $RIG_IDP_KID," "$WORK/idp.out" || { echo "the provider's key id is not $RIG_IDP_KID: $(head -n 1 "$WORK/idp.out")"; return 1; }
    report "oauth: identity provider $(idp_url "") (OpenIddict, kid $RIG_IDP_KID); Dovecot's oauth2 passdb validates its tokens on port $RIG_PORT_OAUTH"
}

oauth_add_accounts() {
    local issuer; issuer=$(idp_url "")
    mkdir -p "$WORK/homes"
    account_cmd browser add browser --provider generic --client-id smtptap-cli --issuer "$issuer" \
        --scope smtp --scope offline_access --flow browser --user "$RIG_OAUTH_USER" >"$WORK/oauth-add.out" 2>&1 &&
    account_cmd device add device --provider generic --client-id smtptap-cli --token-endpoint "$(idp_url connect/token)" \
        --device-endpoint "$(idp_url connect/device)" --scope smtp --scope offline_access --flow device \
        --user "$RIG_OAUTH_USER" --mechanism oauthbearer >>"$WORK/oauth-add.out" 2>&1 &&
    account_cmd cc add cc --provider generic --client-id smtptap-daemon --client-secret-env OAUTH_CLIENT_SECRET \
        --token-endpoint "$(idp_url connect/token)" --scope smtp --flow client-credentials \
        --user "$RIG_OAUTH_DAEMON" >>"$WORK/oauth-add.out" 2>&1
}

# oauth_login FLOW: `smtptap account login` with the app password from OAUTH_APP_PASS; the browser and device flows are
# completed by the script as a user would (follow the printed URL; enter the printed code). Output in oauth-login-FLOW.out.
oauth_login() {
    local flow=$1 out=$WORK/oauth-login-$1.out pid url="" code="" i
    case "$flow" in
        cc) account_cmd cc login cc --app-password-env OAUTH_APP_PASS >"$out" 2>&1 </dev/null; return ;;
        browser) account_cmd browser login browser --no-browser --app-password-env OAUTH_APP_PASS >"$out" 2>&1 </dev/null & ;;
        device) account_cmd device login device --app-password-env OAUTH_APP_PASS >"$out" 2>&1 </dev/null & ;;
    esac
    pid=$!
    for i in $(seq 150); do
        case "$flow" in
            browser) url=$(grep -oE 'http://127\.0\.0\.1:[0-9]+/connect/authorize\?[^[:space:]]+' "$out" | head -n 1) ;;
            device) read -r url code < <(sed -nE 's/.*open ([^[:space:]]+) and enter the code ([^[:space:]]+).*/\1 \2/p' "$out" | head -n 1) ;;
        esac
        [ -z "$url" ] || break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.2
    done
    if [ "$flow" = browser ] && [ -n "$url" ]; then
        # The provider approves at once and redirects to the one-shot loopback listener of `account login`.
        curl -sS -L --max-time 20 -o "$WORK/oauth-browser-page.html" "$url" 2>>"$out.curl"
    elif [ -n "$code" ]; then
        curl -sS --max-time 20 -o /dev/null -X POST --data-urlencode "user_code=$code" "$(idp_url connect/verify)" 2>>"$out.curl"
    fi
    wait "$pid"
}

oauth_login_cell() {
    local flow=$1 name=oauth-login-$1 list rc
    wanted "$name" || { oauth_login "$flow"; return; }
    oauth_login "$flow"; rc=$?
    [ "$rc" = 0 ] || { fail "$name" "account login exit $rc: $(tail -n 1 "$WORK/oauth-login-$flow.out" | cut -c1-200)"; return; }
    grep -q "Signed in: access token for $(oauth_user "$flow") valid until" "$WORK/oauth-login-$flow.out" ||
        { fail "$name" "no 'Signed in' line: $(tail -n 1 "$WORK/oauth-login-$flow.out" | cut -c1-200)"; return; }
    account_cmd "$flow" list >"$WORK/oauth-list-$flow.out" 2>&1
    list=$(grep -E "^$flow " "$WORK/oauth-list-$flow.out")
    [[ $list =~ valid\ until ]] || { fail "$name" "account list: '$list'"; return; }
    pass "$name"
}

# oauth_send NAME FLOW CLIENT MECH PASSVAR [USER]: one message through the flow's tap; prints the token.
oauth_send() {
    local name=$1 flow=$2 client=$3 mech=$4 passvar=$5 user=${6:-} token body
    [ -n "$user" ] || user=$(oauth_user "$flow")
    token="t$RUN-$name"
    body=$(make_body "$name" "$token")
    "send_$client" "$name" plain "${OAUTH_TAP_PORT[$flow]}" "$token@$RIG_DOMAIN" "$RIG_USER_ALICE" "$body" "interop $token" \
        "$user" "$mech" "$passvar"
}

# The cell's message is in alice's mailbox once, authenticated upstream as the account's user (Postfix's Received
# header names the SASL user Dovecot accepted), and the transcript shows the bridge at work with nothing in clear.
oauth_client_cell() {
    local flow=$1 client=$2 mech=$3 name="oauth-$1-$2" token why upmech=XOAUTH2 user
    wanted "$name" || return 0
    [ "$flow" != device ] || upmech=OAUTHBEARER
    user=$(oauth_user "$flow")
    token="t$RUN-$name"
    VARIANT=""
    oauth_send "$name" "$flow" "$client" "$mech" OAUTH_APP_PASS || { fail "$name" "$client exit $?: $(last_reply "$WORK/$name.out")"; return; }
    why=$(expect_delivered "$name" "$token" "$RIG_MAILBOX_ALICE" "$WORK/$name.body" "$user") || { fail "$name" "$why"; return; }
    grep -qF "(Authenticated sender: $user)" "$(cat "$WORK/$name.delivered")" ||
        { fail "$name" "the delivered copy was not authenticated as $user"; return; }
    why=$(expect_transcript "oauth-$flow" "$token" "client>tap AUTH $mech" \
        "AUTH bridged: client $mech as $user \\(app password ok\\) -> server $upmech, token for $user (from cache|refreshed)" \
        "tap>server AUTH $upmech \\*{8}$" 'server>tap 235 ' 'Message accepted by the server: 250 ' '!tap>server AUTH (PLAIN|LOGIN)') ||
        { fail "$name" "$why"; return; }
    pass "$name (client $mech -> upstream $upmech)"
}

# Dovecot, not the tap, decides: straight to the OAuth2 port with tokens from the provider. A fresh token is accepted;
# an expired one, one with a forged signature, and one for another mailbox are refused, each with Dovecot's reason.
oauth_dovecot_cell() {
    local name=oauth-dovecot-validates-tokens-itself out problems=() log=$RIG_DOVECOT_OAUTH_LOG before
    wanted "$name" || return 0
    before=$(wc -l <"$log" 2>/dev/null || echo 0)
    # cc_token [LIFETIME]: a client-credentials token for RIG_OAUTH_DAEMON, straight from the provider.
    cc_token() {
        [ -z "${1:-}" ] || idp_admin "access-token-lifetime?seconds=$1" >/dev/null
        printf 'user = "smtptap-daemon:%s"\n' "$OAUTH_CLIENT_SECRET" |
            curl -sS --max-time 10 -K - -d grant_type=client_credentials -d scope=smtp "$(idp_url connect/token)" |
            "$RIG_PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
        [ -z "${1:-}" ] || idp_admin "access-token-lifetime?seconds=0" >/dev/null
    }
    local OAUTH_T_FRESH OAUTH_T_EXPIRED OAUTH_T_FORGED sig
    OAUTH_T_FRESH=$(cc_token) && OAUTH_T_EXPIRED=$(cc_token 1) || { fail "$name" "no token from the provider"; return; }
    # Same header and claims, another signature: the last 8 signature characters replaced.
    sig=${OAUTH_T_FRESH##*.}
    OAUTH_T_FORGED=${OAUTH_T_FRESH%.*}.${sig:0:${#sig}-8}AAAAAAAA
    [ "$OAUTH_T_FORGED" != "$OAUTH_T_FRESH" ] || OAUTH_T_FORGED=${OAUTH_T_FRESH%.*}.${sig:0:${#sig}-8}BBBBBBBB
    export OAUTH_T_FRESH OAUTH_T_EXPIRED OAUTH_T_FORGED
    sleep 2  # past the 1 s lifetime
    bearer() { rigtool bearer --port "$RIG_PORT_OAUTH" --cafile "$RIG_CERT" --user "$1" --token-env "$2" ${3:+--mech "$3"}; }
    out=$(bearer "$RIG_OAUTH_DAEMON" OAUTH_T_FRESH) || problems+=("fresh token refused: $out")
    out=$(bearer "$RIG_OAUTH_DAEMON" OAUTH_T_FRESH OAUTHBEARER) || problems+=("fresh token refused (OAUTHBEARER): $out")
    out=$(bearer "$RIG_OAUTH_DAEMON" OAUTH_T_EXPIRED) && problems+=("expired token accepted: $out")
    out=$(bearer "$RIG_OAUTH_DAEMON" OAUTH_T_FORGED) && problems+=("forged signature accepted: $out")
    out=$(bearer "$RIG_OAUTH_USER" OAUTH_T_FRESH) && problems+=("token for $RIG_OAUTH_DAEMON accepted as $RIG_OAUTH_USER: $out")
    [[ $out =~ ^535\  ]] || problems+=("wrong mailbox: expected 535, got '$out'")
    unset OAUTH_T_FRESH OAUTH_T_EXPIRED OAUTH_T_FORGED
    local reason
    for reason in 'Token has expired' 'Bad signature' "Username '$RIG_OAUTH_USER' did not match '$RIG_OAUTH_DAEMON'"; do
        eventually 5 eval "tail -n +$((before + 1)) \"$log\" | grep -qF \"$reason\"" >/dev/null ||
            problems+=("Dovecot's log lacks '$reason'")
    done
    if [ ${#problems[@]} = 0 ]; then pass "$name (fresh 235; expired, forged signature, other mailbox 535)"
    else fail "$name" "$(IFS=';'; echo "${problems[*]}")"; fi
}

# short_token FLOW: the flow's stored access token replaced by one that expires at once (`account refresh` while the
# provider issues 2 s tokens: expires_in 1; a 0 would read as "lifetime not given"); the provider is back to one hour
# afterwards. Waits until it has expired.
short_token() {
    idp_admin "access-token-lifetime?seconds=2" >/dev/null || return 1
    account_cmd "$1" refresh "$1" --app-password-env OAUTH_APP_PASS >"$WORK/oauth-refresh-$1.out" 2>&1 </dev/null
    local rc=$?
    idp_admin "access-token-lifetime?seconds=0" >/dev/null
    sleep 2.5
    return $rc
}

oauth_expired_cell() {
    local name=oauth-expired-token-refreshed-transparently before after why token="t$RUN-oauth-expired-token-refreshed-transparently"
    wanted "$name" || return 0
    short_token browser || { fail "$name" "account refresh failed: $(tail -n 1 "$WORK/oauth-refresh-browser.out")"; return; }
    before=$(idp_grants refresh_token)
    VARIANT=""
    oauth_send "$name" browser smtplib LOGIN OAUTH_APP_PASS || { fail "$name" "smtplib: $(last_reply "$WORK/$name.out")"; return; }
    after=$(idp_grants refresh_token)
    why=$(expect_delivered "$name" "$token" "$RIG_MAILBOX_ALICE" "$WORK/$name.body" "$RIG_OAUTH_USER") || { fail "$name" "$why"; return; }
    [ "$after" = $((before + 1)) ] || { fail "$name" "the provider saw $((after - before)) refresh requests, expected 1"; return; }
    why=$(expect_transcript oauth-browser "$token" "token for $RIG_OAUTH_USER refreshed, expires " 'server>tap 235 ') || { fail "$name" "$why"; return; }
    pass "$name (1 refresh at the provider)"
}

# 50 sessions at once through one tap while the stored token has expired: the provider sees exactly one refresh.
oauth_concurrent_cell() {
    local name=oauth-50-concurrent-sessions-one-refresh before after i pids=() bad=0 n prefix="t$RUN-conc"
    wanted "$name" || return 0
    short_token device || { fail "$name" "account refresh failed: $(tail -n 1 "$WORK/oauth-refresh-device.out")"; return; }
    before=$(idp_grants refresh_token)
    printf 'fifty at once\n' >"$WORK/conc.body"
    for i in $(seq 50); do
        rigtool send --port "${OAUTH_TAP_PORT[device]}" --mode plain --user "$RIG_OAUTH_USER" --password-env OAUTH_APP_PASS \
            --mech PLAIN --from "$prefix-$i@$RIG_DOMAIN" --to "$RIG_USER_ALICE" --subject "interop $prefix-$i-end" \
            --body-file "$WORK/conc.body" --timeout 60 >"$WORK/conc-$i.out" 2>&1 </dev/null &
        pids+=($!)
    done
    for i in "${pids[@]}"; do wait "$i" || bad=$((bad + 1)); done
    after=$(idp_grants refresh_token)
    count_conc() { n=$(grep -lE "Subject: interop $prefix-[0-9]+-end" "$RIG_MAILBOX_ALICE"/new/* 2>/dev/null | wc -l); [ "$n" -ge 50 ]; }
    eventually 20 count_conc >/dev/null
    n=$(grep -lE "Subject: interop $prefix-[0-9]+-end" "$RIG_MAILBOX_ALICE"/new/* 2>/dev/null | wc -l)
    if [ "$bad" != 0 ]; then fail "$name" "$bad of 50 sessions failed, e.g. $(cat "$WORK"/conc-*.out | grep -v '^sent: ' | head -n 1 | cut -c1-200)"
    elif [ "$after" != $((before + 1)) ]; then fail "$name" "the provider saw $((after - before)) refresh requests, expected 1"
    elif [ "$n" != 50 ]; then fail "$name" "$n of 50 messages delivered"
    else pass "$name (50 delivered, 1 refresh at the provider)"; fi
}

# A wrong app password: 535 from the tap; the provider gets no request (its request log does not grow) and the server
# gets no AUTH.
oauth_wrong_password_cell() {
    local name=oauth-wrong-app-password-535-idp-not-asked before reply why
    wanted "$name" || return 0
    before=$(idp_lines)
    reply=$(neg_swaks "$name" "${OAUTH_TAP_PORT[browser]}" "$RIG_USER_ALICE" "$RIG_OAUTH_USER" WRONG_PASS)
    sleep 1
    if ! [[ $reply =~ ^[0-9]+\ 535\ 5\.7\.8 ]]; then fail "$name" "client got '$reply', expected 535 5.7.8"
    elif [ "$(idp_lines)" != "$before" ]; then fail "$name" "the identity provider got $(( $(idp_lines) - before )) request(s)"
    elif ! why=$(eventually 5 grep -lF "AUTH refused by the tap: wrong app password for account 'browser' (client LOGIN as $RIG_OAUTH_USER); neither the server nor the identity provider was contacted" "$WORK/transcripts/oauth-browser"/*-s*.log); then
        fail "$name" "no transcript says the tap refused the wrong app password"
    elif grep -q 'tap>server AUTH' $why; then fail "$name" "the tap sent AUTH upstream"
    else pass "$name"; fi
}

# A user without an account is relayed unchanged (Basic AUTH PLAIN), and the OAuth2-only server refuses it itself.
oauth_basic_cell() {
    local name=oauth-basic-auth-without-account-relayed-and-refused out reply server file
    wanted "$name" || return 0
    out=$WORK/$name.out
    printf '%s\n' "$RIG_PASS_ALICE" | swaks --server 127.0.0.1 --port "${OAUTH_TAP_PORT[browser]}" --from "basic-$RUN@$RIG_DOMAIN" \
        --to "$RIG_USER_ALICE" --helo basic.interop.test --auth PLAIN --auth-user "$RIG_USER_ALICE" --timeout 20 >"$out" 2>&1
    reply=$(swaks_error_reply "$out")
    # swaks quits after the refusal: the session is the one with alice's AUTH (only this cell sends it to this tap).
    file=$(eventually 5 grep -lF "AUTH not bridged: $RIG_USER_ALICE has no account" "$WORK/transcripts/oauth-browser"/*-s*.log | head -n 1)
    server=$(grep -oE 'server>tap 5[0-9][0-9] .*' "${file:-/dev/null}" | head -n 1 | sed 's/^server>tap //' | tr -d '\r')
    if [ -z "$file" ]; then fail "$name" "no transcript of the session"
    elif ! grep -q "AUTH not bridged: $RIG_USER_ALICE has no account; the client's AUTH PLAIN goes to the server unchanged" "$file"; then
        fail "$name" "the transcript lacks the 'AUTH not bridged' line"
    elif [ -z "$server" ] || [ "$reply" != "$server" ]; then fail "$name" "client got '$reply', the server said '$server'"
    else pass "$name (server: $server)"; fi
}

# The grant revoked at the provider while the stored access token has expired: the client gets 454 4.7.0 and the
# transcript names the step that failed and the command that fixes it.
oauth_revoked_cell() {
    local name=oauth-revoked-refresh-token-454-with-fix reply file before
    wanted "$name" || return 0
    short_token browser || { fail "$name" "account refresh failed: $(tail -n 1 "$WORK/oauth-refresh-browser.out")"; return; }
    idp_admin "revoke?subject=$RIG_OAUTH_USER" >"$WORK/oauth-revoke.out" || { fail "$name" "revoke failed"; return; }
    before=$(idp_grants refresh_token)
    reply=$(neg_swaks "$name" "${OAUTH_TAP_PORT[browser]}" "$RIG_USER_ALICE" "$RIG_OAUTH_USER" OAUTH_APP_PASS)
    file=$(grep -lF "AUTH bridge failed for $RIG_OAUTH_USER" "$WORK/transcripts/oauth-browser"/*-s*.log 2>/dev/null | head -n 1)
    [ -n "$file" ] || file=$(eventually 5 grep -lF "AUTH bridge failed for $RIG_OAUTH_USER" "$WORK/transcripts/oauth-browser"/*-s*.log | head -n 1)
    local want="AUTH bridge failed for $RIG_OAUTH_USER (account 'browser') at step 'getting an access token from the identity provider': refresh refused by the identity provider: invalid_grant"
    if ! [[ $reply =~ ^[0-9]+\ 454\ 4\.7\.0 ]]; then fail "$name" "client got '$reply', expected 454 4.7.0"
    elif [ "$(idp_grants refresh_token)" != $((before + 1)) ]; then fail "$name" "the provider saw $(( $(idp_grants refresh_token) - before )) refresh requests, expected 1"
    elif [ -z "$file" ] || ! grep -F "$want" "$file" | grep -qF "; fix: smtptap account login browser"; then
        fail "$name" "no transcript line '$want ... fix: smtptap account login browser'"
    else pass "$name"; fi
}

# No access token, refresh token, code, PKCE verifier, device code, client secret or app password (raw or base64) in any
# tap output, transcript, login/list output, the provider's own output, Dovecot's log, or any file of the SmtpTap homes.
oauth_canary_cell() {
    local name=oauth-secrets-absent-from-outputs-and-home files=() out n_secrets
    wanted "$name" || return 0
    n_secrets=$(grep -c . "$WORK/idp-secrets.txt" 2>/dev/null || echo 0)
    [ "$n_secrets" -ge 10 ] || { fail "$name" "only $n_secrets secrets recorded by the provider"; return; }
    mapfile -t files < <(find "$WORK/homes" "$WORK/transcripts"/oauth-* -type f; ls "$WORK"/tap-oauth-*.out "$WORK"/tap-oauth-*.err \
        "$WORK"/oauth-login-*.out "$WORK"/oauth-list-*.out "$WORK"/oauth-refresh-*.out "$WORK"/oauth-add.out "$WORK"/idp.out \
        "$WORK"/idp.err "$WORK/idp-requests.jsonl" "$RIG_DOVECOT_OAUTH_LOG" 2>/dev/null)
    if out=$(rigtool scan-secrets --secret-env OAUTH_APP_PASS --secret-env OAUTH_CLIENT_SECRET --secrets-file "$WORK/idp-secrets.txt" "${files[@]}"); then
        pass "$name ($((n_secrets + 1)) secrets, ${#files[@]} files)"
    else
        fail "$name" "$(printf '%s' "$out" | tr '\n' ';' | sed "s|$WORK/||g" | cut -c1-300)"
    fi
}

run_oauth_cells() {
    local cells c any="" t0 why ports i=0 f
    mapfile -t cells < <(oauth_cells)
    for c in "${cells[@]}"; do wanted "$c" && any=1; done
    [ -n "$any" ] || return 0
    t0=$(date +%s)
    if ! why=$(start_idp) || ! oauth_add_accounts; then
        [ -n "$why" ] || why="smtptap account add failed: $(tail -n 1 "$WORK/oauth-add.out" | cut -c1-200)"
        for c in "${cells[@]}"; do wanted "$c" && fail "$c" "$why"; done
        return 0
    fi
    report "$why"
    for f in "${OAUTH_FLOWS[@]}"; do oauth_login_cell "$f"; done
    mapfile -t ports < <(rigtool free-ports 3)
    for f in "${OAUTH_FLOWS[@]}"; do
        OAUTH_TAP_PORT[$f]=${ports[i]}; i=$((i + 1))
        TAP_HOME=$WORK/homes/$f start_tap "oauth-$f" "smtp://127.0.0.1:$RIG_PORT_OAUTH" "${OAUTH_TAP_PORT[$f]}" -- --oauth2
        OAUTH_TAPS+=("oauth-$f")
    done
    oauth_client_cell browser swaks LOGIN;  oauth_client_cell browser curl PLAIN
    oauth_client_cell browser smtplib PLAIN; oauth_client_cell browser mailkit LOGIN
    oauth_client_cell device swaks PLAIN;   oauth_client_cell device curl LOGIN
    oauth_client_cell device smtplib LOGIN; oauth_client_cell device mailkit PLAIN
    oauth_client_cell cc swaks LOGIN;       oauth_client_cell cc curl PLAIN
    oauth_client_cell cc smtplib PLAIN;     oauth_client_cell cc mailkit LOGIN
    oauth_dovecot_cell
    oauth_expired_cell
    oauth_concurrent_cell
    oauth_wrong_password_cell
    oauth_basic_cell
    oauth_revoked_cell    # last: it revokes the user's grants (browser and device)
    oauth_canary_cell
    report "oauth cells took $(($(date +%s) - t0)) s"
}
