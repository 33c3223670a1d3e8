using System.ComponentModel;
using Kiln.Definitions;

namespace Kiln.Publishers;

[Description("Appends one entry per artifact to a Packer-compatible manifest (builds[], last_run_uuid), with Kiln's fingerprint, checksums, timings and checks under `kiln`.")]
internal sealed class ManifestConfig : PublisherConfig, IValidatableConfig
{
    [Description("Path of the manifest. Default: manifest.json at the root of the output directory, shared by every build of the run.")]
    public string? Output { get; init; }

    [Description("Free-form values copied into each entry's custom_data.")]
    public IReadOnlyDictionary<string, string> CustomData { get; init; } = new Dictionary<string, string>();

    [Description("Compute the sha256 of files whose artifact does not carry one already (one streamed pass per file).")]
    public bool Checksums { get; init; } = true;

    [Description("How long to wait for another build that is writing the same manifest.")]
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromMinutes(5);

    public IEnumerable<ConfigProblem> Validate()
    {
        if (LockTimeout <= TimeSpan.Zero)
        {
            yield return new ConfigProblem("lock_timeout", "must be longer than zero", "for example `lock_timeout: 5m`");
        }
    }
}
