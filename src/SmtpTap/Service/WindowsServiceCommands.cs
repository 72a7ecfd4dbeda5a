namespace SmtpTap.Service;

/// <summary><c>smtptap service install|uninstall|status</c> on Windows: the Service Control Manager through sc.exe.</summary>
internal static class WindowsServiceCommands
{
    public const string ServiceName = "smtptap";

    public static int Install(string config, TextWriter output)
    {
        var full = Path.GetFullPath(config);
        ServiceInstaller.EnsureConfig(full, output);
        var command = string.Join(' ', ServiceInstaller.ExecutablePath().Select(p => "\"" + p + "\"")) + $" proxy --config \"{full}\"";
        var rc = Sc(output, "create", ServiceName, "binPath=", command, "start=", "auto", "DisplayName=", "SmtpTap SMTP inspection proxy");
        if (rc == 0)
        {
            Sc(output, "failure", ServiceName, "reset=", "86400", "actions=", "restart/5000/restart/5000/restart/5000");
            rc = Sc(output, "start", ServiceName);
        }

        return rc;
    }

    public static int Uninstall(TextWriter output)
    {
        Sc(output, "stop", ServiceName);
        return Sc(output, "delete", ServiceName);
    }

    public static int Status(TextWriter output) => Sc(output, "query", ServiceName);

    private static int Sc(TextWriter output, params string[] args) => ServiceManagerCommand.Run(output, "sc.exe", args);
}
