using Kiln.Pipeline;

namespace Kiln.Builders.Qemu;

/// <summary>What the QEMU builder's steps share while one build runs.</summary>
public sealed class QemuBuildState(BuildContext context, QemuSourceConfig config) : BuildState(context)
{
    public QemuSourceConfig Config { get; } = config;

    /// <summary>The image the overlay is based on (a cache entry or the user's file); never written.</summary>
    public string? BaseImagePath { get; internal set; }

    public string? BaseImageFormat { get; internal set; }

    public long BaseImageVirtualSize { get; internal set; }

    public bool UseKvm { get; internal set; }

    /// <summary>The build's copy-on-write disk in the work directory.</summary>
    public string? OverlayPath { get; internal set; }

    /// <summary>The OpenSSH public key line the machine running now accepts (build key, then the verify key).</summary>
    public string? AuthorizedKey { get; set; }

    /// <summary>The public key the build logged in with; the verify stage checks it is gone from the image.</summary>
    public string? BuildPublicKey { get; set; }

    internal QemuMachine? Machine { get; set; }

    /// <summary>Forwarded SSH port of the machine running now.</summary>
    public int? SshPort => Machine?.SshPort;

    public string? SerialLogPath => Machine?.SerialLogPath;

    /// <summary>Captured files by format, in the staging directory until the capture moves them to the output.</summary>
    public Dictionary<DiskFormat, string> Captured { get; } = [];

    public string OutputName => Config.OutputName ?? Context.Image.Name;
}
