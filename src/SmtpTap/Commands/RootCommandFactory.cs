using System.CommandLine;

namespace SmtpTap.Commands;

/// <summary>The <c>smtptap</c> command tree.</summary>
internal static class RootCommandFactory
{
    /// <param name="signals">Ctrl+C / SIGTERM handling of the real process (null in tests that invoke the tree in-process).</param>
    public static RootCommand Create(ShutdownSignals? signals = null)
    {
        var root = new RootCommand("SmtpTap: a TLS-aware SMTP intercepting proxy that shows what goes over the wire, with every AUTH secret masked.");
        root.Subcommands.Add(ProxyCommand.Create(signals));
        root.Subcommands.Add(CertCommand.Create());
        root.Subcommands.Add(ProbeCommand.Create());
        root.Subcommands.Add(AccountCommand.Create());
        root.Subcommands.Add(ConfigCommand.Create());
        root.Subcommands.Add(BundleCommand.Create());
        root.Subcommands.Add(CompletionCommand.Create());
        root.Subcommands.Add(ServiceCommand.Create());
        ProxyHelp.Install(root);
        return root;
    }
}
