using System.Globalization;

namespace SmtpTap.Probe;

/// <summary>Plain sentences for what is wrong (or right) with the server's certificate.</summary>
internal static class TlsVerdict
{
    public static IReadOnlyList<string> Problems(TlsReport tls, string host)
    {
        ArgumentNullException.ThrowIfNull(tls);
        var problems = new List<string>();
        if (tls.Chain.Count == 0)
        {
            problems.Add(tls.ChainProblem ?? "the server sent no certificate");
            return problems;
        }

        if (!tls.HostnameMatch)
        {
            problems.Add($"the certificate is not valid for the name '{host}' (its names: {Names(tls.Chain[0])})");
        }

        if (tls.Expired)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"the certificate EXPIRED {-(tls.DaysLeft ?? 0)} days ago"));
        }

        if (!tls.ChainValid && tls.ChainProblem is not null && !(tls.Expired && tls.ChainProblem.StartsWith("a certificate in the chain has expired", StringComparison.Ordinal) && !tls.ChainProblem.Contains(';', StringComparison.Ordinal)))
        {
            problems.Add("not trusted: " + tls.ChainProblem);
        }

        return problems;
    }

    public static string Good(TlsReport tls) =>
        string.Create(CultureInfo.InvariantCulture, $"trusted ({tls.TrustedBy}), host name matches, {tls.DaysLeft} days left");

    public static string Names(CertificateReport cert) =>
        cert.Sans.Count > 0 ? string.Join(", ", cert.Sans) : cert.Subject;
}
