namespace SmtpTap.Service;

/// <summary>Writes, enables, removes and reports the systemd unit of <c>smtptap service</c>.</summary>
internal sealed class ServiceInstaller(string unitDirectory, TextWriter output)
{
    public const string DefaultUnitDirectory = "/etc/systemd/system";
    public static string DefaultConfig => OperatingSystem.IsWindows()
        ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.CommonApplicationData), "smtptap", "smtptap.json")
        : "/etc/smtptap/smtptap.json";

    private const string StarterConfig = """
        {
          "listen": ["smtp://127.0.0.1:2525"],
          "upstream": "capture",
          "transcripts": "/var/log/smtptap"
        }

        """;

    public string UnitPath => Path.Combine(unitDirectory, SystemdUnit.Name);

    /// <summary>True when systemd runs this machine (so systemctl can act); false in containers and on other systems.</summary>
    public static bool SystemdRunning => Directory.Exists("/run/systemd/system") && (File.Exists("/usr/bin/systemctl") || File.Exists("/bin/systemctl"));

    /// <summary>Writes a starter configuration where none exists yet.</summary>
    public static void EnsureConfig(string config, TextWriter output)
    {
        if (!File.Exists(config))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(config)!);
            File.WriteAllText(config, StarterConfig);
            output.WriteLine($"Wrote a starter configuration to {config} (listen smtp://127.0.0.1:2525, capture upstream): edit it, e.g. \"upstream\": \"smtp://smtp.office365.com:587\"");
        }
    }

    public void Install(string configPath, int drainSeconds, bool start)
    {
        var config = Path.GetFullPath(configPath);
        EnsureConfig(config, output);

        Directory.CreateDirectory(unitDirectory);
        File.WriteAllText(UnitPath, SystemdUnit.Render(ExecutablePath(), config, drainSeconds));
        output.WriteLine($"Wrote {UnitPath}");
        if (start && SystemdRunning)
        {
            Run("systemctl", "daemon-reload");
            Run("systemctl", "enable", "--now", SystemdUnit.Name);
            output.WriteLine("Started and enabled smtptap.service: journalctl -u smtptap -f shows the transcript");
        }
        else
        {
            output.WriteLine("To start it: systemctl daemon-reload && systemctl enable --now smtptap" + (SystemdRunning ? string.Empty : " (systemd is not running here)"));
        }
    }

    public void Uninstall()
    {
        if (SystemdRunning && File.Exists(UnitPath))
        {
            Run("systemctl", "disable", "--now", SystemdUnit.Name);
        }

        if (File.Exists(UnitPath))
        {
            File.Delete(UnitPath);
            output.WriteLine($"Removed {UnitPath} (the configuration, state and transcripts are kept)");
        }
        else
        {
            output.WriteLine($"{UnitPath} is not installed");
        }

        if (SystemdRunning)
        {
            Run("systemctl", "daemon-reload");
        }
    }

    public int Status()
    {
        if (!File.Exists(UnitPath))
        {
            output.WriteLine($"not installed ({UnitPath} does not exist); smtptap service install installs it");
            return 3;
        }

        output.WriteLine($"installed: {UnitPath}");
        if (!SystemdRunning)
        {
            output.WriteLine("systemd is not running on this machine, so the unit cannot be active here");
            return 3;
        }

        return Run("systemctl", "status", "--no-pager", SystemdUnit.Name);
    }

    /// <summary>The command that starts this smtptap: the installed tool or single file, or "dotnet smtptap.dll" from source.</summary>
    public static string[] ExecutablePath()
    {
        var process = Environment.ProcessPath ?? "smtptap";
        return Path.GetFileNameWithoutExtension(process) == "dotnet"
            ? [process, Path.Combine(AppContext.BaseDirectory, "smtptap.dll")]
            : [process];
    }

    private int Run(string file, params string[] args) => ServiceManagerCommand.Run(output, file, args);
}
