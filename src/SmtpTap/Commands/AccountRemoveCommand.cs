using System.CommandLine;
using SmtpTap.OAuth;

namespace SmtpTap.Commands;

/// <summary><c>smtptap account remove NAME</c>: deletes the definition and the encrypted token store.</summary>
internal static class AccountRemoveCommand
{
    public static Command Create(AccountContext context)
    {
        var name = AccountCommand.NameArgument();
        var command = new Command("remove", "Remove an account and its token store (the grant stays valid at the identity provider until you revoke it there)");
        command.Arguments.Add(name);
        command.SetAction((parseResult, _) => AccountCommand.RunAsync(parseResult, output =>
        {
            var account = parseResult.GetValue(name)!;
            var store = new AccountStore(context.Home());
            if (!store.Remove(account))
            {
                throw new OAuthException($"unknown account '{account}' (see smtptap account list)");
            }

            output.WriteLine($"Removed account {account} and its token store.");
            return Task.FromResult(ExitCodes.Ok);
        }));
        return command;
    }
}
