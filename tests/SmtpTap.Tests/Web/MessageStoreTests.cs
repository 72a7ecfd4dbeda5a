using SmtpTap.Core.Transcript;
using SmtpTap.Web;

namespace SmtpTap.Tests.Web;

public sealed class MessageStoreTests
{
    private static RelayedMessage Message(string session, int number, string? file = "/tmp/x.eml") =>
        new(session, number, DateTimeOffset.UnixEpoch, null, [], new ShownReply(250, ["2.0.0 Ok: queued as 1"]), false, file);

    [Fact]
    public void KeepsTheMessagesOfTheLastSessions_OnlyAsManyAsTheHistory()
    {
        var store = new MessageStore(capacity: 2);

        store.OnMessage(Message("s0001", 1));
        store.OnMessage(Message("s0002", 1));
        store.OnMessage(Message("s0002", 2));
        store.OnMessage(Message("s0003", 1));

        Assert.Null(store.Get("s0001-1"));
        Assert.Empty(store.OfSession("s0001"));
        Assert.Equal(["s0002-1", "s0002-2"], store.OfSession("s0002").Select(m => m.Id));
        Assert.NotNull(store.Get("s0003-1"));
    }

    [Fact]
    public void AtMostMaxPerSessionMessagesOfOneSession_AreKept_TheFirstOnes()
    {
        var store = new MessageStore(capacity: 10);
        const int sent = 1000;
        for (var i = 1; i <= sent; i++)
        {
            store.OnMessage(Message("s0001", i));
        }

        Assert.Equal(50, MessageStore.MaxPerSession);
        Assert.Equal(Enumerable.Range(1, MessageStore.MaxPerSession), store.OfSession("s0001").Select(m => m.Message.Number));
        Assert.NotNull(store.Get("s0001-1"));
        Assert.Null(store.Get("s0001-" + (MessageStore.MaxPerSession + 1)));
    }

    [Fact]
    public void AMessageWithoutTheTapsCopy_IsLocatedThroughTheCaptureServer()
    {
        var store = new MessageStore(capacity: 10, m => m.Verdict.Code == 250 ? "/captured/1.eml" : null);

        store.OnMessage(Message("s0001", 1, file: null));
        store.OnMessage(Message("s0001", 2, file: "/copies/2.eml"));

        Assert.Equal("/captured/1.eml", store.Get("s0001-1")!.FilePath);
        Assert.Equal("/copies/2.eml", store.Get("s0001-2")!.FilePath);
    }
}
