using System.Globalization;

namespace SmtpTap.Service;

/// <summary>The systemd unit <c>smtptap service install</c> writes: Type=notify, restart on failure, hardened, journald output.</summary>
internal static class SystemdUnit
{
    public const string Name = "smtptap.service";

    /// <param name="executable">The command that starts smtptap: the installed tool or single file, or dotnet and smtptap.dll.</param>
    /// <param name="config">Absolute path of the JSON configuration file.</param>
    /// <param name="drainSeconds">The graceful stop's drain period; systemd waits a little longer before SIGKILL.</param>
    public static string Render(IReadOnlyList<string> executable, string config, int drainSeconds) => $"""
        # SmtpTap as a system service (written by smtptap service install).
        # Settings live in the configuration file; edit it and run: systemctl restart smtptap
        [Unit]
        Description=SmtpTap TLS-aware SMTP inspection proxy
        After=network-online.target
        Wants=network-online.target

        [Service]
        Type=notify
        ExecStart={string.Join(' ', executable.Select(Quote))} proxy --config {Quote(config)}
        Restart=on-failure
        RestartSec=5
        # A stop is graceful: new clients get 421, messages in DATA may finish, transcripts are flushed.
        KillSignal=SIGTERM
        TimeoutStopSec={(drainSeconds + 15).ToString(CultureInfo.InvariantCulture)}
        DynamicUser=yes
        StateDirectory=smtptap
        LogsDirectory=smtptap
        ConfigurationDirectory=smtptap
        Environment=SMTPTAP_HOME=/var/lib/smtptap
        WorkingDirectory=/var/lib/smtptap
        # Port 25 needs this capability; nothing else is granted.
        AmbientCapabilities=CAP_NET_BIND_SERVICE
        CapabilityBoundingSet=CAP_NET_BIND_SERVICE
        NoNewPrivileges=yes
        ProtectSystem=strict
        ProtectHome=yes
        PrivateTmp=yes
        PrivateDevices=yes
        ProtectKernelTunables=yes
        ProtectKernelModules=yes
        ProtectControlGroups=yes
        ProtectClock=yes
        ProtectHostname=yes
        RestrictNamespaces=yes
        RestrictRealtime=yes
        RestrictSUIDSGID=yes
        LockPersonality=yes
        RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
        SystemCallArchitectures=native

        [Install]
        WantedBy=multi-user.target

        """;

    private static string Quote(string path) => path.Contains(' ', StringComparison.Ordinal) ? "\"" + path + "\"" : path;
}
