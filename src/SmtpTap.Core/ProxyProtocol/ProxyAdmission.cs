using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace SmtpTap.Core.ProxyProtocol;

/// <summary>
/// The gate of a PROXY protocol listener, before the greeting and before implicit TLS: the peer must be a trusted
/// proxy and send a valid header within the timeout. Either the header (and the client address to use) or why not.
/// </summary>
internal sealed record ProxyAdmission(IPEndPoint? Proxy, ProxyHeader? Header, string? Refusal)
{
    /// <summary>The client as the header names it; the proxy's own address for LOCAL and UNKNOWN.</summary>
    public IPEndPoint? Client => Header?.Source ?? Proxy;

    public static async Task<ProxyAdmission> AdmitAsync(Socket socket, ProxyProtocolVersion version, TrustedProxies trusted, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var peer = socket.RemoteEndPoint as IPEndPoint;
        if (peer is not null)
        {
            peer = new IPEndPoint(TrustedProxies.Normalize(peer.Address), peer.Port);
        }

        if (!trusted.Contains(peer?.Address))
        {
            return new ProxyAdmission(peer, null, $"{peer?.Address} is not a trusted proxy (--trusted-proxy: {trusted}); no PROXY header is read from it");
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        ProxyParseResult result;
        try
        {
            await using var stream = new NetworkStream(socket, ownsSocket: false);
            result = await ProxyHeaderReader.ReadAsync(stream, version, deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new ProxyAdmission(peer, null, $"no complete PROXY header within {timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s");
        }
        catch (Exception ex) when (ex is IOException or SocketException)
        {
            return new ProxyAdmission(peer, null, "the connection failed while the PROXY header was read: " + ex.Message);
        }

        if (result.Header is not { } header)
        {
            return new ProxyAdmission(peer, null, result.Error);
        }

        if (header.Source is { } source)
        {
            header = header with { Source = new IPEndPoint(TrustedProxies.Normalize(source.Address), source.Port) };
        }

        return new ProxyAdmission(peer, header, null);
    }
}
