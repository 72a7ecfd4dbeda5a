using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Xunit.Abstractions;

namespace SmtpTap.IntegrationTests.Capture;

[Collection(LargeMessageCollection.Name)]
public sealed class CaptureServerLargeMessageTests
{
    private const long MessageSize = 30L * 1024 * 1024;

    private readonly ITestOutputHelper _output;

    public CaptureServerLargeMessageTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public async Task Data_30MB_IsStreamedToDiskWithMatchingSha256()
    {
        await using var server = await CaptureTestServer.StartAsync();
        await using var client = await RawSmtpClient.ConnectAsync(server.Port);
        await client.ReadReplyAsync();
        await client.SendAsync("EHLO big.example\r\nMAIL FROM:<big@example.com> SIZE=" + MessageSize + "\r\nRCPT TO:<b@example.com>\r\nDATA\r\n");
        for (var i = 0; i < 4; i++)
        {
            await client.ReadReplyAsync();
        }

        using var process = Process.GetCurrentProcess();
        process.Refresh();
        var peakBefore = process.PeakWorkingSet64;
        var stopwatch = Stopwatch.StartNew();

        // Lines of 78 characters plus CRLF; every 10th line starts with a dot and is sent stuffed.
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var header = "Subject: thirty megabytes\r\n\r\n"u8.ToArray();
        hash.AppendData(header);
        await client.SendAsync(header);
        var sent = (long)header.Length;
        var wire = new MemoryStream();
        var lines = Enumerable.Range(0, 26)
            .Select(i => Encoding.ASCII.GetBytes((i % 10 == 0 ? "." : "x") + new string((char)('a' + i), 77) + "\r\n"))
            .ToArray();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var lineNumber = 0;
        while (sent < MessageSize - 100)
        {
            var line = lines[lineNumber % lines.Length];
            hash.AppendData(line);
            sent += line.Length;
            if (line[0] == (byte)'.')
            {
                wire.WriteByte((byte)'.');
            }

            wire.Write(line);
            lineNumber++;
            if (wire.Length >= 256 * 1024)
            {
                await client.SendAsync(wire.GetBuffer().AsMemory(0, (int)wire.Length));
                wire.SetLength(0);
            }
        }

        wire.Write(".\r\n"u8);
        await client.SendAsync(wire.GetBuffer().AsMemory(0, (int)wire.Length));
        Assert.Matches(@"^250 2\.0\.0 Ok: queued as \d+\r\n$", await client.ReadReplyAsync());
        stopwatch.Stop();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;

        var expectedSha = Convert.ToHexStringLower(hash.GetHashAndReset());
        var message = await server.SingleMessageAsync();
        Assert.Equal(sent, message.Size);
        Assert.Equal(expectedSha, message.Sha256Hex);
        Assert.Null(message.Content);
        await using (var file = File.OpenRead(message.FilePath!))
        {
            Assert.Equal(sent, file.Length);
            Assert.Equal(expectedSha, Convert.ToHexStringLower(await SHA256.HashDataAsync(file)));
        }

        process.Refresh();
        var peakAfter = process.PeakWorkingSet64;
        _output.WriteLine(
            "30 MB DATA: {0:F1} MB in {1} ms; process peak working set {2:F1} MB before, {3:F1} MB after (growth {4:F1} MB); managed bytes allocated during the transfer (client + server): {5:F2} MB",
            sent / 1048576.0, stopwatch.ElapsedMilliseconds, peakBefore / 1048576.0, peakAfter / 1048576.0, (peakAfter - peakBefore) / 1048576.0, allocated / 1048576.0);

        // Nothing may hold the whole message: the peak may not grow by anything near its size.
        Assert.True(peakAfter - peakBefore < MessageSize / 2, "peak working set grew by " + (peakAfter - peakBefore) + " bytes");
    }

    [Fact]
    public async Task MailKit_30MB_ViaBdat_HasMatchingSha256()
    {
        await using var server = await CaptureTestServer.StartAsync();
        var body = new StringBuilder();
        var line = new string('z', 76) + "\r\n";
        while (body.Length < MessageSize)
        {
            body.Append(line);
        }

        var mime = MailKitSender.CreateMessage("thirty via BDAT", body.ToString());
        body.Clear();
        var expected = new MemoryStream();
        var format = MimeKit.FormatOptions.Default.Clone();
        format.NewLineFormat = MimeKit.NewLineFormat.Dos;
        await mime.WriteToAsync(format, expected);
        var expectedSha = Convert.ToHexStringLower(SHA256.HashData(expected.GetBuffer().AsSpan(0, (int)expected.Length)));

        var stopwatch = Stopwatch.StartNew();
        await MailKitSender.SendAsync(server.Port, mime);
        stopwatch.Stop();

        var message = await server.SingleMessageAsync();
        Assert.Equal(expected.Length, message.Size);
        Assert.Equal(expectedSha, message.Sha256Hex);
        await using var file = File.OpenRead(message.FilePath!);
        Assert.Equal(expectedSha, Convert.ToHexStringLower(await SHA256.HashDataAsync(file)));
        using var process = Process.GetCurrentProcess();
        _output.WriteLine(
            "30 MB BDAT (MailKit): {0:F1} MB in {1} ms; process peak working set {2:F1} MB (client holds the message in memory here)",
            message.Size / 1048576.0, stopwatch.ElapsedMilliseconds, process.PeakWorkingSet64 / 1048576.0);
    }
}
