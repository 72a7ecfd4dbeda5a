namespace SmtpTap.Tests.Support;

/// <summary>Tests that measure the process's managed memory run alone, so other tests' allocations do not count.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryMeasuringCollection
{
    public const string Name = "memory-measuring";
}
