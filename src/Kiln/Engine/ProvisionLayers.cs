namespace Kiln.Engine;

/// <summary>
/// What a build may reuse of earlier builds' provisioning: <see cref="Keys"/>[k - 1] names the disk after steps 1..k
/// (a hash of the base, the settings that shape the disk and every input of those steps). A null key marks a step
/// that runs every time (<c>cache: false</c>, or a step with effects outside the machine), and every step after it.
/// </summary>
public sealed record ProvisionLayers(IReadOnlyList<string?> Keys)
{
    /// <summary>How large the layer cache may grow before the least recently used layers go; null means no limit.</summary>
    public long? SizeLimit { get; init; }

    /// <summary>How many leading steps can be sealed as layers.</summary>
    public int CacheableSteps => Keys.TakeWhile(k => k is not null).Count();
}
