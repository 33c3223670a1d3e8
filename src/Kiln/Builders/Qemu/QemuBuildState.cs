using Kiln.Builders.Qemu.Layers;
using Kiln.Communicators;
using Kiln.Engine;

namespace Kiln.Builders.Qemu;

/// <summary>What the QEMU builder's steps share while one build runs.</summary>
internal sealed partial class QemuBuildState(BuildContext context, QemuSourceConfig config) : BuildState(context), ISshTarget, IBuildKeyHolder, IProvisionCheckpoints
{
    public QemuSourceConfig Config { get; } = config;

    /// <summary>The image the overlay is based on (a cache entry or the user's file); never written.</summary>
    public string? BaseImagePath { get; internal set; }

    public string? BaseImageFormat { get; internal set; }

    public long BaseImageVirtualSize { get; internal set; }

    public bool UseKvm { get; internal set; }

    /// <summary>The build's copy-on-write disk in the work directory.</summary>
    public string? OverlayPath { get; internal set; }

    /// <summary>The build's temporary key: the build machine gets it through fw_cfg; the image must not keep it.</summary>
    public SshKeyPair? BuildKey { get; set; }

    public string? BuildKeyRemovedBy { get; set; }

    /// <summary>A second key for the verify machine, which boots the captured image.</summary>
    public SshKeyPair? VerifyKey { get; internal set; }

    internal ILedgerEntry? VerifyKeyEntry { get; set; }

    /// <summary>The key the machine running now accepts.</summary>
    public SshKeyPair? ActiveKey => VerifyKey ?? BuildKey;

    public SshEndpoint? SshEndpoint =>
        Machine is { } machine && ActiveKey is { } key
            ? QemuLogin.Endpoint(this, machine.SshPort, key)
            : null;

    internal QemuMachine? Machine { get; set; }

    /// <summary>Forwarded SSH port of the machine running now.</summary>
    public int? SshPort => Machine?.SshPort;

    public string? SerialLogPath => Machine?.SerialLogPath;

    /// <summary>Captured files by format, in the staging directory until the capture moves them to the output.</summary>
    public Dictionary<DiskFormat, string> Captured { get; } = [];

    public string OutputName => Config.OutputName ?? Context.Image.Name;

    /// <summary>The cloud-init NoCloud seed the next machine boots with (guest_init auto or cloud_init).</summary>
    internal string? SeedImagePath { get; set; }

    /// <summary>The capture removed the build user the seed had created: nothing more runs as that user.</summary>
    internal bool BuildUserRemoved { get; set; }

    /// <summary>Provisioning steps whose cached layer the machine boots with.</summary>
    public int ResumedSteps { get; internal set; }

    internal LayerSealer? Sealer { get; set; }

    public Task SealAsync(int step, CancellationToken cancellationToken) =>
        Sealer?.SealAsync(this, step, cancellationToken) ?? Task.CompletedTask;
}
