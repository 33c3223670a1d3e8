using Kiln.Builders.Qemu.Layers;
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
internal sealed class QemuBuilder : Builder<QemuSourceConfig, QemuBuildState>, IDeclaresHostRequirements, IProvisionLayerCache
{
    private readonly ImageCache _cache;
    private readonly LayerStore _layers;

    public QemuBuilder()
        : this(null)
    {
    }

    /// <param name="cacheDirectory">Where base images are cached, instead of $KILN_CACHE or ~/.cache/kiln.</param>
    /// <param name="layerDirectory">Where provisioning layers are cached, instead of <c>layers</c> in the cache directory.</param>
    public QemuBuilder(string? cacheDirectory, string? layerDirectory = null)
    {
        _cache = cacheDirectory is null ? ImageCache.Default() : new ImageCache(cacheDirectory);
        _layers = layerDirectory is null ? LayerStore.In(_cache) : new LayerStore(layerDirectory);
    }

    public override string Type => "qemu";

    public string CacheDirectory => _cache.Root;

    public string LayerDirectory => _layers.Root;

    public (int Steps, DateTimeOffset? Cached) CachedPrefix(ProvisionLayers layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        for (var k = layers.CacheableSteps; k >= 1; k--)
        {
            if (Enumerable.Range(1, k).All(step => _layers.Find(layers.Keys[step - 1]!) is not null))
            {
                return (k, _layers.Find(layers.Keys[k - 1]!)!.Created);
            }
        }

        return (0, null);
    }

    public int ClearLayers() => _layers.Clear() + _layers.Warm.Clear();

    public IReadOnlyList<string> WarmStates() =>
        [.. _layers.Warm.All().Select(w => string.Create(
            System.Globalization.CultureInfo.InvariantCulture,
            $"{LayerStore.Short(w.Key)}: {(w.Layer is null ? "base " + w.Base : "layer " + LayerStore.Short(w.Layer))}, saved {w.Created.UtcDateTime:yyyy-MM-dd HH:mm} UTC by {w.Qemu}, {DiskSize.Format(w.DiskSize + w.StateSize)}"))];

    /// <summary>qemu and qemu-img always, ssh-keygen for the build key; mmdebstrap and the disk tools for a bootstrapped base.</summary>
    public IEnumerable<HostRequirement> HostRequirements(object config)
    {
        List<HostRequirement> needed = [HostRequirement.QemuSystem, HostRequirement.QemuImg, HostRequirement.SshKeygen];
        if (config is not QemuSourceConfig qemu)
        {
            return needed;
        }

        if (qemu.Base.Bootstrap is not null)
        {
            needed.AddRange([HostRequirement.Mmdebstrap, HostRequirement.Mke2fs, HostRequirement.GrubMkimage, HostRequirement.DebianArchiveKeyring]);
        }

        if (CloudInitSeed.Enabled(qemu))
        {
            needed.Add(HostRequirement.CloudLocalds);
        }

        return needed;
    }

    protected override QemuBuildState CreateState(QemuSourceConfig config, BuildContext context)
    {
        // Masked even when written literally rather than through a sensitive variable.
        foreach (var secret in new[] { config.SshPassword, config.SshBastionPassword })
        {
            if (!string.IsNullOrEmpty(secret))
            {
                context.Redactor.Add(secret);
            }
        }

        return new(context, config);
    }

    protected override IEnumerable<IStep<QemuBuildState>> CreateSteps(QemuSourceConfig config, ResolvedSource source)
    {
        foreach (var step in InstallSteps.Before(config, _cache, _layers))
        {
            yield return step;
        }

        yield return new CreateBuildKeyStep<QemuBuildState>();
        yield return new CreateSeedStep(verifyBoot: false);
        yield return new StartMachineStep(verifyBoot: false);
        yield return new WithConsoleTail(new WaitForSshStep<QemuBuildState>());
        if (!config.Base.IsInstaller)
        {
            yield return new SaveBootedMachineStep();
        }

        yield return new ProvisionStep<QemuBuildState>();
        yield return new RemoveBuildKeyStep<QemuBuildState>();
        yield return new CleanGuestStep();
        yield return new ResetCloudInitStep();
        yield return new ShutdownStep();
        yield return new ConvertDisksStep();
        yield return new PublishOutputsStep();
        if (!config.Base.IsInstaller)
        {
            yield return new FinishLayersStep();
        }

        if (config.Verify.Enabled)
        {
            yield return new CreateVerifyKeyStep();
            yield return new CreateSeedStep(verifyBoot: true);
            yield return new StartMachineStep(verifyBoot: true);
            yield return new InStage<QemuBuildState>(new WithConsoleTail(new WaitForSshStep<QemuBuildState>()), Stage.Verify, "wait for SSH on the verify machine");
            yield return new CheckBuildKeyRemovedStep();
            yield return new VerifyStep<QemuBuildState>();
            yield return new StopMachineStep();
        }
    }

    protected override IEnumerable<string> DescribeOutputs(QemuSourceConfig config) => config.Formats.Select(f => f.ToString().ToLowerInvariant());

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

        if (CloudInitSeed.Enabled(config))
        {
            yield return "a cloud-init NoCloud seed (cidata ISO, made with cloud-localds) per boot in the work directory";
        }

        yield return "a staging directory inside the output directory for the converted disks";
        if (config.Verify.Enabled)
        {
            yield return "a second qemu-system-x86_64 process booting the captured image in snapshot mode";
        }
    }
}
