namespace SmtpTap.Configuration;

/// <summary>One <c>proxy</c> option as it will be used: its long name (without dashes), its value(s) and their source.</summary>
internal sealed record EffectiveSetting(string Name, IReadOnlyList<string> Values, SettingSource Source);
