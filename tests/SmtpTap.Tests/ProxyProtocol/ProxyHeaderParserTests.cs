using System.Net;
using System.Text;
using SmtpTap.Core.ProxyProtocol;
using static SmtpTap.Tests.ProxyProtocol.ProxyHeaderBytes;

namespace SmtpTap.Tests.ProxyProtocol;

/// <summary>
/// PROXY protocol v1 and v2 (HAProxy's proxy-protocol.txt) without sockets: every valid header is fed byte by byte
/// to the pure parser and through the reader in every chunk size, and the reader must stop exactly at the header's
/// end (the SMTP bytes behind it stay unread).
/// </summary>
public sealed class ProxyHeaderParserTests
{
    private static readonly byte[] s_smtpAfter = Encoding.ASCII.GetBytes("EHLO client.example\r\n");

    private static IPEndPoint Ep(string address, int port) => new(IPAddress.Parse(address), port);

    /// <summary>Byte by byte: every proper prefix needs more and never asks past the header; the whole header parses.</summary>
    private static ProxyHeader ParseFedByteByByte(byte[] header, ProxyProtocolVersion version)
    {
        for (var n = 0; n < header.Length; n++)
        {
            var partial = ProxyHeaderParser.Parse(header.AsSpan(0, n), version);
            Assert.True(partial.Status == ProxyParseStatus.NeedMore, $"after {n} of {header.Length} bytes: {partial.Status} {partial.Error}");
            Assert.InRange(partial.BytesNeeded, 1, header.Length - n);
        }

        var result = ProxyHeaderParser.Parse(header, version);
        Assert.True(result.Status == ProxyParseStatus.Complete, result.Error);
        Assert.Equal(header.Length, result.Header!.Length);
        return result.Header;
    }

    /// <summary>The reader over a stream with the SMTP bytes behind the header, in every chunk size: same header, nothing over-read.</summary>
    private static async Task ReadInEveryChunkingAsync(byte[] header, ProxyProtocolVersion version, ProxyHeader expected)
    {
        byte[] wire = [.. header, .. s_smtpAfter];
        for (var chunk = 1; chunk <= wire.Length; chunk++)
        {
            var stream = new ChunkedStream(wire, chunk);
            var result = await ProxyHeaderReader.ReadAsync(stream, version, CancellationToken.None);
            Assert.True(result.Status == ProxyParseStatus.Complete, $"chunk {chunk}: {result.Error}");
            Assert.Equal(expected, result.Header);
            Assert.Equal(header.Length, stream.Position);
        }
    }

    private static async Task<ProxyHeader> ValidAsync(byte[] header, ProxyProtocolVersion version)
    {
        var parsed = ParseFedByteByByte(header, version);
        await ReadInEveryChunkingAsync(header, version, parsed);
        return parsed;
    }

    private static string Refused(byte[] input, ProxyProtocolVersion version)
    {
        var result = ProxyHeaderParser.Parse(input, version);
        Assert.True(result.Status == ProxyParseStatus.Invalid, $"{result.Status}: expected a refusal");
        Assert.False(string.IsNullOrWhiteSpace(result.Error));
        return result.Error!;
    }

    [Fact]
    public async Task V1_Tcp4_AddressesAndPorts()
    {
        var header = await ValidAsync(V1("PROXY TCP4 192.0.2.10 198.51.100.1 56324 25\r\n"), ProxyProtocolVersion.V1);
        Assert.Equal(ProxyHeaderCommand.Proxy, header.Command);
        Assert.Equal(Ep("192.0.2.10", 56324), header.Source);
        Assert.Equal(Ep("198.51.100.1", 25), header.Destination);
        Assert.Equal("PROXY v1", header.Describe());
    }

    [Fact]
    public async Task V1_Tcp6_AddressesAndPorts()
    {
        var header = await ValidAsync(V1("PROXY TCP6 2001:db8::1 2001:db8::25 65535 587\r\n"), ProxyProtocolVersion.V1);
        Assert.Equal(Ep("2001:db8::1", 65535), header.Source);
        Assert.Equal(Ep("2001:db8::25", 587), header.Destination);
    }

    [Theory]
    [InlineData("PROXY UNKNOWN\r\n")]
    [InlineData("PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n")]
    public async Task V1_Unknown_NoAddresses_RestOfLineIgnored(string line)
    {
        var header = await ValidAsync(V1(line), ProxyProtocolVersion.V1);
        Assert.Equal(ProxyHeaderCommand.Unknown, header.Command);
        Assert.Null(header.Source);
    }

    [Fact]
    public async Task V1_WorstCase107Bytes_Accepted_OneMoreRefused()
    {
        var full = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
        var line = $"PROXY UNKNOWN {full} {full} 65535 65535\r\n";
        Assert.Equal(107, line.Length);
        await ValidAsync(V1(line), ProxyProtocolVersion.V1);

        var over = V1($"PROXY UNKNOWN {full} {full} 65535 655350\r\n");
        Assert.Contains("no CRLF within 107 bytes", Refused(over, ProxyProtocolVersion.V1), StringComparison.Ordinal);
    }

