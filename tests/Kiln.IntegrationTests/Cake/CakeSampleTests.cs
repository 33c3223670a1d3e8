using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Kiln.IntegrationTests.Ci;
using Kiln.IntegrationTests.Docker;

namespace Kiln.IntegrationTests.Cake;

/// <summary>
/// samples/cake/build.cake under the real Cake (Cake.Tool 7.0.0 from the sample's tool manifest), loading Kiln as an
/// addin from a package packed from this build. The sample is copied to a temporary folder so Cake's tools/ and
/// output/ never land in the repository.
/// </summary>
public sealed class CakeSampleTests : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("kiln-cake-").FullName;

#if DEBUG
    private const string Configuration = "Debug";
#else
    const string Configuration = "Release";
#endif

    private string Packages => Path.Combine(_folder, "packages");

    private string Sample => Path.Combine(_folder, "sample");

    public async ValueTask InitializeAsync()
    {
        CopyDirectory(Path.Combine(WorkflowParser.Root, "samples", "cake"), Sample);
        var project = Path.Combine(WorkflowParser.Root, "src", "Kiln", "Kiln.csproj");
        // Packs what this test run was built from, without rebuilding it under other tests' feet.
        await RunCheckedAsync("dotnet", ["pack", project, "--no-build", "--configuration", Configuration, "--output", Packages], WorkflowParser.Root);
        await RunCheckedAsync("dotnet", ["tool", "restore"], Sample);
    }

    [Fact]
    public async Task The_sample_validates_and_inspects_its_images_under_the_real_Cake()
    {
        var (exitCode, output) = await CakeAsync("InspectImages");

        Assert.True(exitCode == 0, output);
        Assert.Contains("image definitions are valid (1 checked)", output, StringComparison.Ordinal);
        Assert.Contains("tiny", output, StringComparison.Ordinal);
        Assert.Contains("local", output, StringComparison.Ordinal);
    }

    /// <summary>A real qemu (TCG) build: minutes with Kiln's base-image cache warm, longer the first time (mmdebstrap).</summary>
    [Fact]
    public async Task The_sample_builds_verifies_and_records_an_image_under_the_real_Cake()
    {
        var (exitCode, output) = await CakeAsync("BuildImages");

        Assert.True(exitCode == 0, output);
        var disk = Path.Combine(Sample, "output", "images", "tiny", "local", "tiny.qcow2");
        Assert.True(File.Exists(disk), output);
        var check = await RunAsync("qemu-img", ["check", disk], Sample);
        Assert.True(check.ExitCode == 0, check.Output);
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(Sample, "output", "images", "manifest.json")))!;
        var build = Assert.Single(manifest["builds"]!.AsArray())!;
        Assert.Equal(manifest["last_run_uuid"]!.GetValue<string>(), build["packer_run_uuid"]!.GetValue<string>());
        Assert.Contains(build["files"]!.AsArray(), f => f!["name"]!.GetValue<string>().EndsWith("tiny.qcow2", StringComparison.Ordinal));
        Assert.Contains("manifest: ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_broken_definition_fails_the_Cake_build_with_its_location()
    {
        var definition = Path.Combine(Sample, "templates", "tiny.kiln.yaml");
        File.WriteAllText(definition, File.ReadAllText(definition).Replace("memory: 512", "memory: lots", StringComparison.Ordinal));

        var (exitCode, output) = await CakeAsync("ValidateImages");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("tiny.kiln.yaml:", output, StringComparison.Ordinal);
        Assert.Contains("memory", output, StringComparison.Ordinal);
    }

    /// <summary>Cake colours the arguments of its log calls; the escapes are removed so the text reads as printed.</summary>
    private async Task<(int ExitCode, string Output)> CakeAsync(string target)
    {
        var (exitCode, output) = await RunAsync("dotnet", ["cake", "build.cake", $"--target={target}", $"--nuget_source={Packages}", "--verbosity=normal"], Sample);
        return (exitCode, Regex.Replace(output, @"\x1b\[[0-9;]*m", ""));
    }

    private async Task RunCheckedAsync(string file, IReadOnlyList<string> arguments, string workingDirectory)
    {
        var (exitCode, output) = await RunAsync(file, arguments, workingDirectory);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited with {exitCode}:\n{output}");
        }
    }

    private static Task<(int ExitCode, string Output)> RunAsync(string file, IReadOnlyList<string> arguments, string workingDirectory) =>
        ProcessRunner.RunAsync(file, arguments, TimeSpan.FromMinutes(20), TestContext.Current.CancellationToken, workingDirectory);

    private static void CopyDirectory(string source, string destination)
    {
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(source, file);
            if (relative.StartsWith("tools", StringComparison.Ordinal) || relative.StartsWith("output", StringComparison.Ordinal))
            {
                continue;
            }

            var target = Path.Combine(destination, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    public ValueTask DisposeAsync()
    {
        Directory.Delete(_folder, recursive: true);
        return ValueTask.CompletedTask;
    }
}
