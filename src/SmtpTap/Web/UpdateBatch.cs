using System.Threading.Channels;

namespace SmtpTap.Web;

/// <summary>
/// What one write of a server-sent event stream carries: every update queued so far, with a session's row sent once
/// (its newest summary, where the last one stood). Lines and removals are all kept, in order. A busy session changes
/// its row with every message; the page needs only the latest, so fifty busy sessions cost fifty rows per write, not
/// thousands of events.
/// </summary>
internal static class UpdateBatch
{
    public static List<StoreUpdate> Take(ChannelReader<StoreUpdate> reader)
    {
        var queued = new List<StoreUpdate>();
        while (reader.TryRead(out var update))
        {
            queued.Add(update);
        }

        var last = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < queued.Count; i++)
        {
            if (queued[i].Kind == StoreUpdateKind.Session)
            {
                last[queued[i].SessionId] = i;
            }
        }

        if (last.Count == 0)
        {
            return queued;
        }

        var batch = new List<StoreUpdate>(queued.Count);
        for (var i = 0; i < queued.Count; i++)
        {
            if (queued[i].Kind != StoreUpdateKind.Session || last[queued[i].SessionId] == i)
            {
                batch.Add(queued[i]);
            }
        }

        return batch;
    }
}
