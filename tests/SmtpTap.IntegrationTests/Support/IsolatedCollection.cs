namespace SmtpTap.IntegrationTests.Support;

/// <summary>
/// Tests that observe something process-wide (unobserved task exceptions, an EventListener on every EventSource)
/// run in this collection, so no other test class runs beside them and pollutes what they observe.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class IsolatedCollection
{
    public const string Name = "Runs alone: observes the whole process";
}
