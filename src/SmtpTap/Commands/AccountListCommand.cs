using System.CommandLine;
using SmtpTap.OAuth;

namespace SmtpTap.Commands;

/// <summary><c>smtptap account list</c>: name, provider, user, flow and token state; never a token.</summary>
internal static class AccountListCommand
{
    public static Command Create(AccountContext context)
    {
        var command = new Command("list", "List the accounts and the state of their tokens (valid until / refreshable / needs login)");
        command.SetAction((parseResult, _) => AccountCommand.RunAsync(parseResult, output =>
        {
            var home = context.Home();
            var store = new AccountStore(home);
            var vault = new TokenVault(home);
            var accounts = store.List();
            if (accounts.Count == 0)
            {
                output.WriteLine($"No accounts in {home.AccountsFile} yet (smtptap account add NAME --provider ... --client-id ... --user ...).");
                return Task.FromResult(ExitCodes.Ok);
            }

            var now = context.Time.GetUtcNow();
            var rows = new List<string[]> { new[] { "NAME", "PROVIDER", "USER", "FLOW", "TOKEN" } };
            rows.AddRange(accounts.Select(a => new[] { a.Name, Names.Of(a.Provider), a.User, a.HoldsPassword ? "-" : Names.Of(a.Flow), vault.State(a.Name).Describe(now, a.Flow == OAuthFlow.ClientCredentials) }));
            var widths = Enumerable.Range(0, 5).Select(i => rows.Max(r => r[i].Length)).ToArray();
            foreach (var row in rows)
            {
                output.WriteLine(string.Join("  ", row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i]))));
            }

            return Task.FromResult(ExitCodes.Ok);
        }));
        return command;
    }
}
