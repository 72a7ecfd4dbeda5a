using Serilog;
using SmtpTap.Logging;
using Xunit;

namespace SmtpTap.Tests.Logging;

public sealed class BackgroundTextWriterSinkTests
{
    [Fact]
    public async Task Keeps_each_session_in_order_and_loses_nothing_at_dispose()
    {
        var output = new SlowWriter();
        var logger = new LoggerConfiguration()
            .WriteTo.Sink(new BackgroundTextWriterSink(output, new TranscriptLineFormatter("HH:mm:ss.fff")))
            .CreateLogger();
        const int perSession = 3000; // more than the queue holds in total: callers wait, nothing is dropped
        await Parallel.ForAsync(0, 4, (s, ct) =>
        {
            var session = logger.ForContext("SessionId", "s" + s).ForContext("Direction", "client>tap");
            for (var i = 0; i < perSession; i++)
            {
                session.Information("{Line:l}", "line " + i);
            }

            return ValueTask.CompletedTask;
        });
        await logger.DisposeAsync();

        var lines = output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4 * perSession, lines.Length);
        for (var s = 0; s < 4; s++)
        {
            var mine = lines.Where(l => l.Contains($" s{s}    ", StringComparison.Ordinal)).ToArray();
            Assert.Equal(perSession, mine.Length);
            for (var i = 0; i < perSession; i++)
            {
                Assert.EndsWith(" line " + i, mine[i], StringComparison.Ordinal);
            }
        }
    }

    private sealed class SlowWriter : StringWriter
    {
        private int _flushes;

        public override void Flush()
        {
            if (Interlocked.Increment(ref _flushes) % 16 == 0)
            {
                Thread.Sleep(1);
            }

            base.Flush();
        }
    }
}
