using System.Globalization;
using SmtpTap.Core.Protocol;

namespace SmtpTap.Core.Capture;

/// <summary>Builds the EHLO reply: host line, then the extensions the current state allows.</summary>
internal static class EhloReplyBuilder
{
    public static SmtpReply Build(CaptureServerOptions options, bool offerStartTls, bool offerAuth)
    {
        var lines = new List<string>
        {
            options.HostName,
            "PIPELINING",
            "SIZE " + options.MaxMessageSize.ToString(CultureInfo.InvariantCulture),
            "8BITMIME",
            "SMTPUTF8",
            "CHUNKING",
            "BINARYMIME",
            "ENHANCEDSTATUSCODES",
        };

        if (offerStartTls)
        {
            lines.Add("STARTTLS");
        }

        if (offerAuth)
        {
            lines.Add("AUTH " + string.Join(' ', options.AuthMechanisms));
        }

        return new SmtpReply(250, lines);
    }
}
