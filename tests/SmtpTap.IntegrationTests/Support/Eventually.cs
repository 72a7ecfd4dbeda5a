namespace SmtpTap.IntegrationTests.Support;

/// <summary>Bounded polling for a condition that must become true (never a fixed sleep).</summary>
internal static class Eventually
{
    public static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(30);

    /// <summary>Polls <paramref name="condition"/> until it holds; fails with "timed out waiting until <paramref name="what"/>".</summary>
    public static async Task HoldsAsync(Func<bool> condition, string what, TimeSpan? wait = null)
    {
        var deadline = DateTime.UtcNow + (wait ?? DefaultWait);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting until " + what);
            await Task.Delay(20);
        }
    }
}
