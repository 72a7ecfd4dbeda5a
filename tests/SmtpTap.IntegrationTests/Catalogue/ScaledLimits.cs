using SmtpTap.Core.Hosting;

namespace SmtpTap.IntegrationTests.Catalogue;

/// <summary>RFC 5321 timeouts scaled down to milliseconds so fault and load cases run fast; each test shortens only what it exercises.</summary>
internal static class ScaledLimits
{
    /// <summary>Generous everywhere (so unrelated timers never fire), short only where a test says so.</summary>
    public static TapLimits Relaxed => new()
    {
        ClientIdleTimeout = TimeSpan.FromSeconds(20),
        ServerReplyTimeout = TimeSpan.FromSeconds(20),
        EndOfDataTimeout = TimeSpan.FromSeconds(20),
        CommandDeadline = TimeSpan.FromSeconds(20),
        DataRateGrace = TimeSpan.FromSeconds(20),
        ClientWriteTimeout = TimeSpan.FromSeconds(20),
        DataBlockTimeout = TimeSpan.FromSeconds(20),
        TlsHandshakeTimeout = TimeSpan.FromSeconds(20),
    };

    public static Func<TapOptions, TapOptions> With(Func<TapLimits, TapLimits> change) => o => o with { Limits = change(Relaxed) };
}
