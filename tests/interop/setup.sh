#!/usr/bin/env bash
# shellcheck disable=SC2034  # many RIG_* variables are read indirectly (${!v}) into rig.env
# Interop rig: a private Postfix + Dovecot (SASL only) on 127.0.0.1. Idempotent; run as root on Debian 12.
# Writes $RIG_STATE/rig.env (default /tmp/smtptap-interop/rig.env). See README.md.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || rig_die "run as root"

RIG_PORT_PLAIN=${RIG_PORT_PLAIN:-10025}
RIG_PORT_SUBMISSION=${RIG_PORT_SUBMISSION:-10587}
RIG_PORT_SMTPS=${RIG_PORT_SMTPS:-10465}
RIG_WAIT=${RIG_WAIT:-30}
# Owner of delivered mail. nobody:nogroup needs no new system account.
RIG_MAIL_UID=$(id -u nobody)
RIG_MAIL_GID=$(getent group nogroup | cut -d: -f3)

# --- 1. packages -------------------------------------------------------------------------------
# curl and openssl come from Debian too; libnet-ssleay-perl is swaks' TLS (only a Recommends).
# procps (pgrep) and iproute2 (ss) are missing from slim Debian images. haproxy: the load-balancer cells
# (run-matrix.sh starts its own instance on free ports; the packaged service is never started).
PACKAGES="postfix dovecot-core swaks libnet-ssleay-perl curl openssl python3 ca-certificates procps iproute2 haproxy"

install_packages() {
    local missing="" p
    for p in $PACKAGES; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
    done
    [ -n "$missing" ] || return 0
    rig_log "installing:$missing"
    echo 'postfix postfix/main_mailer_type select No configuration' | debconf-set-selections
    # Keep the packaged services from starting during the install: the rig runs its own instances.
    local own_policy=""
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        own_policy=1
    fi
    local rc=0
    # $missing unquoted: word splitting intended.
    # shellcheck disable=SC2086
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        -o Dpkg::Options::=--force-confold $missing; } >"$RIG_STATE/apt.log" 2>&1 || rc=$?
    [ -z "$own_policy" ] || rm -f /usr/sbin/policy-rc.d
    [ "$rc" = 0 ] || { tail -n 20 "$RIG_STATE/apt.log" >&2; rig_die "apt-get failed (rc=$rc), log: $RIG_STATE/apt.log"; }
    rig_log "rig: installed Debian packages:$missing"
}

# The machine's own services are never touched: a system Postfix or Dovecot keeps running as it is.
# The rig uses its own config, state directory, base_dir and ports (10025/10587/10465 by default),
# so the two do not meet; ports_free refuses to start when one of the rig's ports is taken.

# --- 2. files ----------------------------------------------------------------------------------
# Replace $1 with stdin only when the content differs; return 0 when it changed.
write_if_changed() {
    local tmp; tmp=$(mktemp "$1.XXXXXX")
    cat >"$tmp"
    chmod 644 "$tmp"
    if [ -f "$1" ] && cmp -s "$tmp" "$1"; then rm -f "$tmp"; chmod 644 "$1"; return 1; fi
    mv -f "$tmp" "$1"
    return 0
}

