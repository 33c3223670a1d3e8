using System.ComponentModel;
using Kiln.Builders;
using Kiln.Definitions;
using Kiln.Engine;
using Kiln.Model;
using Kiln.Plugins;
using Kiln.Provisioners;
using Kiln.Publishers;

namespace Kiln.Tests.Definitions;

/// <summary>Plugin types with every kind of property the binder supports, standing in for the real plugins.</summary>
internal static class TestPlugins
{
    public static PluginCatalog Catalog { get; } = PluginCatalog.FromAssemblies().With(
        builders: [new TestQemuBuilder(), new TestCloudBuilder()],
        provisioners: [new TestShellProvisioner(), new TestFileProvisioner()],
        publishers: [new TestManifestPublisher(), new TestChecksumPublisher(), new TestCompressPublisher()]);
}

public enum DiskFormat
{
    Qcow2,
    Vmdk,
    Ova,
    RawImage,
}

[Description("A test virtual machine.")]
public sealed class TestQemuConfig : SourceConfig, IValidatableConfig
{
    [Description("Virtual CPUs.")]
    public int Cpus { get; init; } = 2;

    public long MemoryMb { get; init; } = 2048;

    public double CpuShare { get; init; } = 1.0;

    public IReadOnlyList<DiskFormat> Formats { get; init; } = [DiskFormat.Qcow2];

    public string? DiskSize { get; init; }

    [Description("How long to wait for SSH.")]
    public TimeSpan SshTimeout { get; init; } = TimeSpan.FromMinutes(5);

    public TimeSpan? ShutdownTimeout { get; init; }

    public bool Headless { get; init; } = true;

    public required TestBase Base { get; init; }

    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    public IEnumerable<ConfigProblem> Validate()
    {
        if (Base.Image is null == Base.Bootstrap is null)
        {
            yield return new ConfigProblem("base", "base needs exactly one of 'image' or 'bootstrap'", "Use image: for a disk, bootstrap: for mmdebstrap.");
        }

        if (Base.Bootstrap is { Suite: "sid" })
        {
            yield return new ConfigProblem("base.bootstrap.suite", "the suite must be a released one", "Use bookworm.");
        }
    }
}

[Description("Where the disk starts from.")]
public sealed class TestBase
{
    [Description("A disk image to start from.")]
    public string? Image { get; init; }

    public TestBootstrap? Bootstrap { get; init; }
}

public sealed class TestBootstrap
{
    [Description("Debian suite.")]
    public required string Suite { get; init; }

    public IReadOnlyList<string> Packages { get; init; } = [];
}

public sealed class TestQemuBuilder : Builder<TestQemuConfig, TestState>
{
    public override string Type => "qemu";

    protected override IEnumerable<IStep<TestState>> CreateSteps(TestQemuConfig config, ResolvedSource source)
    {
        yield return new TestStep("create disk", Stage.Boot);
        yield return new TestStep("boot vm", Stage.Boot);
        foreach (var provisioner in source.Provisioners)
        {
            yield return new TestStep($"provision {provisioner.Type}", Stage.Provision);
        }

        foreach (var format in config.Formats)
        {
            yield return new TestStep($"convert to {ConfigModel.SnakeCase(format.ToString())}", Stage.Capture);
        }
    }

    protected override TestState CreateState(TestQemuConfig config, BuildContext context) => new(context);

    protected override IEnumerable<string> DescribeTemporaryResources(TestQemuConfig config) => ["qemu process", $"work disk ({config.DiskSize ?? "default size"})"];
}

public sealed class TestCloudConfig : SourceConfig
{
    [Description("Cloud region.")]
    public required string Region { get; init; }

    public required string AmiName { get; init; }

    public string InstanceType { get; init; } = "t3.micro";

    public string? AccessKey { get; init; }

    public TestAmiFilter? SourceAmiFilter { get; init; }
}

public sealed class TestAmiFilter
{
    public IReadOnlyDictionary<string, string> Filters { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<string> Owners { get; init; } = [];

    public bool MostRecent { get; init; }
}

public sealed class TestCloudBuilder : Builder<TestCloudConfig, TestState>
{
    public override string Type => "amazon-ebs";

    protected override IEnumerable<IStep<TestState>> CreateSteps(TestCloudConfig config, ResolvedSource source) =>
        [new TestStep("launch instance", Stage.Boot), new TestStep("create ami", Stage.Capture)];

    protected override TestState CreateState(TestCloudConfig config, BuildContext context) => new(context);

    protected override IEnumerable<string> DescribeTemporaryResources(TestCloudConfig config) => [$"ec2 instance in {config.Region}", "key pair"];
}

public sealed class TestState(BuildContext context) : BuildState(context);

internal sealed class TestStep(string name, Stage stage) : IStep<TestState>
{
    public string Name => name;

    public Stage Stage => stage;

    public Task RunAsync(TestState state, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task CleanupAsync(TestState state, CancellationToken cancellationToken) => Task.CompletedTask;
}

[Description("Runs shell commands.")]
public sealed class TestShellConfig : ProvisionerConfig, IValidatableConfig
{
    public IReadOnlyList<string> Inline { get; init; } = [];

    public string? Script { get; init; }

    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();

    public IEnumerable<ConfigProblem> Validate()
    {
        if (Inline.Count == 0 == Script is null)
        {
            yield return new ConfigProblem("inline", "one of 'inline' or 'script' is needed, not both", "Use inline: for commands or script: for a file.");
        }
    }
}

public sealed class TestShellProvisioner : Provisioner<TestShellConfig>
{
    public override string Type => "shell";

    protected override Task RunAsync(TestShellConfig config, BuildState state, CancellationToken cancellationToken) => Task.CompletedTask;
}

public sealed class TestFileConfig : ProvisionerConfig
{
    public required string Source { get; init; }

    public required string Destination { get; init; }
}

public sealed class TestFileProvisioner : Provisioner<TestFileConfig>
{
    public override string Type => "file";

    protected override Task RunAsync(TestFileConfig config, BuildState state, CancellationToken cancellationToken) => Task.CompletedTask;
}

public sealed class TestManifestConfig : PublisherConfig
{
    public string Output { get; init; } = "manifest.json";
}

public sealed class TestManifestPublisher : Publisher<TestManifestConfig>
{
    public override string Type => "manifest";

    protected override Task<IReadOnlyList<Artifact>> PublishAsync(TestManifestConfig config, BuildState state, IReadOnlyList<Artifact> inputs, CancellationToken cancellationToken) =>
        Task.FromResult(inputs);
}

public enum ChecksumType
{
    Sha256,
    Sha512,
}

public sealed class TestChecksumConfig : PublisherConfig
{
    public IReadOnlyList<ChecksumType> Types { get; init; } = [ChecksumType.Sha256];
}

public sealed class TestChecksumPublisher : Publisher<TestChecksumConfig>
{
    public override string Type => "checksum";

    protected override Task<IReadOnlyList<Artifact>> PublishAsync(TestChecksumConfig config, BuildState state, IReadOnlyList<Artifact> inputs, CancellationToken cancellationToken) =>
        Task.FromResult(inputs);
}

public sealed class TestCompressConfig : PublisherConfig
{
    public int Level { get; init; } = 3;
}

public sealed class TestCompressPublisher : Publisher<TestCompressConfig>
{
    public override string Type => "compress";

    protected override Task<IReadOnlyList<Artifact>> PublishAsync(TestCompressConfig config, BuildState state, IReadOnlyList<Artifact> inputs, CancellationToken cancellationToken) =>
        Task.FromResult(inputs);
}
