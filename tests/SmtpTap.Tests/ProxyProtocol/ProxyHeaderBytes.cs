using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace SmtpTap.Tests.ProxyProtocol;

/// <summary>PROXY headers built by hand from the spec, and a stream that hands out at most N bytes per read.</summary>
internal static class ProxyHeaderBytes
{
    public static readonly byte[] Signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    public static byte[] V1(string line) => Encoding.ASCII.GetBytes(line);

    /// <summary>Signature, version 2 with the command, family/transport byte, big-endian length, payload.</summary>
    public static byte[] V2(int command, byte familyTransport, byte[] payload, int version = 2)
    {
        var header = new byte[16 + payload.Length];
        Signature.CopyTo(header, 0);
        header[12] = (byte)((version << 4) | command);
        header[13] = familyTransport;
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(14), (ushort)payload.Length);
        payload.CopyTo(header, 16);
        return header;
    }

    /// <summary>A v2 PROXY header for TCP over IPv4 (0x11) or IPv6 (0x21), with optional TLV bytes after the addresses.</summary>
    public static byte[] V2Tcp(IPEndPoint source, IPEndPoint destination, byte[]? tlvs = null)
    {
        var address = new List<byte>();
        address.AddRange(source.Address.GetAddressBytes());
        address.AddRange(destination.Address.GetAddressBytes());
        address.AddRange([(byte)(source.Port >> 8), (byte)source.Port, (byte)(destination.Port >> 8), (byte)destination.Port]);
        address.AddRange(tlvs ?? []);
        var family = source.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? (byte)0x11 : (byte)0x21;
        return V2(1, family, [.. address]);
    }

    /// <summary>A TLV: type, big-endian length, value.</summary>
    public static byte[] Tlv(byte type, byte[] value) => [type, (byte)(value.Length >> 8), (byte)value.Length, .. value];
}

/// <summary>A read-only stream over fixed bytes that returns at most <c>chunk</c> bytes per read; <see cref="Position"/> shows what was taken.</summary>
internal sealed class ChunkedStream(byte[] data, int chunk) : Stream
{
    private int _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => data.Length;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("async only");

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = Math.Min(Math.Min(buffer.Length, chunk), data.Length - _position);
        data.AsSpan(_position, n).CopyTo(buffer.Span);
        _position += n;
        return ValueTask.FromResult(n);
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
