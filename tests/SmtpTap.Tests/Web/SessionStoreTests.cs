using SmtpTap.Core.Transcript;
using SmtpTap.Web;
using Xunit;

namespace SmtpTap.Tests.Web;

/// <summary>The web UI's in-memory history: bounded, newest first, searchable, with the facts of each session read from its masked records.</summary>
public sealed class SessionStoreTests
{
    private static readonly DateTimeOffset s_t0 = new(2026, 12, 4, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Store_keeps_only_the_last_capacity_sessions_and_drops_the_oldest()
    {
        var store = new SessionStore(capacity: 3);
        for (var i = 1; i <= 5; i++)
        {
            Session(store, "s" + i, "10.0.0." + i);
        }

        Assert.Equal(3, store.Count);
        Assert.Null(store.Get("s1"));
        Assert.Null(store.Get("s2"));
        Assert.Equal(["s5", "s4", "s3"], store.List(null, null, 100).Sessions.Select(s => s.Id));
    }

    [Fact]
    public void Summary_reads_client_ehlo_user_envelope_subject_and_verdict()
    {
        var store = new SessionStore(10);
        Session(store, "s1", "192.0.2.7:5000", subject: "Quarterly report");

        var s = store.Get("s1")!.Session;
        Assert.Equal("192.0.2.7:5000", s.ClientAddress);
        Assert.Equal("smtp://127.0.0.1:2525", s.Listener);
        Assert.Equal("smtp://mx.example:25", s.Upstream);
        Assert.Equal("Tls13 TLS_AES_256_GCM_SHA384", s.UpstreamTls);
        Assert.Null(s.ClientTls);
        Assert.Equal("crm.local", s.Ehlo);
        Assert.Equal("PLAIN", s.AuthMechanism);
        Assert.Equal("alice", s.User);
        Assert.Equal(["me@example.test"], s.Senders);
        Assert.Equal(["you@example.test", "other@example.test"], s.Recipients);
        Assert.Equal(["Quarterly report"], s.Subjects);
        Assert.Equal(1, s.MessagesAccepted);
        Assert.Equal("accepted", s.Status);
        Assert.Equal("Quit", s.Outcome);
    }

    [Fact]
    public void Body_lines_that_look_like_commands_or_headers_do_not_change_the_summary()
    {
        var store = new SessionStore(10);
        var r = Recorder(store, "s1");
        r(TranscriptDirection.ClientToTap, "MAIL FROM:<me@example.test>");
        r(TranscriptDirection.ServerToTap, "354 go ahead");
        r(TranscriptDirection.ClientToTap, "Subject: real");
        r(TranscriptDirection.ClientToTap, string.Empty);
        r(TranscriptDirection.ClientToTap, "Subject: in the body");
        r(TranscriptDirection.ClientToTap, "RCPT TO:<smuggled@example.test>");
        r(TranscriptDirection.ClientToTap, ".");

        var s = store.Get("s1")!.Session;
        Assert.Equal(["real"], s.Subjects);
        Assert.Empty(s.Recipients);
    }

    [Theory]
    [InlineData("open", null, null)]
    [InlineData("accepted", "Message accepted by the server: 250 ok", "Quit")]
    [InlineData("rejected", "Message NOT accepted by the server: 554 no", "Quit")]
    [InlineData("failed", null, "UpstreamFailed")]
    [InlineData("closed", null, "Quit")]
    public void Status_follows_the_verdicts_and_the_outcome(string expected, string? verdict, string? outcome)
    {
        var store = new SessionStore(10);
        var r = Recorder(store, "s1");
        r(TranscriptDirection.ClientToTap, "EHLO x");
        if (verdict is not null)
        {
            Event(store, "s1", verdict, []);
        }

        if (outcome is not null)
        {
            Event(store, "s1", "Session closed", new() { ["Outcome"] = outcome });
        }

        Assert.Equal(expected, store.Get("s1")!.Session.Status);
        Assert.Equal(["s1"], store.List(null, expected, 10).Sessions.Select(s => s.Id));
    }

    [Fact]
    public void List_filters_by_text_over_client_user_sender_recipient_and_subject()
    {
        var store = new SessionStore(10);
        Session(store, "s1", "192.0.2.1:1", subject: "Invoice 42");
        Session(store, "s2", "198.51.100.9:2", subject: "Hello");

        Assert.Equal(["s1"], Ids(store, "invoice"));
        Assert.Equal(["s2"], Ids(store, "198.51.100"));
        Assert.Equal(["s2", "s1"], Ids(store, "ALICE"));
        Assert.Equal(["s2", "s1"], Ids(store, "other@example"));
        Assert.Empty(Ids(store, "nobody"));

        static string[] Ids(SessionStore store, string q) => [.. store.List(q, null, 10).Sessions.Select(s => s.Id)];
    }

    [Fact]
    public void List_filters_by_listener_and_upstream()
    {
        var store = new SessionStore(10);
        Session(store, "s1", "192.0.2.1:1");
        Event(store, "s2", "Client 192.0.2.2:2 connected to smtps://127.0.0.1:4465", new() { ["ClientEndPoint"] = "192.0.2.2:2", ["Listener"] = "smtps://127.0.0.1:4465" });
        Event(store, "s2", "Connected to upstream smtps://relay.example:465 (192.0.2.9:465)", new() { ["Upstream"] = "smtps://relay.example:465" });

        Assert.Equal(["s2"], store.List("relay.example", null, 10).Sessions.Select(s => s.Id));
        Assert.Equal(["s2"], store.List("4465", null, 10).Sessions.Select(s => s.Id));
        Assert.Equal(["s1"], store.List("mx.example", null, 10).Sessions.Select(s => s.Id));
        Assert.Equal(["s2", "s1"], store.List("127.0.0.1", null, 10).Sessions.Select(s => s.Id));
    }

    [Fact]
    public void Row_shows_each_message_size_and_verdict_and_the_refused_recipients_of_an_accepted_message()
    {
        var store = new SessionStore(10);
        Session(store, "s1", "192.0.2.7:5000");
        using var list = store.Subscribe(null);
        store.OnMessage(Message("s1", 1, 2048, 250, 250, 550));
        store.OnMessage(Message("s1", 2, 99, 554, 250));

        var s = store.Get("s1")!.Session;
        Assert.Equal([new SessionMessage("s1-1", 2048, 250, 1), new SessionMessage("s1-2", 99, 554, 0)], s.Messages);
        Assert.Equal(1, s.RecipientsRefused);
        Assert.Equal(2048 + 99, s.MessageOctets);
        // The list's stream carries the row with its first message only; the session's own stream has them all.
        var update = Assert.Single(list.TakeBatch());
        Assert.Equal((StoreUpdateKind.Session, 1), (update.Kind, update.Session!.Messages.Count));
        Assert.Equal(2048L + 99, update.Session.MessageOctets);
        using var page = store.Subscribe("s1");
        store.OnMessage(Message("s1", 3, 1, 250, 250));
        Assert.Equal(3, Assert.Single(page.TakeBatch()).Session!.Messages.Count);

        // A message accepted for one recipient and refused for another: the session counts as accepted, the refusal shows.
        Session(store, "s2", "192.0.2.8:5000");
        store.OnMessage(Message("s2", 1, 10, 250, 250, 550, 551));
        var accepted = store.Get("s2")!.Session;
        Assert.Equal("accepted", accepted.Status);
        Assert.Equal(2, accepted.RecipientsRefused);

        // A session already gone from the history is ignored.
        store.OnMessage(Message("gone", 1, 1, 250, 250));
        Assert.Null(store.Get("gone"));
    }

    [Fact]
    public void Lines_beyond_the_per_session_cap_keep_the_first_and_the_newest_and_count_the_rest()
    {
        var store = new SessionStore(10, maxLinesPerSession: 5);
        var r = Recorder(store, "s1");
        r(TranscriptDirection.ClientToTap, "EHLO x");
        Assert.Equal(1, store.Get("s1")!.Session.LineCount);
        for (var i = 1; i < 12; i++)
        {
            r(TranscriptDirection.ServerToTap, "250 ok " + i);
        }

        var detail = store.Get("s1")!;
        Assert.Equal([1L, 2L, 3L, 11L, 12L], detail.Lines.Select(l => l.Seq));
        Assert.Equal(["EHLO x", "250 ok 1", "250 ok 2", "250 ok 10", "250 ok 11"], detail.Lines.Select(l => l.Text));
        Assert.Equal(7, detail.LinesNotKept);
        Assert.Equal(12, detail.Session.LineCount);

        // A page that opens now gets the same kept lines as its backlog, in order.
        using var watcher = store.Subscribe("s1", backlogAfter: 0);
        var backlog = new List<long>();
        while (watcher.Updates.TryRead(out var u))
        {
            if (u.Line is { } line)
            {
                backlog.Add(line.Seq);
            }
        }

        Assert.Equal([1L, 2L, 3L, 11L, 12L], backlog);
    }

    [Fact]
    public void By_default_a_long_session_keeps_its_first_100_and_newest_100_lines()
    {
        var store = new SessionStore(10);
        var r = Recorder(store, "bulk");
        for (var i = 1; i <= 10_000; i++)
        {
            r(TranscriptDirection.ClientToTap, "line " + i);
        }

        var detail = store.Get("bulk")!;
        Assert.Equal(200, detail.Lines.Count);
        Assert.Equal("line 1", detail.Lines[0].Text);
        Assert.Equal("line 100", detail.Lines[99].Text);
        Assert.Equal("line 9901", detail.Lines[100].Text);
        Assert.Equal("line 10000", detail.Lines[^1].Text);
        Assert.Equal(9800, detail.LinesNotKept);
    }

    [Theory]
    [InlineData(1, new[] { 1L })]
    [InlineData(2, new[] { 1L, 7L })]
    [InlineData(3, new[] { 1L, 2L, 7L })]
    [InlineData(10, new[] { 1L, 2L, 3L, 4L, 5L, 6L, 7L })]
    public void Small_caps_split_between_the_first_and_the_newest_lines(int cap, long[] kept)
    {
        var timeline = new KeptTimeline(cap);
        for (var seq = 1; seq <= 7; seq++)
        {
            timeline.Add(new TimelineLine(seq, s_t0, "client>tap", false, "x"));
        }

        Assert.Equal(kept, timeline.ToArray().Select(l => l.Seq));
        Assert.Equal(7 - kept.Length, timeline.NotKept);
    }

    [Fact]
    public void Subscribers_get_the_backlog_then_live_lines_and_list_changes()
    {
        var store = new SessionStore(10);
        var r = Recorder(store, "s1");
        r(TranscriptDirection.ClientToTap, "EHLO one");
        r(TranscriptDirection.ServerToTap, "250 hi");
        using var session = store.Subscribe("s1", backlogAfter: 1);
        using var list = store.Subscribe(null);
        r(TranscriptDirection.ClientToTap, "QUIT");
        Session(store, "s2", "10.0.0.2:1");

        var seen = new List<StoreUpdate>();
        while (session.Updates.TryRead(out var u))
        {
            seen.Add(u);
        }

        Assert.Equal(StoreUpdateKind.Session, seen[0].Kind);
        Assert.Equal([2L, 3L], seen.Where(u => u.Kind == StoreUpdateKind.Line).Select(u => u.Line!.Seq));
        Assert.All(seen, u => Assert.Equal("s1", u.SessionId));

        var listed = list.TakeBatch();

        Assert.DoesNotContain(listed, u => u.Kind == StoreUpdateKind.Line);
        Assert.Contains(listed, u => u.Kind == StoreUpdateKind.Session && u.SessionId == "s2" && u.Session!.Status == "accepted");
    }

    private static RelayedMessage Message(string session, int number, long size, int verdict, params int[] recipientReplies) => new(
        session,
        number,
        s_t0,
        new EnvelopeCommand("MAIL FROM:<me@example.test>", "me@example.test", new ShownReply(250, ["2.1.0 Ok"])),
        [.. recipientReplies.Select((code, i) => new EnvelopeCommand("RCPT TO:<r" + i + "@example.test>", "r" + i + "@example.test", new ShownReply(code, ["x"])))],
        new ShownReply(verdict, ["done"]),
        false,
        null,
        size);

    private static Action<TranscriptDirection, string> Recorder(SessionStore store, string id) =>
        (direction, text) => store.OnRecord(new TranscriptRecord(id, s_t0, direction, false, text));

    private static void Event(SessionStore store, string id, string text, Dictionary<string, string> properties) =>
        store.OnRecord(new TranscriptRecord(id, s_t0, TranscriptDirection.Event, false, text, properties));

    internal static void Session(SessionStore store, string id, string client, string subject = "Hi")
    {
        var r = Recorder(store, id);
        Event(store, id, "Client " + client + " connected to smtp://127.0.0.1:2525", new() { ["ClientEndPoint"] = client, ["Listener"] = "smtp://127.0.0.1:2525" });
        Event(store, id, "Connected to upstream smtp://mx.example:25 (192.0.2.1:25)", new() { ["Upstream"] = "smtp://mx.example:25", ["RemoteEndPoint"] = "192.0.2.1:25" });
        Event(store, id, "TLS established with upstream: Tls13 TLS_AES_256_GCM_SHA384, certificate CN=mx.example, verified", new() { ["TlsProtocol"] = "Tls13", ["CipherSuite"] = "TLS_AES_256_GCM_SHA384", ["Subject"] = "CN=mx.example", ["Verification"] = "verified" });
        r(TranscriptDirection.ServerToTap, "220 mx.example ESMTP");
        r(TranscriptDirection.ClientToTap, "EHLO crm.local");
        r(TranscriptDirection.ServerToTap, "250 mx.example");
        r(TranscriptDirection.ClientToTap, "AUTH PLAIN ******** [authzid=, user=alice, password=********]");
        r(TranscriptDirection.ServerToTap, "235 2.7.0 ok");
        Event(store, id, "AUTH succeeded: 235 2.7.0", new() { ["AuthVerdict"] = "AUTH succeeded: 235 2.7.0" });
        r(TranscriptDirection.ClientToTap, "MAIL FROM:<me@example.test> SIZE=100");
        r(TranscriptDirection.ClientToTap, "RCPT TO:<you@example.test>");
        r(TranscriptDirection.ClientToTap, "RCPT TO:<other@example.test>");
        r(TranscriptDirection.ClientToTap, "DATA");
        r(TranscriptDirection.ServerToTap, "354 go ahead");
        r(TranscriptDirection.ClientToTap, "Subject: " + subject);
        r(TranscriptDirection.ClientToTap, string.Empty);
        r(TranscriptDirection.ClientToTap, ".");
        r(TranscriptDirection.ServerToTap, "250 2.0.0 queued");
        Event(store, id, "Message accepted by the server: 250 2.0.0 queued", []);
        r(TranscriptDirection.ClientToTap, "QUIT");
        Event(store, id, "Session closed (Quit)", new() { ["Outcome"] = "Quit" });
    }
}

/// <summary>The store's memory bound, measured alone (no other test allocates meanwhile).</summary>
[Collection(SmtpTap.Tests.Support.MemoryMeasuringCollection.Name)]
public sealed class SessionStoreMemoryTests
{
    [Fact]
    public void Store_stays_bounded_after_100000_sessions()
    {
        var store = new SessionStore(capacity: 1000);
        for (var i = 0; i < 1000; i++)
        {
            SessionStoreTests.Session(store, "a" + i, "10.0.0.1");
        }

        var afterThousand = Measure();
        for (var i = 0; i < 100_000; i++)
        {
            SessionStoreTests.Session(store, "b" + i, "10.0.0.2");
        }

        var afterHundredThousand = Measure();
        Assert.Equal(1000, store.Count);
        Assert.Equal(1000, store.List(null, null, int.MaxValue).Total);
        Assert.True(afterHundredThousand < afterThousand * 1.5 + (4 << 20), $"memory grew from {afterThousand} to {afterHundredThousand} bytes");
        GC.KeepAlive(store);

        static long Measure()
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            return GC.GetTotalMemory(forceFullCollection: true);
        }
    }
}
