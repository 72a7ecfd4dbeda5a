using System.Diagnostics;

namespace SmtpTap.Service;

/// <summary>Runs a service manager's own command (systemctl, sc.exe) and copies what it prints.</summary>
internal static class ServiceManagerCommand
{
    public static int Run(TextWriter output, string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        output.Write(process.StandardOutput.ReadToEnd());
        output.Write(process.StandardError.ReadToEnd());
        process.WaitForExit();
        return process.ExitCode;
    }
}
