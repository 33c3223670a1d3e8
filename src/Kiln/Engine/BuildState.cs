using Kiln.Model;

namespace Kiln.Engine;

/// <summary>
/// What the steps of one build share. Each builder derives its own typed state from this; the members here
/// are the ones the builder-independent steps (provision, verify, publish) need.
/// </summary>
public abstract class BuildState(BuildContext context)
{
    public BuildContext Context { get; } = context;

    /// <summary>Set by the builder's connect step; used by provisioners and verify checks.</summary>
    public ICommunicator? Communicator { get; set; }

    /// <summary>What the capture stage produced; publishers consume and extend it.</summary>
    public List<Artifact> Artifacts { get; } = [];

    /// <summary>Written by the pipeline as steps finish; the manifest keeps them.</summary>
    public List<StepTiming> Timings { get; } = [];

    /// <summary>Results of the verify stage's checks; the manifest keeps them.</summary>
    public List<CheckResult> Checks { get; } = [];

    /// <summary>Digests of artifact files already computed by this build's publishers.</summary>
    public FileDigests Digests { get; } = new();

    /// <summary>The fingerprint of this build's inputs (set by the engine before the build starts).</summary>
    public string? Fingerprint { get; set; }
}
