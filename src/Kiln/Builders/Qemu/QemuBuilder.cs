using Kiln.Builders.Qemu.Install;
using Kiln.Builders.Qemu.Steps;
using Kiln.Definitions;
using Kiln.Engine;
using Kiln.Model;
using Kiln.Steps;

namespace Kiln.Builders.Qemu;

/// <summary>
/// Local disk images with QEMU, Packer's qemu builder in Kiln's pipeline: base → overlay → boot → provision →
/// clean → shut down → convert (qcow2, raw, vmdk, vdi, vhdx, ova) → boot the captured image → verify.
/// </summary>
public sealed class QemuBuilder : Builder<QemuSourceConfig, QemuBuildState>, IDeclaresHostRequirements
{
    private readonly ImageCache _cache;

    public QemuBuilder()
        : this(null)
    {
    }

    /// <param name="cacheDirectory">Where base images are cached, instead of $KILN_CACHE or ~/.cache/kiln.</param>
    public QemuBuilder(string? cacheDirectory)
    {
        _cache = cacheDirectory is null ? ImageCache.Default() : new ImageCache(cacheDirectory);
    }

    public override string Type => "qemu";

    public string CacheDirectory => _cache.Root;

    /// <summary>qemu and qemu-img always, ssh-keygen for the build key; mmdebstrap and the disk tools for a bootstrapped base.</summary>
    public IEnumerable<HostRequirement> HostRequirements(object config)
    {
        IEnumerable<HostRequirement> always = [HostRequirement.QemuSystem, HostRequirement.QemuImg, HostRequirement.SshKeygen];
        return config is QemuSourceConfig { Base.Bootstrap: not null }
            ? [.. always, HostRequirement.Mmdebstrap, HostRequirement.Mke2fs, HostRequirement.GrubMkimage, HostRequirement.DebianArchiveKeyring]
            : always;
    }

    protected override QemuBuildState CreateState(QemuSourceConfig config, BuildContext context) => new(context, config);

    protected override IEnumerable<IStep<QemuBuildState>> CreateSteps(QemuSourceConfig config, ResolvedSource source)
    {
        foreach (var step in InstallSteps.Before(config, _cache))
        {
            yield return step;
        }

        yield return new CreateBuildKeyStep<QemuBuildState>();
        yield return new StartMachineStep(verifyBoot: false);
        yield return new WaitForSshStep<QemuBuildState>();
        yield return new ProvisionStep<QemuBuildState>();
        yield return new RemoveBuildKeyStep<QemuBuildState>();
        yield return new CleanGuestStep();
        yield return new ShutdownStep();
        yield return new ConvertDisksStep();
        yield return new PublishOutputsStep();
        if (config.Verify.Enabled)
        {
            yield return new CreateVerifyKeyStep();
            yield return new StartMachineStep(verifyBoot: true);
            yield return new InStage<QemuBuildState>(new WaitForSshStep<QemuBuildState>(), Stage.Verify, "wait for SSH on the verify machine");
            yield return new CheckBuildKeyRemovedStep();
            yield return new VerifyStep<QemuBuildState>();
            yield return new StopMachineStep();
        }
    }

    protected override IEnumerable<string> DescribeTemporaryResources(QemuSourceConfig config)
    {
        foreach (var resource in InstallSteps.Resources(config))
        {
            yield return resource;
        }

        yield return "a qcow2 overlay disk in the work directory";
        yield return "a qemu-system-x86_64 process (SSH forwarded on a free 127.0.0.1 port, QMP socket in the temp directory)";
        if (config.Base.Bootstrap is not null)
        {
            yield return "an mmdebstrap root directory and raw disk in the work directory (only when the base is not cached yet)";
        }

        yield return "a staging directory inside the output directory for the converted disks";
        if (config.Verify.Enabled)
        {
            yield return "a second qemu-system-x86_64 process booting the captured image in snapshot mode";
        }
    }
}
