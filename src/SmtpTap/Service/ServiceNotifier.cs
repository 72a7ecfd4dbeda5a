using Microsoft.Extensions.Hosting.Systemd;

namespace SmtpTap.Service;

/// <summary>
/// Tells systemd (Type=notify units) when the proxy is ready and when it begins to stop, through
/// Microsoft.Extensions.Hosting.Systemd's notifier (a datagram to $NOTIFY_SOCKET); does nothing elsewhere.
/// </summary>
internal static class ServiceNotifier
{
    private static readonly SystemdNotifier s_notifier = new();

    public static bool UnderSystemd => s_notifier.IsEnabled;

    public static void Ready()
    {
        if (s_notifier.IsEnabled)
        {
            s_notifier.Notify(ServiceState.Ready);
        }
    }

    public static void Stopping()
    {
        if (s_notifier.IsEnabled)
        {
            s_notifier.Notify(ServiceState.Stopping);
        }
    }
}
