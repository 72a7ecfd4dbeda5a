using SmtpTap.IntegrationTests.Support;

namespace SmtpTap.IntegrationTests.Catalogue;

/// <summary>Fault directives for a scripted upstream, after Exim's test server: *eof, *rst, *stall.</summary>
internal static class ScriptedFaults
{
    public static async Task ApplyAsync(ScriptedConnection c, string fault)
    {
        switch (fault)
        {
            case "eof":
                return;
            case "rst":
                c.Abort();
                return;
            case "stall":
                await Task.Delay(Timeout.Infinite, c.Token);
                return;
            case "421":
                await c.SendAsync("421 4.3.2 Service shutting down\r\n");
                return;
            default:
                throw new ArgumentOutOfRangeException(nameof(fault), fault, "unknown fault");
        }
    }

    /// <summary>Reads until the tap closes the connection; true if it did within the timeout (no QUIT needed).</summary>
    public static async Task<bool> DrainUntilClosedAsync(ScriptedConnection c)
    {
        try
        {
            while (await c.ReadLineAsync() is not null)
            {
            }

            return true;
        }
        catch (IOException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
