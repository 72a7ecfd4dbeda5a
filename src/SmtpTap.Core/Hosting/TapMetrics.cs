using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace SmtpTap.Core.Hosting;

/// <summary>
/// The tap's metrics as System.Diagnostics.Metrics instruments (meter "SmtpTap"), exported in Prometheus format by
/// <c>smtptap proxy --metrics HOST:PORT</c>. Labels never hold a secret, an address or a user name: listener URL,
/// outcome, verdict, mechanism, TLS leg, direction, limit name.
/// </summary>
internal static class TapMetrics
{
    public const string MeterName = "SmtpTap";

    private static readonly Meter s_meter = new(MeterName);

    private static readonly UpDownCounter<long> s_sessionsOpen = s_meter.CreateUpDownCounter<long>("sessions.open", description: "Sessions open now, by listener");
    private static readonly Counter<long> s_sessions = s_meter.CreateCounter<long>("sessions", description: "Sessions ended, by listener and outcome");
    private static readonly Counter<long> s_messages = s_meter.CreateCounter<long>("messages", description: "Messages whose end of data was relayed, by the server's verdict (accepted, rejected, unanswered)");
    private static readonly Counter<long> s_auth = s_meter.CreateCounter<long>("auth", description: "AUTH exchanges, by mechanism and outcome (succeeded, failed)");
    private static readonly Counter<long> s_tls = s_meter.CreateCounter<long>("tls.handshakes", description: "TLS handshakes, by leg (client, upstream) and result (ok, failed)");
    private static readonly Counter<long> s_bytes = s_meter.CreateCounter<long>("bytes", unit: "By", description: "Bytes relayed, by direction (to_server, to_client)");
    private static readonly Histogram<double> s_upstreamLatency = s_meter.CreateHistogram<double>("upstream.reply.duration", unit: "s", description: "Time from forwarding a command to the server's reply");
    private static readonly Counter<long> s_refused = s_meter.CreateCounter<long>("refused", description: "Connections or commands refused by a limit, by limit");

    public static void SessionOpened(string listener) => s_sessionsOpen.Add(1, new KeyValuePair<string, object?>("listener", listener));

    public static void SessionClosed(string listener, string outcome, long toServer, long toClient)
    {
        s_sessionsOpen.Add(-1, new KeyValuePair<string, object?>("listener", listener));
        s_sessions.Add(1, new KeyValuePair<string, object?>("listener", listener), new KeyValuePair<string, object?>("outcome", outcome));
        s_bytes.Add(toServer, new KeyValuePair<string, object?>("direction", "to_server"));
        s_bytes.Add(toClient, new KeyValuePair<string, object?>("direction", "to_client"));
    }

    public static void Message(string verdict) => s_messages.Add(1, new KeyValuePair<string, object?>("verdict", verdict));

    public static void Auth(string mechanism, bool succeeded) =>
        s_auth.Add(1, new KeyValuePair<string, object?>("mechanism", mechanism), new KeyValuePair<string, object?>("outcome", succeeded ? "succeeded" : "failed"));

    public static void TlsHandshake(string leg, bool ok) =>
        s_tls.Add(1, new KeyValuePair<string, object?>("leg", leg), new KeyValuePair<string, object?>("result", ok ? "ok" : "failed"));

    public static void UpstreamReply(long startedTimestamp) => s_upstreamLatency.Record(Stopwatch.GetElapsedTime(startedTimestamp).TotalSeconds);

    public static void Refused(string limit) => s_refused.Add(1, new KeyValuePair<string, object?>("limit", limit));
}