make_cert() {
    local dir=$RIG_STATE/tls
    RIG_CERT=$dir/server.crt
    RIG_KEY=$dir/server.key
    mkdir -p "$dir"
    if [ -s "$RIG_CERT" ] && [ -s "$RIG_KEY" ] && openssl x509 -in "$RIG_CERT" -noout -checkend 86400 >/dev/null 2>&1; then
        return 0
    fi
    # Self-signed; basicConstraints CA:TRUE so every client (OpenSSL, Python, curl, .NET) accepts it as its own trust anchor.
    cat >"$dir/openssl.cnf" <<EOF
[req]
distinguished_name = dn
x509_extensions = ext
prompt = no
[dn]
O = SmtpTap interop rig
CN = localhost
[ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, digitalSignature, keyEncipherment, keyCertSign
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
subjectAltName = DNS:localhost, DNS:$RIG_HOSTNAME, IP:127.0.0.1
EOF
    (umask 077; openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 825 -config "$dir/openssl.cnf" \
        -keyout "$RIG_KEY.new" -out "$RIG_CERT.new" 2>"$dir/openssl.err") ||
        { cat "$dir/openssl.err" >&2; rig_die "openssl req failed"; }
    chmod 644 "$RIG_CERT.new"
    mv -f "$RIG_KEY.new" "$RIG_KEY"
    mv -f "$RIG_CERT.new" "$RIG_CERT"
    rig_log "made certificate $RIG_CERT"
}

# Test users. Dovecot lower-cases the login (auth_username_format=%Lu), so the passwd-file keys are
# lower case while clients may send "Gregory@interop.test".
#   alice    plain case: no base64 line starts with Q/R/K
#   Gregory  base64("Gregory@interop.test") = "R3JlZ29yeUBp..."   -> AUTH LOGIN user line starts with R
#   bob      base64("Cpassword-7")          = "Q3Bhc3N3b3Jk..."   -> AUTH LOGIN password line starts with Q
#   carol    base64("+Key-Update-3")        = "K0tleS1VcGRh..."   -> password line starts with K (s_client key update)
RIG_USERS="ALICE GREGORY BOB CAROL"
RIG_USER_ALICE=alice@$RIG_DOMAIN;     RIG_PASS_ALICE='Wonderland-42'
RIG_USER_GREGORY=Gregory@$RIG_DOMAIN; RIG_PASS_GREGORY='Secret-Greg-7'
RIG_USER_BOB=bob@$RIG_DOMAIN;         RIG_PASS_BOB='Cpassword-7'
RIG_USER_CAROL=carol@$RIG_DOMAIN;     RIG_PASS_CAROL='+Key-Update-3'

# OAuth2 users (RIG_PORT_OAUTH): no password anywhere; the identity provider (tests/interop/OAuthIdp) puts the address in
# the access token's email claim, which Dovecot's oauth2 passdb compares with the SASL user. RIG_OAUTH_USER is the one
# user of the authorization-code and device flows, RIG_OAUTH_DAEMON the mailbox of the client-credentials client.
RIG_OAUTH_USER=oauth@$RIG_DOMAIN
RIG_OAUTH_DAEMON=oauth-daemon@$RIG_DOMAIN

# The part both Dovecot instances share: the static userdb, the auth socket Postfix connects to, and no auth penalty
# (the anvil socket is unusable, so auth skips it): every wrong password from 127.0.0.1 would otherwise delay the
# next AUTH from loopback by 2, 4, 8 then 15 s, and Postfix gives up after 10 s with "454 4.7.0 ... Connection lost
# to authentication server".
dovecot_common_blocks() {
    cat <<EOF
userdb {
  driver = static
  args = uid=$RIG_MAIL_UID gid=$RIG_MAIL_GID home=$RIG_STATE/maildir/%n
}
service auth {
  unix_listener auth-postfix {
    mode = 0660
    user = postfix
    group = postfix
  }
}
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
EOF
}

write_dovecot_conf() {
    local d=$RIG_STATE/dovecot u user pass
    mkdir -p "$d/state" "$RIG_STATE/run"
    for u in $RIG_USERS; do
        user=RIG_USER_$u; pass=RIG_PASS_$u
        printf '%s:{PLAIN}%s::::::\n' "${!user,,}" "${!pass}"
    done | write_if_changed "$d/users" || true
    chown root:dovecot "$d/users"; chmod 640 "$d/users"

    write_if_changed "$RIG_DOVECOT_CONF" <<EOF
# Generated by tests/interop/setup.sh: SASL (auth) service only, for the private Postfix.
instance_name = smtptap-interop
base_dir = $RIG_DOVECOT_BASE
state_dir = $d/state
protocols = none
listen = 127.0.0.1
log_path = $RIG_STATE/log/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login cram-md5
auth_failure_delay = 0
auth_verbose = yes
passdb {
  driver = passwd-file
  args = scheme=PLAIN $d/users
}
$(dovecot_common_blocks)
EOF
}

# The identity provider's signing key (RSA, PEM, root only; run-matrix.sh hands it to the provider) and its public key
# where Dovecot's local validation looks it up: <dict prefix>/<azp>/<alg>/<kid>, azp "default" (the provider's access
# tokens carry no azp), alg RS256, kid "rig-" + the first 16 hex digits of the SHA-256 of the public key (DER), the
# same key id the provider computes. Kept across runs; a new key only when the file is missing.
make_idp_key() {
    local keys=$RIG_OAUTH_DIR/keys/default/RS256
    mkdir -p "$RIG_OAUTH_DIR"
    if [ ! -s "$RIG_IDP_KEY" ]; then
        (umask 077; openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$RIG_IDP_KEY.new" 2>"$RIG_OAUTH_DIR/openssl.err") ||
            { cat "$RIG_OAUTH_DIR/openssl.err" >&2; rig_die "openssl genpkey failed"; }
        mv -f "$RIG_IDP_KEY.new" "$RIG_IDP_KEY"
        rig_log "made the identity provider's signing key $RIG_IDP_KEY"
    fi
    chmod 600 "$RIG_IDP_KEY"
    RIG_IDP_KID=rig-$(openssl pkey -in "$RIG_IDP_KEY" -pubout -outform DER 2>/dev/null | sha256sum | cut -c1-16)
    [ ${#RIG_IDP_KID} = 20 ] || rig_die "cannot read the public key of $RIG_IDP_KEY"
    mkdir -p "$keys"
    find "$keys" -type f ! -name "$RIG_IDP_KID" -delete
    openssl pkey -in "$RIG_IDP_KEY" -pubout 2>/dev/null | write_if_changed "$keys/$RIG_IDP_KID" || true
    chown -R root:dovecot "$RIG_OAUTH_DIR/keys"
    chmod 750 "$RIG_OAUTH_DIR/keys" "$RIG_OAUTH_DIR/keys/default" "$keys"
    chmod 640 "$keys/$RIG_IDP_KID"
}

# The second Dovecot: SASL for RIG_PORT_OAUTH only, mechanisms XOAUTH2 and OAUTHBEARER, passdb oauth2 validating the
# bearer token itself (introspection_mode = local): RS256 signature against the provider's public key, exp/nbf/iat,
# issuer, and the email claim equal to the SASL user. Its own base_dir, state_dir and log; the first one is unchanged.
write_dovecot_oauth_conf() {
    local changed=1 d=$RIG_OAUTH_DIR
    mkdir -p "$d/state" "$RIG_STATE/run"
    write_if_changed "$d/dovecot-oauth2.conf.ext" <<EOF && changed=0
# Generated by tests/interop/setup.sh: Dovecot's oauth2 passdb, local validation of JWT access tokens.
introspection_mode = local
local_validation_key_dict = fs:posix:prefix=$d/keys/
issuers = http://127.0.0.1:$RIG_PORT_IDP/
username_attribute = email
EOF
    write_if_changed "$RIG_DOVECOT_OAUTH_CONF" <<EOF && changed=0
# Generated by tests/interop/setup.sh: SASL (auth) service only, for the private Postfix's OAuth2 port $RIG_PORT_OAUTH.
instance_name = smtptap-interop-oauth
base_dir = $RIG_DOVECOT_OAUTH_BASE
state_dir = $d/state
protocols = none
listen = 127.0.0.1
log_path = $RIG_STATE/log/dovecot-oauth.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = xoauth2 oauthbearer
auth_failure_delay = 0
auth_verbose = yes
passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = $d/dovecot-oauth2.conf.ext
}
$(dovecot_common_blocks)
EOF
    return $changed
}

write_postfix_conf() {
    local c=$RIG_POSTFIX_DIR u user changed=1
    mkdir -p "$c" "$RIG_QUEUE_DIR" "$RIG_STATE/data" "$RIG_STATE/log" "$RIG_STATE/maildir"
    chown "$RIG_MAIL_UID:$RIG_MAIL_GID" "$RIG_STATE/maildir"
    chown postfix:postfix "$RIG_STATE/data"

    {
        for u in $RIG_USERS; do
            user=RIG_USER_$u
            printf '%s %s/\n' "${!user,,}" "${u,,}"
        done
        printf 'postmaster@%s postmaster/\n' "$RIG_DOMAIN"
    } | write_if_changed "$c/vmailbox" && changed=0

    write_if_changed "$c/main.cf" <<EOF && changed=0
# Generated by tests/interop/setup.sh. Private instance: postfix -c $c start|stop|reload
compatibility_level = 3.6
queue_directory = $RIG_QUEUE_DIR
data_directory = $RIG_STATE/data
mail_owner = postfix
setgid_group = postdrop

myhostname = $RIG_HOSTNAME
mydomain = $RIG_DOMAIN
myorigin = \$mydomain
mydestination =
relay_domains =
alias_maps =
alias_database =
# Exempts loopback from anvil limits; it grants no relay (no permit_mynetworks below).
mynetworks = 127.0.0.0/8
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
smtpd_banner = \$myhostname ESMTP SmtpTap interop rig
biff = no
append_dot_mydomain = no

# No DNS, no network lookups.
smtp_dns_support_level = disabled
lmtp_dns_support_level = disabled
smtpd_peername_lookup = no

# No syslog here: log to a file through postlogd.
maillog_file = $RIG_STATE/log/maillog
maillog_file_prefixes = $RIG_STATE/log

# The test domain lands in Maildir files; everything else (authenticated only) is discarded.
virtual_mailbox_domains = $RIG_DOMAIN
virtual_mailbox_base = $RIG_STATE/maildir
virtual_mailbox_maps = texthash:$c/vmailbox
virtual_uid_maps = static:$RIG_MAIL_UID
virtual_gid_maps = static:$RIG_MAIL_GID
default_transport = discard:outside-mail-discarded-by-rig
relay_transport = discard:outside-mail-discarded-by-rig

# Relay: authenticated clients only. reject (5xx), not the 3.6 default defer_unauth_destination (4xx).
smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination
smtpd_recipient_restrictions =

smtpd_sasl_type = dovecot
smtpd_sasl_path = $RIG_DOVECOT_BASE/auth-postfix
smtpd_sasl_auth_enable = no
smtpd_sasl_authenticated_header = yes

smtpd_tls_cert_file = $RIG_STATE/tls/server.crt
smtpd_tls_key_file = $RIG_STATE/tls/server.key
smtpd_tls_security_level = none
smtpd_tls_loglevel = 1
smtpd_tls_received_header = yes
EOF

    # chroot = n everywhere (absolute paths under the state dir). Ports bound to 127.0.0.1 only.
    write_if_changed "$c/master.cf" <<EOF && changed=0
# Generated by tests/interop/setup.sh.
# service type  private unpriv  chroot  wakeup  maxproc command + args
$RIG_HOST:$RIG_PORT_PLAIN inet n - n - - smtpd
  -o syslog_name=postfix/plain
$RIG_HOST:$RIG_PORT_SUBMISSION inet n - n - - smtpd
  -o syslog_name=postfix/submission
  -o smtpd_tls_security_level=encrypt
  -o smtpd_tls_auth_only=yes
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
  -o smtpd_recipient_restrictions=permit_sasl_authenticated,reject
$RIG_HOST:$RIG_PORT_SMTPS inet n - n - - smtpd
  -o syslog_name=postfix/smtps
  -o smtpd_tls_wrappermode=yes
  -o smtpd_tls_security_level=encrypt
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
  -o smtpd_recipient_restrictions=permit_sasl_authenticated,reject
# Differential suite only (tests/interop/differential.py): AUTH offered in plaintext, and a small size limit.
$RIG_HOST:$RIG_PORT_AUTH_PLAIN inet n - n - - smtpd
  -o syslog_name=postfix/authplain
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_tls_auth_only=no
$RIG_HOST:$RIG_PORT_SIZE inet n - n - - smtpd
  -o syslog_name=postfix/size
  -o message_size_limit=$RIG_SIZE_LIMIT
# OAuth2 only: STARTTLS, then AUTH XOAUTH2 / OAUTHBEARER through the second Dovecot (bearer tokens checked by Dovecot).
$RIG_HOST:$RIG_PORT_OAUTH inet n - n - - smtpd
  -o syslog_name=postfix/oauth
  -o smtpd_tls_security_level=encrypt
  -o smtpd_tls_auth_only=yes
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_sasl_path=$RIG_DOVECOT_OAUTH_BASE/auth-postfix
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
  -o smtpd_recipient_restrictions=permit_sasl_authenticated,reject
pickup     unix  n - n 60   1 pickup
cleanup    unix  n - n -    0 cleanup
qmgr       unix  n - n 300  1 qmgr
tlsmgr     unix  - - n 1000? 1 tlsmgr
rewrite    unix  - - n -    - trivial-rewrite
bounce     unix  - - n -    0 bounce
defer      unix  - - n -    0 bounce
trace      unix  - - n -    0 bounce
verify     unix  - - n -    1 verify
flush      unix  n - n 1000? 0 flush
proxymap   unix  - - n -    - proxymap
proxywrite unix  - - n -    1 proxymap
smtp       unix  - - n -    - smtp
relay      unix  - - n -    - smtp
showq      unix  n - n -    - showq
error      unix  - - n -    - error
retry      unix  - - n -    - error
discard    unix  - - n -    - discard
virtual    unix  - n n -    - virtual
anvil      unix  - - n -    1 anvil
scache     unix  - - n -    1 scache
postlog    unix-dgram n - n - 1 postlogd
EOF
    return $changed
}

# NAME='value' lines: sourceable, and trivial to parse from other languages.
env_line() {
    case "$2" in *"'"*) rig_die "rig.env value of $1 must not contain a single quote" ;; esac
    printf "export %s='%s'\n" "$1" "$2"
}

write_rig_env() {
    local u v
    {
        echo "# Generated by tests/interop/setup.sh; source it."
        for v in RIG_STATE RIG_HOST RIG_DOMAIN RIG_HOSTNAME \
                 RIG_PORT_PLAIN RIG_PORT_SUBMISSION RIG_PORT_SMTPS RIG_PORT_OAUTH RIG_PORT_IDP \
                 RIG_IDP_KEY RIG_IDP_KID RIG_OAUTH_USER RIG_OAUTH_DAEMON RIG_DOVECOT_OAUTH_LOG \
                 RIG_CERT RIG_KEY RIG_MAILDIR RIG_MAILLOG RIG_DOVECOT_LOG \
                 RIG_POSTFIX_DIR RIG_POSTFIX_PID RIG_DOVECOT_CONF RIG_DOVECOT_PID RIG_USERS; do
            env_line "$v" "${!v}"
        done
        for u in $RIG_USERS; do
            for v in RIG_USER_$u RIG_PASS_$u; do env_line "$v" "${!v}"; done
            env_line "RIG_MAILBOX_$u" "$RIG_MAILDIR/${u,,}"
        done
        env_line RIG_OUTSIDE_RCPT "someone@outside.example"
    } | write_if_changed "$RIG_STATE/rig.env" || true
}

# --- 3. daemons --------------------------------------------------------------------------------
# start_dovecot changed|same [CONF PIDFILE BASE WHAT]: the SASL Dovecot by default.
start_dovecot() {
    local conf=${2:-$RIG_DOVECOT_CONF} pidfile=${3:-$RIG_DOVECOT_PID} base=${4:-$RIG_DOVECOT_BASE}
    local what=${5:-"SASL only, config $RIG_DOVECOT_CONF"}
    local pid; pid=$(rig_dovecot_pid "$conf" "$pidfile")
    if [ -n "$pid" ]; then
        [ "$1" = changed ] || return 0
        # A full restart, not SIGHUP: anvil (the auth penalty socket) survives a reload.
        kill "$pid"
        local i
        for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        ! kill -0 "$pid" 2>/dev/null || rig_die "dovecot (pid $pid) did not stop for a restart"
    fi
    # A stale socket makes Dovecot refuse to start ("already running?"), and then it deletes master.pid.
    rm -rf "$base"
    "$RIG_DOVECOT_BIN" -c "$conf" </dev/null >>"$RIG_STATE/log/daemons.out" 2>&1 9>&- ||
        { rig_tail_logs; rig_die "dovecot ($conf) did not start"; }
    rig_log "rig: started the rig's Dovecot ($what)"
}

# Dovecot's per-IP auth failure penalty must be off: two wrong passwords from 127.0.0.1 would otherwise delay the
# next AUTH from loopback (a correct one too) past Postfix's patience, which answers 454 4.7.0, so a negative cell
# would make later cells flaky. Auth runs as the dovecot user and finds no anvil-auth-penalty socket (mode = 0: not
# created), which disables the penalty; refuse to go on if the socket is there after all.
check_no_auth_penalty() {
    local _ base
    for base in "$RIG_DOVECOT_BASE" "$RIG_DOVECOT_OAUTH_BASE"; do
        for _ in $(seq 50); do [ -S "$base/auth-postfix" ] && break; sleep 0.1; done
        [ ! -e "$base/anvil-auth-penalty" ] ||
            rig_die "Dovecot created $base/anvil-auth-penalty: the auth penalty would be on (454 after wrong passwords)"
    done
}

start_postfix() {
    if rig_postfix_running; then
        [ "$1" = changed ] || return 0
        postfix -c "$RIG_POSTFIX_DIR" reload </dev/null >>"$RIG_STATE/log/daemons.out" 2>&1 9>&- ||
            { rig_tail_logs; rig_die "postfix reload failed"; }
        rig_log "rig: reloaded the rig's Postfix (config changed)"
        return 0
    fi
    postfix -c "$RIG_POSTFIX_DIR" check </dev/null >>"$RIG_STATE/log/daemons.out" 2>&1 9>&- ||
        { rig_tail_logs; rig_die "postfix check failed"; }
    postfix -c "$RIG_POSTFIX_DIR" start </dev/null >>"$RIG_STATE/log/daemons.out" 2>&1 9>&- ||
        { rig_tail_logs; rig_die "postfix did not start"; }
    rig_log "rig: started the rig's Postfix on 127.0.0.1:$RIG_PORT_PLAIN, :$RIG_PORT_SUBMISSION, :$RIG_PORT_SMTPS, :$RIG_PORT_OAUTH (OAuth2) (config $RIG_POSTFIX_DIR)"
}

# ports_free [PORT...]: default every port of the rig's Postfix.
ports_free() {
    local port
    [ $# -gt 0 ] || set -- "$RIG_PORT_PLAIN" "$RIG_PORT_SUBMISSION" "$RIG_PORT_SMTPS" "$RIG_PORT_OAUTH"
    for port in "$@"; do
        [ -z "$(ss -Hltn "sport = :$port")" ] || rig_die "port $port is already in use: $(ss -Hltnp "sport = :$port")"
    done
}

wait_for_banners() {
    local deadline=$((SECONDS + RIG_WAIT)) port out
    for port in "$RIG_PORT_PLAIN" "$RIG_PORT_SUBMISSION" "$RIG_PORT_SMTPS" "$RIG_PORT_OAUTH"; do
        local tls=()
        [ "$port" = "$RIG_PORT_SMTPS" ] && tls=(--tls --cafile "$RIG_CERT")
        until out=$("$RIG_PYTHON" "$RIG_LIB_DIR/rigtool.py" banner --port "$port" "${tls[@]}"); do
            if [ "$SECONDS" -ge "$deadline" ]; then
                rig_tail_logs
                rig_die "port $port did not answer 220 within ${RIG_WAIT}s (last: $out)"
            fi
            sleep 0.2
        done
        rig_log "port $port: $out"
    done
}

main() {
    rig_lock
    install_packages
    if ! rig_postfix_running; then ports_free
    # A rig started before the OAuth2 port existed: that port is new to the running Postfix.
    elif ! grep -q "^$RIG_HOST:$RIG_PORT_OAUTH " "$RIG_POSTFIX_DIR/master.cf"; then ports_free "$RIG_PORT_OAUTH"; fi
    make_cert
    make_idp_key
    RIG_MAILDIR=$RIG_STATE/maildir
    RIG_MAILLOG=$RIG_STATE/log/maillog
    RIG_DOVECOT_LOG=$RIG_STATE/log/dovecot.log
    RIG_DOVECOT_OAUTH_LOG=$RIG_STATE/log/dovecot-oauth.log
    local dc=same oc=same pc=same
    write_dovecot_conf && dc=changed
    write_dovecot_oauth_conf && oc=changed
    write_postfix_conf && pc=changed
    write_rig_env
    start_dovecot "$dc"
    start_dovecot "$oc" "$RIG_DOVECOT_OAUTH_CONF" "$RIG_DOVECOT_OAUTH_PID" "$RIG_DOVECOT_OAUTH_BASE" \
        "OAuth2 SASL for port $RIG_PORT_OAUTH: passdb oauth2, tokens of http://127.0.0.1:$RIG_PORT_IDP/ checked locally, config $RIG_DOVECOT_OAUTH_CONF"
    check_no_auth_penalty
    start_postfix "$pc"
    wait_for_banners
    rig_log "rig ready; source $RIG_STATE/rig.env"
    rig_log "rig: it stays up after the tests; stop it with: sudo bash $RIG_LIB_DIR/stop.sh (--purge also deletes $RIG_STATE)"
}

main "$@"
