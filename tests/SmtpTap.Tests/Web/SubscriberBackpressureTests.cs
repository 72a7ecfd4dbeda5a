using SmtpTap.Core.Transcript;
using SmtpTap.Web;
using Xunit;

namespace SmtpTap.Tests.Web;

/// <summary>
/// A browser that stops reading (a stalled tab, a slow link) must never hold up the relay: the store only offers
/// updates to each subscriber's bounded queue, which drops its oldest updates when full.
/// </summary>
public sealed class SubscriberBackpressureTests
{
    private static readonly DateTimeOffset s_t0 = new(2026, 12, 4, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Subscribers_that_never_read_do_not_hold_up_sessions_and_their_queues_stay_bounded()
    {
        var store = new SessionStore(capacity: 100);
        using var list = store.Subscribe(null);
        SessionStoreTests.Session(store, "busy", "10.0.0.1:1");
        using var session = store.Subscribe("busy", backlogAfter: 0);

        // Four relays at once: 4 x 1,000 sessions of 21 records each, plus 20,000 more lines of one busy session.
        var relays = Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 1000; i++)
            {
                SessionStoreTests.Session(store, $"t{t}-{i}", "10.0.0.2:1");
            }
        }));
        var busy = Task.Run(() =>
        {
            for (var i = 0; i < 20_000; i++)
            {
                store.OnRecord(new TranscriptRecord("busy", s_t0, TranscriptDirection.ClientToTap, false, "NOOP " + i));
            }
        });
        await Task.WhenAll([.. relays, busy]).WaitAsync(TimeSpan.FromSeconds(120));

        Assert.Equal(100, store.Count);
        Assert.InRange(list.Updates.Count, 1, 1024);
        Assert.InRange(session.Updates.Count, 1, 1024);

        // What is kept is the newest: the busy session's last line is the last line queued for it.
        string? last = null;
        while (session.Updates.TryRead(out var update))
        {
            last = update.Line?.Text ?? last;
        }

        Assert.Equal("NOOP 19999", last);
    }

    [Fact]
    public void A_row_is_summarised_when_its_batch_is_sent_not_at_every_change_of_a_busy_session()
    {
        var store = new SessionStore(capacity: 10);
        using var list = store.Subscribe(null);
        for (var i = 0; i < 500; i++)
        {
            store.OnRecord(new TranscriptRecord("busy", s_t0, TranscriptDirection.ClientToTap, false, "MAIL FROM:<s" + i + "@example.test>"));
        }

        // One marker for the row however often it changed, summarised when taken.
        Assert.Equal(1, list.Updates.Count);
        var row = Assert.Single(list.TakeBatch());
        Assert.Equal(500, row.Session!.LineCount);

        // Once taken, the next change queues the row again.
        Assert.Equal(0, list.Updates.Count);
        store.OnRecord(new TranscriptRecord("busy", s_t0, TranscriptDirection.ClientToTap, false, "EHLO again.example.test"));
        Assert.Equal((501, "again.example.test"), (Assert.Single(list.TakeBatch()).Session!.LineCount, store.Get("busy")!.Session.Ehlo));
    }

    [Fact]
    public void A_row_marker_dropped_from_a_full_queue_is_queued_again_by_the_next_change()
    {
        var store = new SessionStore(capacity: 5000);
        using var list = store.Subscribe(null);
        store.OnRecord(new TranscriptRecord("first", s_t0, TranscriptDirection.ClientToTap, false, "EHLO a"));
        for (var i = 0; i < 1100; i++)
        {
            store.OnRecord(new TranscriptRecord("other" + i, s_t0, TranscriptDirection.ClientToTap, false, "EHLO b"));
        }

        // "first"'s marker was the oldest and was dropped; its next change must still reach the page.
        store.OnRecord(new TranscriptRecord("first", s_t0, TranscriptDirection.ClientToTap, false, "MAIL FROM:<late@example.test>"));
        var rows = list.TakeBatch().Where(u => u.SessionId == "first").ToList();
        Assert.Equal(["late@example.test"], Assert.Single(rows).Session!.Senders);
    }

    [Fact]
    public void A_batch_sends_each_session_row_once_with_its_newest_summary_and_keeps_every_line_and_removal()
    {
        var store = new SessionStore(capacity: 2);
        using var list = store.Subscribe(null);
        SessionStoreTests.Session(store, "s1", "10.0.0.1:1");
        SessionStoreTests.Session(store, "s2", "10.0.0.2:1");
        SessionStoreTests.Session(store, "s3", "10.0.0.3:1"); // s1 leaves the history

        var batch = list.TakeBatch();

        // s1 left the history before the batch went out: its removal is sent, its row is not.
        Assert.Equal(["s2", "s3"], batch.Where(u => u.Kind == StoreUpdateKind.Session).Select(u => u.SessionId));
        Assert.All(batch.Where(u => u.Kind == StoreUpdateKind.Session), u => Assert.Equal("accepted", u.Session!.Status));
        Assert.Equal(["s1"], batch.Where(u => u.Kind == StoreUpdateKind.Removed).Select(u => u.SessionId));
        Assert.False(list.Updates.TryRead(out _));

        using var lines = store.Subscribe("s3", backlogAfter: 0);
        var timeline = lines.TakeBatch();
        Assert.Equal(store.Get("s3")!.Lines.Select(l => l.Seq), timeline.Where(u => u.Kind == StoreUpdateKind.Line).Select(u => u.Line!.Seq));
    }
}
