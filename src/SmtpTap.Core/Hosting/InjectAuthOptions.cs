using System.Net;
using SmtpTap.Core.Auth;

namespace SmtpTap.Core.Hosting;

/// <summary>
/// <c>--inject-auth ACCOUNT</c>: every session on the tap's listeners (or only on those marked <c>?inject-auth</c>, when
/// any is) is authenticated upstream by the tap itself, just before its first MAIL FROM. Clients that are not on this
/// machine are refused unless <see cref="AllowRemote"/>.
/// </summary>
internal sealed record InjectAuthOptions
{
    public required IAuthInjector Injector { get; init; }

    /// <summary>--inject-auth-allow-remote: serve clients that are not on loopback too.</summary>
    public bool AllowRemote { get; init; }

    /// <summary>Whether a client address is on this machine (loopback; tests may widen or narrow it).</summary>
    public Func<IPAddress, bool> IsLocalClient { get; init; } = IPAddress.IsLoopback;

    /// <summary>Whether sessions on <paramref name="listener"/> get the tap's AUTH: the marked listeners, or all when none is marked.</summary>
    public static bool AppliesTo(ListenerEndpoint listener, IReadOnlyList<ListenerEndpoint> listeners) =>
        listener.InjectAuth || !listeners.Any(l => l.InjectAuth);
}
