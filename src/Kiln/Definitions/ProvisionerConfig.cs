namespace Kiln.Definitions;

/// <summary>Base of every provisioner's typed configuration, with the options all of them share.</summary>
public abstract class ProvisionerConfig
{
    /// <summary>Run only on these sources.</summary>
    public IReadOnlyList<string> Only { get; init; } = [];

    /// <summary>Run on every source but these.</summary>
    public IReadOnlyList<string> Except { get; init; } = [];

    public TimeSpan? PauseBefore { get; init; }

    public TimeSpan? Timeout { get; init; }

    public int MaxRetries { get; init; }
}
