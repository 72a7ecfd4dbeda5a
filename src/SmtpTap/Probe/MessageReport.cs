namespace SmtpTap.Probe;

/// <summary>The test message: where it stopped, the server's reply, the queue id, and the relay verdict.</summary>
internal sealed record MessageReport
{
    public bool Accepted { get; init; }

    /// <summary>The last step run: "MAIL FROM", "RCPT TO", "DATA" or "end of data".</summary>
    public string? Stage { get; init; }

    public string? Reply { get; init; }

    /// <summary>What a refusal means (<see cref="Core.Protocol.ReplyExplainer"/>, the reading the web UI shows next to the reply).</summary>
    public string? Explanation { get; init; }

    public string? QueueId { get; init; }

    public RelayVerdict RelayVerdict { get; init; } = RelayVerdict.NotTested;

    public string? RelayText { get; init; }

    public IReadOnlyList<RecipientReport> Recipients { get; init; } = [];
}