    [Fact]
    public void V1_Oversize_NoCrlfIn107Bytes_RefusedWithoutAskingForMore()
    {
        var endless = V1("PROXY UNKNOWN " + new string('a', 200));
        Assert.Equal(ProxyParseStatus.NeedMore, ProxyHeaderParser.Parse(endless.AsSpan(0, 106), ProxyProtocolVersion.V1).Status);
        Assert.Contains("107", Refused(endless[..107], ProxyProtocolVersion.V1), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("PROXY TCP4  192.0.2.10 198.51.100.1 1 2\r\n", "single spaces")]
    [InlineData("PROXY TCP4 192.0.2.10 198.51.100.1 1\r\n", "single spaces")]
    [InlineData("PROXY TCP4 256.0.2.10 198.51.100.1 1 2\r\n", "not an IPv4 address")]
    [InlineData("PROXY TCP4 010.0.2.10 198.51.100.1 1 2\r\n", "not an IPv4 address")]
    [InlineData("PROXY TCP4 2001:db8::1 198.51.100.1 1 2\r\n", "not an IPv4 address")]
    [InlineData("PROXY TCP6 192.0.2.10 2001:db8::1 1 2\r\n", "not an IPv6 address")]
    [InlineData("PROXY TCP6 fe80::1%eth0 2001:db8::1 1 2\r\n", "not an IPv6 address")]
    [InlineData("PROXY TCP4 192.0.2.10 198.51.100.1 65536 25\r\n", "not a port")]
    [InlineData("PROXY TCP4 192.0.2.10 198.51.100.1 -1 25\r\n", "not a port")]
    [InlineData("PROXY UDP4 192.0.2.10 198.51.100.1 1 2\r\n", "unknown protocol 'UDP4'")]
    [InlineData("PROXY TCP4 192.0.2.10 198.51.100.1 1 2\n", "byte 0x0A")]
    [InlineData("PROXY TCP4 192.0.2.10\r198.51.100.1 1 2\r\n", "byte 0x0D")]
    [InlineData("PROXY TCP4 192.0.2.10\t198.51.100.1 1 2\r\n", "byte 0x09")]
    [InlineData("proxy TCP4 192.0.2.10 198.51.100.1 1 2\r\n", "no PROXY v1 header")]
    [InlineData("EHLO client.example\r\n", "began with \"EHLO client.exam\"")]
    public void V1_Malformed_Refused(string line, string why)
    {
        Assert.Contains(why, Refused(V1(line), ProxyProtocolVersion.V1), StringComparison.Ordinal);
    }

    [Fact]
    public void V1_NotAHeader_RefusedAtTheFirstByte()
    {
        Assert.Equal(ProxyParseStatus.Invalid, ProxyHeaderParser.Parse("E"u8, ProxyProtocolVersion.V1).Status);
        Assert.Equal(ProxyParseStatus.Invalid, ProxyHeaderParser.Parse([0x16, 0x03, 0x01], ProxyProtocolVersion.V1).Status);
    }

    [Fact]
    public async Task V1_Truncated_ReaderReportsTheClose()
    {
        var truncated = V1("PROXY TCP4 192.0.2.10 198.51.100.1 5");
        var result = await ProxyHeaderReader.ReadAsync(new ChunkedStream(truncated, 3), ProxyProtocolVersion.V1, CancellationToken.None);
        Assert.Equal(ProxyParseStatus.Invalid, result.Status);
        Assert.Contains($"closed after {truncated.Length} bytes", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task V2_Tcp4_AddressesAndPorts()
    {
        var header = await ValidAsync(V2Tcp(Ep("203.0.113.7", 41000), Ep("127.0.0.1", 2525)), ProxyProtocolVersion.V2);
        Assert.Equal(ProxyHeaderCommand.Proxy, header.Command);
        Assert.Equal(Ep("203.0.113.7", 41000), header.Source);
        Assert.Equal(Ep("127.0.0.1", 2525), header.Destination);
        Assert.Equal(28, header.Length);
        Assert.Equal("PROXY v2", header.Describe());
    }

    [Fact]
    public async Task V2_Tcp6_AddressesAndPorts()
    {
        var header = await ValidAsync(V2Tcp(Ep("2001:db8::7", 1), Ep("2001:db8::25", 25)), ProxyProtocolVersion.V2);
        Assert.Equal(Ep("2001:db8::7", 1), header.Source);
        Assert.Equal(Ep("2001:db8::25", 25), header.Destination);
        Assert.Equal(52, header.Length);
    }

    [Fact]
    public async Task V2_Tlvs_SkippedButCountedInTheLength()
    {
        byte[] tlvs = [.. Tlv(0x05, Encoding.ASCII.GetBytes("unique-id-1234")), .. Tlv(0xEA, new byte[300]), .. Tlv(0x04, [])];
        var bytes = V2Tcp(Ep("198.51.100.9", 5000), Ep("10.0.0.1", 25), tlvs);
        var header = await ValidAsync(bytes, ProxyProtocolVersion.V2);
        Assert.Equal(Ep("198.51.100.9", 5000), header.Source);
        Assert.Equal(bytes.Length, header.Length);
    }

    [Theory]
    [InlineData(0x00, 0)]
    [InlineData(0x11, 12)]
    [InlineData(0x21, 36)]
    public async Task V2_Local_TheProxysOwnConnection_AddressesIgnored(byte familyTransport, int addressBytes)
    {
        var header = await ValidAsync(V2(0, familyTransport, new byte[addressBytes]), ProxyProtocolVersion.V2);
        Assert.Equal(ProxyHeaderCommand.Local, header.Command);
        Assert.Null(header.Source);
        Assert.Equal("PROXY v2 LOCAL", header.Describe());
    }

    [Fact]
    public async Task V2_ProxyWithUnspecifiedFamily_IsUnknown()
    {
        var header = await ValidAsync(V2(1, 0x00, []), ProxyProtocolVersion.V2);
        Assert.Equal(ProxyHeaderCommand.Unknown, header.Command);
        Assert.Null(header.Source);
    }

    [Fact]
    public void V2_WrongSignature_RefusedAtTheFirstWrongByte()
    {
        var good = V2Tcp(Ep("203.0.113.7", 41000), Ep("127.0.0.1", 2525));
        for (var i = 0; i < Signature.Length; i++)
        {
            var bad = (byte[])good.Clone();
            bad[i] ^= 0x20;
            Assert.Equal(ProxyParseStatus.NeedMore, ProxyHeaderParser.Parse(bad.AsSpan(0, i), ProxyProtocolVersion.V2).Status);
            Assert.Contains("no PROXY v2 header", Refused(bad[..(i + 1)], ProxyProtocolVersion.V2), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(1, 1, 0x11, 12, "version 1")]
    [InlineData(3, 1, 0x11, 12, "version 3")]
    [InlineData(2, 2, 0x11, 12, "unknown command 2")]
    [InlineData(2, 1, 0x12, 12, "not STREAM")]
    [InlineData(2, 1, 0x31, 216, "UNIX socket")]
    [InlineData(2, 1, 0x41, 12, "unknown address family 4")]
    [InlineData(2, 1, 0x11, 11, "cannot hold the IPv4 address block")]
    [InlineData(2, 1, 0x21, 12, "cannot hold the IPv6 address block")]
    public void V2_Malformed_RefusedFromTheFixedPart(int version, int command, byte familyTransport, int payload, string why)
    {
        var bytes = V2(command, familyTransport, new byte[payload], version);
        Assert.Contains(why, Refused(bytes[..16], ProxyProtocolVersion.V2), StringComparison.Ordinal);
    }

    [Fact]
    public void V2_Oversize_RefusedBeforeTheBodyArrives()
    {
        var bytes = V2(1, 0x11, new byte[ProxyHeaderParser.MaxV2Payload + 1]);
        Assert.Contains("more than the 4096 accepted", Refused(bytes[..16], ProxyProtocolVersion.V2), StringComparison.Ordinal);
        var largest = V2(1, 0x11, new byte[ProxyHeaderParser.MaxV2Payload]);
        Assert.Equal(ProxyParseStatus.Complete, ProxyHeaderParser.Parse(largest, ProxyProtocolVersion.V2).Status);
    }

    [Fact]
    public async Task V2_Truncated_ReaderReportsTheClose()
    {
        var whole = V2Tcp(Ep("203.0.113.7", 41000), Ep("127.0.0.1", 2525));
        foreach (var cut in new[] { 0, 5, 15, 16, 27 })
        {
            var result = await ProxyHeaderReader.ReadAsync(new ChunkedStream(whole[..cut], 4), ProxyProtocolVersion.V2, CancellationToken.None);
            Assert.Equal(ProxyParseStatus.Invalid, result.Status);
            Assert.Contains(cut == 0 ? "closed before a PROXY header" : $"closed after {cut} bytes", result.Error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void WrongVersion_RefusedWithWhatWasSent()
    {
        var v1 = V1("PROXY TCP4 192.0.2.10 198.51.100.1 56324 25\r\n");
        var v2 = V2Tcp(Ep("203.0.113.7", 41000), Ep("127.0.0.1", 2525));
        Assert.Contains("a PROXY v1 header, but this listener expects v2", Refused(v1[..1], ProxyProtocolVersion.V2), StringComparison.Ordinal);
        Assert.Contains("a PROXY v2 header, but this listener expects v1", Refused(v2[..1], ProxyProtocolVersion.V1), StringComparison.Ordinal);
    }

    [Fact]
    public void SmtpOrTlsInsteadOfAHeader_RefusedWithTheFirstBytesShown()
    {
        Assert.Contains("began with \"EHLO", Refused("EHLO x\r\n"u8.ToArray(), ProxyProtocolVersion.V2), StringComparison.Ordinal);
        Assert.Contains("began with \"\\x16\\x03\\x01", Refused([0x16, 0x03, 0x01, 0x02, 0x00], ProxyProtocolVersion.V2), StringComparison.Ordinal);
    }
}
