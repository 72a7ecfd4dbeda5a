using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;

namespace SmtpTap.Bench.Host;

/// <summary>
/// A full blocking garbage collection in another .NET process, as dotnet-gcdump induces one: an EventPipe session on
/// the runtime provider with the GCHeapCollect keyword (over the process's diagnostics socket; no change to the process).
/// </summary>
internal static class InducedGc
{
    private const long GcKeyword = 0x1;
    private const long GcHeapCollectKeyword = 0x800000;

    public static async Task CollectAsync(int pid, CancellationToken cancellationToken)
    {
        var client = new DiagnosticsClient(pid);
        EventPipeProvider[] providers = [new("Microsoft-Windows-DotNETRuntime", EventLevel.Informational, GcKeyword | GcHeapCollectKeyword)];
        using var session = await client.StartEventPipeSessionAsync(providers, requestRundown: false, circularBufferMB: 16, cancellationToken);
        var drain = session.EventStream.CopyToAsync(Stream.Null, cancellationToken);
        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        await session.StopAsync(cancellationToken);
        await drain;
    }
}
