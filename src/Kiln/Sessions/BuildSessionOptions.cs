using Kiln.Consoles;
using Kiln.Engine;
using Kiln.Model;
using Kiln.Plugins;
using Kiln.Secrets;

namespace Kiln.Sessions;

public sealed record BuildSessionOptions
{
    /// <summary>
    /// Half the cores, at least one. Most builds are VMs under TCG (no working KVM on CI machines): each keeps one to two
    /// cores busy with its vCPU threads, and capture adds qemu-img conversions and compression. Running more builds than
    /// that makes every build slower (boots stretch toward their SSH timeouts) without finishing the set sooner; container
    /// and cloud builds are lighter, so users raise <c>parallel</c> for them.
    /// </summary>
    public static int DefaultParallelism => Math.Max(1, Environment.ProcessorCount / 2);

    public int Parallelism { get; init; } = DefaultParallelism;

    public OnErrorMode OnError { get; init; } = OnErrorMode.Cleanup;

    /// <summary>How long one build's cleanups may take after it ended (or was cancelled); what is left stays in the ledger.</summary>
    public TimeSpan CleanupTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Stages whose steps are not run (their targets were skipped); later stages still run.</summary>
    public IReadOnlySet<Stage> SkippedStages { get; init; } = new HashSet<Stage>();

    public PluginCatalog Catalog { get; init; } = PluginCatalog.Default;

    public string RunId { get; init; } = $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>Artifacts of build <c>image.source</c> go under <c>&lt;OutputDirectory&gt;/&lt;image&gt;/&lt;source&gt;</c>.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>Scratch space; each build gets a ledgered directory under it, removed when the build ends.</summary>
    public string WorkDirectory { get; init; } = Path.Combine(Path.GetTempPath(), "kiln");

    /// <summary>The run-wide Packer-style manifest; null means manifest.json in <see cref="OutputDirectory"/>.</summary>
    public string? ManifestPath { get; init; }

    public required ILedger Ledger { get; init; }

    public required IBuildConsole Console { get; init; }

    public required IInteraction Interaction { get; init; }

    public required IRedactor Redactor { get; init; }

    /// <summary>What the user runs to clean what an aborted or crashed run left.</summary>
    public string SweepCommand { get; init; } = "./build.sh SweepImages";
}
