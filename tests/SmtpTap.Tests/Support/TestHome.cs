using System.Runtime.CompilerServices;

namespace SmtpTap.Tests.Support;

/// <summary>
/// Compiled into both test assemblies (linked). The tests never use the machine's real SmtpTap home (~/.config/smtptap): unless SMTPTAP_HOME is already set, it points
/// at a fresh temporary folder for this test process and every smtptap it starts.
/// </summary>
internal static class TestHome
{
#pragma warning disable CA2255 // a test assembly, not a library: its home must be set before any test runs
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Initialize()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("SMTPTAP_HOME")))
        {
            var home = Path.Combine(Path.GetTempPath(), "smtptap-test-home-" + Environment.ProcessId);
            Directory.CreateDirectory(home);
            Environment.SetEnvironmentVariable("SMTPTAP_HOME", home);
        }
    }
}
