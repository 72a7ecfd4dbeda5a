using System.Net;
using System.Net.Sockets;

namespace SmtpTap.Probe;

/// <summary>DNS and TCP connect, each within the step timeout, with the one-line errors the probe promises.</summary>
internal static class ProbeConnector
{
    public static async Task<Socket> ConnectAsync(ProbeOptions options, ProbeTranscript transcript, CancellationToken cancellationToken)
    {
        var addresses = await ResolveAsync(options, transcript, cancellationToken);
        SocketException? last = null;
        IPEndPoint? lastEndPoint = null;
        for (var i = 0; i < addresses.Length; i++)
        {
            var address = addresses[i];
            var endPoint = new IPEndPoint(address, options.Port);
            transcript.Event("Connecting to " + endPoint);
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            cts.CancelAfter(options.Timeout);
            try
            {
                await socket.ConnectAsync(endPoint, cts.Token);
                transcript.Event("Connected to " + endPoint);
                return socket;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                socket.Dispose();
                throw new ProbeStepException(ProbeFailureKind.Connection, $"timed out after {options.TimeoutSeconds}s connecting to {Show(endPoint)}");
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                if (i < addresses.Length - 1)
                {
                    // The last failure is the probe's error (summary and stderr); earlier ones are only seen here.
                    transcript.Event($"Could not connect to {endPoint}: {ex.SocketErrorCode}; trying the next address");
                }

                last = ex;
                lastEndPoint = endPoint;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw new ProbeStepException(ProbeFailureKind.Connection, Describe(last, lastEndPoint, options));
    }

    public static string Describe(SocketException? ex, IPEndPoint? endPoint, ProbeOptions options)
    {
        var where = endPoint is null ? $"{options.Host}:{options.Port}" : Show(endPoint);
        return ex?.SocketErrorCode switch
        {
            SocketError.ConnectionRefused => $"connection refused by {where} (nothing listens on that port, or a firewall rejects it)",
            SocketError.TimedOut => $"timed out after {options.TimeoutSeconds}s connecting to {where}",
            SocketError.NetworkUnreachable or SocketError.HostUnreachable => $"{where} is unreachable (no route to the network or host)",
            null => $"no address to connect to for {options.Host}",
            _ => $"cannot connect to {where}: {ex.SocketErrorCode}",
        };
    }

    private static async Task<IPAddress[]> ResolveAsync(ProbeOptions options, ProbeTranscript transcript, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(options.Host, out var literal))
        {
            return [literal];
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(options.Timeout);
        try
        {
            var addresses = await Dns.GetHostAddressesAsync(options.Host, cts.Token);
            if (addresses.Length == 0)
            {
                throw new ProbeStepException(ProbeFailureKind.Connection, $"DNS lookup failed for {options.Host}: no address");
            }

            transcript.Event($"{options.Host} resolves to {string.Join(", ", addresses.Select(a => a.ToString()))}");
            return addresses;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ProbeStepException(ProbeFailureKind.Connection, $"timed out after {options.TimeoutSeconds}s waiting for the DNS lookup of {options.Host}");
        }
        catch (SocketException ex)
        {
            throw new ProbeStepException(ProbeFailureKind.Connection, $"DNS lookup failed for {options.Host} ({ex.SocketErrorCode})");
        }
    }

    private static string Show(IPEndPoint endPoint) =>
        endPoint.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{endPoint.Address}]:{endPoint.Port}" : endPoint.ToString();
}
