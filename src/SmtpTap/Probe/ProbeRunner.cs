namespace SmtpTap.Probe;

/// <summary>Runs one probe and returns its report; never throws for anything the server or network does.</summary>
internal static class ProbeRunner
{
    public static async Task<ProbeReport> RunAsync(ProbeOptions options, ProbeTranscript transcript, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var session = new ProbeSession(options, transcript, time);
        return await session.RunAsync(cancellationToken);
    }
}
