using System.CommandLine;

namespace SmtpTap.Commands;

/// <summary>The <c>smtptap</c> command tree.</summary>
internal static class RootCommandFactory
{
    public static RootCommand Create()
    {
        var root = new RootCommand("SmtpTap: a TLS-aware SMTP intercepting proxy that shows what goes over the wire, with every AUTH secret masked.");
        root.Subcommands.Add(ProxyCommand.Create());
        root.Subcommands.Add(CertCommand.Create());
        root.Subcommands.Add(ProbeCommand.Create());
        root.Subcommands.Add(AccountCommand.Create());
        return root;
    }
}
