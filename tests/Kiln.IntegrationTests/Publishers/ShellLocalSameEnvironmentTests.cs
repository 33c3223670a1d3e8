using Kiln.Engine;
using Kiln.Provisioners;
using Kiln.Publishers;
using Kiln.Testing;

namespace Kiln.IntegrationTests.Publishers;

/// <summary>The shell-local provisioner and publisher are one implementation: their commands see the same build values.</summary>
public sealed class ShellLocalSameEnvironmentTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Provisioner_and_publisher_set_the_same_build_variables_and_KILN_OUTPUT_is_absolute()
    {
        using var build = new PublishTestBuild(image: "web", source: "qemu");
        // A build whose output folder is given relative to the working directory.
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, build.Context.OutputDirectory);
        Assert.False(Path.IsPathRooted(relative));
        var state = new PublishTestState(build.Context with { OutputDirectory = relative });
        // KILN_ARTIFACT_* is the publisher's own; KILN_LEDGER_PROCESS marks each process for the sweep, so it differs.
        static string Dump(string file) => $"env | grep -E '^(KILN|PACKER)_' | grep -v -E '^(KILN_ARTIFACT_|KILN_LEDGER_PROCESS=)' | sort > {file}";

        await ((IProvisioner)new ShellLocalProvisioner()).RunAsync(
            new Kiln.Provisioners.ShellLocalConfig { Options = new() { Command = Dump("provisioner.env") } }, state, Token);
        await ((IPublisher)new ShellLocalPublisher()).PublishAsync(
            new Kiln.Publishers.ShellLocalConfig { Options = new() { Command = Dump("publisher.env") } }, state, [PublishTestBuild.ArtifactOf("qemu", "img")], Token);

        var directory = Path.GetDirectoryName(build.Context.Image.FilePath)!;
        var provisioner = await File.ReadAllLinesAsync(Path.Combine(directory, "provisioner.env"), Token);
        var publisher = await File.ReadAllLinesAsync(Path.Combine(directory, "publisher.env"), Token);
        Assert.Equal(provisioner, publisher);
        Assert.Contains($"KILN_OUTPUT={build.Context.OutputDirectory}", provisioner);
        Assert.Contains("KILN_BUILD_NAME=web.qemu", provisioner);
        Assert.Contains("PACKER_BUILD_NAME=web.qemu", provisioner);
        Assert.Contains("PACKER_BUILDER_TYPE=qemu", provisioner);
        Assert.Contains($"KILN_RUN_ID={build.Context.RunId}", provisioner);
    }
}
