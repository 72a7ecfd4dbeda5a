namespace SmtpTap.IntegrationTests.Capture;

/// <summary>Runs memory-measuring tests alone so other tests do not distort the working-set figures.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LargeMessageCollection
{
    public const string Name = "Capture large messages";
}
