using SmtpTap.Core.Protocol;
using SmtpTap.Core.Relay;

namespace SmtpTap.Tests.Relay;

/// <summary>The end of data whose verdict a vanished client may not have seen, and that verdict, read from the command itself.</summary>
public sealed class PendingRepliesTests
{
    private static readonly SmtpReply Queued = SmtpReply.Single(250, "2.0.0 Ok: queued as Q1");

    [Fact]
    public async Task EndOfDataAwaitingItsReply_IsFound_AndItsReplyIsTheVerdictEvenIfItCameBeforeTheLook()
    {
        var pending = new PendingReplies();
        pending.Add(PendingKind.Data);
        pending.CompleteHead(SmtpReply.Single(354, "go ahead"));
        pending.Add(PendingKind.EndOfData);

        var endOfData = pending.EndOfDataNotSeenByClient();
        pending.CompleteHead(Queued);

        Assert.NotNull(endOfData);
        Assert.Equal(PendingKind.EndOfData, endOfData.Kind);
        Assert.Equal(250, (await endOfData.Reply).Code);
        Assert.True(endOfData.Relayed);
    }

    [Fact]
    public void EndOfDataWhoseReplyReachedTheClient_IsNotReported()
    {
        var pending = new PendingReplies();
        pending.Add(PendingKind.BdatLast);
        pending.CompleteHead(Queued);

        Assert.Null(pending.EndOfDataNotSeenByClient());
    }

    [Fact]
    public async Task EndOfDataWhoseReplyCouldNotBeRelayed_IsStillReported_WithTheServersVerdict()
    {
        var pending = new PendingReplies();
        pending.Add(PendingKind.EndOfData);
        pending.CompleteHead(Queued, relayed: false);

        var endOfData = pending.EndOfDataNotSeenByClient();

        Assert.NotNull(endOfData);
        Assert.False(endOfData.Relayed);
        Assert.Equal(Queued, await endOfData.Reply);
    }

    [Fact]
    public void NoMessageSent_NothingIsReported()
    {
        var pending = new PendingReplies();
        pending.Add(PendingKind.Other);

        Assert.Null(pending.EndOfDataNotSeenByClient());
    }
}
