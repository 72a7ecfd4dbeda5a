using System.Globalization;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Display;
using Serilog.Parsing;
using SmtpTap.Core.Transcript;

namespace SmtpTap.Logging;

/// <summary>
/// Formats events exactly as <see cref="MessageTemplateTextFormatter"/> does with the template
/// "{Timestamp:FORMAT} {SessionId,-5} {Direction,-10} {Message:lj}{NewLine}", without its per-token
/// dispatch: the timestamp is formatted into a stack buffer, the two padded columns and the message are
/// written directly when every message property is a string shown literally (the transcript lines:
/// "{Line:l}", "WARNING: {Line:l}", ...). Any other event (a number in the message, a missing SessionId
/// or Direction) goes through the Serilog formatter for the same template, so the output is identical.
/// </summary>
internal sealed class TranscriptLineFormatter : ITextFormatter
{
    private const int SessionIdWidth = 5;
    private const int DirectionWidth = 10;
    private const string SessionIdProperty = "SessionId";

    private readonly string _timestampFormat;
    private readonly MessageTemplateTextFormatter _fallback;

    public TranscriptLineFormatter(string timestampFormat)
    {
        _timestampFormat = timestampFormat;
        Template = "{Timestamp:" + timestampFormat + "} {SessionId,-5} {Direction,-10} {Message:lj}{NewLine}";
        _fallback = new MessageTemplateTextFormatter(Template, CultureInfo.InvariantCulture);
    }

    /// <summary>The Serilog output template this formatter reproduces.</summary>
    public string Template { get; }

    public void Format(LogEvent logEvent, TextWriter output)
    {
        if (!TryGetString(logEvent, SessionIdProperty, out var sessionId)
            || !TryGetString(logEvent, TranscriptDirectionNames.PropertyName, out var direction)
            || !IsLiteralStringsOnly(logEvent))
        {
            _fallback.Format(logEvent, output);
            return;
        }

        Span<char> stamp = stackalloc char[64];
        if (logEvent.Timestamp.TryFormat(stamp, out var written, _timestampFormat, CultureInfo.InvariantCulture))
        {
            output.Write(stamp[..written]);
        }
        else
        {
            output.Write(logEvent.Timestamp.ToString(_timestampFormat, CultureInfo.InvariantCulture));
        }

        output.Write(' ');
        WritePadded(output, sessionId, SessionIdWidth);
        output.Write(' ');
        WritePadded(output, direction, DirectionWidth);
        output.Write(' ');
        foreach (var token in logEvent.MessageTemplate.Tokens)
        {
            if (token is TextToken text)
            {
                output.Write(text.Text);
            }
            else if (token is PropertyToken property)
            {
                output.Write((string)((ScalarValue)logEvent.Properties[property.PropertyName]).Value!);
            }
        }

        output.Write(Environment.NewLine);
    }

    private static bool TryGetString(LogEvent logEvent, string name, out string value)
    {
        if (logEvent.Properties.TryGetValue(name, out var property) && property is ScalarValue { Value: string text })
        {
            value = text;
            return true;
        }

        value = string.Empty;
        return false;
    }

    /// <summary>True when each property in the message is a string shown as is (no alignment, no format but "l").</summary>
    private static bool IsLiteralStringsOnly(LogEvent logEvent)
    {
        foreach (var token in logEvent.MessageTemplate.Tokens)
        {
            if (token is TextToken)
            {
                continue;
            }

            if (token is not PropertyToken property
                || property.Alignment is not null
                || property.Format is not (null or "l")
                || !logEvent.Properties.TryGetValue(property.PropertyName, out var value)
                || value is not ScalarValue { Value: string })
            {
                return false;
            }
        }

        return true;
    }

    private static void WritePadded(TextWriter output, string value, int width)
    {
        output.Write(value);
        for (var i = value.Length; i < width; i++)
        {
            output.Write(' ');
        }
    }
}
