namespace SmtpTap.Core.Capture;

/// <summary>A command line read from the client: its status and, for <see cref="CommandLineStatus.Line"/>, its text without CRLF.</summary>
internal readonly record struct CommandLineRead(CommandLineStatus Status, string? Text);
