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

    /// <summary>
    /// Keep the disk after this step as a cache layer that later builds resume from (QEMU). Off for steps whose
    /// effects are not all on the machine's disk, or that should give new results each time: this step and every
    /// step after it then always run.
    /// </summary>
    [System.ComponentModel.Description("Keep the disk after this step as a cache layer later builds resume from (QEMU builds). Set false for steps with effects outside the machine's disk or that must give fresh results (apt-get upgrade against a moving mirror): this step and every step after it then always run.")]
    public bool Cache { get; init; } = true;
}
