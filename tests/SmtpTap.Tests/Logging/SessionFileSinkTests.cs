using Serilog;
using SmtpTap.Logging;
using Xunit;

namespace SmtpTap.Tests.Logging;

public sealed class SessionFileSinkTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "smtptap-sfs-" + Guid.NewGuid().ToString("N"));

    public SessionFileSinkTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Writes_one_file_per_session_in_order_and_flushes_on_dispose()
    {
        var logger = new LoggerConfiguration()
            .WriteTo.Sink(new SessionFileSink((id, _) => Path.Combine(_dir, id + ".log"), new TranscriptLineFormatter("HH:mm:ss.fff"), TimeSpan.FromHours(1)))
            .CreateLogger();
        await Parallel.ForAsync(0, 8, async (s, ct) =>
        {
            var session = logger.ForContext("SessionId", "s" + s).ForContext("Direction", "client>tap");
            for (var i = 0; i < 500; i++)
            {
                session.Information("{Line:l}", "line " + i);
                if (i % 100 == 0)
                {
                    await Task.Yield();
                }
            }
        });
        logger.ForContext("Direction", "tap").Information("{Line:l}", "no session");
        await logger.DisposeAsync();

        for (var s = 0; s < 8; s++)
        {
            var lines = await File.ReadAllLinesAsync(Path.Combine(_dir, "s" + s + ".log"));
            Assert.Equal(500, lines.Length);
            for (var i = 0; i < 500; i++)
            {
                Assert.EndsWith($" s{s}    client>tap line {i}", lines[i], StringComparison.Ordinal);
            }
        }

        Assert.EndsWith(" tap        no session", (await File.ReadAllLinesAsync(Path.Combine(_dir, "tap.log")))[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Closes_idle_files_and_appends_when_the_session_writes_again()
    {
        var logger = new LoggerConfiguration()
            .WriteTo.Sink(new SessionFileSink((id, _) => Path.Combine(_dir, id + ".log"), new TranscriptLineFormatter("HH:mm:ss.fff"), TimeSpan.FromMilliseconds(20)))
            .CreateLogger();
        var session = logger.ForContext("SessionId", "s1").ForContext("Direction", "tap");
        session.Information("{Line:l}", "first");
        var path = Path.Combine(_dir, "s1.log");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!File.ReadAllText(path).Contains("first", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        // Idle long enough to be closed: the file can then be deleted by anyone (no handle held on Windows either).
        await Task.Delay(SessionFileSink.IdleIntervals * 20 * 10);
        session.Information("{Line:l}", "second");
        await logger.DisposeAsync();
        var lines = await File.ReadAllLinesAsync(path);
        Assert.Equal(2, lines.Length);
        Assert.EndsWith("first", lines[0], StringComparison.Ordinal);
        Assert.EndsWith("second", lines[1], StringComparison.Ordinal);
    }
}
