using System.Security.Cryptography;
using System.Text;
using SmtpTap.IntegrationTests.Support;
using Xunit.Abstractions;

namespace SmtpTap.IntegrationTests.Relay;

/// <summary>
/// A 100 MB message through the real smtptap process (default capture upstream): it arrives intact and
/// the process's peak memory grows by far less than the message (streaming, not buffering).
/// </summary>
public sealed class LargeMessageTests(ITestOutputHelper output)
{
    private const long MiB = 1024 * 1024;

    [Fact]
    public async Task HundredMegabyteMessage_StreamsThroughWithBoundedMemory()
    {
        using var temp = new TempDirectory();
        await using var cli = CliProcess.Start(temp.Path, "proxy", "--listen", "smtp://127.0.0.1:0", "--cert-dir", temp.Sub("certs"), "--capture-dir", temp.Sub("captured"));
        var port = await cli.WaitForListenPortAsync();

        var small = await SendAsync(port, 1 * MiB);
        var afterSmall = cli.PeakResidentBytes();
        var large = await SendAsync(port, 100 * MiB);
        var afterLarge = cli.PeakResidentBytes();
        output.WriteLine($"smtptap peak RSS after a 1 MB message: {afterSmall / MiB} MB; after a 100 MB message: {afterLarge / MiB} MB (growth {(afterLarge - afterSmall) / MiB} MB)");

        var files = Directory.GetFiles(temp.Sub("captured"), "*.eml").Select(f => (File: f, Size: new FileInfo(f).Length)).OrderBy(f => f.Size).ToArray();
        Assert.Equal(2, files.Length);
        Assert.Equal(small, await HashFileAsync(files[0].File));
        Assert.Equal(large, await HashFileAsync(files[1].File));
        Assert.True(afterLarge - afterSmall < 40 * MiB, $"peak memory grew by {(afterLarge - afterSmall) / MiB} MB for a 100 MB message");
        Assert.Contains("Message accepted by the server", cli.Stdout, StringComparison.Ordinal);
    }

    /// <summary>Sends a message of about <paramref name="size"/> bytes, generated on the fly; returns the SHA-256 of its content.</summary>
    private static async Task<string> SendAsync(int port, long size)
    {
        await using var raw = await RawSmtpClient.ConnectAsync(port);
        await raw.ExpectAsync(220);
        await raw.SendAsync("EHLO big.test\r\n");
        await raw.ExpectAsync(250);
        await raw.SendAsync("MAIL FROM:<big@example.test>\r\n");
        await raw.ExpectAsync(250);
        await raw.SendAsync("RCPT TO:<sink@example.test>\r\n");
        await raw.ExpectAsync(250);
        await raw.SendAsync("DATA\r\n");
        await raw.ExpectAsync(354);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var header = Encoding.ASCII.GetBytes($"Subject: large {size}\r\n\r\n");
        hash.AppendData(header);
        await raw.SendAsync(header);
        var line = Encoding.ASCII.GetBytes(new string('x', 998) + "\r\n");
        var block = new byte[line.Length * 64];
        for (var i = 0; i < 64; i++)
        {
            line.CopyTo(block, i * line.Length);
        }

        for (long sent = 0; sent < size; sent += block.Length)
        {
            hash.AppendData(block);
            await raw.SendAsync(block);
        }

        await raw.SendAsync(".\r\n");
        await raw.ExpectAsync(250);
        await raw.SendAsync("QUIT\r\n");
        await raw.ExpectAsync(221);
        return Convert.ToHexString(hash.GetHashAndReset());
    }

    private static async Task<string> HashFileAsync(string path)
    {
        await using var stream = File.OpenRead(path);
        return Convert.ToHexString(await SHA256.HashDataAsync(stream));
    }
}
