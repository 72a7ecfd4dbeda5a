using System.Text;
using SmtpTap.Core.Auth;
using SmtpTap.Core.Protocol;

namespace SmtpTap.Probe;

/// <summary>
/// Runs one AUTH exchange with the SASL responses computed by <see cref="SaslResponses"/>. The transcript
/// shows every payload through the shared <see cref="ISaslDescriber"/> masking, and every secret-bearing
/// string is registered with the scrubber before it is sent.
/// </summary>
internal static class ProbeAuthenticator
{
    private const int MaxChallenges = 4;

    public static async Task<AuthReport> RunAsync(ProbeChannel channel, SmtpReply ehlo, ProbeCredentials credentials, bool maskUsernames, CancellationToken cancellationToken)
    {
        var offered = EhloRewriter.AuthMechanisms(ehlo);
        var mechanism = credentials.Mechanism
            ?? (credentials.Preference is { } preference ? preference.FirstOrDefault(m => offered.Contains(m, StringComparer.OrdinalIgnoreCase)) : SaslResponses.Choose(offered));
        var report = new AuthReport { Offered = offered, User = maskUsernames ? null : credentials.User, Mechanism = mechanism };
        if (offered.Count == 0)
        {
            return report with { Explanation = "the server does not offer AUTH" + (channel.Connection.IsTls ? string.Empty : " (many servers offer it only after STARTTLS)") };
        }

        if (mechanism is null || !offered.Contains(mechanism, StringComparer.OrdinalIgnoreCase))
        {
            var wanted = mechanism ?? string.Join(", ", credentials.Preference ?? SaslResponses.Supported.Where(m => m != "XOAUTH2"));
            return report with { Explanation = $"the server does not offer {wanted} (it offers: {string.Join(' ', offered)})" };
        }

        var scrubber = channel.Transcript.Scrubber;
        scrubber.Add(credentials.Secret.Reveal());
        var sasl = SaslDescriberFactory.Create(mechanism, new SaslMaskOptions { MaskUsernames = maskUsernames });
        var initial = mechanism switch
        {
            "PLAIN" => SaslResponses.Plain(credentials.User, credentials.Secret),
            "XOAUTH2" => SaslResponses.XOAuth2(credentials.User, credentials.Secret),
            "OAUTHBEARER" => SaslResponses.OAuthBearer(credentials.User, credentials.Secret),
            _ => null,
        };
        var command = "AUTH " + mechanism;
        var shown = command;
        if (initial is not null)
        {
            scrubber.Add(initial);
            shown += " " + sasl.DescribeClient(Encoding.ASCII.GetBytes(initial), isInitialResponse: true);
            command += " " + initial;
        }

        var reply = await channel.SendAsync(command, shown, "AUTH", cancellationToken, sasl);
        for (var step = 0; reply.Code == 334 && step < MaxChallenges; step++)
        {
            var response = Respond(mechanism, step, reply.FirstLine, credentials);
            scrubber.Add(response);
            reply = await channel.SendAsync(response, sasl.DescribeClient(Encoding.ASCII.GetBytes(response), isInitialResponse: false), "the AUTH response", cancellationToken, sasl);
        }

        return report with
        {
            Success = reply.IsPositiveCompletion,
            Reply = scrubber.Scrub(ReplyText.OneLine(reply)),
            Explanation = AuthReplyExplainer.Explain(reply) ?? "AUTH did not finish: the server kept sending challenges",
        };
    }

    /// <summary>The answer to the <paramref name="step"/>-th 334 challenge; "*" cancels when there is nothing sensible to say.</summary>
    private static string Respond(string mechanism, int step, string challenge, ProbeCredentials credentials) => (mechanism, step) switch
    {
        ("LOGIN", 0) => SaslResponses.LoginUser(credentials.User),
        ("LOGIN", 1) => SaslResponses.LoginPassword(credentials.Secret),
        ("CRAM-MD5", 0) => SaslResponses.CramMd5(credentials.User, credentials.Secret, challenge) ?? "*",
        ("XOAUTH2", 0) => string.Empty,
        ("OAUTHBEARER", 0) => "AQ==",
        _ => "*",
    };
}
