using Kiln.Components;
using Kiln.Diagnostics;
using Kiln.Images;
using Kiln.Targets;
using Spectre.Console.Testing;

namespace Kiln.Tests.Images;

/// <summary>
/// Command-line input is checked before any work starts: a mistyped --templates, an --output that cannot be written
/// or an --image that matches nothing ends the build with a clear error and exit code 2, before a VM could boot.
/// </summary>
public sealed class InputCheckTests : IDisposable
{
    private readonly DirectoryInfo _repository = Directory.CreateTempSubdirectory("kiln-inputs-");

    public InputCheckTests() => Directory.CreateDirectory(Path.Combine(_repository.FullName, ".git"));

    public void Dispose() => _repository.Delete(recursive: true);

    [Theory]
    [InlineData("--templates", "{root}/nonexistent", "the templates folder '{root}/nonexistent' does not exist")]
    [InlineData("--output", "{root}/a-file/images", "the output folder '{root}/a-file/images' cannot be written")]
    [InlineData("--image", "nosuch", "no definition matches --image 'nosuch'")]
    public async Task Bad_input_is_a_usage_error_before_any_build_starts(string option, string value, string expected)
    {
        var root = _repository.FullName;
        await File.WriteAllTextAsync(Path.Combine(root, "a-file"), "not a folder", TestContext.Current.CancellationToken);
        var console = new TestConsole().Width(200);
        var host = new BuildHost(console, new HostEnvironment(new Dictionary<string, string>(), root, isTerminal: false));

        var exitCode = await host.RunAsync(new ImagesBuild(), ["BuildImages", option, value.Replace("{root}", root, StringComparison.Ordinal), "--no-logo"], cancellationToken: TestContext.Current.CancellationToken)
            .WaitAsync(TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken);

        Assert.True(exitCode == 2, console.Output);
        Assert.Contains("error: ValidateImages failed: " + expected.Replace("{root}", root, StringComparison.Ordinal), console.Output, StringComparison.Ordinal);
        Assert.Contains("hint: ", console.Output, StringComparison.Ordinal);
        Assert.Equal(TargetStatus.NotRun, host.LastResult!["BootImages"].Status);
        // Nothing was started, so nothing was recorded.
        Assert.False(Directory.Exists(Path.Combine(root, ".kiln", "ledger")));
    }

    [Fact]
    public void Without_templates_and_with_none_named_the_embedded_default_is_built()
    {
        var definitions = KilnImages.Load(new ImageBuildSettings { WorkingDirectory = _repository.FullName, Environment = new Dictionary<string, string>() });

        Assert.Equal(KilnImages.DefaultDefinitionFile, Path.GetFileName(Assert.Single(definitions.Images).FilePath));
    }

    [Fact]
    public void A_named_templates_folder_must_exist()
    {
        var error = Assert.Throws<KilnException>(() => KilnImages.Load(new ImageBuildSettings { WorkingDirectory = _repository.FullName, Templates = "templtes" }));

        Assert.Contains("templtes' does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_output_folder_that_cannot_be_written_is_found_with_the_option_that_fixes_it()
    {
        File.WriteAllText(Path.Combine(_repository.FullName, "a-file"), "not a folder");
        var settings = new ImageBuildSettings { WorkingDirectory = _repository.FullName, Output = "a-file/images", Environment = new Dictionary<string, string>() };
        var definitions = KilnImages.Load(settings);

        var problem = Assert.Single(BuildPreflight.Check(settings, definitions, ImageSelection.From(definitions, settings)), p => p.Message.Contains("output folder", StringComparison.Ordinal));

        Assert.Contains("--output", problem.Hint, StringComparison.Ordinal);
    }

    private sealed class ImagesBuild : KilnBuild, IKilnImages
    {
        public Target Compile => _ => _.Executes(() => { });
    }
}
