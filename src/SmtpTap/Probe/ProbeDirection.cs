namespace SmtpTap.Probe;

/// <summary>Who said a transcript line.</summary>
internal enum ProbeDirection
{
    ClientToServer,
    ServerToClient,
    Event,
}
